// rowshift/cli.hpp — the rowshift command line, callable from a migration program's main.
#pragma once

namespace rowshift {

// Parses argv as the `rowshift` command does and runs it, with every migration
// registered in this program (see Registration) added to the SQL-file migrations.
// Returns a process exit code (rowshift::ExitCode). Installs SIGINT/SIGTERM handlers
// for the duration of the call. Never throws.
int cli_main(int argc, char** argv);

}  // namespace rowshift
