// libFuzzer target: the migration-file parser either returns a complete definition or
// throws rowshift::Error(config) naming the file; it never crashes or hangs.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "migrate/loader.hpp"
#include "rowshift/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto def = rowshift::migrate::parse_migration_file(text, "0001_fuzz", "fuzz.sql");
    rowshift::migrate::check_definition(def);  // what the parser returns is complete
    (void)def.checksum();
  } catch (const rowshift::Error& e) {
    if (e.kind() != rowshift::ErrorKind::config) std::abort();
    if (std::string(e.what()).find("fuzz.sql") == std::string::npos) std::abort();  // names the file
  }
  return 0;
}
