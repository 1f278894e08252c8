#include "db/postgres_values.hpp"

#include <cstdlib>

#include "db/copy_text.hpp"
#include "db/pg_types.hpp"

namespace rowshift::db::pg {
namespace {

using namespace pg_type;  // the types that need more than text

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

}  // namespace

Value to_value(const pqxx::field& f, pqxx::oid type) {
  if (f.is_null()) return Value();
  const char* s = f.c_str();
  switch (type) {
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
      return Value(std::strtoll(s, nullptr, 10));
    case kFloat4:
    case kFloat8:
      return Value(std::strtod(s, nullptr));
    case kBool:
      return Value(s[0] == 't' ? 1 : 0);
    case kBytea: {
      Blob b;
      std::size_t n = f.size();
      if (n >= 2 && s[0] == '\\' && s[1] == 'x') {
        b.bytes.reserve((n - 2) / 2);
        for (std::size_t i = 2; i + 1 < n; i += 2) {
          b.bytes.push_back(static_cast<unsigned char>(hex(s[i]) * 16 + hex(s[i + 1])));
        }
      } else {
        b.bytes.assign(s, s + n);
      }
      return Value(std::move(b));
    }
    default:
      return Value(std::string(s, f.size()));  // text, numeric (exact), dates, json, ...
  }
}

std::optional<std::string> to_text(const Value& v) {
  if (v.is_null()) return std::nullopt;
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_double()) return copy_text::format_double(v.as_double());
  if (v.is_text()) return v.as_text();
  static const char* digits = "0123456789abcdef";
  std::string out = "\\x";
  for (unsigned char c : v.as_blob().bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace rowshift::db::pg
