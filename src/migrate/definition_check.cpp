// Whether a migration definition is complete and safe for its kind, from a file or from
// the C++ builder alike (migrate/loader.hpp: check_definition).
#include <algorithm>
#include <cctype>
#include <string>

#include "db/sql_lexer.hpp"
#include "migrate/loader.hpp"
#include "rowshift/error.hpp"

namespace rowshift::migrate {

namespace {
// A schema step runs in a transaction of rowshift's, together with its record: a COMMIT
// inside would commit half the step, unrecorded, and the fixed file would then fail
// with "already exists" forever. Savepoints stay inside the transaction and are fine.
template <typename Bad>
void refuse_transaction_control(const MigrationDef& d, const Bad& bad) {
  int n = 0;
  for (const auto& st : db::split_statements(db::without_comments(d.sql))) {
    ++n;
    std::string word;
    for (char c : st) {
      if (!std::isalpha(static_cast<unsigned char>(c))) break;
      word += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    std::string rest = st.substr(word.size());
    auto next = rest.find_first_not_of(" \t\r\n");
    std::string after = next == std::string::npos ? "" : rest.substr(next, 2);
    bool to_savepoint = word == "ROLLBACK" && (after == "TO" || after == "to" || after == "To");
    static const char* const kControl[] = {"BEGIN", "COMMIT", "END", "ROLLBACK", "ABORT", "START"};
    for (const char* c : kControl) {
      if (word == c && !to_savepoint && (word != "START" || rest.find("TRANSACTION") != std::string::npos ||
                                         rest.find("transaction") != std::string::npos)) {
        bad("statement " + std::to_string(n) + " is " + word + " ('" + st.substr(0, 40) +
            "'): a schema step runs in one transaction with its record; leave transaction control out");
      }
    }
  }
}
}  // namespace

void check_definition(const MigrationDef& d) {
  auto bad = [&](const std::string& why) {
    throw Error(ErrorKind::config, "migration " + d.name + ": " + why);
  };
  if (d.name.empty()) throw Error(ErrorKind::config, "a migration has no name");
  if (!d.misused_setters.empty()) bad(d.misused_setters.front());
  if (d.batch_size && (*d.batch_size <= 0 || *d.batch_size > kMaxBatchSize)) {
    bad("batch size must be from 1 to " + std::to_string(kMaxBatchSize) + ", got " + std::to_string(*d.batch_size));
  }
  // A column twice in a key would bind its range bounds to the wrong parameters, and
  // twice among the target columns would write one value over the other.
  auto once_each = [&](const std::vector<std::string>& names, const std::string& what) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) !=
          names.begin() + static_cast<std::ptrdiff_t>(i)) {
        bad(what + " names column '" + names[i] + "' twice");
      }
    }
  };
  once_each(d.key, "the key");
  once_each(d.target_key, "the target key");
  // Where rowshift puts them into its own statements, these must stay one expression each.
  auto one_expression = [&](const std::string& what, const std::string& expr) {
    std::string problem = db::expression_problem(expr);
    if (!problem.empty()) bad(what + " " + problem + ": '" + expr.substr(0, 60) + "' must be one SQL expression");
  };
  if (d.kind != MigrationKind::schema && !d.where.empty()) one_expression("where", d.where);
  if (d.kind == MigrationKind::copy) {
    for (const auto& [target, expr] : d.columns) one_expression("the expression of column '" + target + "'", expr);
  }
  switch (d.kind) {
    case MigrationKind::schema:
      if (d.sql.empty()) bad("schema migration has no SQL");
      refuse_transaction_control(d, bad);
      for (const auto& m : db::psql_meta_commands(d.sql)) {
        if (m.text.rfind("\\restrict", 0) == 0 || m.text.rfind("\\unrestrict", 0) == 0) continue;  // pg_dump's guard
        bad("line " + std::to_string(m.line) + " is a psql meta-command ('" + m.text.substr(0, 40) +
            "'), not SQL; rowshift runs SQL only");
      }
      return;
    case MigrationKind::update:
      if (d.source_table.empty()) bad("update migration needs the table it updates (rowshift:table)");
      if (d.key.empty()) bad("update migration needs a key (rowshift:key)");
      if (db::find_in_code(d.sql, "{{batch}}").empty()) {
        bad("update statement must contain {{batch}} (the key range of each batch) outside quotes and comments");
      }
      if (auto n = db::split_statements(d.sql).size(); n > 1) {
        bad("update body has " + std::to_string(n) +
            " statements; a batch runs exactly one (write one update migration per statement)");
      }
      return;
    case MigrationKind::copy:
    case MigrationKind::transform:
      if (d.source_table.empty()) bad("needs a source table (rowshift:from)");
      if (d.key.empty()) bad("needs a key (rowshift:key)");
      if (d.target_table.empty()) bad("needs a target table (rowshift:to)");
      break;
  }
  if (d.kind == MigrationKind::copy) {
    std::vector<std::string> targets;
    for (const auto& c : d.columns) targets.push_back(c.first);
    once_each(targets, "the column list");
    if (d.columns.empty()) bad("copy migration maps no columns");
    for (const auto& k : d.effective_target_key()) {
      bool mapped = std::any_of(d.columns.begin(), d.columns.end(), [&](const auto& c) { return c.first == k; });
      if (!mapped) {
        bad("target key column '" + k + "' is not among the copied columns (map it, or set rowshift:target-key)");
      }
    }
  } else {
    if (!d.transform) bad("transform migration has no callback (map)");
    if (d.target_columns.empty()) bad("transform migration names no target columns (to(table, {columns}))");
    once_each(d.target_columns, "the target column list");
    for (const auto& k : d.effective_target_key()) {
      if (std::find(d.target_columns.begin(), d.target_columns.end(), k) == d.target_columns.end()) {
        bad("target key column '" + k + "' is not among the target columns");
      }
    }
  }
}

}  // namespace rowshift::migrate
