#include "migrate/loader.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "db/sql.hpp"
#include "db/sql_lexer.hpp"
#include "rowshift/error.hpp"

namespace rowshift::migrate {
namespace {

const std::string kDirective = "-- rowshift:";

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// The offset of the first byte that makes `text` not valid UTF-8 (a NUL counts as
// invalid: a database would end the statement there), or npos.
std::size_t first_bad_byte(const std::string& text, std::string& why) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c == 0) {
      why = "a NUL byte";
      return i;
    }
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (c >= 0xF5) len = 0;
    bool ok = len > 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) ok = (p[i + k] & 0xC0) == 0x80;
    if (ok && len == 3) {  // no overlong forms, no UTF-16 surrogates
      ok = !(c == 0xE0 && p[i + 1] < 0xA0) && !(c == 0xED && p[i + 1] >= 0xA0);
    }
    if (ok && len == 4) ok = !(c == 0xF0 && p[i + 1] < 0x90) && !(c == 0xF4 && p[i + 1] >= 0x90);
    if (!ok) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      why = std::string("byte ") + hex + ", which is not valid UTF-8 (save the file as UTF-8)";
      return i;
    }
    i += len;
  }
  return std::string::npos;
}

struct Line {
  int number;
  std::string text;
};

class FileParser {
 public:
  FileParser(const std::string& text, std::string name, std::string origin)
      : name_(std::move(name)), origin_(std::move(origin)) {
    std::stringstream in(text);
    std::string l;
    int n = 0;
    while (std::getline(in, l)) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
      lines_.push_back({++n, l});
    }
  }

  MigrationDef parse() {
    std::size_t i = 0;
    for (; i < lines_.size(); ++i) {
      std::string t = trim(lines_[i].text);
      if (t.empty()) continue;
      refuse_misspelled_directive(lines_[i].number, t);
      if (t.rfind(kDirective, 0) == 0) {
        directive(lines_[i].number, t.substr(kDirective.size()));
      } else if (t.rfind("--", 0) != 0) {
        break;  // first line of the body
      }
    }
    std::vector<Line> body(lines_.begin() + static_cast<long>(i), lines_.end());
    for (const auto& l : body) {
      refuse_misspelled_directive(l.number, trim(l.text));
      if (trim(l.text).rfind(kDirective, 0) == 0) fail(l.number, "directive after the body has started");
    }

    MigrationDef def;
    def.name = name_;
    def.origin = origin_;
    std::string kind = get("kind", "schema");
    if (kind == "schema") def.kind = MigrationKind::schema;
    else if (kind == "copy") def.kind = MigrationKind::copy;
    else if (kind == "update") def.kind = MigrationKind::update;
    else fail(line_of("kind"), "unknown kind '" + kind + "' (expected schema, copy or update)");

    allow(def.kind);
    def.source_db = get("source-db");
    const char* table_directive = def.kind == MigrationKind::update ? "table" : "from";
    def.source_table = name_in(table_directive);
    def.key = names_in("key");
    def.target_table = name_in("to");
    def.target_key = names_in("target-key");
    // A trailing "-- why" on the directive's line is the author's note, not the filter's.
    def.where = trim(db::without_comments(get("where")));
    if (has("where")) expression(line_of("where"), "where", def.where);
    if (has("batch-size")) {
      const std::string& v = values_.at("batch-size");
      long long n = 0;
      bool digits = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
      if (digits && v.size() <= 9) n = std::stoll(v);
      if (n < 1 || n > kMaxBatchSize) {
        fail(line_of("batch-size"), "batch-size must be a whole number from 1 to " + std::to_string(kMaxBatchSize) +
                                        ", got '" + v + "'");
      }
      def.batch_size = static_cast<int>(n);
    }

    std::string text;
    for (const auto& l : body) text += l.text + "\n";
    switch (def.kind) {
      case MigrationKind::schema:
        def.sql = trim(text);
        if (def.sql.empty()) fail(lines_.empty() ? 1 : lines_.back().number, "schema migration has no SQL");
        break;
      case MigrationKind::update:
        def.sql = trim(text);
        while (!def.sql.empty() && def.sql.back() == ';') def.sql = trim(def.sql.substr(0, def.sql.size() - 1));
        if (db::find_in_code(def.sql, "{{batch}}").empty())
          fail(body.empty() ? 1 : body.front().number,
               "update statement must contain {{batch}} (the key range of each batch) outside quotes and comments");
        break;
      case MigrationKind::copy:
        def.columns = mapping(body);
        break;
      case MigrationKind::transform:
        break;
    }
    try {
      check_definition(def);
    } catch (const Error& e) {
      std::string msg = e.what();
      auto colon = msg.find(": ");  // drop check_definition's own "migration X" prefix
      throw Error(ErrorKind::config, origin_ + ": " + (colon == std::string::npos ? msg : msg.substr(colon + 2)));
    }
    return def;
  }

 private:
  // The table a directive names, as SQL writes it (db::parse_table_name): `orders`,
  // `app.actor`, `"my schema"."we""ird"`. Empty when the directive is absent.
  std::string name_in(const std::string& key) {
    if (!has(key)) return {};
    bool quoted = false;
    for (char c : values_.at(key)) {
      if (c == '"') quoted = !quoted;  // "" inside a name toggles twice
      if (c == ',' && !quoted) fail(line_of(key), "directive 'rowshift:" + key + "' names one table, got " + values_.at(key));
    }
    try {
      return db::parse_table_name(values_.at(key));
    } catch (const Error& e) {
      fail(line_of(key), "directive 'rowshift:" + key + "': " + e.what());
    }
  }
  // The comma-separated names of a directive's value (commas inside quotes are the name's).
  std::vector<std::string> names_in(const std::string& key) {
    std::vector<std::string> out;
    if (!has(key)) return out;
    const std::string& v = values_.at(key);
    for (std::size_t i = 0; i < v.size();) {
      while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
      std::string name;
      if (i < v.size() && v[i] == '"') {
        std::size_t end = db::read_quoted_name(v, i, name);
        if (end == std::string::npos) fail(line_of(key), "directive 'rowshift:" + key + "': a quoted name is not closed: " + v);
        i = end;
        while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
        if (i < v.size() && v[i] != ',') {
          fail(line_of(key), "directive 'rowshift:" + key + "': unexpected text after the quoted name " +
                                 db::quote_ident(name) + " (a quote inside a name is written \"\")");
        }
      } else {
        std::size_t comma = v.find(',', i);
        name = trim(v.substr(i, comma == std::string::npos ? std::string::npos : comma - i));
        i = comma == std::string::npos ? v.size() : comma;
      }
      if (name.empty()) fail(line_of(key), "directive 'rowshift:" + key + "': an empty name in the list '" + v + "'");
      out.push_back(name);
      if (i < v.size() && v[i] == ',') ++i;
    }
    return out;
  }
  void directive(int line, const std::string& rest) {
    auto sp = rest.find_first_of(" \t");
    std::string key = rest.substr(0, sp);
    std::string value = sp == std::string::npos ? "" : trim(rest.substr(sp));
    static const std::set<std::string> known = {"kind", "from", "table", "key", "to", "target-key",
                                                "where", "source-db", "batch-size"};
    if (!known.count(key)) {
      fail(line, "unknown directive 'rowshift:" + key +
                     "' (known: kind, from, table, key, to, target-key, where, source-db, batch-size)");
    }
    if (value.empty()) fail(line, "directive 'rowshift:" + key + "' needs a value");
    if (values_.count(key)) fail(line, "directive 'rowshift:" + key + "' given twice");
    values_[key] = value;
    lines_of_[key] = line;
  }

  void allow(MigrationKind kind) {
    std::set<std::string> ok = {"kind"};
    if (kind == MigrationKind::copy) ok = {"kind", "from", "key", "to", "target-key", "where", "source-db", "batch-size"};
    if (kind == MigrationKind::update) ok = {"kind", "table", "key", "where", "batch-size"};
    for (const auto& [k, v] : values_) {
      if (!ok.count(k)) fail(lines_of_[k], "directive 'rowshift:" + k + "' does not apply to a " +
                                               to_string(kind) + " migration");
    }
  }

  std::vector<std::pair<std::string, std::string>> mapping(const std::vector<Line>& body) {
    std::vector<std::pair<std::string, std::string>> cols;
    std::vector<int> lines;  // where each column's expression starts
    int last_line = 0;
    for (const auto& l : body) {
      // Comments end where their line ends (each line is scanned alone), whether a line
      // is all comment or an expression with a note after it.
      std::string t = trim(db::without_comments(l.text));
      if (t.empty()) continue;
      bool continuation = (l.text[0] == ' ' || l.text[0] == '\t') && !cols.empty();
      if (continuation) {
        cols.back().second += " " + t;
        continue;
      }
      std::string target, expr;
      auto eq = t.find('=');
      target = trim(t.substr(0, eq));
      expr = eq == std::string::npos ? target : trim(t.substr(eq + 1));
      if (t.front() == '"') {
        // "we""ird col" = expression, or the quoted name alone (copied as it is).
        std::size_t end = db::read_quoted_name(t, 0, target);
        if (end == std::string::npos) fail(l.number, "the quoted column name is not closed: " + t);
        std::string rest = trim(t.substr(end));
        if (rest.empty()) {
          expr = t.substr(0, end);
        } else if (rest.front() == '=') {
          expr = trim(rest.substr(1));
        } else {
          fail(l.number, "expected '= expression' after the column name " + db::quote_ident(target) + ", got '" + rest +
                             "' (a quote inside a name is written \"\")");
        }
      } else if (target.empty() || target.find_first_not_of(
                                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
                                       std::string::npos) {
        fail(l.number, "expected 'target_column = expression', got '" + t + "'");
      }
      if (expr.empty()) fail(l.number, "column '" + target + "' has no expression after '='");
      for (const auto& c : cols) {
        if (c.first == target) fail(l.number, "column '" + target + "' mapped twice");
      }
      cols.emplace_back(target, expr);
      lines.push_back(l.number);
      last_line = l.number;
    }
    for (std::size_t i = 0; i < cols.size(); ++i) {
      auto& c = cols[i];
      while (!c.second.empty() && (c.second.back() == ',' || c.second.back() == ';')) c.second.pop_back();
      c.second = trim(c.second);
      expression(lines[i], "the expression of column '" + c.first + "'", c.second);
    }
    if (cols.empty()) fail(last_line ? last_line : 1, "copy migration maps no columns (lines 'target = expression')");
    return cols;
  }

  // "--rowshift:kind copy" or "--  rowshift :kind" is a comment to SQL: the migration
  // would silently become a schema step that runs its header as SQL.
  void refuse_misspelled_directive(int line, const std::string& t) const {
    if (t.rfind("--", 0) != 0 || t.rfind(kDirective, 0) == 0) return;
    std::size_t at = t.find_first_not_of(" \t", 2);
    if (at == std::string::npos || t.compare(at, 8, "rowshift") != 0) return;
    std::size_t colon = t.find_first_not_of(" \t", at + 8);
    if (colon == std::string::npos || t[colon] != ':') return;
    fail(line, "'" + t.substr(0, 40) + "' looks like a directive: write it '" + kDirective + "KEY VALUE'");
  }

  void expression(int line, const std::string& what, const std::string& expr) const {
    std::string problem = db::expression_problem(expr);
    if (!problem.empty()) fail(line, what + " " + problem + ": '" + expr.substr(0, 60) + "' must be one SQL expression");
  }

  bool has(const std::string& k) const { return values_.count(k) > 0; }
  std::string get(const std::string& k, const std::string& fallback = {}) const {
    auto it = values_.find(k);
    return it == values_.end() ? fallback : it->second;
  }
  int line_of(const std::string& k) const {
    auto it = lines_of_.find(k);
    return it == lines_of_.end() ? 1 : it->second;
  }
  [[noreturn]] void fail(int line, const std::string& why) const {
    throw Error(ErrorKind::config, origin_ + ":" + std::to_string(line) + ": " + why);
  }

  std::string name_, origin_;
  std::vector<Line> lines_;
  std::map<std::string, std::string> values_;
  std::map<std::string, int> lines_of_;
};

}  // namespace

