// Batch boundaries (key tuples) stored as text in the checkpoint table.
//
// The format is a JSON-like array: [12, "text", null, 2.5, {"x":"00ff"}], where text is
// kept byte for byte (only ", \ and control characters are escaped) so that keys that
// are not valid UTF-8 survive the round trip, and doubles always carry '.' or 'e' so
// they come back as doubles.
#pragma once

#include <string>
#include <string_view>

#include "rowshift/value.hpp"

namespace rowshift::keys {

std::string encode_key(const Values& key);
// Throws rowshift::Error (config: a corrupted checkpoint row) on malformed text.
Values decode_key(std::string_view text);
// For people: (1001) or ('a', 3).
std::string describe_key(const Values& key);

// Key order for values of one key: NULL first, numbers by value, then text, then blobs,
// each by its bytes (SQLite's order of storage classes). Used to list rejects in key order.
bool key_less(const Values& a, const Values& b);

}  // namespace rowshift::keys
