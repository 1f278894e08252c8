#include "core/canonical.hpp"

#include <charconv>
#include <cmath>

namespace rowshift::core {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "-?(0|[1-9][0-9]*)(\.[0-9]+)?": what PostgreSQL prints for numeric and integers.
// Leading zeros and exponents are not accepted: "007" or "1e5" stored as text are words.
bool plain_decimal(const std::string& s) {
  std::size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  std::size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  std::size_t int_digits = i - start;
  if (int_digits == 0 || (int_digits > 1 && s[start] == '0')) return false;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  std::size_t frac = ++i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i == s.size() && i > frac;
}

// digits (no point, no sign) with the decimal point after `point` of them (may be <= 0
// or beyond the digits), written as a plain decimal without redundant zeros.
std::string plain(bool negative, const std::string& digits, long point) {
  std::string int_part, frac_part;
  const long n = static_cast<long>(digits.size());
  if (point <= 0) {
    int_part = "0";
    frac_part = std::string(static_cast<std::size_t>(-point), '0') + digits;
  } else if (point >= n) {
    int_part = digits + std::string(static_cast<std::size_t>(point - n), '0');
  } else {
    int_part = digits.substr(0, static_cast<std::size_t>(point));
    frac_part = digits.substr(static_cast<std::size_t>(point));
  }
  std::size_t lead = int_part.find_first_not_of('0');
  int_part = lead == std::string::npos ? "0" : int_part.substr(lead);
  std::size_t last = frac_part.find_last_not_of('0');
  frac_part = last == std::string::npos ? "" : frac_part.substr(0, last + 1);
  std::string out = int_part + (frac_part.empty() ? "" : "." + frac_part);
  return negative && out != "0" ? "-" + out : out;
}

// A plain decimal or a shortest round-trip double ("1.5e-07"), normalised.
std::string normalise(const std::string& s) {
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  std::string digits;
  long point = -1;
  for (; i < s.size() && (is_digit(s[i]) || s[i] == '.'); ++i) {
    if (s[i] == '.') point = static_cast<long>(digits.size());
    else digits += s[i];
  }
  if (point < 0) point = static_cast<long>(digits.size());
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) point += std::strtol(s.c_str() + i + 1, nullptr, 10);
  return plain(negative, digits, point);
}

std::string number(double d) {
  if (std::isnan(d)) return "#nan";
  if (std::isinf(d)) return d > 0 ? "#inf" : "#-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);  // shortest form that reads back as d
  return "#" + normalise(std::string(buf, res.ptr));
}

}  // namespace

std::string canonical(const Value& v) {
  if (v.is_null()) return "N";
  if (v.is_int()) return "#" + std::to_string(v.as_int());
  if (v.is_double()) return number(v.as_double());
  if (v.is_text()) {
    const std::string& t = v.as_text();
    if (plain_decimal(t)) return "#" + normalise(t);
    // PostgreSQL's spelling of the non-finite float and numeric values.
    if (t == "NaN") return "#nan";
    if (t == "Infinity") return "#inf";
    if (t == "-Infinity") return "#-inf";
    return "T" + t;
  }
  const auto& b = v.as_blob().bytes;
  return "B" + std::string(b.begin(), b.end());
}

std::string canonical(const Values& values) {
  std::string out;
  for (const auto& v : values) {
    std::string c = canonical(v);
    out += std::to_string(c.size()) + ":" + c;
  }
  return out;
}

}  // namespace rowshift::core
