#!/usr/bin/env bash
# Runs docs/migrations.md's two C++ examples, compiled from the page as they stand
# (tests/CMakeLists.txt cuts them out), on small databases, and checks what they did.
#
#   tests/docs/cpp_examples.sh EMBED_BIN PROGRAM_BIN SOURCE_DIR
set -euo pipefail
embed=$1
program=$2
src=$(cd "$3" && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}

# "Embedding without the CLI": a Runner over ./app.db and ./migrations, then verify.
mkdir "$work/embed"
sqlite3 "$work/embed/app.db" <"$src/examples/demo/make_orders.sql"
ln -s "$src/migrations" "$work/embed/migrations"
out=$(cd "$work/embed" && "$embed") || fail "the embedding example exited $?: $out"
echo "$out"
grep -qx '0002_copy_orders done 200000 rows' <<<"$out" || fail "the embedding example did not report the copy"
grep -qx '0003_backfill_vat done 200000 rows' <<<"$out" || fail "the embedding example did not report the backfill"
grep -qx 'verify ok' <<<"$out" || fail "the embedding example's verify did not pass"
n=$(sqlite3 "$work/embed/app.db" "SELECT count(*) FROM orders_v2 WHERE total_with_vat_cents IS CAST(round(total_cents * 1.2) AS INTEGER)")
[[ $n == 200000 ]] || fail "orders_v2 has $n complete rows after the embedding example, not 200000"

# The migration program: its C++ transform runs through the CLI next to (here no) SQL files.
mkdir "$work/program" "$work/program/migrations"
sqlite3 "$work/program/app.db" \
  "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
   INSERT INTO customers VALUES (1, 'Ada Lovelace'), (2, NULL), (3, 'Prince'), (4, 'Grace Brewster Hopper');
   CREATE TABLE people (id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT);"
(cd "$work/program" && "$program" --db sqlite:app.db --quiet run) || fail "the migration program exited $?"
got=$(sqlite3 "$work/program/app.db" "SELECT id || '|' || first_name || '|' || coalesce(last_name, 'NULL') FROM people ORDER BY id")
want=$'1|Ada|Lovelace\n3|Prince|NULL\n4|Grace|Brewster Hopper'
[[ $got == "$want" ]] || fail "people after the migration program: $(tr '\n' ' ' <<<"$got"), expected $(tr '\n' ' ' <<<"$want")"
echo "cpp_examples: both examples of docs/migrations.md compile, run and do what the page says"
