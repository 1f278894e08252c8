// The progress display: a redrawn bar on a terminal, periodic plain lines elsewhere.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "rowshift/runner.hpp"

namespace rowshift::cli {

class ProgressPrinter {
 public:
  // tty: redraw one line in place; otherwise print a line every `interval`.
  ProgressPrinter(std::FILE* out, bool tty, std::chrono::milliseconds interval = std::chrono::seconds(2));
  void update(const Progress& p);

  // The text of one progress line (without bar when width == 0), for tests.
  static std::string line(const Progress& p, int bar_width);

 private:
  std::FILE* out_;
  bool tty_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_{};
  std::string current_;
};

}  // namespace rowshift::cli
