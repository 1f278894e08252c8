// verify's canonical value form: equal numbers agree whatever type holds them, a changed
// number or a word that only looks like one does not.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/canonical.hpp"

using rowshift::Blob;
using rowshift::Value;
using rowshift::core::canonical;

TEST(Canonical, NumbersAgreeByExactDecimalValue) {
  EXPECT_EQ(canonical(Value(0.1)), canonical(Value("0.10")));       // REAL into numeric(10,2)
  EXPECT_EQ(canonical(Value(2)), canonical(Value(2.0)));            // INTEGER into REAL
  EXPECT_EQ(canonical(Value(2)), canonical(Value("2.000")));        // into numeric(10,3)
  EXPECT_EQ(canonical(Value(1e20)), canonical(Value("100000000000000000000")));
  EXPECT_EQ(canonical(Value(1.5e-7)), canonical(Value("0.00000015")));
  EXPECT_EQ(canonical(Value(-0.0)), canonical(Value(0)));
  EXPECT_EQ(canonical(Value("-0.0")), canonical(Value(0)));
  EXPECT_EQ(canonical(Value(0.30000000000000004)), canonical(Value("0.30000000000000004")));
  EXPECT_EQ(canonical(Value(std::numeric_limits<double>::infinity())), canonical(Value("Infinity")));
  EXPECT_EQ(canonical(Value(std::nan(""))), canonical(Value("NaN")));
}

TEST(Canonical, ChangedNumbersAndWordsDiffer) {
  EXPECT_NE(canonical(Value(0.125)), canonical(Value("0.13")));  // rounded by numeric(10,2)
  EXPECT_NE(canonical(Value(9007199254740993LL)), canonical(Value(9007199254740992.0)));
  EXPECT_NE(canonical(Value("0.1000000000000000001")), canonical(Value(0.1)));  // lost in a REAL
  EXPECT_NE(canonical(Value("007")), canonical(Value(7)));   // leading zeros: a word
  EXPECT_NE(canonical(Value("1e5")), canonical(Value(100000)));  // exponents: a word
  EXPECT_NE(canonical(Value("")), canonical(Value()));       // empty text is not NULL
  EXPECT_NE(canonical(Value("ab")), canonical(Value(Blob{{'a', 'b'}})));
  EXPECT_NE(canonical(Value(Blob{})), canonical(Value()));
  EXPECT_NE(canonical(Value("1.")), canonical(Value(1)));
  EXPECT_NE(canonical(Value("-")), canonical(Value(0)));
}

TEST(Canonical, ListsAreLengthPrefixed) {
  using rowshift::Values;
  EXPECT_NE(canonical(Values{Value("ab"), Value("c")}), canonical(Values{Value("a"), Value("bc")}));
  EXPECT_EQ(canonical(Values{Value(1), Value("x")}), canonical(Values{Value(1.0), Value("x")}));
}
