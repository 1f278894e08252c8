#!/usr/bin/env bash
# rowshift against its peers and against the engines themselves, on the same data, in one run.
#
#   bench/run.sh            1,000,000 rows, 3 runs per path (medians), every path and peer
#   bench/run.sh --short    20,000 rows, 1 run: proves the benchmark works (CI runs this)
#   bench/run.sh --scale    the copy paths and two peers at 1M and 10M rows (3 runs each)
#   ROWS=... RUNS=... ONLY="rowshift_*" bench/run.sh
#   RS_FLAGS="--batches-per-commit 1" bench/run.sh   a lever off (flags added to each run)
#
# Data, peers, timing and verification come from ../shared/bench/peers.sh (sourced for
# its helpers): it starts a throwaway PostgreSQL 15 on 127.0.0.1:55432, generates the
# `events` table identically in SQLite and PostgreSQL, times each command and checks the
# target against the source (row count + checksum, and an md5 over every row on the first
# run). This script adds rowshift's paths and prints each with its peer and the ratio.
set -Eeuo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# The peers' script lives beside the repository (../shared/bench); a clone elsewhere finds
# it through PEERS_SH or at the shared folder's usual place.
peers=${PEERS_SH:-}
if [[ -z "$peers" ]]; then
  for p in "$root/../shared/bench/peers.sh" /work/shared/bench/peers.sh; do
    if [[ -f "$p" ]]; then peers=$p; break; fi
  done
fi
[[ -f "$peers" ]] || { echo "bench: ../shared/bench/peers.sh not found (set PEERS_SH)" >&2; exit 1; }

mode=full
case "${1:-}" in
  --short) mode=short; : "${ROWS:=20000}" "${RUNS:=1}" "${IDLE_GATE:=0}" ;;
  --scale) mode=scale; : "${RUNS:=3}" ;;
  "") ;;
  *) echo "usage: bench/run.sh [--short|--scale]" >&2; exit 2 ;;
esac
: "${ROWS:=1000000}" "${RUNS:=3}"
: "${SCALE_ROWS:=1000000 10000000}"
export ROWS RUNS IDLE_GATE
# shellcheck source=/dev/null
source "$peers"

bash "$root/scripts/install-deps.sh" >&2
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
# ROWSHIFT_BENCH_BUILD=DIR uses binaries built already (CI's short run reuses the test
# build); numbers worth keeping come from the Release build made here.
bin=${ROWSHIFT_BENCH_BUILD:-}
if [[ -z "$bin" ]]; then
  bin="$root/build-release"
  cmake -S "$root" -B "$bin" -G Ninja -DCMAKE_BUILD_TYPE=Release -DROWSHIFT_TESTS=OFF >/dev/null
  cmake --build "$bin" -j "$(nproc)" >/dev/null
fi
RS="$bin/rowshift"
RS_TRANSFORM="$bin/rowshift_bench_transform"
RS_COPY_FLOOR="$bin/rowshift_bench_copy_floor"
TM="/usr/bin/time -f maxrss_kb=%M"

mkdir -p "$BENCH_DIR"
ensure_tools
if ! pg_running; then trap 'pg_stop' EXIT; fi  # leave the cluster as it was found
pg_start
mkdir -p "$RESULTS_DIR"
out="$RESULTS_DIR/rowshift_${mode}_${ROWS}_$(date +%Y%m%d-%H%M%S).txt"

# ------------------------------------------------------------------ migrations
M="$BENCH_DIR/rowshift"
rm -rf "$M"
write_copy() {  # write_copy DIR FROM TO [SOURCE_URL]
  mkdir -p "$M/$1"
  {
    echo "-- rowshift:kind copy"
    [[ -n "${4:-}" ]] && echo "-- rowshift:source-db $4"
    printf -- '-- rowshift:from %s\n-- rowshift:key id\n-- rowshift:to %s\n' "$2" "$3"
    printf '%s\n' id user_id kind amount note created_at
  } >"$M/$1/0001_copy_events.sql"
}
write_copy sqlite_same events events_copy
write_copy sqlite_to_sqlite events events "sqlite:$SRC_SQLITE?mode=ro"
write_copy pg_same events events_copy
write_copy pg_to_pg events events "$SRC_URI"
write_copy sqlite_to_pg events events "sqlite:$SRC_SQLITE?mode=ro"
mkdir -p "$M/pg_backfill" "$M/none"
cat >"$M/pg_backfill/0001_upper_notes.sql" <<'SQL'
-- rowshift:kind update
-- rowshift:table events_upd
-- rowshift:key id
UPDATE events_upd SET note = upper(note) WHERE {{batch}}
SQL

