#include "run/row_matcher.hpp"
#include "db/sql.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/canonical.hpp"
#include "core/hash.hpp"
#include "rowshift/error.hpp"

namespace rowshift {
namespace {

std::uint64_t row_hash(const Values& row) {
  core::Hasher h;
  for (const auto& v : row) h.add(v);
  return h.digest();
}

// A value for a one-line message: long text and blobs are cut.
std::string shown(const Value& v) {
  std::string s = v.debug_string();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

}  // namespace

RowMatcher::RowMatcher(std::vector<std::string> columns, const std::vector<std::string>& key)
    : columns_(std::move(columns)) {
  for (const auto& k : key) {
    auto it = std::find(columns_.begin(), columns_.end(), k);
    if (it == columns_.end()) throw Error(ErrorKind::config, "target key column " + db::quote_ident(k) + " is not a target column");
    key_at_.push_back(static_cast<std::size_t>(it - columns_.begin()));
  }
}

Values RowMatcher::key_of(const Values& row) const {
  Values key;
  key.reserve(key_at_.size());
  for (std::size_t i : key_at_) key.push_back(row.at(i));
  return key;
}

std::string RowMatcher::describe(const Values& key) const {
  std::string s = "(";
  for (std::size_t i = 0; i < key.size(); ++i) s += (i ? ", " : "") + shown(key[i]);
  return s + ")";
}

std::vector<Values> RowMatcher::keys_of(const std::vector<Values>& rows) const {
  std::vector<Values> keys;
  std::unordered_set<std::string> seen;
  for (const auto& row : rows) {
    Values key = key_of(row);
    if (std::any_of(key.begin(), key.end(), [](const Value& v) { return v.is_null(); })) continue;
    if (seen.insert(core::canonical(key)).second) keys.push_back(std::move(key));
  }
  return keys;
}

RangeComparison RowMatcher::compare(const std::vector<Values>& expected, const std::vector<Values>& found) const {
  RangeComparison out;
  // The found rows by canonical key; each may pair with one expected row.
  std::unordered_multimap<std::string, std::size_t> by_key;
  std::vector<std::string> found_form;
  found_form.reserve(found.size());
  for (std::size_t i = 0; i < found.size(); ++i) {
    by_key.emplace(core::canonical(key_of(found[i])), i);
    found_form.push_back(core::canonical(found[i]));
  }
  std::vector<bool> paired(found.size(), false);
  auto note = [&](std::string what) {
    if (out.first_difference.empty()) out.first_difference = std::move(what);
  };
  for (const auto& row : expected) {
    ++out.expected;
    out.source_hash += row_hash(row);
    const Values key = key_of(row);
    const std::string form = core::canonical(row);
    auto [lo, hi] = by_key.equal_range(core::canonical(key));
    std::size_t equal = found.size(), other = found.size();
    for (auto it = lo; it != hi && equal == found.size(); ++it) {
      if (paired[it->second]) continue;
      if (found_form[it->second] == form) equal = it->second;
      else if (other == found.size()) other = it->second;
    }
    if (equal != found.size()) {
      paired[equal] = true;
      ++out.matched;
      out.target_hash += row_hash(found[equal]);
      continue;
    }
    if (other == found.size()) {
      ++out.missing;
      note("key " + describe(key) + " is not in the target");
      continue;
    }
    paired[other] = true;
    ++out.changed;
    out.target_hash += row_hash(found[other]);
    const Values& got = found[other];
    for (std::size_t c = 0; c < row.size() && c < got.size(); ++c) {
      if (core::canonical(row[c]) == core::canonical(got[c])) continue;
      note("key " + describe(key) + ": column \"" + columns_[c] + "\" is " + shown(got[c]) + " in the target, " +
           shown(row[c]) + " from the source");
      break;
    }
  }
  return out;
}

}  // namespace rowshift
