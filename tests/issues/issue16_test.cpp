// Issue 16, "writing migrations against an installed rowshift": regression tests of the
// items done so far.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>

#include "rowshift/rowshift.hpp"
#include "support/process.hpp"

using namespace rowshift;
using namespace rowshift::testing;

// `Value` could not be built from size_t or uint32_t (ambiguous between int, long and
// long long), nor from an optional. Every integer type converts now, range-checked.
TEST(Issue16, ValueFromEveryIntegerTypeAndOptional) {
  EXPECT_EQ(Value(std::size_t{42}).as_int(), 42);
  EXPECT_EQ(Value(std::uint32_t{4000000000u}).as_int(), 4000000000);
  EXPECT_EQ(Value(std::int8_t{-5}).as_int(), -5);
  EXPECT_EQ(Value(static_cast<unsigned short>(65535)).as_int(), 65535);
  EXPECT_EQ(Value(true).as_int(), 1);
  EXPECT_EQ(Value(std::uint64_t{9223372036854775807ull}).as_int(), std::numeric_limits<std::int64_t>::max());
  try {
    Value v(std::numeric_limits<std::uint64_t>::max());
    FAIL() << "wrapped to " << v.as_int();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::permanent);
    EXPECT_NE(std::string(e.what()).find("integer 18446744073709551615 does not fit a 64-bit signed integer"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(Value(std::optional<int>{}).is_null());
  EXPECT_EQ(Value(std::optional<std::size_t>{7}).as_int(), 7);
  EXPECT_EQ(Value(std::optional<std::string>{"x"}).as_text(), "x");
  EXPECT_EQ(Value(2.5).as_double(), 2.5);
  EXPECT_EQ(Value("text").as_text(), "text");
}

// `rowshift --version` was an unknown flag.
TEST(Issue16, VersionFlag) {
  auto r = run_process({ROWSHIFT_BIN, "--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "rowshift 0.1.0\n");
}
