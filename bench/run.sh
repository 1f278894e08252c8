#!/usr/bin/env bash
# rowshift against its peers, on the same data, in one run.
#
#   bench/run.sh            1,000,000 rows, 3 runs per path (medians)
#   bench/run.sh --short    20,000 rows, 1 run: proves the benchmark works (CI)
#   ROWS=... RUNS=... ONLY="rowshift_*" bench/run.sh
#
# Data, peers, timing and verification come from ../shared/bench/peers.sh (sourced for
# its helpers): it starts a throwaway PostgreSQL 15 on 127.0.0.1:55432, generates the
# `events` table identically in SQLite and PostgreSQL, times each command and checks the
# target against the source (row count + checksum, and an md5 over every row on the first
# run). This script adds rowshift's paths and prints each with its peer and the ratio.
set -Eeuo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS_SH:-$root/../shared/bench/peers.sh}
[[ -f "$peers" ]] || { echo "bench: $peers not found (set PEERS_SH)" >&2; exit 1; }

if [[ "${1:-}" == "--short" ]]; then
  : "${ROWS:=20000}" "${RUNS:=1}" "${IDLE_GATE:=0}"
fi
: "${ROWS:=1000000}" "${RUNS:=3}"
export ROWS RUNS IDLE_GATE
# shellcheck source=/dev/null
source "$peers"

bash "$root/scripts/install-deps.sh" >&2
cmake -S "$root" -B "$root/build-release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DROWSHIFT_TESTS=OFF >/dev/null
cmake --build "$root/build-release" -j "$(nproc)" >/dev/null
RS="$root/build-release/rowshift"
TM="/usr/bin/time -f maxrss_kb=%M"
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null

mkdir -p "$BENCH_DIR"
ensure_tools
pg_start
mkdir -p "$RESULTS_DIR"
out="$RESULTS_DIR/rowshift_${ROWS}_$(date +%Y%m%d-%H%M%S).txt"

write_migration() {  # write_migration DIR SOURCE_URL
  mkdir -p "$1"
  cat >"$1/0001_copy_events.sql" <<SQL
-- rowshift:kind copy
-- rowshift:source-db $2
-- rowshift:from events
-- rowshift:key id
-- rowshift:to events
id
user_id
kind
amount
note
created_at
SQL
}
M="$BENCH_DIR/rowshift"
write_migration "$M/sqlite_to_pg" "sqlite:$SRC_SQLITE?mode=ro"
write_migration "$M/pg_to_pg" "$SRC_URI"
rs_fresh_dst() {
  pg_fresh_table dst events 1 &&
    pgq dst -c "DROP TABLE IF EXISTS rowshift_batches, rowshift_migrations, rowshift_meta" -c CHECKPOINT
}

{
  versions
  echo "VERSION rowshift $(git -C "$root" rev-parse --short HEAD) workers=4 batch=1000"
  gen_data
  measure rowshift_sqlite_to_pg rs_fresh_dst "$TM $RS --quiet --db $DST_URI --migrations $M/sqlite_to_pg run" "pg:dst:events"
  measure rowshift_pg_to_pg rs_fresh_dst "$TM $RS --quiet --db $DST_URI --migrations $M/pg_to_pg run" "pg:dst:events"
  for w in 1 2 8; do
    measure "rowshift_pg_to_pg_w$w" rs_fresh_dst \
      "$TM $RS --quiet --db $DST_URI --migrations $M/pg_to_pg run --workers $w" "pg:dst:events"
  done
  ONLY="${ONLY:-pgloader_w2c1_typed sqlite_csv_to_pg_copy pgcopydb_table_data pg_copy_pipe}" run_all_measurements
  clean_targets
} 2>&1 | tee "$out"

# The table: rowshift's paths beside their peers, ratios from this one run.
awk '
  /^RESULT/ {
    name = $2; rps = ""; rss = "-"; ok = "";
    for (i = 3; i <= NF; i++) {
      split($i, kv, "=");
      if (kv[1] == "rows_per_s") rps = kv[2];
      if (kv[1] == "peak_rss_mb") rss = kv[2];
      if (kv[1] == "verify") ok = kv[2];
    }
    r[name] = rps; m[name] = rss; v[name] = ok;
  }
  END {
    n = split("rowshift_sqlite_to_pg:pgloader_w2c1_typed:2.0 rowshift_sqlite_to_pg:sqlite_csv_to_pg_copy:0.9 rowshift_pg_to_pg:pgcopydb_table_data:1.0 rowshift_pg_to_pg:pg_copy_pipe:0.7", pairs, " ");
    printf "\n| rowshift path | rows/s | peak RSS MiB | verify | peer | peer rows/s | ratio | target |\n|---|---|---|---|---|---|---|---|\n";
    for (i = 1; i <= n; i++) {
      split(pairs[i], p, ":");
      if (!(p[1] in r)) continue;
      ratio = (p[2] in r && r[p[2]] > 0) ? sprintf("%.2fx", r[p[1]] / r[p[2]]) : "-";
      printf "| %s | %s | %s | %s | %s | %s | %s | >= %sx |\n", p[1], r[p[1]], m[p[1]], v[p[1]], p[2], (p[2] in r ? r[p[2]] : "-"), ratio, p[3];
    }
    for (w = 1; w <= 8; w *= 2) {
      k = (w == 4) ? "rowshift_pg_to_pg" : "rowshift_pg_to_pg_w" w;
      if (k in r) printf "| pg_to_pg, %d workers | %s | %s | %s | | | | |\n", w, r[k], m[k], v[k];
    }
  }' "$out" | tee -a "$out"
grep -q "verify=\(MISMATCH\|FAILED\)" "$out" && { echo "bench: a result did not verify" >&2; exit 1; }
echo "bench: results in $out"
