#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "keys/key_codec.hpp"
#include "rowshift/error.hpp"

using namespace rowshift;
using namespace rowshift::keys;

TEST(KeyCodec, RoundTripsEveryType) {
  Blob b;
  b.bytes = {0, 1, 0xfe, 0xff};
  Values key = {Value(42), Value(-9007199254740993LL), Value(2.5), Value(3.0), Value("a\"b\\c\n\x01 ✓"),
                Value(std::string("\xff\xfe bad utf8")), Value(), Value(b)};
  std::string text = keys::encode_key(key);
  Values back = keys::decode_key(text);
  ASSERT_EQ(back.size(), key.size());
  for (std::size_t i = 0; i < key.size(); ++i) EXPECT_EQ(back[i], key[i]) << i << " in " << text;
  EXPECT_TRUE(back[3].is_double()) << "3.0 must stay a double";
}

TEST(KeyCodec, EmptyKey) { EXPECT_TRUE(keys::decode_key(keys::encode_key({})).empty()); }

TEST(KeyCodec, CorruptedTextIsAConfigError) {
  for (const char* bad : {"", "[", "[1,", "[\"abc]", "[1] x", "[{\"y\":\"00\"}]", "[{\"x\":\"0\"}]", "[nul]"}) {
    try {
      keys::decode_key(bad);
      FAIL() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::config) << bad;
      EXPECT_NE(std::string(e.what()).find("corrupted key"), std::string::npos);
    }
  }
}

TEST(KeyCodec, DescribeIsReadable) {
  EXPECT_EQ(keys::describe_key({Value(7)}), "7");
  EXPECT_EQ(keys::describe_key({Value("x"), Value(1)}), "('x', 1)");
  EXPECT_EQ(keys::describe_key({Value("o'q\\")}), "'o''q\\'");  // no control character: plain SQL
}

TEST(KeyCodec, DescribeEscapesControlCharactersSoMessagesStayOneLine) {
  // PostgreSQL's E'' form: what is shown can be pasted back into a query.
  EXPECT_EQ(keys::describe_key({Value("a\tb"), Value(1)}), "(E'a\\tb', 1)");
  EXPECT_EQ(keys::describe_key({Value(std::string("x\ny\r\x01\x7f'\\"))}), "E'x\\ny\\r\\x01\\x7f''\\\\'");
  const std::string shown = keys::describe_key({Value("line1\nline2")});
  EXPECT_EQ(shown.find('\n'), std::string::npos);
}

// Issue 14 item 12: a REAL key with a batch boundary at Infinity failed the plan with
// "inf.0 is not a finite number" (exit 1).
TEST(KeyCodec, NonFiniteDoublesRoundTrip) {
  const double inf = std::numeric_limits<double>::infinity();
  auto back = keys::decode_key(keys::encode_key({Value(inf), Value(-inf), Value(std::nan("")), Value(1.5)}));
  ASSERT_EQ(back.size(), 4u);
  EXPECT_EQ(back[0].as_double(), inf);
  EXPECT_EQ(back[1].as_double(), -inf);
  EXPECT_TRUE(std::isnan(back[2].as_double()));
  EXPECT_EQ(back[3].as_double(), 1.5);
}