# ------------------------------------------------------------------ fresh targets
CKPT="DROP TABLE IF EXISTS rowshift_batches, rowshift_migrations, rowshift_meta, rowshift_events, rowshift_rejects"
rs_fresh_dst() { pg_fresh_table dst events 1 && pgq dst -c "$CKPT" -c CHECKPOINT; }
rs_fresh_pg_same() { pg_fresh_table src events_copy 1 && pgq src -c "$CKPT" -c CHECKPOINT; }
rs_fresh_upd() { pgq src -c "$CKPT" && pg_fresh_upd; }
LABEL_DDL="CREATE TABLE events_copy(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, kind TEXT NOT NULL,
  amount REAL, note TEXT NULL, created_at TEXT, label TEXT);"
sqlite_fresh_label() { sqlite_fresh_work 0 && sq "$WORK_SQLITE" "$LABEL_DDL"; }
label_check() {  # the computed column, checked row by row after the last run
  local bad; bad=$(sq "$WORK_SQLITE" "SELECT count(*) FROM events_copy WHERE label IS NOT kind || ':' || user_id")
  [[ "$bad" == 0 ]] || { loud "$1: $bad rows with a wrong label"; echo "RESULT $1-label verify=MISMATCH"; }
}

# The engines themselves with rowshift's durability: a transaction per BATCH rows that
# also updates a checkpoint row twice (claim, done), as plain SQL scripts. What a batch
# costs the engine, whoever sends it: the floor for rowshift's same-database paths.
write_engine_batches() {  # write_engine_batches BEGIN TARGET_TABLE [SOURCE_TABLE]
  awk -v rows="$ROWS" -v b="$BATCH" -v begin="$1" -v tbl="$2" -v src="${3:-events}" 'BEGIN {
    for (lo = 0; lo < rows; lo += b) {
      n = lo / b;
      printf "%s; UPDATE ck SET status = \x27running\x27 WHERE m = \x27x\x27 AND b = %d; ", begin, n;
      printf "INSERT INTO %s (id, user_id, kind, amount, note, created_at) SELECT id, user_id, kind, amount, note, created_at FROM %s WHERE id > %d AND id <= %d; ", tbl, src, lo, lo + b;
      printf "UPDATE ck SET status = \x27done\x27 WHERE m = \x27x\x27 AND b = %d; COMMIT;\n", n;
    }
  }'
}
CK_DDL="CREATE TABLE ck (m TEXT, b INTEGER, status TEXT, PRIMARY KEY (m, b));"
CK_FILL="INSERT INTO ck SELECT 'x', g, 'pending' FROM"
sqlite_fresh_engine() {
  sqlite_fresh_work && sq "$WORK_SQLITE" "PRAGMA journal_mode=WAL;" "$CK_DDL" \
    "WITH RECURSIVE s(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM s WHERE g < $ROWS / $BATCH) $CK_FILL s;" >/dev/null
}
sqlite_fresh_dst_engine() {  # dst.sqlite: empty events and the checkpoint table, WAL as rowshift sets it
  sqlite_fresh_dst && sq "$DST_SQLITE" "PRAGMA journal_mode=WAL;" "$CK_DDL" \
    "WITH RECURSIVE s(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM s WHERE g < $ROWS / $BATCH) $CK_FILL s;" >/dev/null
}
pg_fresh_engine() {
  pg_fresh_table src events_copy 1 && pgq src -c "DROP TABLE IF EXISTS ck" -c "$CK_DDL" \
    -c "$CK_FILL generate_series(0, $ROWS / $BATCH) AS g" -c CHECKPOINT
}

