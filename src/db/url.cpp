// Database URLs: parsing sqlite:, postgresql:// and libpq key=value forms, their
// parameters, env: indirection and redaction of passwords. Longer than ~400 lines on
// purpose: each form's checks name what is wrong with it, and they share one parser.
#include "db/url.hpp"

#include <algorithm>
#include <cctype>
#include <vector>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "rowshift/error.hpp"

namespace rowshift::db {
namespace {

[[noreturn]] void bad(std::string_view shown, const std::string& why) {
  throw Error(ErrorKind::config, "invalid database URL '" + std::string(shown) + "': " + why);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s, std::string_view shown) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) bad(shown, "truncated %-escape");
    int hi = hex_digit(s[i + 1]);
    int lo = hex_digit(s[i + 2]);
    if (hi < 0 || lo < 0) bad(shown, "bad %-escape");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

void parse_query(std::string_view q, DbUrl& url, std::string_view shown) {
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    // Not quoted: after a raw '&' in a password, the part is the password's second half.
    if (eq == std::string_view::npos || eq == 0) bad(shown, "a query parameter is not key=value");
    url.params[percent_decode(part.substr(0, eq), shown)] = percent_decode(part.substr(eq + 1), shown);
  }
}

// One key=value pair of a libpq connection string, with where its value stands.
struct KeywordPair {
  std::string key, value;
  std::size_t value_begin = 0, value_end = 0;  // the raw value, quotes included
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Splits "k1=v1 k2='v 2'" the way libpq does. Returns an error text, empty on success.
// parse_keywords() and the password masking share it, so they can never disagree.
std::string scan_keywords(std::string_view text, std::vector<KeywordPair>& out) {
  std::size_t i = 0;
  auto skip_ws = [&] {
    while (i < text.size() && is_space(text[i])) ++i;
  };
  for (skip_ws(); i < text.size(); skip_ws()) {
    KeywordPair p;
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) p.key += text[i++];
    if (p.key.empty()) return "expected a keyword at offset " + std::to_string(i);
    skip_ws();
    // Offsets, not the text: a password with a space in it would show its second half.
    if (i >= text.size() || text[i] != '=') return "expected '=' after the keyword at offset " + std::to_string(i);
    ++i;
    skip_ws();
    p.value_begin = i;
    if (i < text.size() && text[i] == '\'') {
      for (++i;; ++i) {
        if (i >= text.size()) return "unterminated quote in the value at offset " + std::to_string(p.value_begin);
        if (text[i] == '\\' && i + 1 < text.size()) {
          p.value += text[++i];
          continue;
        }
        if (text[i] == '\'') break;
        p.value += text[i];
      }
      ++i;
    } else {
      while (i < text.size() && !is_space(text[i])) p.value += text[i++];
    }
    p.value_end = i;
    out.push_back(std::move(p));
  }
  return {};
}

// The parameters libpq knows (PostgreSQL 15) whose values are safe to show. A password,
// and any key libpq does not know (a misspelt "passwd" or "pasword" likely holds one),
// is shown as ***.
bool shown_parameter(const std::string& key) {
  static const char* const kShown[] = {
      "host", "hostaddr", "port", "dbname", "user", "connect_timeout", "client_encoding", "options",
      "application_name", "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
      "keepalives_count", "tcp_user_timeout", "replication", "gssencmode", "sslmode", "requiressl", "sslcompression",
      "sslcert", "sslkey", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version",
      "ssl_max_protocol_version", "krbsrvname", "gsslib", "service", "target_session_attrs", "passfile",
      "channel_binding", "load_balance_hosts",
      // sqlite
      "mode", "timeout", "journal_mode"};
  for (const char* k : kShown) {
    if (key == k) return true;
  }
  return false;
}

// key=value form: every password value (and every unknown key's) becomes ***; an
// unparseable string is not shown.
std::string mask_keyword_password(std::string_view text) {
  std::vector<KeywordPair> pairs;
  if (!scan_keywords(text, pairs).empty()) return "(connection string not shown)";
  for (const auto& p : pairs) {
    // A key that is no keyword may be the second half of a password with a space.
    if (!shown_parameter(p.key) && p.key != "password") return "(connection string not shown)";
  }
  std::string out(text);
  for (auto it = pairs.rbegin(); it != pairs.rend(); ++it) {
    if (it->key == "password") out.replace(it->value_begin, it->value_end - it->value_begin, "***");
  }
  return out;
}

