#include "cli/settings.hpp"

#include <cstdlib>
#include <cstring>

#include "db/url.hpp"

namespace rowshift::cli {

std::vector<CLI::ConfigItem> EnvFirstConfig::from_config(std::istream& input) const {
  std::vector<CLI::ConfigItem> items = CLI::ConfigTOML::from_config(input);
  std::vector<CLI::ConfigItem> kept;
  for (auto& item : items) {
    bool overridden = false;
    if (item.parents.empty()) {
      for (const auto& s : kGlobalSettings) {
        const char* v = std::getenv(s.env);
        if (item.name == s.name && v && *v) overridden = true;
      }
    }
    if (!overridden) kept.push_back(std::move(item));
  }
  return kept;
}

bool given_on_command_line(int argc, char** argv, const std::string& name) {
  const std::string flag = "--" + name;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) break;
    std::string a = argv[i];
    if (a == flag || a.rfind(flag + "=", 0) == 0) return true;
  }
  return false;
}

void print_config(std::FILE* out, const std::vector<SettingSource>& settings) {
  for (const auto& s : settings) {
    std::string value = s.value;
    // A URL is printed as every URL is, with its password masked; one that does not
    // parse is not printed at all (it might be mostly password).
    if ((s.name == "db" || s.name == "store") && !value.empty()) {
      try {
        value = db::parse_url(value).redacted();
      } catch (const std::exception&) {
        value = "(not shown: not a valid URL)";
      }
    }
    std::fprintf(out, "%-11s = %-40s # %s\n", s.name.c_str(), ("\"" + value + "\"").c_str(), s.source.c_str());
  }
}

}  // namespace rowshift::cli