# After the data is (re)generated, PostgreSQL's checkpointer and the kernel still have
# gigabytes to write back for minutes; measured meanwhile, a path loses up to 20% (10M
# rows, SQLite -> SQLite: 14.1 s right after generating, 11.5 s once written back).
settle() {
  pgq postgres -c CHECKPOINT >/dev/null
  sync
}

rs() {  # rs DIR [ARGS...]: the timed rowshift command for migrations folder DIR
  local dir=$1; shift
  # RS_FLAGS: run flags added to every rowshift path, to measure a lever
  # (RS_FLAGS="--batches-per-commit 1" bench/run.sh)
  echo "$TM $RS --quiet --migrations $M/$dir $* ${RS_FLAGS:-}"
}

# ------------------------------------------------------------------ paths
run_rowshift_paths() {
  local one_batch=$((ROWS + 1))
  measure rowshift_sqlite_same sqlite_fresh_work "$(rs sqlite_same --db "sqlite:$WORK_SQLITE" run)" \
    "sqlite:$WORK_SQLITE:events_copy"
  measure rowshift_sqlite_to_sqlite sqlite_fresh_dst "$(rs sqlite_to_sqlite --db "sqlite:$DST_SQLITE" run)" \
    "sqlite:$DST_SQLITE:events"
  measure rowshift_transform sqlite_fresh_label \
    "$TM $RS_TRANSFORM --quiet --migrations $M/none --db sqlite:$WORK_SQLITE run" "sqlite:$WORK_SQLITE:events_copy"
  selected rowshift_transform && label_check rowshift_transform
  measure sqlite_transform_insert_select sqlite_fresh_label \
    "sqlite3 -bail $WORK_SQLITE \"INSERT INTO events_copy(id,user_id,kind,amount,note,created_at,label) SELECT id,user_id,kind,amount,note,created_at,kind || ':' || user_id FROM events;\"" \
    "sqlite:$WORK_SQLITE:events_copy"
  write_engine_batches "BEGIN IMMEDIATE" events_copy >"$BENCH_DIR/sqlite_engine_batches.sql"
  measure sqlite_engine_batches sqlite_fresh_engine \
    "{ echo 'PRAGMA synchronous=NORMAL;'; cat $BENCH_DIR/sqlite_engine_batches.sql; } | sqlite3 -bail $WORK_SQLITE" \
    "sqlite:$WORK_SQLITE:events_copy"
  write_engine_batches "BEGIN IMMEDIATE" events src.events >"$BENCH_DIR/sqlite_attached_batches.sql"
  measure sqlite_attached_batches sqlite_fresh_dst_engine \
    "{ echo \"PRAGMA synchronous=NORMAL; ATTACH '$SRC_SQLITE' AS src;\"; cat $BENCH_DIR/sqlite_attached_batches.sql; } | sqlite3 -bail $DST_SQLITE" \
    "sqlite:$DST_SQLITE:events"
  measure rowshift_pg_same rs_fresh_pg_same "$(rs pg_same --db "$SRC_URI" run)" "pg:src:events_copy"
  write_engine_batches "BEGIN" events_copy >"$BENCH_DIR/pg_engine_batches.sql"
  measure pg_engine_batches pg_fresh_engine \
    "psql -X -q -v ON_ERROR_STOP=1 -h $PGHOST_ADDR -p $PGPORT -U $PG_SUPERUSER -d src -f $BENCH_DIR/pg_engine_batches.sql" \
    "pg:src:events_copy"
  measure rowshift_pg_to_pg rs_fresh_dst "$(rs pg_to_pg --db "$DST_URI" run)" "pg:dst:events"
  # The batched binary COPY floor (bench/copy_floor.cpp): the same 1000-row batches,
  # each a COPY out of src and a COPY into dst committed on its own, one at a time.
  local conn="host=$PGHOST_ADDR port=$PGPORT user=$PG_SUPERUSER"
  measure pg_copy_batches 'pg_fresh_table dst events 1' \
    "$TM $RS_COPY_FLOOR '$conn dbname=src' '$conn dbname=dst' events id $ROWS $BATCH" "pg:dst:events"
  measure rowshift_sqlite_to_pg rs_fresh_dst "$(rs sqlite_to_pg --db "$DST_URI" run)" "pg:dst:events"
  measure rowshift_pg_backfill rs_fresh_upd "$(rs pg_backfill --db "$SRC_URI" run)" "upd:src:events_upd"

  # Workers on PG -> PG (the default, chosen by rule, is rowshift_pg_to_pg above).
  local w
  for w in 1 2 4 8; do
    measure "rowshift_pg_to_pg_w$w" rs_fresh_dst "$(rs pg_to_pg --db "$DST_URI" run --workers "$w")" "pg:dst:events"
  done

  # Checkpoint overhead: 1000-row batches against one batch for the whole table, on the
  # same-database paths (no rows enter rowshift, so what differs is the checkpointing),
  # with one worker so that both sides do the same work on one connection.
  measure rowshift_sqlite_same_w1 sqlite_fresh_work \
    "$(rs sqlite_same --db "sqlite:$WORK_SQLITE" run --workers 1)" "sqlite:$WORK_SQLITE:events_copy"
  measure rowshift_sqlite_same_onebatch sqlite_fresh_work \
    "$(rs sqlite_same --db "sqlite:$WORK_SQLITE" run --workers 1 --batch-size $one_batch)" "sqlite:$WORK_SQLITE:events_copy"
  measure rowshift_pg_same_w1 rs_fresh_pg_same "$(rs pg_same --db "$SRC_URI" run --workers 1)" "pg:src:events_copy"
  measure rowshift_pg_same_onebatch rs_fresh_pg_same \
    "$(rs pg_same --db "$SRC_URI" run --workers 1 --batch-size $one_batch)" "pg:src:events_copy"
  pgq src -c "$CKPT" -c "DROP TABLE IF EXISTS events_copy, ck" >/dev/null
}