// ?key=value&...: values of password and unknown keys become ***.
std::string mask_query(std::string_view q) {
  std::string out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    auto eq = part.find('=');
    std::string key(part.substr(0, eq));
    if (!out.empty() || amp != std::string_view::npos) out += out.empty() ? "" : "&";
    if (eq == std::string_view::npos) out += shown_parameter(key) ? key : "***";
    else out += key + "=" + (shown_parameter(key) ? std::string(part.substr(eq + 1)) : "***");
  }
  return out;
}

// "scheme://" at the very start (a "://" later on may be inside a password).
bool starts_with_scheme(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '+' || text[i] == '.' ||
                             text[i] == '-')) {
    ++i;
  }
  return i > 0 && std::isalpha(static_cast<unsigned char>(text[0])) && text.substr(i, 3) == "://";
}

bool looks_like_keywords(std::string_view text) {
  return !starts_with_scheme(text) && text.find('=') != std::string_view::npos && text.rfind("sqlite:", 0) != 0;
}

// A shown form for error messages that never contains the password.
std::string mask_password(std::string_view url) {
  if (looks_like_keywords(url)) return mask_keyword_password(url);
  if (url.rfind("sqlite:", 0) == 0) return std::string(url);  // no passwords there
  if (!starts_with_scheme(url)) return "(connection string not shown)";
  // The authority ends at the first '/', the user part at its last '@' (as in
  // parse_postgresql), the user name at that part's first ':'. Everything between is
  // masked, also when a stray '?' or '@' makes the URL invalid.
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  std::size_t start = scheme_end + 3;
  // The user part ends at the string's last '@', wherever that is: a password with a raw
  // '/', '?', '#' or '@' in it (which parse_url refuses) is masked whole all the same.
  std::string out(url);
  std::size_t rest = start;  // where the query may begin: after the masked user part
  auto at = url.rfind('@');
  if (at != std::string_view::npos && at > start) {
    // The user part's ':' comes before the path and the query (a ':' after them is the
    // query's, and the '@' then is too).
    auto colon = url.substr(start, at - start).find(':');
    auto path = url.substr(start).find_first_of("/?#");
    if (colon != std::string_view::npos && (path == std::string_view::npos || colon < path)) {
      out = std::string(url.substr(0, start + colon + 1)) + "***" + std::string(url.substr(at));
      rest = start + colon + 4;
    }
  }
  // ?password=..., ?passwd=... and any key libpq does not know.
  auto qm = out.find('?', rest);
  if (qm != std::string::npos) out = out.substr(0, qm + 1) + mask_query(std::string_view(out).substr(qm + 1));
  return out;
}

std::vector<std::pair<std::string, std::string>> attachments_of(const DbUrl& url) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string v = url.param("attach");
  for (std::size_t at = 0; at < v.size();) {
    std::size_t comma = v.find(',', at);
    std::string item = v.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    std::size_t colon = item.find(':');
    out.emplace_back(item.substr(0, colon), colon == std::string::npos ? std::string() : item.substr(colon + 1));
    at = comma == std::string::npos ? v.size() : comma + 1;
  }
  return out;
}

DbUrl parse_sqlite(std::string_view rest, std::string_view shown) {
  DbUrl url;
  url.scheme = Scheme::sqlite;
  if (rest.rfind("//", 0) == 0) rest.remove_prefix(2);  // sqlite://relative or sqlite:///abs
  auto qm = rest.find('?');
  if (qm != std::string_view::npos) {
    parse_query(rest.substr(qm + 1), url, shown);
    rest = rest.substr(0, qm);
  }
  if (rest.empty()) bad(shown, "no file path after 'sqlite:'");
  url.path = percent_decode(rest, shown);
  for (const auto& [k, v] : url.params) {
    if (k == "mode") {
      if (v != "ro" && v != "rw" && v != "rwc") bad(shown, "mode must be ro, rw or rwc");
    } else if (k == "timeout") {
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) bad(shown, "timeout must be milliseconds");
    } else if (k == "journal_mode") {
      static const char* const kModes[] = {"delete", "truncate", "persist", "memory", "wal", "off"};
      const std::string& mode = v;  // clang before 16 cannot capture a structured binding
      if (std::none_of(std::begin(kModes), std::end(kModes), [&](const char* m) { return mode == m; })) {
        bad(shown, "journal_mode must be delete, truncate, persist, memory, wal or off");
      }
    } else if (k == "attach") {
      for (const auto& [name, file] : attachments_of(url)) {
        if (name.empty() || file.empty()) bad(shown, "attach must be NAME:PATH, several separated by commas");
        std::string lower;
        for (char c : name) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        if (lower == "main" || lower == "temp" || lower == "rowshift_source") {
          bad(shown, "attach: '" + name + "' is a name SQLite or rowshift uses itself; choose another");
        }
      }
    } else {
      bad(shown, "unknown parameter '" + k + "' (sqlite knows mode, timeout, journal_mode, attach)");
    }
  }
  return url;
}

