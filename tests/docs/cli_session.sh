#!/usr/bin/env bash
# Keeps docs/cli.md's "Example session" true: runs its commands on the demo database
# (examples/demo/make_orders.sql, the repository's migrations/) and compares what they
# print with what the page shows. Timings ("in 0.45s (444.4k rows/s)") are the only
# part not compared.
#
#   tests/docs/cli_session.sh ROWSHIFT_BIN SOURCE_DIR
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")  # the commands run in a temporary folder
src=$(cd "$2" && pwd)
page="$src/docs/cli.md"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sqlite3 "$work/demo.db" <"$src/examples/demo/make_orders.sql"
ln -s "$src/migrations" "$work/migrations"

# The session: the sh block under "## Example session", "$ command" lines each followed
# by the lines it prints.
session=$(awk '/^## Example session/ { in_section = 1; next }
               in_section && /^```sh/ { in_block = 1; next }
               in_block && /^```/ { exit }
               in_block { print }' "$page")
if ! grep -q '^\$ rowshift ' <<<"$session"; then
  echo "cli_session: no '\$ rowshift ...' lines under '## Example session' in docs/cli.md" >&2
  exit 1
fi

# cli::human_rate prints 950, 444.4k or 1.05M; a fast machine prints any of them.
mask_timings() { sed -E 's/ in [0-9.]+s \([0-9.]+[kM]? rows\/s\)/ in Ts (R rows\/s)/'; }

commands=0
failed=0
check() {  # check COMMAND EXPECTED
  local cmd=$1 want=$2 got rc=0
  local -a words
  read -r -a words <<<"$cmd"
  [[ ${words[0]} == rowshift ]] || { echo "cli_session: not a rowshift command: $cmd" >&2; exit 1; }
  if [[ $cmd == *[\'\"\\\$\`]* ]]; then  # the words are split on spaces, nothing more
    echo "cli_session: quoting in a session command is not supported here: $cmd" >&2
    exit 1
  fi
  got=$(cd "$work" && "$bin" --quiet "${words[@]:1}" 2>"$work/stderr") || rc=$?
  commands=$((commands + 1))
  if [[ $rc != 0 ]]; then
    echo "FAIL: \`$cmd\` exited $rc: $(cat "$work/stderr")"
    failed=$((failed + 1))
  elif ! diff -u <(mask_timings <<<"$want") <(mask_timings <<<"$got") >"$work/diff"; then
    echo "FAIL: \`$cmd\` prints something else than docs/cli.md shows (- page, + rowshift):"
    cat "$work/diff"
    failed=$((failed + 1))
  else
    echo "ok: $cmd"
  fi
}

cmd=""
want=""
while IFS= read -r line; do
  if [[ $line == '$ '* ]]; then
    [[ -n $cmd ]] && check "$cmd" "$want"
    cmd=${line#\$ }
    want=""
  else
    want+="${want:+$'\n'}$line"
  fi
done <<<"$session"
check "$cmd" "$want"

echo "cli_session: $commands commands, $failed differ from docs/cli.md"
((failed == 0))
