// What the CLI prints for plan, run, status and verify.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "rowshift/runner.hpp"

namespace rowshift::cli {

void print_plan(std::FILE* out, const std::vector<PlanEntry>& plan);
void print_run(std::FILE* out, const RunReport& report);
void print_status(std::FILE* out, const std::vector<MigrationStatus>& status);
void print_status_json(std::FILE* out, const std::vector<MigrationStatus>& status);
void print_verify(std::FILE* out, const VerifyReport& report);
// --json forms (cli/views_json.cpp).
void print_plan_json(std::FILE* out, const std::vector<PlanEntry>& plan, const std::vector<std::string>& skipped);
void print_run_json(std::FILE* out, const RunReport& report);
void print_verify_json(std::FILE* out, const VerifyReport& report);
// One --log-format json line: {"ts", "level", "event", "migration", "endpoint", "batch",
// "attempts", "detail"} (and "exit_code" for the final error), flushed at once.
void print_log_json(std::FILE* out, const RunEvent& event, int exit_code = -1);
void print_rejects(std::FILE* out, const std::string& name, const std::vector<RejectedRow>& rows, bool json);

}  // namespace rowshift::cli
