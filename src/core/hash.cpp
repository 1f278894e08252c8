#include "core/hash.hpp"

#include "core/canonical.hpp"

#include <cstdio>

namespace rowshift::core {

void Hasher::add(std::string_view bytes) {
  for (unsigned char c : bytes) {
    h_ ^= c;
    h_ *= 1099511628211ULL;
  }
}

void Hasher::add_tagged(std::string_view bytes) {
  std::string len = std::to_string(bytes.size()) + ":";
  add(std::string_view(len));
  add(bytes);
}

void Hasher::add(const Value& v) { add_tagged(canonical(v)); }

std::uint64_t Hasher::digest() const {
  // splitmix64 finaliser: spreads FNV's weak low bits before hashes are summed.
  std::uint64_t z = h_ + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string to_hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string Hasher::hex() const { return to_hex(digest()); }

}  // namespace rowshift::core
