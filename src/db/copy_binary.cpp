#include "db/copy_binary.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "db/copy_text.hpp"
#include "db/pg_types.hpp"

namespace rowshift::db::copy_binary {
namespace {

using namespace pg_type;

template <typename T>
void append_be(std::string& out, T v) {
  using U = std::make_unsigned_t<T>;
  U u = static_cast<U>(v);
  char buf[sizeof(T)];
  for (std::size_t i = 0; i < sizeof(T); ++i) buf[i] = static_cast<char>(u >> (8 * (sizeof(T) - 1 - i)));
  out.append(buf, sizeof(T));
}

// A field of a fixed-size type: its length, then its value.
template <typename T>
void append_fixed(std::string& out, T v) {
  append_be<std::int32_t>(out, static_cast<std::int32_t>(sizeof(T)));
  append_be<T>(out, v);
}

void append_field(std::string& out, const char* data, std::size_t n) {
  append_be<std::int32_t>(out, static_cast<std::int32_t>(n));
  out.append(data, n);
}

bool is_text(unsigned type) { return type == kText || type == kVarchar; }

// Days from 1970-01-01 to a date of the proleptic Gregorian calendar, which PostgreSQL
// uses for every date (an era of 400 years is 146097 days).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}
const std::int64_t kDaysTo2000 = days_from_civil(2000, 1, 1);

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// Reads exactly n digits at s[pos]; advances pos.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& value) {
  if (pos + n > s.size()) return false;
  value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += n;
  return true;
}
bool literal(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// YYYY-MM-DD at the start of s, as days since 2000-01-01.
std::optional<std::int64_t> read_date(std::string_view s, std::size_t& pos) {
  int y = 0, m = 0, d = 0;
  if (!digits(s, pos, 4, y) || !literal(s, pos, '-') || !digits(s, pos, 2, m) || !literal(s, pos, '-') ||
      !digits(s, pos, 2, d)) {
    return std::nullopt;
  }
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
  return days_from_civil(y, m, d) - kDaysTo2000;
}

}  // namespace

bool encodes_all(const std::vector<unsigned>& types) {
  return !types.empty() && std::all_of(types.begin(), types.end(), [](unsigned t) {
    return t == kBool || t == kBytea || t == kInt8 || t == kInt2 || t == kInt4 || is_text(t) || t == kFloat8 ||
           t == kDate || t == kTimestamp || t == kTimestamptz;
  });
}

void append_header(std::string& out) {
  out.append("PGCOPY\n\xff\r\n\0", 11);
  append_be<std::int32_t>(out, 0);  // flags: no OIDs
  append_be<std::int32_t>(out, 0);  // no header extension
}

void append_trailer(std::string& out) { append_be<std::int16_t>(out, -1); }

void begin_row(std::string& out, std::size_t fields) {
  append_be<std::int16_t>(out, static_cast<std::int16_t>(fields));
}

void append_null(std::string& out) { append_be<std::int32_t>(out, -1); }

bool append_int(std::string& out, unsigned type, std::int64_t v) {
  switch (type) {
    case kInt8:
      append_fixed<std::int64_t>(out, v);
      return true;
    case kInt4:
      if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max()) return false;
      append_fixed<std::int32_t>(out, static_cast<std::int32_t>(v));
      return true;
    case kInt2:
      if (v < std::numeric_limits<std::int16_t>::min() || v > std::numeric_limits<std::int16_t>::max()) return false;
      append_fixed<std::int16_t>(out, static_cast<std::int16_t>(v));
      return true;
    case kFloat8:  // the text "123" reads as the nearest double, as the conversion rounds
      return append_double(out, type, static_cast<double>(v));
    case kBool:  // the text input takes "0" and "1", and no other number
      if (v != 0 && v != 1) return false;
      append_fixed<std::int8_t>(out, static_cast<std::int8_t>(v));
      return true;
    default:
      if (!is_text(type)) return false;
      std::string s;
      copy_text::append_int(s, v);
      append_field(out, s.data(), s.size());
      return true;
  }
}

bool append_double(std::string& out, unsigned type, double v) {
  if (type == kFloat8) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    append_fixed<std::uint64_t>(out, bits);
    return true;
  }
  if (!is_text(type)) return false;  // a double into an integer column is the text input's call
  std::string s;
  copy_text::append_double(s, v);
  append_field(out, s.data(), s.size());
  return true;
}

bool append_text(std::string& out, unsigned type, std::string_view text) {
  if (is_text(type)) {
    append_field(out, text.data(), text.size());  // the server checks the encoding, as for text
    return true;
  }
  if (type == kTimestamptz || type == kTimestamp) {
    auto us = timestamp_micros(text, type == kTimestamptz);
    if (!us) return false;
    append_fixed<std::int64_t>(out, *us);
    return true;
  }
  if (type == kDate) {
    auto days = date_days(text);
    if (!days) return false;
    append_fixed<std::int32_t>(out, *days);
    return true;
  }
  return false;  // numbers, booleans and bytea written as text: the text input decides
}

bool append_blob(std::string& out, unsigned type, const unsigned char* bytes, std::size_t n) {
  if (type != kBytea) return false;
  append_field(out, reinterpret_cast<const char*>(bytes), n);
  return true;
}

std::optional<std::int64_t> timestamp_micros(std::string_view s, bool with_zone) {
  std::size_t pos = 0;
  auto days = read_date(s, pos);
  if (!days) return std::nullopt;
  constexpr std::int64_t kDay = 86'400'000'000;
  if (pos == s.size()) return *days * kDay;  // a date alone is its midnight
  if (s[pos] != 'T' && s[pos] != ' ') return std::nullopt;
  ++pos;
  int h = 0, mi = 0, sec = 0;
  if (!digits(s, pos, 2, h) || !literal(s, pos, ':') || !digits(s, pos, 2, mi) || !literal(s, pos, ':') ||
      !digits(s, pos, 2, sec)) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || sec > 59) return std::nullopt;  // 24:00:00 and leap seconds: the server's call
  std::int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && n < 7) {
      micros = micros * 10 + (s[pos] - '0');
      ++pos;
      ++n;
    }
    if (n == 0 || n > 6) return std::nullopt;  // more than 6 digits would be rounded
    for (; n < 6; ++n) micros *= 10;
  }
  std::int64_t offset_seconds = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      const int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      if (!digits(s, pos, 2, oh)) return std::nullopt;
      if (pos < s.size()) {
        literal(s, pos, ':');
        if (!digits(s, pos, 2, om)) return std::nullopt;
      }
      if (oh > 14 || om > 59) return std::nullopt;
      offset_seconds = sign * (oh * 3600 + om * 60);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  std::int64_t local = *days * kDay + ((h * 60 + mi) * 60 + sec) * std::int64_t{1'000'000} + micros;
  // Local time = UTC + offset. A timestamp without time zone keeps the wall time.
  return with_zone ? local - offset_seconds * 1'000'000 : local;
}

std::optional<std::int32_t> date_days(std::string_view s) {
  std::size_t pos = 0;
  auto days = read_date(s, pos);
  if (!days || pos != s.size()) return std::nullopt;
  return static_cast<std::int32_t>(*days);
}

}  // namespace rowshift::db::copy_binary
