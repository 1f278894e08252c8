// The rowshift command line: CLI11 flags -> RunOptions -> one Runner call.
// Only this file catches errors, to turn them into one line and an exit code.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "checkpoint/store.hpp"
#include "cli/number_flags.hpp"
#include "cli/signals.hpp"
#include "cli/views.hpp"
#include "cli/progress.hpp"
#include "cli/scaffold.hpp"
#include "cli/settings.hpp"
#include "rowshift/cli.hpp"
#include "rowshift/runner.hpp"

namespace rowshift {
namespace {

// After every command's --help: the URL forms and the exit codes (docs/cli.md has it all).
constexpr const char* kHelpFooter =
    "\nURLs:\n"
    "  sqlite:PATH[?mode=ro|rw|rwc&timeout=MS&journal_mode=wal&attach=NAME:PATH]   sqlite::memory:\n"
    "  postgresql://user[:password]@host[:port]/dbname[?param=value]   (postgres:// too)\n"
    "  \"host=/tmp port=5432 dbname=app user=me\"   (libpq key=value; PG* variables and ~/.pgpass apply)\n"
    "Settings: flags > environment (ROWSHIFT_DB, ROWSHIFT_STORE, ROWSHIFT_MIGRATIONS, ROWSHIFT_QUIET)\n"
    "  > ./rowshift.toml or --config FILE > defaults; `rowshift config` shows them.\n"
    "Exit codes: 0 success, 1 internal error, 2 usage, 3 config (nothing written), 4 batches failed,\n"
    "  5 verify mismatch, 6 rows rejected, 7 store changed, 8 partly applied, 75 interrupted (resumable).\n"
    "Examples:\n"
    "  rowshift --db sqlite:app.db plan\n"
    "  rowshift run --db sqlite:app.db --workers 4\n"
    "  ROWSHIFT_DB=postgresql://app@db/shop rowshift status --json\n"
    "Full reference: docs/cli.md, man rowshift.\n";

struct Flags {
  std::string db, store, migrations = "migrations";
  bool migrations_given = false;
  int workers = 0;  // 0: the default by rule (run/worker_default.hpp)
  int batch_size = 0;
  int max_attempts = 3;
  int backoff_cap_ms = 5000;
  double max_rate = 0;
  int breaker_threshold = 5;
  double breaker_cooldown = 30;
  double max_outage = 600;
  double lock_timeout = 30;
  int lease = 120;
  bool fail_fast = false;
  bool synchronous_batches = false;
  int batches_per_commit = 16;
  std::string on_bad_row = "fail";
  long long max_rejects = 1000;
  bool json = false;
  bool yes = false;
  bool quiet = false;
  std::string log_format = "text";
  std::string metrics_file;
  int metrics_port = -1;
  std::string metrics_bind = "127.0.0.1";
  std::string kind = "schema";
  std::string name;
};

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

bool g_json_log = false;  // --log-format json: stderr carries JSON lines only

int fail(ExitCode code, const std::string& msg) {
  if (g_json_log) {
    cli::print_log_json(stderr, {{}, "error", {}, {}, 0, 0, one_line(msg)}, static_cast<int>(code));
  } else {
    std::fprintf(stderr, "rowshift: error: %s\n", one_line(msg).c_str());
  }
  return static_cast<int>(code);
}

RunOptions options_from(const Flags& f) {
  RunOptions o;
  o.db_url = f.db;
  o.store_url = f.store;
  if (f.migrations_given || std::filesystem::is_directory(f.migrations)) o.migrations_dir = f.migrations;
  o.workers = f.workers;
  if (f.batch_size != 0) o.batch_size = f.batch_size;
  o.max_attempts = f.max_attempts;
  o.backoff_cap = std::chrono::milliseconds(f.backoff_cap_ms);
  o.max_rows_per_second = f.max_rate;
  o.fail_fast = f.fail_fast;
  o.synchronous_batches = f.synchronous_batches;
  o.batches_per_commit = f.batches_per_commit;
  o.quarantine_bad_rows = f.on_bad_row == "quarantine";
  o.max_rejects = f.max_rejects;
  o.breaker_threshold = f.breaker_threshold;
  o.breaker_cooldown = std::chrono::milliseconds(static_cast<long long>(f.breaker_cooldown * 1000));
  o.max_outage = std::chrono::milliseconds(static_cast<long long>(f.max_outage * 1000));
  o.lock_timeout = std::chrono::milliseconds(static_cast<long long>(f.lock_timeout * 1000));
  o.lease = std::chrono::seconds(f.lease);
  o.metrics_file = f.metrics_file;
  o.metrics_port = f.metrics_port;
  o.metrics_bind = f.metrics_bind;
  return o;
}

void add_run_flags(CLI::App* cmd, Flags& f) {
  cmd->add_option("--workers", f.workers, "parallel workers, one connection each (default: one per core when the PostgreSQL servers are on this host, else 2 per core, 4 to 16)")
      ->check(cli::whole_number(1, 256));
  cmd->add_option("--batch-size", f.batch_size, "rows per batch when planning (default 1000)")
      ->check(cli::whole_number(1, kMaxBatchSize));
  cmd->add_option("--max-attempts", f.max_attempts, "attempts per batch for transient errors (default 3)")
      ->check(cli::whole_number(1, 100));
  cmd->add_option("--backoff-cap-ms", f.backoff_cap_ms, "longest wait between attempts (default 5000)")
      ->check(cli::whole_number(0, 3600000));
  cmd->add_option("--max-rate", f.max_rate, "throttle to about this many rows/s (default: unthrottled)")
      ->check(cli::decimal(0));
  cmd->add_flag("--fail-fast", f.fail_fast, "stop scheduling batches at the first failed one");
  cmd->add_flag("--synchronous-batches", f.synchronous_batches,
                "make each batch's commit wait for the server's disk even when the checkpoint store is the target "
                "(by default it does not: a crash loses whole batches with their marks, and they are run again)");
  cmd->add_option("--batches-per-commit", f.batches_per_commit,
                  "when the checkpoint store is the target: at most this many fast batches share one transaction, "
                  "each with its own done mark (default 16; 1: a transaction per batch)")
      ->check(cli::whole_number(1, 64));
  cmd->add_option("--on-bad-row", f.on_bad_row,
                  "fail: a row-level error fails its batch (default); quarantine: the bad rows go to rowshift_rejects, "
                  "the rest of the batch commits")
      ->check(CLI::IsMember({"fail", "quarantine"}));
  cmd->add_option("--max-rejects", f.max_rejects, "with quarantine: stop when more rows than this are rejected (1000)")
      ->check(cli::whole_number(0, 1000000000));
  cmd->add_option("--breaker-threshold", f.breaker_threshold,
                  "consecutive transient failures that open a database's circuit breaker (default 5)")
      ->check(cli::whole_number(1, 1000));
  cmd->add_option("--breaker-cooldown", f.breaker_cooldown, "seconds an open breaker waits before a probe (default 30)")
      ->check(cli::decimal(0.01, 86400));
  cmd->add_option("--max-outage", f.max_outage,
                  "seconds a database may stay unreachable before the run stops, resumable (default 600)")
      ->check(cli::decimal(0.1, 604800));
  cmd->add_option("--lock-timeout", f.lock_timeout,
                  "seconds a statement waits for a SQLite file another process holds locked; past it the run stops, "
                  "resumable (exit 75), naming the file (default 30)")
      ->check(cli::decimal(0.001, 86400));
  cmd->add_option("--lease", f.lease,
                  "seconds a claimed batch stays this runner's without a heartbeat; a runner renews its claims every "
                  "lease/3 s while it lives, and one silent for longer (paused, frozen, cut off) is taken over "
                  "(default 120)")
      ->check(cli::whole_number(1, 86400));
  cmd->add_option("--metrics-file", f.metrics_file,
                  "write Prometheus metrics to this file (atomically, every 2 s and at the end), for node_exporter's "
                  "textfile collector");
  cmd->add_option("--metrics-port", f.metrics_port,
                  "serve the same metrics at http://127.0.0.1:PORT/metrics while the run goes on (0: any free port)")
      ->check(cli::whole_number(0, 65535));
  cmd->add_option("--metrics-bind", f.metrics_bind,
                  "address --metrics-port listens on (default 127.0.0.1; 0.0.0.0 exposes database names to the network)");
}

}  // namespace

int cli_main(int argc, char** argv) {
  // Started with a standard stream closed (`2>&-`), the first file opened would become
  // fd 2, and progress text would go into whatever it is: a database socket. Keep 0-2
  // taken by /dev/null instead.
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      int opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
      if (opened >= 0 && opened != fd) {
        dup2(opened, fd);
        close(opened);
      }
    }
  }
  Flags f;
  CLI::App app{"rowshift: batched, resumable database data migrations"};
  app.require_subcommand(1);
  // Global flags may also come after the command (`rowshift status --db URL`).
  app.fallthrough();
  app.footer(kHelpFooter);
  // ./rowshift.toml when it exists, or --config FILE; flags and environment win over it.
  app.config_formatter(std::make_shared<cli::EnvFirstConfig>());
  app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error, not ignored
  auto* config_file = app.set_config("--config", "rowshift.toml",
                                     "read settings from this TOML file (default ./rowshift.toml when present)");
  app.set_version_flag("--version", std::string("rowshift ") + ROWSHIFT_VERSION, "print rowshift's version and exit");
  app.add_option("--db", f.db, "target database URL (sqlite:FILE, postgresql://...); env ROWSHIFT_DB")
      ->envname("ROWSHIFT_DB");
  app.add_option("--store", f.store, "checkpoint store URL (default: the target database); env ROWSHIFT_STORE")
      ->envname("ROWSHIFT_STORE");
  auto* mig = app.add_option("--migrations", f.migrations,
                             "folder of *.sql migrations (default ./migrations); env ROWSHIFT_MIGRATIONS")
                  ->envname("ROWSHIFT_MIGRATIONS");
  app.add_flag("--quiet", f.quiet, "no progress display; env ROWSHIFT_QUIET=1")->envname("ROWSHIFT_QUIET");
  app.add_option("--log-format", f.log_format,
                 "text (default), or json: one JSON object per event on stderr, and no progress display")
      ->check(CLI::IsMember({"text", "json"}))
      ->envname("ROWSHIFT_LOG_FORMAT");

  auto* plan = app.add_subcommand("plan", "show what would run; writes nothing");
  plan->add_option("name", f.name, "only this migration");
  plan->add_flag("--json", f.json, "machine-readable output (docs/cli.md, JSON output)");
  auto* run = app.add_subcommand("run", "run pending migrations in order; resumes interrupted ones");
  run->add_option("name", f.name, "only this migration");
  run->add_flag("--json", f.json, "a final summary object on stdout (progress stays on stderr)");
  add_run_flags(run, f);
  auto* status = app.add_subcommand("status", "progress of each migration");
  status->add_option("name", f.name, "only this migration");
  status->add_flag("--json", f.json, "machine-readable output");
  auto* verify = app.add_subcommand("verify", "compare source and target per batch range");
  verify->add_option("name", f.name, "the migration to verify")->required();
  verify->add_option("--workers", f.workers, "parallel readers (default: as for run)")->check(cli::whole_number(1, 256));
  verify->add_flag("--json", f.json, "machine-readable output");
  auto* retry = app.add_subcommand("retry", "put failed batches back to pending and run them");
  retry->add_option("name", f.name, "the migration")->required();
  retry->add_flag("--json", f.json, "a final summary object on stdout");
  add_run_flags(retry, f);
  auto* rejects = app.add_subcommand("rejects", "list the rows a migration put in quarantine");
  rejects->add_option("name", f.name, "the migration")->required();
  rejects->add_flag("--json", f.json, "machine-readable output");
  auto* reset = app.add_subcommand("reset", "forget a migration's progress (target data stays)");
  reset->add_option("name", f.name, "the migration")->required();
  reset->add_flag("--yes", f.yes, "confirm");
  auto* mark_done = app.add_subcommand("mark-done", "record a migration applied by hand as done, without running it");
  mark_done->add_option("name", f.name, "the migration")->required();
  mark_done->add_flag("--yes", f.yes, "confirm");
  auto* scaffold = app.add_subcommand("new", "write the next numbered migration file, a commented template");
  scaffold->add_option("name", f.name, "what it does, in lower case: copy_orders")->required();
  scaffold->add_option("--kind", f.kind, "schema (default), copy or update")
      ->check(CLI::IsMember({"schema", "copy", "update"}));
  auto* version = app.add_subcommand("version", "print rowshift's version and the checkpoint store schema it writes");
  version->add_flag("--json", f.json, "machine-readable output");
  auto* config = app.add_subcommand("config", "print the effective settings and where each came from");
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) sub->footer(kHelpFooter);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (!app.remaining().empty() && app.get_subcommands().empty()) {
      return fail(ExitCode::usage, "unknown command '" + app.remaining().front() +
                                       "' (commands: plan, run, status, verify, retry, rejects, reset, mark-done, new, config, version)");
    }
    return fail(ExitCode::usage, e.what());
  }
  f.migrations_given = mig->count() > 0;
  g_json_log = f.log_format == "json";
  if (version->parsed()) {
    if (f.json) {
      std::printf("{\"version\": \"%s\", \"store_schema_version\": %d}\n", ROWSHIFT_VERSION,
                  checkpoint::kSchemaVersion);
    } else {
      std::printf("rowshift %s (checkpoint store schema %d)\n", ROWSHIFT_VERSION, checkpoint::kSchemaVersion);
    }
    return 0;
  }
  if (scaffold->parsed()) {
    try {
      std::string path = cli::new_migration(f.migrations, f.name, f.kind);
      std::printf("%s\n", path.c_str());
      return 0;
    } catch (const Error& e) {
      return fail(exit_code_for(e.kind()), e.what());
    }
  }
  if (config->parsed()) {
    std::vector<cli::SettingSource> settings;
    const std::string file = config_file->count() > 0 ? config_file->as<std::string>() : std::string("rowshift.toml");
    const bool file_read = !file.empty() && std::filesystem::exists(file);
    for (const auto& s : cli::kGlobalSettings) {
      std::string value = s.name == std::string("db")           ? f.db
                          : s.name == std::string("store")      ? f.store
                          : s.name == std::string("migrations") ? f.migrations
                                                                : (f.quiet ? "true" : "false");
      const char* env = std::getenv(s.env);
      std::string source = "default";
      if (cli::given_on_command_line(argc, argv, s.name)) source = "flag --" + std::string(s.name);
      else if (env && *env) source = std::string("env ") + s.env;
      else if (file_read && app.get_option(std::string("--") + s.name)->count() > 0) source = "file " + file;
      settings.push_back({s.name, value, source});
    }
    cli::print_config(stdout, settings);
    return 0;
  }
  if (f.db.empty()) return fail(ExitCode::usage, "no database: give --db URL or set ROWSHIFT_DB");
  if (reset->parsed() && !f.yes) return fail(ExitCode::usage, "reset forgets all progress of " + f.name + "; add --yes");
  if (mark_done->parsed() && !f.yes) {
    return fail(ExitCode::usage, "mark-done records " + f.name + " as done without running it; add --yes");
  }

  cli::SignalGuard signals;
  try {
    RunOptions opt = options_from(f);
    std::unique_ptr<cli::ProgressPrinter> progress;
    if (!f.quiet && !g_json_log) {
      progress = std::make_unique<cli::ProgressPrinter>(stderr, isatty(STDERR_FILENO) != 0);
      opt.on_progress = [&](const Progress& p) { progress->update(p); };
    }
    opt.should_stop = [] { return cli::SignalGuard::stop_requested(); };
    if (g_json_log) {
      opt.on_run_event = [](const RunEvent& e) { cli::print_log_json(stderr, e); };
    } else {
      opt.on_event = [&](const std::string& event) {
        if (progress) std::fputc('\n', stderr);  // keep the event off the progress line
        std::fprintf(stderr, "rowshift: %s\n", event.c_str());
      };
    }
    Runner runner(opt);
    if (plan->parsed()) {
      auto entries = runner.plan(f.name);
      if (f.json) {
        cli::print_plan_json(stdout, entries, runner.skipped_files());
        return 0;
      }
      cli::print_plan(stdout, entries);
      for (const auto& s : runner.skipped_files()) std::printf("skipped %s\n", s.c_str());
      return 0;
    }
    if (status->parsed()) {
      auto s = runner.status(f.name);
      f.json ? cli::print_status_json(stdout, s) : cli::print_status(stdout, s);
      return 0;
    }
    if (verify->parsed()) {
      auto r = runner.verify(f.name);
      f.json ? cli::print_verify_json(stdout, r) : cli::print_verify(stdout, r);
      return static_cast<int>(r.ok() ? ExitCode::success : ExitCode::verify_mismatch);
    }
    if (rejects->parsed()) {
      cli::print_rejects(stdout, f.name, runner.rejects(f.name), f.json);
      return 0;
    }
    if (mark_done->parsed()) {
      runner.mark_done(f.name);
      std::printf("%s: recorded as done; it was not run\n", f.name.c_str());
      return 0;
    }
    if (reset->parsed()) {
      runner.reset(f.name);
      std::printf("%s: progress forgotten; the next run starts it over\n", f.name.c_str());
      return 0;
    }
    RunReport report = retry->parsed() ? runner.retry(f.name) : runner.run(f.name);
    f.json ? cli::print_run_json(stdout, report) : cli::print_run(stdout, report);
    return static_cast<int>(report.exit_code());
  } catch (const Error& e) {
    return fail(exit_code_for(e.kind()), e.what());
  } catch (const std::exception& e) {
    return fail(ExitCode::internal_error, e.what());
  }
}

}  // namespace rowshift
