// Checks for the numeric flags. CLI11's Range answers `--max-rate abc` with "Value abc not
// in range 0.000000 to 179769313486231570814527...", so rowshift says it in a person's
// words instead: "--max-rate: 'abc' is not a number", "--workers: 0 is out of range (1 to 256)".
#pragma once

#include <CLI/CLI.hpp>
#include <limits>

namespace rowshift::cli {

// An integer in [lo, hi], written in full: "1.5", "2x" and "" are refused.
CLI::Validator whole_number(long long lo, long long hi);

// A finite decimal number in [lo, hi]; "inf" and "nan" are refused.
CLI::Validator decimal(double lo, double hi = std::numeric_limits<double>::infinity());

}  // namespace rowshift::cli