DbUrl parse_postgresql(std::string_view rest, std::string_view shown) {
  DbUrl url;
  url.scheme = Scheme::postgresql;
  // libpq's user part ends at the first '/' or '@': a raw '/', '?', '#' or a second '@'
  // in the password would make it read a piece of the password as host or database, and
  // echo it in its errors. Refused before anything else reads the URL.
  if (auto at = rest.rfind('@'); at != std::string_view::npos &&
                                   rest.substr(0, at).find_first_of("/?#@") != std::string_view::npos) {
    bad(shown, "a '/', '?', '#' or '@' in the user name or password must be percent-encoded (%2F, %3F, %23, %40)");
  }
  auto qm = rest.find('?');
  if (qm != std::string_view::npos) {
    parse_query(rest.substr(qm + 1), url, shown);
    rest = rest.substr(0, qm);
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.dbname = percent_decode(rest.substr(slash + 1), shown);
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    auto userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    auto colon = userinfo.find(':');
    url.user = percent_decode(userinfo.substr(0, colon), shown);
    if (colon != std::string_view::npos) url.password = percent_decode(userinfo.substr(colon + 1), shown);
  }
  std::string_view hostport = authority;
  if (!hostport.empty() && hostport.front() == '[') {  // [::1]:5432
    auto close = hostport.find(']');
    if (close == std::string_view::npos) bad(shown, "unclosed '[' in host");
    url.host = std::string(hostport.substr(1, close - 1));
    hostport = hostport.substr(close + 1);
    if (!hostport.empty() && hostport.front() != ':') bad(shown, "junk after ']'");
    if (!hostport.empty()) hostport.remove_prefix(1);
  } else {
    auto colon = hostport.rfind(':');
    url.host = percent_decode(hostport.substr(0, colon), shown);
    hostport = colon == std::string_view::npos ? std::string_view{} : hostport.substr(colon + 1);
  }
  if (!hostport.empty()) {
    if (hostport.find_first_not_of("0123456789") != std::string_view::npos || hostport.size() > 5)
      bad(shown, "port '" + std::string(hostport) + "' is not a number");
    url.port = std::stoi(std::string(hostport));
    if (url.port < 1 || url.port > 65535) bad(shown, "port out of range 1..65535");
  }
  return url;
}

DbUrl parse_keywords(std::string_view text, std::string_view shown) {
  DbUrl url;
  url.scheme = Scheme::postgresql;
  url.keyword_form = true;
  std::vector<KeywordPair> pairs;
  std::string error = scan_keywords(text, pairs);
  if (!error.empty()) bad(shown, error);
  for (const auto& [key, value, b, e] : pairs) {
    if (key == "host" || key == "hostaddr") url.host = value;
    else if (key == "port") {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || value.size() > 5)
        bad(shown, "port is not a number");  // its value may be half of a password with a space
      url.port = std::stoi(value);
    } else if (key == "dbname") url.dbname = value;
    else if (key == "user") url.user = value;
    else if (key == "password") url.password = value;
    else url.params[key] = value;
  }
  return url;
}

}  // namespace

std::string DbUrl::param(const std::string& key, const std::string& fallback) const {
  auto it = params.find(key);
  return it == params.end() ? fallback : it->second;
}

bool DbUrl::uses_default_connect_timeout() const {
  return !params.count("connect_timeout") && !std::getenv("PGCONNECT_TIMEOUT");
}

