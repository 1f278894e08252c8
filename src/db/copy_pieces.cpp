#include "db/copy_pieces.hpp"

#include <cstdint>

namespace rowshift::db::copy_pieces {
namespace {

constexpr std::string_view kSignature{"PGCOPY\n\xff\r\n\0", 11};

// Big-endian integers of the format; false past the end of the block.
bool read_u32(std::string_view s, std::size_t& pos, std::uint32_t& v) {
  if (s.size() - pos < 4) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data() + pos);
  v = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
  pos += 4;
  return true;
}
bool read_i16(std::string_view s, std::size_t& pos, std::int16_t& v) {
  if (s.size() - pos < 2) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data() + pos);
  v = static_cast<std::int16_t>((p[0] << 8) | p[1]);
  pos += 2;
  return true;
}

}  // namespace

std::optional<BinaryPieces> cut_binary(std::string_view block, std::size_t max_rows) {
  if (max_rows == 0 || block.substr(0, kSignature.size()) != kSignature) return std::nullopt;
  std::size_t pos = kSignature.size();
  std::uint32_t flags = 0, extension = 0;
  if (!read_u32(block, pos, flags) || !read_u32(block, pos, extension)) return std::nullopt;
  if (flags & (1u << 16)) return std::nullopt;  // rows with OIDs (before PostgreSQL 12): not walked
  if (block.size() - pos < extension) return std::nullopt;
  pos += extension;
  const std::size_t header_end = pos;

  std::vector<std::size_t> row_starts;
  std::int16_t fields = 0;
  for (;;) {
    const std::size_t row_start = pos;
    if (!read_i16(block, pos, fields)) return std::nullopt;
    if (fields == -1) {
      if (pos != block.size()) return std::nullopt;  // data after the trailer
      row_starts.push_back(row_start);               // where the trailer begins
      break;
    }
    if (fields < 0) return std::nullopt;
    row_starts.push_back(row_start);
    for (int f = 0; f < fields; ++f) {
      std::uint32_t len = 0;
      if (!read_u32(block, pos, len)) return std::nullopt;
      if (len == 0xffffffffu) continue;  // NULL
      if (len > 0x7fffffffu || block.size() - pos < len) return std::nullopt;
      pos += len;
    }
  }

  BinaryPieces out;
  out.header = block.substr(0, header_end);
  const std::size_t rows = row_starts.size() - 1;
  out.rows = rows;
  if (rows == 0) return out;
  const std::size_t runs = rows / max_rows + (rows % max_rows != 0);  // no overflow for a max_rows of SIZE_MAX
  for (std::size_t r = 0; r < runs; ++r) {
    const std::size_t first = rows * r / runs, last = rows * (r + 1) / runs;
    out.runs.push_back(block.substr(row_starts[first], row_starts[last] - row_starts[first]));
  }
  return out;
}

}  // namespace rowshift::db::copy_pieces
