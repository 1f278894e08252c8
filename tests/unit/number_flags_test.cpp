// The numeric flags' checks: both ends of a range are allowed, one step past either is
// not, and a word where a number belongs is called that, not "out of range".
#include <gtest/gtest.h>

#include "cli/number_flags.hpp"

using rowshift::cli::decimal;
using rowshift::cli::whole_number;

namespace {
std::string check(const CLI::Validator& v, std::string text) { return v(text); }
}  // namespace

TEST(WholeNumberFlag, TakesBothEndsOfItsRange) {
  auto workers = whole_number(1, 256);
  EXPECT_EQ(check(workers, "1"), "");
  EXPECT_EQ(check(workers, "256"), "");
  EXPECT_EQ(check(workers, "0"), "0 is out of range (1 to 256)");
  EXPECT_EQ(check(workers, "257"), "257 is out of range (1 to 256)");
  EXPECT_EQ(check(workers, "-3"), "-3 is out of range (1 to 256)");
  EXPECT_EQ(check(workers, "99999999999999999999"), "99999999999999999999 is out of range (1 to 256)");
}

TEST(WholeNumberFlag, RefusesWhatIsNotAWholeNumber) {
  auto workers = whole_number(1, 256);
  for (const char* text : {"abc", "2x", "1.5", "", " 4", "4 ", "-", "0x10"}) {
    EXPECT_EQ(check(workers, text), "'" + std::string(text) + "' is not a whole number") << text;
  }
}

TEST(DecimalFlag, TakesBothEndsOfItsRange) {
  auto cooldown = decimal(0.01, 86400);
  EXPECT_EQ(check(cooldown, "0.01"), "");
  EXPECT_EQ(check(cooldown, "86400"), "");
  EXPECT_EQ(check(cooldown, "1e3"), "");
  EXPECT_EQ(check(cooldown, "0.009"), "0.009 is out of range (0.01 to 86400)");
  EXPECT_EQ(check(cooldown, "86400.5"), "86400.5 is out of range (0.01 to 86400)");
  EXPECT_EQ(check(cooldown, "1e999"), "1e999 is out of range (0.01 to 86400)");
}

TEST(DecimalFlag, WithoutAnUpperEndSaysOrMore) {
  auto rate = decimal(0);
  EXPECT_EQ(check(rate, "0"), "");
  EXPECT_EQ(check(rate, "1e12"), "");
  EXPECT_EQ(check(rate, "-1"), "-1 is out of range (0 or more)");
}

TEST(DecimalFlag, RefusesWhatIsNotAFiniteNumber) {
  auto rate = decimal(0);
  for (const char* text : {"abc", "inf", "nan", "-inf", "1.2.3", "", "5 rows"}) {
    EXPECT_EQ(check(rate, text), "'" + std::string(text) + "' is not a number") << text;
  }
}
