// The form in which verify compares (and checksums) values that crossed between engines.
//
// Engines store the same number differently: SQLite's REAL 0.1 arrives in a PostgreSQL
// numeric(10,2) column as the text "0.10", an INTEGER 2 in a REAL column as 2.0. So that
// verify neither reports such a copy as changed nor passes a real change, every number
// (an integer, a double, or text that is a plain decimal such as numeric's output) is
// written as its exact decimal value with no redundant zeros: 0.1, "0.10" and 1e-1 are
// all "#0.1", while 0.125 stored as "0.13" is not 0.125. Text that is not a plain decimal
// ("007", "1e5", "abc") stays text, compared by its bytes; blobs by their bytes.
#pragma once

#include <string>

#include "rowshift/value.hpp"

namespace rowshift::core {

std::string canonical(const Value& v);

// The canonical forms of several values, each length-prefixed so that no two different
// lists give the same string.
std::string canonical(const Values& values);

}  // namespace rowshift::core
