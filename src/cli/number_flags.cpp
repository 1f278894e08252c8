#include "cli/number_flags.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace rowshift::cli {
namespace {

// 0.01, 86400, 604800: as short as the number allows.
std::string shortest(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

}  // namespace

CLI::Validator whole_number(long long lo, long long hi) {
  std::string range = std::to_string(lo) + " to " + std::to_string(hi);
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        long long v = 0;
        const char* end = text.data() + text.size();
        auto [stop, ec] = std::from_chars(text.data(), end, v);
        if (stop != end) return "'" + text + "' is not a whole number";
        // Digits too many for a long long still make a whole number, just not one in range.
        if (ec == std::errc::result_out_of_range) return text + " is out of range (" + range + ")";
        if (ec != std::errc()) return "'" + text + "' is not a whole number";
        if (v < lo || v > hi) return text + " is out of range (" + range + ")";
        return {};
      },
      "INT in [" + std::to_string(lo) + " - " + std::to_string(hi) + "]");
}

CLI::Validator decimal(double lo, double hi) {
  std::string range = std::isinf(hi) ? shortest(lo) + " or more" : shortest(lo) + " to " + shortest(hi);
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        double v = 0;
        const char* end = text.data() + text.size();
        auto [stop, ec] = std::from_chars(text.data(), end, v);
        if (ec == std::errc::result_out_of_range) return text + " is out of range (" + range + ")";
        if (ec != std::errc() || stop != end || !std::isfinite(v)) return "'" + text + "' is not a number";
        if (v < lo || v > hi) return text + " is out of range (" + range + ")";
        return {};
      },
      std::isinf(hi) ? "FLOAT >= " + shortest(lo) : "FLOAT in [" + shortest(lo) + " - " + shortest(hi) + "]");
}

}  // namespace rowshift::cli
