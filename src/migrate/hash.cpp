#include "migrate/hash.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace rowshift::migrate {

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

void Hasher::add(const Value& v) {
  if (v.is_null()) {
    add_tagged("N");
  } else if (v.is_int()) {
    add_tagged("I" + std::to_string(v.as_int()));
  } else if (v.is_double()) {
    double d = v.as_double();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
      add_tagged("I" + std::to_string(static_cast<long long>(d)));
    } else {
      char buf[40];
      std::snprintf(buf, sizeof buf, "D%.17g", d);
      add_tagged(buf);
    }
  } else if (v.is_text()) {
    add_tagged("T");
    add_tagged(v.as_text());
  } else {
    const auto& b = v.as_blob().bytes;
    add_tagged("B");
    add_tagged(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  }
}

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

}  // namespace rowshift::migrate
