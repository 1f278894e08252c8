#include "db/copy_text.hpp"

#include <charconv>

namespace rowshift::db::copy_text {

void append_null(std::string& out) { out += "\\N"; }

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_double(std::string& out, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  out.append(buf, r.ptr);
}

std::string format_double(double v) {
  std::string s;
  append_double(s, v);
  return s;
}

void append_text(std::string& out, std::string_view text) {
  // Copy runs of ordinary bytes at once; only four bytes need an escape.
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char* esc = nullptr;
    switch (text[i]) {
      case '\\': esc = "\\\\"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      default: continue;
    }
    out.append(text.data() + start, i - start);
    out += esc;
    start = i + 1;
  }
  out.append(text.data() + start, text.size() - start);
}

void append_bytea(std::string& out, const unsigned char* bytes, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  out += "\\\\x";  // bytea's hex input form, its backslash escaped for COPY
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
}

void append_value(std::string& out, const Value& v) {
  if (v.is_null()) return append_null(out);
  if (v.is_int()) return append_int(out, v.as_int());
  if (v.is_double()) return append_double(out, v.as_double());
  if (v.is_text()) return append_text(out, v.as_text());
  const auto& b = v.as_blob().bytes;
  append_bytea(out, b.data(), b.size());
}

}  // namespace rowshift::db::copy_text
