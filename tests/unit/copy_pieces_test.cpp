#include "db/copy_pieces.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "db/copy_binary.hpp"
#include "db/pg_types.hpp"

using namespace rowshift::db;

namespace {

using namespace pg_type;

// A binary COPY block of `rows` rows (id, text), every third text NULL.
std::string block_of(int rows) {
  std::string out;
  copy_binary::append_header(out);
  for (int i = 1; i <= rows; ++i) {
    copy_binary::begin_row(out, 2);
    copy_binary::append_int(out, kInt8, i);
    if (i % 3 == 0)
      copy_binary::append_null(out);
    else
      copy_binary::append_text(out, kText, std::string(static_cast<std::size_t>(i % 7), 'x'));
  }
  copy_binary::append_trailer(out);
  return out;
}

// The rows of a well-formed block, counted by cutting it into runs of one row.
std::size_t rows_in(const std::string& block) {
  auto one_each = copy_pieces::cut_binary(block, 1);
  EXPECT_TRUE(one_each.has_value());
  return one_each ? one_each->runs.size() : 0;
}

TEST(CopyPieces, ABatchOf1000RowsGoesAsTwoStatementsOf500) {
  const std::string block = block_of(1000);
  auto pieces = copy_pieces::cut_binary(block);
  ASSERT_TRUE(pieces.has_value());
  ASSERT_EQ(pieces->runs.size(), 2u);
  EXPECT_EQ(pieces->header, std::string_view(block).substr(0, 19)) << "signature, flags, empty extension";
  // Each piece, between the header and the trailer, is a block of its own.
  std::string whole_rows;
  for (auto run : pieces->runs) {
    const std::string piece = std::string(pieces->header) + std::string(run) + std::string(copy_pieces::kBinaryTrailer);
    EXPECT_EQ(rows_in(piece), 500u);
    whole_rows += run;
  }
  // And together they are the block's rows, in order, byte for byte.
  EXPECT_EQ(std::string(pieces->header) + whole_rows + std::string(copy_pieces::kBinaryTrailer), block);
}

TEST(CopyPieces, RunsAreAsFewAndAsEvenAsTheLimitAllows) {
  struct Case {
    int rows;
    std::size_t max_rows;
    std::vector<std::size_t> sizes;
  };
  for (const Case& c : {Case{500, 500, {500}}, Case{501, 500, {250, 251}}, Case{1001, 500, {333, 334, 334}},
                        Case{7, 3, {2, 2, 3}}, Case{1, 500, {1}}, Case{5000, 500, std::vector<std::size_t>(10, 500)}}) {
    const std::string block = block_of(c.rows);
    auto pieces = copy_pieces::cut_binary(block, c.max_rows);
    ASSERT_TRUE(pieces.has_value()) << c.rows;
    std::vector<std::size_t> sizes;
    for (auto run : pieces->runs) {
      sizes.push_back(
          rows_in(std::string(pieces->header) + std::string(run) + std::string(copy_pieces::kBinaryTrailer)));
    }
    EXPECT_EQ(sizes, c.sizes) << c.rows << " rows, at most " << c.max_rows;
  }
}

TEST(CopyPieces, AnEmptyBlockHasNoRuns) {
  auto pieces = copy_pieces::cut_binary(block_of(0));
  ASSERT_TRUE(pieces.has_value());
  EXPECT_TRUE(pieces->runs.empty());
}

TEST(CopyPieces, AHeaderExtensionIsKeptInTheHeader) {
  std::string block = block_of(3);
  // Header extension length 4, then 4 bytes of extension.
  block[18] = 4;
  block.insert(19, "abcd");
  auto pieces = copy_pieces::cut_binary(block, 2);
  ASSERT_TRUE(pieces.has_value());
  EXPECT_EQ(pieces->header.size(), 23u);
  EXPECT_EQ(pieces->runs.size(), 2u);
}

TEST(CopyPieces, AMalformedBlockIsNotCut) {
  const std::string good = block_of(4);
  std::vector<std::pair<std::string, std::string>> bad = {
      {"empty", ""},
      {"no signature", "PGCOPY\n"},
      {"wrong signature", "XGCOPY" + good.substr(6)},
      {"header cut short", good.substr(0, 15)},
      {"extension longer than the block", good.substr(0, 15) + std::string("\x7f\0\0\0", 4)},
      {"no trailer", good.substr(0, good.size() - 2)},
      {"data after the trailer", good + "x"},
      {"field cut short", good.substr(0, good.size() - 5) + std::string("\xff\xff", 2)},
      {"negative field count", good.substr(0, 19) + std::string("\xff\xfe", 2) + good.substr(21)},
      {"rows with OIDs", good.substr(0, 11) + std::string("\0\x01\0\0", 4) + good.substr(15)},
  };
  for (const auto& [what, block] : bad) {
    EXPECT_FALSE(copy_pieces::cut_binary(block).has_value()) << what;
  }
  EXPECT_FALSE(copy_pieces::cut_binary(good, 0).has_value()) << "no run can hold zero rows";
}

}  // namespace
