// rowshift/value.hpp — the values that travel between databases and C++ code.
//
// A Value is one SQL value: NULL, a 64-bit integer, a double, text (UTF-8 bytes)
// or a blob. A Row is a list of values with the column names shared by all rows
// of one query, so transform callbacks can read columns by name.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace rowshift {

// Binary data: a BLOB (SQLite) or bytea (PostgreSQL), byte for byte.
struct Blob {
  std::vector<unsigned char> bytes;
  friend bool operator==(const Blob&, const Blob&) = default;
};

// One SQL value; see the top of this file. Compared with ==, type and value alike.
class Value {
 public:
  using Storage = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;

  Value() = default;  // NULL
  Value(std::nullptr_t) {}
  // Any integer type (bool is 0 or 1); an unsigned value above INT64_MAX throws
  // Error(permanent) rather than wrap around. (char is left out: a character, or a
  // number? Write std::string(1, c) or int(c).)
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, char>, int> = 0>
  Value(T v) : v_(checked_int(v)) {}
  // An empty optional is NULL.
  template <typename T>
  Value(const std::optional<T>& v) : Value(v ? Value(*v) : Value()) {}
  Value(double v) : v_(v) {}
  Value(std::string v) : v_(std::move(v)) {}
  Value(std::string_view v) : v_(std::string(v)) {}
  Value(const char* v) : v_(std::string(v)) {}
  Value(Blob v) : v_(std::move(v)) {}

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_int() const { return std::holds_alternative<std::int64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_text() const { return std::holds_alternative<std::string>(v_); }
  bool is_blob() const { return std::holds_alternative<Blob>(v_); }

  // Accessors throw rowshift::Error (permanent) when the value has another type;
  // as_double() also accepts integers.
  std::int64_t as_int() const;
  double as_double() const;
  const std::string& as_text() const;
  const Blob& as_blob() const;

  // The value itself, for std::visit.
  const Storage& storage() const { return v_; }
  // A short human-readable rendering (text quoted, blobs as x'..'), for messages.
  std::string debug_string() const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  template <typename T>
  static std::int64_t checked_int(T v) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      if (v > static_cast<T>(std::numeric_limits<std::int64_t>::max())) out_of_range(static_cast<unsigned long long>(v));
    }
    return static_cast<std::int64_t>(v);
  }
  [[noreturn]] static void out_of_range(unsigned long long v);

  Storage v_;
};

// A row's values, or a key's, in column order.
using Values = std::vector<Value>;

// One row of a query: values plus the column names shared by the whole result. In a
// transform callback the row also knows which of its columns are the migration's key, so
// that a failing read names the row.
class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> names, Values values,
      std::shared_ptr<const std::vector<std::size_t>> key_columns = nullptr)
      : names_(std::move(names)), values_(std::move(values)), key_(std::move(key_columns)) {}

  // By name; throws rowshift::Error (permanent) naming the column when it does not exist.
  const Value& operator[](std::string_view column) const;
  // By position (0-based); throws std::out_of_range past the end.
  const Value& at(std::size_t i) const { return values_.at(i); }
  std::size_t size() const { return values_.size(); }
  const std::vector<std::string>& columns() const { return *names_; }
  const Values& values() const { return values_; }

  // Typed reads that name the column and the row when they fail:
  //   column "name" of the row with key (3): value is NULL, not text
  // T is std::int64_t, double, std::string or Blob (NULL is an error), or std::optional
  // of one of them (NULL is nullopt). Integers read as double; nothing else converts.
  template <typename T>
  T get(std::string_view column) const;

  // "the row with key (3)", or "the row (1, 'a', ...)" when the key is not known.
  std::string describe() const;

 private:
  std::shared_ptr<const std::vector<std::string>> names_;
  Values values_;
  std::shared_ptr<const std::vector<std::size_t>> key_;
};

}  // namespace rowshift
