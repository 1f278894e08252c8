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
void print_rejects(std::FILE* out, const std::string& name, const std::vector<RejectedRow>& rows, bool json);

}  // namespace rowshift::cli