PEERS="sqlite_insert_select sqlite_attach_copy pg_insert_select pg_copy_pipe sqlite_csv_to_pg_copy
  pgcopydb_table_data pgloader_w2c1_typed pg_update_batched_do"

# rowshift path : peer : target ratio
PAIRS="rowshift_sqlite_same:sqlite_insert_select:-
rowshift_sqlite_same:sqlite_engine_batches:0.95
rowshift_sqlite_to_sqlite:sqlite_attach_copy:-
rowshift_sqlite_to_sqlite:sqlite_attached_batches:0.95
rowshift_pg_same:pg_insert_select:0.9
rowshift_pg_same:pg_engine_batches:-
rowshift_pg_to_pg:pgcopydb_table_data:1.0
rowshift_pg_to_pg:pg_copy_pipe:0.8
rowshift_pg_to_pg:pg_copy_batches:-
rowshift_sqlite_to_pg:pgloader_w2c1_typed:3.0
rowshift_sqlite_to_pg:sqlite_csv_to_pg_copy:0.9
rowshift_pg_backfill:pg_update_batched_do:1.2
rowshift_transform:sqlite_transform_insert_select:0.5
rowshift_sqlite_same_w1:rowshift_sqlite_same_onebatch:0.91
rowshift_sqlite_same:rowshift_sqlite_same_onebatch:0.91
rowshift_pg_same_w1:rowshift_pg_same_onebatch:0.91
rowshift_pg_same:rowshift_pg_same_onebatch:0.91
rowshift_pg_to_pg_w1:-:-
rowshift_pg_to_pg_w2:-:-
rowshift_pg_to_pg_w4:-:-
rowshift_pg_to_pg:-:-
rowshift_pg_to_pg_w8:-:-"

