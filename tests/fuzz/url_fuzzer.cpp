// libFuzzer target: parse_url must either return or throw rowshift::Error, never crash,
// and what it prints must never contain the password it parsed.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "db/url.hpp"
#include "rowshift/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto url = rowshift::db::parse_url(text);
    if (url.password.size() >= 4 && url.redacted().find(url.password) != std::string::npos &&
        url.redacted().find("***") == std::string::npos) {
      std::abort();  // a parsed password shown unmasked
    }
    (void)url.identity();
  } catch (const rowshift::Error& e) {
    if (e.kind() != rowshift::ErrorKind::config) std::abort();
  }
  return 0;
}
