// The batched binary COPY floor: what moving a PostgreSQL table into another database
// costs when it goes in batches of BATCH rows, each committed, and nothing else is done.
// One connection to each side, one batch at a time: the source's
// `COPY (SELECT ... WHERE key range) TO STDOUT (FORMAT binary)` is read whole, then
// written with `COPY ... FROM STDIN (FORMAT binary)` in its own transaction. No claim,
// no checkpoint, no retry: the physical limit of batching that bench/run.sh shows beside
// the unbatched peers (a pipe of one COPY, pgcopydb).
//
//   rowshift_bench_copy_floor SOURCE_CONNINFO TARGET_CONNINFO TABLE KEY ROWS BATCH
//
// The key must be an integer column holding 1..ROWS (bench/run.sh's events.id).
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

[[noreturn]] void die(PGconn* c, const std::string& what) {
  std::fprintf(stderr, "copy_floor: %s: %s", what.c_str(), c ? PQerrorMessage(c) : "\n");
  std::exit(1);
}

PGconn* connect(const char* conninfo) {
  PGconn* c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) die(c, "connect");
  return c;
}

void command(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_COMMAND_OK) die(c, sql);
  PQclear(r);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s SOURCE TARGET TABLE KEY ROWS BATCH\n", argv[0]);
    return 2;
  }
  PGconn* src = connect(argv[1]);
  PGconn* dst = connect(argv[2]);
  const std::string table = argv[3], key = argv[4];
  const long long rows = std::atoll(argv[5]), batch = std::atoll(argv[6]);
  const std::string in = "COPY \"" + table + "\" FROM STDIN (FORMAT binary)";
  std::string block;
  for (long long lo = 0; lo < rows; lo += batch) {
    const std::string out = "COPY (SELECT * FROM \"" + table + "\" WHERE \"" + key + "\" > " + std::to_string(lo) +
                            " AND \"" + key + "\" <= " + std::to_string(lo + batch) + ") TO STDOUT (FORMAT binary)";
    PGresult* r = PQexec(src, out.c_str());
    if (PQresultStatus(r) != PGRES_COPY_OUT) die(src, out);
    PQclear(r);
    block.clear();
    char* buf = nullptr;
    int n = 0;
    while ((n = PQgetCopyData(src, &buf, 0)) > 0) {
      block.append(buf, static_cast<std::size_t>(n));
      PQfreemem(buf);
    }
    if (n == -2) die(src, "read");
    while ((r = PQgetResult(src)) != nullptr) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK) die(src, out);
      PQclear(r);
    }
    command(dst, "BEGIN");
    r = PQexec(dst, in.c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) die(dst, in);
    PQclear(r);
    if (PQputCopyData(dst, block.data(), static_cast<int>(block.size())) != 1 || PQputCopyEnd(dst, nullptr) != 1) {
      die(dst, "write");
    }
    while ((r = PQgetResult(dst)) != nullptr) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK) die(dst, in);
      PQclear(r);
    }
    command(dst, "COMMIT");
  }
  PQfinish(src);
  PQfinish(dst);
  return 0;
}
