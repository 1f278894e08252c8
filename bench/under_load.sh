#!/usr/bin/env bash
# The key paths and their peers with N CPU hogs running (busy loops, one per N), to see how
# much each ratio falls under load (docs/performance.md, "With 2 CPU hogs").
#
#   bench/under_load.sh 2        two hogs;   bench/under_load.sh 0   the same subset, no load
#
# The peers' script discards runs with foreign CPU load; here the load is the point, so
# that gate is off (NOISY_CORES=99, IDLE_GATE=0). ONLY and RUNS work as for bench/run.sh.
set -Eeuo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hogs=${1:-2}
[[ $hogs =~ ^[0-9]+$ ]] || { echo "usage: bench/under_load.sh [HOGS]" >&2; exit 2; }
pids=()
stop_hogs() { ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true; }
trap stop_hogs EXIT
for ((i = 0; i < hogs; i++)); do (while :; do :; done) & pids+=($!); done
: "${ONLY:=rowshift_pg_same pg_insert_select rowshift_pg_to_pg pgcopydb_table_data pg_copy_pipe rowshift_sqlite_to_pg sqlite_csv_to_pg_copy rowshift_sqlite_same sqlite_engine_batches rowshift_pg_backfill pg_update_batched_do}"
ONLY=$ONLY NOISY_CORES=99 IDLE_GATE=0 RUNS=${RUNS:-1} bash "$root/bench/run.sh"
