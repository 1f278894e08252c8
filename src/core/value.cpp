#include "rowshift/value.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "rowshift/error.hpp"

namespace rowshift {
namespace {
const char* type_name(const Value::Storage& v) {
  static const char* names[] = {"NULL", "integer", "double", "text", "blob"};
  return names[v.index()];
}
[[noreturn]] void wrong_type(const Value::Storage& v, const char* wanted) {
  throw Error(ErrorKind::permanent, std::string("value is ") + type_name(v) + ", not " + wanted);
}
}  // namespace

void Value::out_of_range(unsigned long long v) {
  throw Error(ErrorKind::permanent, "integer " + std::to_string(v) + " does not fit a 64-bit signed integer (" +
                                        "largest " + std::to_string(std::numeric_limits<std::int64_t>::max()) + ")");
}

std::int64_t Value::as_int() const {
  if (auto p = std::get_if<std::int64_t>(&v_)) return *p;
  wrong_type(v_, "integer");
}

double Value::as_double() const {
  if (auto p = std::get_if<double>(&v_)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*p);
  wrong_type(v_, "double");
}

const std::string& Value::as_text() const {
  if (auto p = std::get_if<std::string>(&v_)) return *p;
  wrong_type(v_, "text");
}

const Blob& Value::as_blob() const {
  if (auto p = std::get_if<Blob>(&v_)) return *p;
  wrong_type(v_, "blob");
}

std::string Value::debug_string() const {
  switch (v_.index()) {
    case 0:
      return "NULL";
    case 1:
      return std::to_string(std::get<std::int64_t>(v_));
    case 2: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", std::get<double>(v_));
      return buf;
    }
    case 3: {
      // A plain SQL literal; with a control character in it, PostgreSQL's E'' form, so
      // that a tab or a newline in a key cannot split or blur a one-line message.
      const auto& text = std::get<std::string>(v_);
      const auto is_control = [](unsigned char c) { return c < 0x20 || c == 0x7f; };
      const bool escaped = std::any_of(text.begin(), text.end(), is_control);
      std::string out = escaped ? "E'" : "'";
      for (unsigned char c : text) {
        if (!escaped || !is_control(c)) {
          if (c == '\'') out += '\'';
          if (c == '\\' && escaped) out += '\\';
          out += static_cast<char>(c);
        } else if (c == '\t') {
          out += "\\t";
        } else if (c == '\n') {
          out += "\\n";
        } else if (c == '\r') {
          out += "\\r";
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        }
      }
      return out + "'";
    }
    default: {
      static const char* hex = "0123456789abcdef";
      std::string out = "x'";
      for (unsigned char c : std::get<Blob>(v_).bytes) {
        out += hex[c >> 4];
        out += hex[c & 15];
      }
      return out + "'";
    }
  }
}

const Value& Row::operator[](std::string_view column) const {
  for (std::size_t i = 0; i < names_->size(); ++i) {
    if ((*names_)[i] == column) return values_[i];
  }
  throw Error(ErrorKind::permanent, "no column '" + std::string(column) + "' in " + describe() + " (columns: " +
                                        [this] {
                                          std::string list;
                                          for (const auto& n : *names_) list += (list.empty() ? "" : ", ") + n;
                                          return list;
                                        }() + ")");
}

std::string Row::describe() const {
  std::string out;
  if (key_ && !key_->empty()) {
    for (std::size_t i : *key_) out += (out.empty() ? "" : ", ") + values_.at(i).debug_string();
    return "the row with key (" + out + ")";
  }
  for (std::size_t i = 0; i < values_.size() && i < 3; ++i) out += (i ? ", " : "") + values_[i].debug_string();
  return "the row (" + out + (values_.size() > 3 ? ", ...)" : ")");
}

namespace {

template <typename T>
T read_as(const Value& v) {
  if constexpr (std::is_same_v<T, std::int64_t>) return v.as_int();
  else if constexpr (std::is_same_v<T, double>) return v.as_double();
  else if constexpr (std::is_same_v<T, std::string>) return v.as_text();
  else return v.as_blob();
}

}  // namespace

template <typename T>
T Row::get(std::string_view column) const {
  const Value& v = (*this)[column];
  try {
    if constexpr (std::is_same_v<T, std::optional<std::int64_t>> || std::is_same_v<T, std::optional<double>> ||
                  std::is_same_v<T, std::optional<std::string>> || std::is_same_v<T, std::optional<Blob>>) {
      if (v.is_null()) return std::nullopt;
      return read_as<typename T::value_type>(v);
    } else {
      return read_as<T>(v);
    }
  } catch (const Error& e) {
    throw Error(e.kind(), "column \"" + std::string(column) + "\" of " + describe() + ": " + e.what());
  }
}

template std::int64_t Row::get<std::int64_t>(std::string_view) const;
template double Row::get<double>(std::string_view) const;
template std::string Row::get<std::string>(std::string_view) const;
template Blob Row::get<Blob>(std::string_view) const;
template std::optional<std::int64_t> Row::get<std::optional<std::int64_t>>(std::string_view) const;
template std::optional<double> Row::get<std::optional<double>>(std::string_view) const;
template std::optional<std::string> Row::get<std::optional<std::string>>(std::string_view) const;
template std::optional<Blob> Row::get<std::optional<Blob>>(std::string_view) const;

}  // namespace rowshift
