// libFuzzer target: parse_url must either return or throw rowshift::Error, never crash,
// and nothing it prints may show a password.
//
// Two checks. (1) Any input: a password it parsed never shows unmasked in redacted().
// (2) Inputs starting with '!': the second byte picks one of the forms the adversarial
// tests found leaking (user:pass@, ?password=, ?passwd= and misspelt keys, key=value
// strings, URLs that fail to parse), and the rest is the password, put between the
// markers "zq" and "qz" that no form holds. Neither marker may appear in redacted() or
// in any error message, whatever the password holds (raw '/', '@', ':', '%', spaces).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "db/url.hpp"
#include "rowshift/error.hpp"

namespace {

const char* const kForms[] = {
    "postgresql://app:{P}@db.example:5432/shop",
    "postgresql://app:{P}@db.example/shop?sslmode=require",
    "postgres://app:{P}@[::1]:5432/shop",
    "postgresql://db.example/shop?password={P}",
    "postgresql://db.example/shop?passwd={P}",
    "postgresql://db.example/shop?sslmode=require&pasword={P}",
    "host=db.example password={P} dbname=shop",
    "host=db.example password='{P}' dbname=shop",
    "host=db.example passwd={P} dbname=shop",
    "postgresql://app:{P}@[::1:5432/shop",
    "postgresql://app:{P}@db.example:99999/shop",
    "postgresql://app:{P}@db.example:54x2/shop",
    "postgresql://app:{P}@db.example/shop?sslmode",
    "postgresql://app:{P}@db.example/sh%zzop",
};

bool leaks(const std::string& text) {
  return text.find("zq") != std::string::npos || text.find("qz") != std::string::npos;
}

void check_form(const std::string& text) {
  try {
    auto url = rowshift::db::parse_url(text);
    if (leaks(url.redacted())) std::abort();
  } catch (const rowshift::Error& e) {
    if (e.kind() != rowshift::ErrorKind::config) std::abort();
    if (leaks(e.what())) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (size >= 2 && text[0] == '!') {
    const std::string form = kForms[static_cast<unsigned char>(text[1]) % (sizeof kForms / sizeof kForms[0])];
    std::string password = "zq" + text.substr(2) + "qz";
    // The markers must stand only where the password does.
    if (text.find("zq", 2) != std::string::npos || text.find("qz", 2) != std::string::npos) return 0;
    // In a key=value string, a space ends an unquoted value and a quote or backslash a
    // quoted one: such a "password" is, to libpq as to rowshift, a password and more
    // keys, which may be shown. Only unambiguous passwords are checked there.
    if (form.find("://") == std::string::npos &&
        password.find_first_of(form.find("'{P}'") != std::string::npos ? std::string("'\\") : std::string(" \t\n\r\f\v'\\")) !=
            std::string::npos) {
      return 0;
    }
    // Likewise a raw '&' or '#' ends a query value.
    if (form.find("={P}") != std::string::npos && form.find("://") != std::string::npos &&
        password.find_first_of("&#") != std::string::npos) {
      return 0;
    }
    std::string url = form;
    url.replace(url.find("{P}"), 3, password);
    check_form(url);
    return 0;
  }
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