std::string DbUrl::libpq_conninfo() const {
  // libpq's own defaults: no connect timeout, and the kernel's keepalive idle time (2 h).
  const std::pair<std::string, std::string> limits[] = {
      {"connect_timeout", std::to_string(kDefaultConnectTimeoutSeconds)},  // the whole start-up
      {"keepalives_idle", "30"},  // a silent peer is probed after 30 s...
      {"keepalives_interval", "10"},
      {"keepalives_count", "3"},  // ...and given up on 30 s later
  };
  std::string conninfo = original;
  for (const auto& [key, value] : limits) {
    if (key == "connect_timeout" ? !uses_default_connect_timeout() : params.count(key) > 0) continue;
    if (keyword_form) conninfo += " " + key + "=" + value;
    else conninfo += (conninfo.find('?') == std::string::npos ? "?" : "&") + key + "=" + value;
  }
  return conninfo;
}

std::string DbUrl::redacted() const { return mask_password(original); }

std::string DbUrl::scrubbed(std::string text) const {
  auto replace_all = [&](const std::string& secret) {
    if (secret.size() < 3) return;  // shorter ones would turn ordinary words into ***
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  };
  replace_all(password);
  // As written in the URL (percent-encoded), between ':' and the last '@'.
  if (auto at = original.rfind('@'), start = original.find("://"); at != std::string::npos && start != std::string::npos) {
    auto colon = original.find(':', start + 3);
    if (colon != std::string::npos && colon < at) replace_all(original.substr(colon + 1, at - colon - 1));
  }
  return text;
}

std::string DbUrl::identity() const {
  if (scheme == Scheme::sqlite) {
    if (is_memory()) return "sqlite::memory:";
    std::error_code ec;
    auto p = std::filesystem::weakly_canonical(std::filesystem::path(path), ec);
    return "sqlite:" + (ec ? path : p.string());
  }
  // Fill what the URL left out the way libpq does, so equal databases compare equal.
  auto env = [](const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : fallback;
  };
  const char* login = std::getenv("USER");
  std::string u = user.empty() ? env("PGUSER", login ? login : "") : user;
  std::string h = host.empty() ? env("PGHOST", "/var/run/postgresql") : host;
  std::string p = port ? std::to_string(port) : env("PGPORT", "5432");
  std::string d = dbname.empty() ? env("PGDATABASE", u) : dbname;
  // Every other parameter may change what the session sees (options=-csearch_path=...
  // reads another schema's tables, service= names a whole other connection), so two
  // URLs are the same database only when those are equal too. Only the parameters
  // that cannot change what a statement reads are left out.
  static const char* const kHarmless[] = {"connect_timeout", "keepalives",       "keepalives_idle",
                                          "keepalives_interval", "keepalives_count", "application_name",
                                          "fallback_application_name", "sslmode", "tcp_user_timeout",
                                          "password", "passfile"};  // and never in a printable string
  std::string rest;
  for (const auto& [key, value] : params) {  // std::map: in key order
    bool harmless = false;
    for (const char* h : kHarmless) harmless = harmless || key == h;
    if (!harmless) rest += (rest.empty() ? "?" : "&") + key + "=" + value;
  }
  return "postgresql://" + u + "@" + h + ":" + p + "/" + d + rest;
}

DbUrl parse_url(std::string_view text) {
  std::string shown = mask_password(text);
  if (text.empty()) bad(shown, "empty (give --db or set ROWSHIFT_DB)");
  DbUrl url;
  if (text.rfind("sqlite:", 0) == 0) {
    url = parse_sqlite(text.substr(7), shown);
  } else if (text.rfind("postgresql://", 0) == 0) {
    url = parse_postgresql(text.substr(13), shown);
  } else if (text.rfind("postgres://", 0) == 0) {
    url = parse_postgresql(text.substr(11), shown);
  } else if (looks_like_keywords(text)) {
    url = parse_keywords(text, shown);
  } else {
    bad(shown, "unknown scheme (expected sqlite:PATH or postgresql://...)");
  }
  url.original = std::string(text);
  return url;
}

DbUrl parse_url_reference(std::string_view reference) {
  if (reference.rfind("env:", 0) != 0) return parse_url(reference);
  const std::string name(reference.substr(4));
  const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
  if (!value || !*value) {
    throw Error(ErrorKind::config, "source-db " + std::string(reference) + ": environment variable " +
                                       (name.empty() ? "(no name)" : name) + " is not set");
  }
  return parse_url(value);
}

std::vector<std::pair<std::string, std::string>> sqlite_attachments(const DbUrl& url) { return attachments_of(url); }

}  // namespace rowshift::db
