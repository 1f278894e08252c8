#include "checkpoint/row_json.hpp"

#include <nlohmann/json.hpp>

namespace rowshift::checkpoint {

std::string row_to_json(const std::vector<std::string>& names, const Values& values) {
  nlohmann::ordered_json row = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < values.size() && i < names.size(); ++i) {
    const Value& v = values[i];
    auto& slot = row[names[i]];
    if (v.is_null()) slot = nullptr;
    else if (v.is_int()) slot = v.as_int();
    else if (v.is_double()) slot = v.as_double();
    else if (v.is_text()) slot = v.as_text();
    else {
      static const char* hex = "0123456789abcdef";
      std::string h;
      for (unsigned char c : v.as_blob().bytes) {
        h += hex[c >> 4];
        h += hex[c & 15];
      }
      slot = nlohmann::ordered_json{{"hex", h}};
    }
  }
  // Text that is not valid UTF-8 is replaced (U+FFFD) rather than refused: this is a log.
  return row.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace rowshift::checkpoint
