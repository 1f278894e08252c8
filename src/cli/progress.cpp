#include "cli/progress.hpp"

#include <algorithm>

#include "cli/format.hpp"

namespace rowshift::cli {

ProgressPrinter::ProgressPrinter(std::FILE* out, bool tty, std::chrono::milliseconds interval)
    : out_(out), tty_(tty), interval_(interval) {}

std::string ProgressPrinter::line(const Progress& p, int bar_width) {
  // Source rows against the plan's count (what the bar and the ETA measure), and the
  // rows written beside them when those differ (a transform emitting several per row).
  std::int64_t done = p.source_rows_done;
  std::int64_t total = std::max(p.rows_estimated, done);
  std::int64_t written = p.rows_before + p.rows_done;
  double fraction = p.batches_total > 0 ? static_cast<double>(p.batches_done + p.batches_failed) /
                                              static_cast<double>(p.batches_total)
                                        : 1.0;
  double rate = p.seconds > 0 ? static_cast<double>(p.rows_done) / p.seconds : 0;
  double source_rate = p.seconds > 0 ? static_cast<double>(done - p.source_rows_before) / p.seconds : 0;
  std::string s = p.migration + " ";
  if (bar_width > 0) {
    int filled = static_cast<int>(fraction * bar_width + 0.5);
    s += "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(bar_width - filled), '.') + "] ";
  }
  char pct[16];
  std::snprintf(pct, sizeof pct, "%3.0f%%", fraction * 100);
  s += pct;
  s += "  " + with_commas(done) + "/" + with_commas(total) + " rows";
  if (written != done) s += " (" + with_commas(written) + " written)";
  s += "  " + human_rate(rate) + " rows/s";
  double eta = source_rate > 0 ? static_cast<double>(total - done) / source_rate : -1;
  bool complete = p.finished && p.batches_done + p.batches_failed >= p.batches_total;
  s += "  ETA " + (complete ? std::string("0:00") : clock(eta));
  s += "  failed " + std::to_string(p.batches_failed);
  if (p.retries) s += "  retries " + std::to_string(p.retries);
  if (!p.breaker.empty()) s += "  breaker: " + p.breaker;
  return s;
}

void ProgressPrinter::update(const Progress& p) {
  auto now = std::chrono::steady_clock::now();
  if (tty_) {
    std::string l = line(p, 30);
    std::fprintf(out_, "\r%s\033[K", l.c_str());
    if (p.finished) std::fputc('\n', out_);
    std::fflush(out_);
    return;
  }
  if (!p.finished && now - last_ < interval_) return;
  last_ = now;
  std::fprintf(out_, "%s\n", line(p, 0).c_str());
  std::fflush(out_);
}

}  // namespace rowshift::cli
