#include "db/copy_binary.hpp"
#include "db/pg_types.hpp"

#include <gtest/gtest.h>

using namespace rowshift::db::copy_binary;

namespace {

using namespace rowshift::db::pg_type;
constexpr std::int64_t kSecond = 1'000'000;

TEST(CopyBinary, TimestampsInMicrosecondsSince2000) {
  EXPECT_EQ(timestamp_micros("2000-01-01", true), 0);
  EXPECT_EQ(timestamp_micros("2000-01-01T00:00:00Z", true), 0);
  EXPECT_EQ(timestamp_micros("2000-01-01 00:00:01.5", true), kSecond + 500'000);
  EXPECT_EQ(timestamp_micros("1999-12-31 23:59:59.999999", true), -1);
  EXPECT_EQ(timestamp_micros("2000-03-01", true), (31 + 29) * 86'400 * kSecond) << "2000 is a leap year";
  EXPECT_EQ(timestamp_micros("2023-01-01T00:00:17Z", true), 725'846'417 * kSecond);
  EXPECT_EQ(timestamp_micros("0001-01-01", true), -63'082'281'600 * kSecond);
}

TEST(CopyBinary, ZonesMoveTimestamptzAndAreIgnoredByTimestamp) {
  EXPECT_EQ(timestamp_micros("2000-01-01T01:00:00+01:00", true), 0);
  EXPECT_EQ(timestamp_micros("2000-01-01T01:00:00+0100", true), 0);
  EXPECT_EQ(timestamp_micros("2000-01-01T01:00:00+01", true), 0);
  EXPECT_EQ(timestamp_micros("1999-12-31T18:30:00-05:30", true), 0);
  EXPECT_EQ(timestamp_micros("2000-01-01T01:00:00+01:00", false), 3600 * kSecond) << "timestamp keeps the wall time";
  EXPECT_EQ(timestamp_micros("2000-01-01T01:00:00Z", false), 3600 * kSecond);
}

TEST(CopyBinary, AnythingElseIsLeftToTheServer) {
  for (const char* s : {"", "2023-02-29", "2000-13-01", "2000-00-10", "0000-01-01", "20000-01-01", "2000-1-01",
                        "2000-01-01T24:00:00", "2000-01-01T23:59:60", "2000-01-01T00:00", "2000-01-01T00:00:00.",
                        "2000-01-01T00:00:00.1234567", "2000-01-01T00:00:00 Z", "2000-01-01T00:00:00+1",
                        "2000-01-01T00:00:00+15:00", "2000-01-01T00:00:00+01:60", "2000-01-01Z", " 2000-01-01",
                        "2000-01-01 ", "2000-01-01T00:00:00 America/New_York", "epoch", "January 8, 1999"}) {
    EXPECT_FALSE(timestamp_micros(s, true).has_value()) << s;
  }
}

TEST(CopyBinary, DatesInDaysSince2000) {
  EXPECT_EQ(date_days("2000-01-02"), 1);
  EXPECT_EQ(date_days("1999-12-31"), -1);
  EXPECT_EQ(date_days("2024-02-29"), 8825);
  EXPECT_FALSE(date_days("2000-01-01 00:00:00").has_value()) << "the date input would drop the time: the server's call";
  EXPECT_FALSE(date_days("2023-02-29").has_value());
}

TEST(CopyBinary, FieldsInNetworkOrderWithTheirLength) {
  std::string out;
  ASSERT_TRUE(append_int(out, kInt4, -2));
  EXPECT_EQ(out, std::string("\0\0\0\4\xff\xff\xff\xfe", 8));
  out.clear();
  ASSERT_TRUE(append_int(out, kInt2, 258));
  EXPECT_EQ(out, std::string("\0\0\0\2\1\2", 6));
  out.clear();
  ASSERT_TRUE(append_double(out, kFloat8, 1.0));
  EXPECT_EQ(out, std::string("\0\0\0\x08\x3f\xf0\0\0\0\0\0\0", 12));
  out.clear();
  append_null(out);
  EXPECT_EQ(out, std::string("\xff\xff\xff\xff", 4));
  out.clear();
  ASSERT_TRUE(append_int(out, kText, 42)) << "a number into a text column: its decimal text";
  EXPECT_EQ(out, std::string("\0\0\0\2" "42", 6));
}

TEST(CopyBinary, ValuesTheTextInputWouldReadDifferentlyAreRefused) {
  std::string out;
  EXPECT_FALSE(append_int(out, kInt4, 1LL << 31));
  EXPECT_FALSE(append_int(out, kInt2, -32769));
  EXPECT_FALSE(append_int(out, kBool, 2));
  EXPECT_FALSE(append_double(out, kInt8, 4.0)) << "the text input decides what 4.0 is in an integer column";
  EXPECT_FALSE(append_text(out, kInt8, "42"));
  EXPECT_FALSE(append_text(out, kBytea, "\\x41")) << "the text input reads escapes";
  EXPECT_FALSE(append_text(out, kBool, "yes"));
  EXPECT_FALSE(append_blob(out, kText, reinterpret_cast<const unsigned char*>("a"), 1));
  EXPECT_TRUE(out.empty()) << "nothing written for a refused value";
}

TEST(CopyBinary, OnlyTypesItEncodes) {
  EXPECT_TRUE(encodes_all({kInt8, kInt4, kInt2, kFloat8, kText, kBool, kBytea, kTimestamptz}));
  EXPECT_FALSE(encodes_all({kInt8, kFloat4})) << "float4 would round twice";
  EXPECT_FALSE(encodes_all({kInt8, kNumeric}));
  EXPECT_FALSE(encodes_all({}));
}

TEST(CopyBinary, HeaderAndTrailer) {
  std::string out;
  append_header(out);
  EXPECT_EQ(out, std::string("PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0", 19));
  out.clear();
  append_trailer(out);
  EXPECT_EQ(out, std::string("\xff\xff", 2));
}

}  // namespace
