// Where the CLI's global settings come from, in this order of precedence: flags, then the
// environment (ROWSHIFT_DB, ROWSHIFT_STORE, ROWSHIFT_MIGRATIONS, ROWSHIFT_QUIET), then a
// config file (./rowshift.toml, or --config FILE), then defaults. CLI11 reads a config
// file before the environment and lets it win; EnvFirstConfig drops the file's value of a
// setting whose environment variable is set, so that the environment wins instead.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

namespace rowshift::cli {

// One global setting: its flag (without --), its environment variable.
struct GlobalSetting {
  const char* name;
  const char* env;
};
inline constexpr GlobalSetting kGlobalSettings[] = {
    {"db", "ROWSHIFT_DB"},
    {"store", "ROWSHIFT_STORE"},
    {"migrations", "ROWSHIFT_MIGRATIONS"},
    {"quiet", "ROWSHIFT_QUIET"},
};

class EnvFirstConfig : public CLI::ConfigTOML {
 public:
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

// Where a global setting's value came from: "flag", "env NAME", "file PATH" or "default".
struct SettingSource {
  std::string name, value, source;
};
// The effective settings, passwords masked (rowshift config).
void print_config(std::FILE* out, const std::vector<SettingSource>& settings);

// Whether argv gives --NAME (or --NAME=...) itself, before any "--".
bool given_on_command_line(int argc, char** argv, const std::string& name);

}  // namespace rowshift::cli