MigrationDef parse_migration_file(const std::string& text, const std::string& name, const std::string& origin) {
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) {
    // Invisible in an editor, it would make the first line neither a directive nor SQL.
    throw Error(ErrorKind::config, origin + ":1: the file starts with a UTF-8 byte order mark (BOM); save it without one");
  }
  std::string why;
  if (auto at = first_bad_byte(text, why); at != std::string::npos) {
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    throw Error(ErrorKind::config, origin + ":" + std::to_string(line) + ": " + why + " at byte offset " +
                                       std::to_string(at) + "; migration files are UTF-8 text");
  }
  return FileParser(text, name, origin).parse();
}

std::vector<MigrationDef> load_migration_dir(const std::filesystem::path& dir, std::vector<std::string>* skipped) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    if (std::filesystem::exists(dir, ec)) {
      throw Error(ErrorKind::config, "migrations path '" + dir.string() +
                                         "' is a file, not a directory (give the folder that holds the .sql files)");
    }
    throw Error(ErrorKind::config, "migrations directory '" + dir.string() + "' does not exist");
  }
  std::vector<std::filesystem::path> files;
  auto skip = [&](const std::string& file, const char* why) {
    if (skipped) skipped->push_back(file + " (" + why + ")");
  };
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    // Hidden files (editor swap files, macOS "._x.sql" resource forks) are never migrations.
    const std::string file = entry.path().filename().string();
    std::error_code type_ec;
    const std::string ext = entry.path().extension().string();
    if (!file.empty() && file[0] == '.') skip(file, "hidden file");
    else if (entry.is_symlink(type_ec) && !std::filesystem::exists(entry.path(), type_ec)) skip(file, "dangling link");
    else if (entry.is_directory(type_ec)) skip(file, "a folder: migrations are not read from subfolders");
    else if (ext != ".sql") {
      std::string lower = ext;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      skip(file, lower == ".sql" ? "the extension must be .sql, in lower case" : "not a .sql file");
    } else if (!entry.is_regular_file(type_ec)) skip(file, "not a regular file");
    else files.push_back(entry.path());
  }
  if (skipped) std::sort(skipped->begin(), skipped->end());
  if (ec) throw Error(ErrorKind::config, "cannot list '" + dir.string() + "': " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<MigrationDef> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) throw Error(ErrorKind::config, "cannot read migration file " + f.string());
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back(parse_migration_file(ss.str(), f.stem().string(), f.string()));
  }
  return out;
}

std::vector<MigrationDef> merge_migrations(std::vector<MigrationDef> all) {
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (std::size_t i = 1; i < all.size(); ++i) {
    if (all[i].name == all[i - 1].name) {
      throw Error(ErrorKind::config, "two migrations are named '" + all[i].name + "' (" + all[i - 1].origin +
                                         " and " + all[i].origin + ")");
    }
  }
  for (const auto& d : all) check_definition(d);
  return all;
}

}  // namespace rowshift::migrate