table() {  # table RESULTS_FILE: one row per pair, ratios from this run
  awk -v pairs="$PAIRS" '
    /^RESULT/ {
      name = $2; rps = "-"; rss = "-"; ok = "-";
      for (i = 3; i <= NF; i++) {
        split($i, kv, "=");
        if (kv[1] == "rows_per_s") rps = kv[2];
        if (kv[1] == "peak_rss_mb") rss = kv[2];
        if (kv[1] == "verify") ok = kv[2];
      }
      r[name] = rps; m[name] = rss; v[name] = ok;
    }
    END {
      printf "\n| rowshift path | rows/s | peak RSS MiB | verify | compared with | its rows/s | ratio | target | met |\n";
      printf "|---|---|---|---|---|---|---|---|---|\n";
      n = split(pairs, lines, "\n");
      for (i = 1; i <= n; i++) {
        split(lines[i], p, ":");
        if (!(p[1] in r)) continue;
        ratio = "-"; met = "-";
        if (p[2] in r && r[p[2]] > 0) {
          ratio = sprintf("%.2f", r[p[1]] / r[p[2]]);
          met = p[3] == "-" ? "-" : ((ratio + 0 >= p[3] + 0) ? "yes" : "NO");
        }
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", p[1], r[p[1]], m[p[1]], v[p[1]],
               p[2], (p[2] in r ? r[p[2]] : "-"), (ratio == "-" ? "-" : ratio "x"),
               (p[3] == "-" ? "-" : ">= " p[3] "x"), met;
      }
    }' "$1"
}

scale_table() {  # scale_table RESULTS_FILE: rows/s and RSS per size, and 10M vs 1M
  awk '
    /^RESULT/ {
      split($2, nm, "@"); rows = ""; rps = ""; rss = "-";
      for (i = 3; i <= NF; i++) {
        split($i, kv, "=");
        if (kv[1] == "rows") rows = kv[2];
        if (kv[1] == "rows_per_s") rps = kv[2];
        if (kv[1] == "peak_rss_mb") rss = kv[2];
        if (kv[1] == "verify") ok = kv[2];
      }
      if (!(nm[1] in first)) { first[nm[1]] = rps; order[++n] = nm[1]; }
      printf "| %s | %s | %s | %s | %s | %.2fx |\n", nm[1], rows, rps, rss, ok, rps / first[nm[1]];
    }
    BEGIN { printf "\n| path (rowshift: default workers) | rows | rows/s | peak RSS MiB | verify | rows/s vs smallest |\n|---|---|---|---|---|---|\n" }
  ' "$1"
}

{
  versions
  echo "VERSION rowshift $(git -C "$root" rev-parse --short HEAD) workers=default batch=1000 mode=$mode"
  if [[ $mode == scale ]]; then
    for n in $SCALE_ROWS; do
      ROWS=$n
      gen_data
      settle
      measure "rowshift_pg_to_pg@$n" rs_fresh_dst "$(rs pg_to_pg --db "$DST_URI" run)" "pg:dst:events"
      measure "rowshift_sqlite_to_pg@$n" rs_fresh_dst "$(rs sqlite_to_pg --db "$DST_URI" run)" "pg:dst:events"
      measure "rowshift_sqlite_to_sqlite@$n" sqlite_fresh_dst "$(rs sqlite_to_sqlite --db "sqlite:$DST_SQLITE" run)" \
        "sqlite:$DST_SQLITE:events"
      # The engines' own one-statement copies at the same sizes: how much of a slowdown
      # at 10M belongs to the engine (a table larger than shared_buffers, a deeper B-tree).
      ONLY="${ONLY:-pg_copy_pipe,sqlite_attach_copy}" run_all_measurements
    done
  else
    gen_data
    settle
    run_rowshift_paths
    ONLY="${ONLY:-$PEERS}" run_all_measurements
  fi
  clean_targets
} 2>&1 | tee "$out"

if [[ $mode == scale ]]; then scale_table "$out"; else table "$out"; fi | tee -a "$out"
if grep -q "verify=\(MISMATCH\|FAILED\)" "$out"; then echo "bench: a result did not verify" >&2; exit 1; fi
echo "bench: results in $out"
