#include "keys/key_codec.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "rowshift/error.hpp"

namespace rowshift::keys {
namespace {

const char* kHex = "0123456789abcdef";

void encode_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Values parse() {
    Values out;
    expect('[');
    skip_ws();
    if (peek() == ']') {
      ++pos_;
    } else {
      for (;;) {
        out.push_back(value());
        skip_ws();
        char c = next();
        if (c == ']') break;
        if (c != ',') fail("expected ',' or ']'");
      }
    }
    skip_ws();
    if (pos_ != s_.size()) fail("trailing characters");
    return out;
  }

 private:
  Value value() {
    skip_ws();
    char c = peek();
    if (c == '"') return Value(string());
    if (c == 'n') {
      literal("null");
      return Value();
    }
    if (c == '{') {
      ++pos_;
      skip_ws();
      const std::string tag = string();
      if (tag != "x" && tag != "f") fail("unknown object key");
      skip_ws();
      expect(':');
      skip_ws();
      std::string hex = string();
      skip_ws();
      expect('}');
      if (tag == "f") {
        if (hex == "inf") return Value(std::numeric_limits<double>::infinity());
        if (hex == "-inf") return Value(-std::numeric_limits<double>::infinity());
        if (hex == "nan") return Value(std::numeric_limits<double>::quiet_NaN());
        fail("unknown non-finite number");
      }
      if (hex.size() % 2) fail("odd hex length");
      Blob b;
      for (std::size_t i = 0; i < hex.size(); i += 2) {
        b.bytes.push_back(static_cast<unsigned char>(hexval(hex[i]) * 16 + hexval(hex[i + 1])));
      }
      return Value(std::move(b));
    }
    return number();
  }

  Value number() {
    std::size_t start = pos_;
    bool is_double = false;
    while (pos_ < s_.size() && std::string_view("+-0123456789.eE").find(s_[pos_]) != std::string_view::npos) {
      if (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E') is_double = true;
      ++pos_;
    }
    std::string tok(s_.substr(start, pos_ - start));
    if (tok.empty()) fail("expected a value");
    char* end = nullptr;
    if (is_double) {
      double d = std::strtod(tok.c_str(), &end);
      if (*end) fail("bad number");
      return Value(d);
    }
    long long v = std::strtoll(tok.c_str(), &end, 10);
    if (*end) fail("bad number");
    return Value(v);
  }

  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      char e = next();
      if (e == 'u') {
        if (pos_ + 4 > s_.size()) fail("bad escape");
        int v = 0;
        for (int i = 0; i < 4; ++i) v = v * 16 + hexval(s_[pos_++]);
        if (v > 0xff) fail("bad escape");
        out += static_cast<char>(v);
      } else if (e == '"' || e == '\\') {
        out += e;
      } else {
        fail("bad escape");
      }
    }
  }

  int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    fail("bad hex digit");
  }
  void literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) fail("unexpected token");
    pos_ += word.size();
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n')) ++pos_;
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  char next() {
    if (pos_ >= s_.size()) fail("unexpected end");
    return s_[pos_++];
  }
  void expect(char c) {
    if (next() != c) fail(std::string("expected '") + c + "'");
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(ErrorKind::config, "corrupted key in checkpoint table (" + why + " at offset " +
                                       std::to_string(pos_) + "): " + std::string(s_.substr(0, 80)));
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string encode_key(const Values& key) {
  std::string out = "[";
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (i) out += ',';
    const Value& v = key[i];
    if (v.is_null()) {
      out += "null";
    } else if (v.is_int()) {
      out += std::to_string(v.as_int());
    } else if (v.is_double()) {
      const double d = v.as_double();
      if (!std::isfinite(d)) {
        // JSON has no such numbers; a REAL key may hold them (a batch boundary at
        // Infinity is as good as any other).
        out += std::isnan(d) ? "{\"f\":\"nan\"}" : d > 0 ? "{\"f\":\"inf\"}" : "{\"f\":\"-inf\"}";
        continue;
      }
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      std::string s = buf;
      if (s.find_first_of(".eE") == std::string::npos) s += ".0";
      out += s;
    } else if (v.is_text()) {
      encode_string(out, v.as_text());
    } else {
      std::string hex;
      for (unsigned char c : v.as_blob().bytes) {
        hex += kHex[c >> 4];
        hex += kHex[c & 15];
      }
      out += "{\"x\":\"" + hex + "\"}";
    }
  }
  return out + "]";
}

Values decode_key(std::string_view text) { return Parser(text).parse(); }

std::string describe_key(const Values& key) {
  std::string out = key.size() == 1 ? "" : "(";
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (i) out += ", ";
    out += key[i].debug_string();
  }
  return key.size() == 1 ? out : out + ")";
}

namespace {
int kind_rank(const Value& v) { return v.is_null() ? 0 : v.is_int() || v.is_double() ? 1 : v.is_text() ? 2 : 3; }
}  // namespace

bool key_less(const Values& a, const Values& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    int ra = kind_rank(a[i]), rb = kind_rank(b[i]);
    if (ra != rb) return ra < rb;
    if (ra == 1) {
      double x = a[i].is_int() ? static_cast<double>(a[i].as_int()) : a[i].as_double();
      double y = b[i].is_int() ? static_cast<double>(b[i].as_int()) : b[i].as_double();
      if (a[i].is_int() && b[i].is_int()) {
        if (a[i].as_int() != b[i].as_int()) return a[i].as_int() < b[i].as_int();
      } else if (x != y) {
        return x < y;
      }
    } else if (ra == 2 && a[i].as_text() != b[i].as_text()) {
      return a[i].as_text() < b[i].as_text();
    } else if (ra == 3 && a[i].as_blob().bytes != b[i].as_blob().bytes) {
      return a[i].as_blob().bytes < b[i].as_blob().bytes;
    }
  }
  return a.size() < b.size();
}

}  // namespace rowshift::keys
