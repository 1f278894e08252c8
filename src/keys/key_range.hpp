// A batch's key range, below both the planner (which makes them) and the checkpoint store
// (which keeps them, encoded by keys/key_codec.hpp).
#pragma once

#include <string>

#include "rowshift/value.hpp"

namespace rowshift::keys {

// Keys in (lo, hi]; an empty lo means "from the start", an empty hi "to the end", so
// rows inserted after planning with larger keys still fall in the last batch.
struct KeyRange {
  Values lo, hi;
  bool has_lo() const { return !lo.empty(); }
  bool has_hi() const { return !hi.empty(); }
  // lo values then hi values, matching db::range_predicate().
  Values params() const;
  std::string describe() const;  // "(1000..2000]" for people
};

}  // namespace rowshift::keys
