// How many workers a run uses when --workers is not given.
//
// A worker is one batch in flight: its source read, its target write and its commit.
// Where the PostgreSQL servers run on this machine, they share its cores with
// rowshift, and every worker past one per core only adds a backend that competes for
// them (bench on 2 cores, PostgreSQL -> PostgreSQL, 1M rows: 1 worker 125k rows/s,
// 2 workers 276k, 4 workers 195k, 8 workers 186k). Where they run elsewhere, a worker
// mostly waits for the network and the server, and several per core keep both busy.
#pragma once

#include <string>
#include <vector>

#include "db/url.hpp"

namespace rowshift {

struct WorkerChoice {
  int workers = 0;
  std::string why;  // "2 cores, the PostgreSQL servers on this host"
};

// Whether a PostgreSQL URL reaches a server on this machine: a unix socket, localhost,
// a loopback address, or this machine's own host name.
bool on_this_host(const db::DbUrl& url);

// The default for a run whose batches connect to `endpoints` on a machine with `cores`
// cores: one worker per core (at least 2) when every PostgreSQL endpoint is on this host
// (SQLite files count as local); else 2 per core, at least 4 and at most 16.
WorkerChoice default_workers(const std::vector<db::DbUrl>& endpoints, int cores);

}  // namespace rowshift
