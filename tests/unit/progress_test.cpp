#include <gtest/gtest.h>

#include "cli/format.hpp"
#include "cli/progress.hpp"

using namespace rowshift;
using namespace rowshift::cli;

TEST(Format, NumbersRatesClocks) {
  EXPECT_EQ(with_commas(0), "0");
  EXPECT_EQ(with_commas(1234567), "1,234,567");
  EXPECT_EQ(with_commas(-1000), "-1,000");
  EXPECT_EQ(human_rate(52340), "52.3k");
  EXPECT_EQ(human_rate(2500000), "2.50M");
  EXPECT_EQ(clock(75), "1:15");
  EXPECT_EQ(clock(3700), "1:01:40");
  EXPECT_EQ(clock(-1), "?");
}

TEST(ProgressLine, ShowsRowsRateEtaAndFailures) {
  Progress p;
  p.migration = "0002_copy";
  p.batches_total = 200;
  p.batches_done = 90;  // 40 of them from an earlier run
  p.batches_failed = 1;
  p.rows_before = 40000;
  p.rows_done = 50000;
  p.rows_estimated = 200000;
  p.source_rows_before = 40000;
  p.source_rows_done = 90000;
  p.seconds = 2;
  p.retries = 3;
  std::string l = ProgressPrinter::line(p, 10);
  EXPECT_NE(l.find("0002_copy [#####.....]"), std::string::npos) << l;
  EXPECT_NE(l.find(" 46%"), std::string::npos) << l;
  EXPECT_NE(l.find("90,000/200,000 rows"), std::string::npos) << l;
  EXPECT_NE(l.find("25.0k rows/s"), std::string::npos) << l;
  EXPECT_NE(l.find("ETA 0:04"), std::string::npos) << l;  // 110,000 rows left at 25k/s
  EXPECT_NE(l.find("failed 1"), std::string::npos) << l;
  EXPECT_NE(l.find("retries 3"), std::string::npos) << l;
  EXPECT_EQ(ProgressPrinter::line(p, 0).find('['), std::string::npos) << "plain lines have no bar";
  EXPECT_EQ(l.find("written"), std::string::npos) << "a copy writes what it reads: " << l;
}
