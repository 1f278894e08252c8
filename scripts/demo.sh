#!/usr/bin/env bash
# README command 1: install the dependencies, build, and run the demo migration on
# SQLite — interrupted part-way, resumed, and verified.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DROWSHIFT_TESTS=OFF >/dev/null
cmake --build build-release -j "$(nproc)"

rs=build-release/rowshift
work=demo-run
rm -rf "$work" && mkdir -p "$work"
db=(--db "sqlite:$work/demo.db" --migrations migrations)
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Generate the legacy table: 200,000 orders (sparse ids, NULLs, quotes, newlines, non-ASCII)"
sqlite3 "$work/demo.db" < examples/demo/make_orders.sql
sqlite3 "$work/demo.db" "SELECT count(*) || ' rows, ids ' || min(id) || '..' || max(id) FROM orders"

step "2. rowshift plan: what would run (writes nothing)"
"$rs" "${db[@]}" plan

step "3. rowshift run, throttled to 40,000 rows/s so that we can interrupt it (Ctrl-C after 2.5 s)"
"$rs" "${db[@]}" run --max-rate 40000 &
pid=$!
sleep 2.5
kill -INT "$pid"
code=0
wait "$pid" || code=$?
echo "exit code $code (75 = interrupted, resumable)"

step "4. rowshift status: partial progress"
"$rs" "${db[@]}" status

step "5. Resume: the same command again (unthrottled); finished batches are skipped"
"$rs" "${db[@]}" run

step "6. rowshift status"
"$rs" "${db[@]}" status

step "7. rowshift verify: source and target compared per batch range, in parallel"
"$rs" "${db[@]}" verify 0002_copy_orders

step "8. An independent check in plain SQL"
sqlite3 "$work/demo.db" "SELECT 'orders: ' || (SELECT count(*) FROM orders) || ', orders_v2: ' ||
  (SELECT count(*) FROM orders_v2) || ', rows that differ: ' ||
  (SELECT count(*) FROM orders o LEFT JOIN orders_v2 v USING (id) WHERE v.id IS NULL
     OR v.note IS NOT o.note OR v.total_cents IS NOT CAST(round(o.amount * 100) AS INTEGER)
     OR v.total_with_vat_cents IS NOT CAST(round(v.total_cents * 1.2) AS INTEGER))"
echo
echo "Demo database: $work/demo.db   (try: $rs ${db[*]} status --json)"
