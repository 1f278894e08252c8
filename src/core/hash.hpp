// 64-bit hashing for definition checksums and verify's row checksums.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rowshift/value.hpp"

namespace rowshift::core {

class Hasher {
 public:
  void add(std::string_view bytes);
  void add_tagged(std::string_view bytes);  // length-prefixed: "ab","c" != "a","bc"
  // Adds a value in its canonical form (core/canonical.hpp): numbers by their exact
  // decimal value whatever type holds them, text and blobs by their bytes.
  void add(const Value& v);
  std::uint64_t digest() const;  // finalised (mixed) hash
  std::string hex() const;

 private:
  std::uint64_t h_ = 1469598103934665603ULL;  // FNV-1a offset basis
};

std::string to_hex(std::uint64_t v);

}  // namespace rowshift::core
