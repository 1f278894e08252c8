// Small formatting helpers for people-facing output.
#pragma once

#include <cstdint>
#include <string>

namespace rowshift::cli {

std::string with_commas(std::int64_t n);        // 1234567 -> "1,234,567"
std::string human_rate(double rows_per_second); // 52340 -> "52.3k"
std::string clock(double seconds);              // 75 -> "1:15", 3700 -> "1:01:40"

}  // namespace rowshift::cli
