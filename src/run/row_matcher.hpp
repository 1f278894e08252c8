// verify's comparison of one key range: the rows the source produces for it (after the
// column expressions or the transform) against the target rows found by their keys.
//
// Rows are paired by their target key and compared value by value in canonical form
// (core/canonical.hpp), so neither side's collation, row order or numeric type
// decides the answer. A target key may repeat (a 1:N transform keyed by its source
// key): the rows of one key are then paired as multisets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rowshift/value.hpp"

namespace rowshift {

struct RangeComparison {
  std::int64_t expected = 0;  // rows the source produces
  std::int64_t matched = 0;   // of those, found in the target with every value equal
  std::int64_t changed = 0;   // found by key, some value differs
  std::int64_t missing = 0;   // no target row with their key
  std::uint64_t source_hash = 0, target_hash = 0;  // sums of row hashes: expected, paired target rows
  std::string first_difference;                    // the first row that differs, "" when none
  bool ok() const { return changed == 0 && missing == 0; }
};

class RowMatcher {
 public:
  // columns: the target columns, in the order both row lists hold them; key: the
  // target key columns (each one of `columns`).
  RowMatcher(std::vector<std::string> columns, const std::vector<std::string>& key);

  // The distinct keys of `rows` (first appearance first), to look up in the target.
  // Keys holding NULL are left out: no target row is found by = NULL.
  std::vector<Values> keys_of(const std::vector<Values>& rows) const;

  RangeComparison compare(const std::vector<Values>& expected, const std::vector<Values>& found) const;

 private:
  Values key_of(const Values& row) const;
  std::string describe(const Values& key) const;

  std::vector<std::string> columns_;
  std::vector<std::size_t> key_at_;  // positions of the key columns in a row
};

}  // namespace rowshift
