#include "keys/key_range.hpp"

#include "keys/key_codec.hpp"

namespace rowshift::keys {

Values KeyRange::params() const {
  Values p = lo;
  p.insert(p.end(), hi.begin(), hi.end());
  return p;
}

std::string KeyRange::describe() const {
  return std::string(has_lo() ? "(" + describe_key(lo) : "(start") + ".." +
         (has_hi() ? describe_key(hi) + "]" : "end)");
}

}  // namespace rowshift::keys
