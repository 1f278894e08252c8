// A row as a JSON object for the reject log: {"id": 7, "name": "x", "photo": {"hex": "ff00"}}.
#pragma once

#include <string>
#include <vector>

#include "rowshift/value.hpp"

namespace rowshift::checkpoint {

std::string row_to_json(const std::vector<std::string>& names, const Values& values);

}  // namespace rowshift::checkpoint
