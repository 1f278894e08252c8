// A batch's COPY block cut into several COPY statements of whole rows.
//
// PostgreSQL 15 buffers the rows of a COPY FROM and gives each buffered row a tuple
// slot of its own, created when the statement first needs it and dropped when the
// statement ends; the bookkeeping of those slots grows faster than their number. A
// binary COPY buffers up to 1000 rows (its rows are not counted in bytes), so a
// 1000-row batch pays for 1000 slots in one statement. The same rows as two statements
// of 500 took the server 15-25% less time in psql (docs/performance.md), which is why
// a binary batch is sent in pieces of at most kRowsPerCopy rows, all in its
// transaction. COPY text is not cut: the server flushes its buffer every 64 KiB of
// text anyway, and cutting it measured no gain.
//
// A group of batches (group commit, run/commit_group.hpp) is the other way round: its
// block (measured with groups of 8) went 15% faster end to end as one statement than in pieces of
// 500 (bench, PostgreSQL -> PostgreSQL 318k against 275k rows/s, SQLite -> PostgreSQL 341k
// against 296k): past its first 1000 rows a statement reuses the slots it made. So only
// blocks of at most kWholeAbove rows are cut.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace rowshift::db::copy_pieces {

inline constexpr std::size_t kRowsPerCopy = 500;
inline constexpr std::size_t kWholeAbove = 2 * kRowsPerCopy;

// A binary COPY block taken apart: its header (signature, flags, extension), and runs of
// whole rows, each of which, between that header and the trailer, is a block of its own.
struct BinaryPieces {
  std::string_view header;
  std::vector<std::string_view> runs;
  std::size_t rows = 0;  // in all the runs
};

// The block's rows in as few runs of at most max_rows as possible, of nearly equal size;
// nullopt when the block is not well-formed binary COPY (it is then sent whole, and the
// server says what is wrong with it).
std::optional<BinaryPieces> cut_binary(std::string_view block, std::size_t max_rows = kRowsPerCopy);

// The two bytes that end binary COPY data.
inline constexpr std::string_view kBinaryTrailer{"\xff\xff", 2};

}  // namespace rowshift::db::copy_pieces
