#!/usr/bin/env bash
# Keeps docs/api.md's "Example" true: runs the program cut out of the page in a fresh
# folder and compares what it prints with the block under "It prints:".
#   tests/docs/api_example.sh EXAMPLE_BIN SOURCE_DIR
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
got=$("$1" "$work/api.db")
want=$(awk '/^It prints:/ { p = 1; next } p && /^```/ { if (b) exit; b = 1; next } b' "$2/docs/api.md")
if [[ "$got" != "$want" ]]; then
  echo "api_example: docs/api.md shows:" >&2; echo "$want" >&2
  echo "api_example: the program printed:" >&2; echo "$got" >&2
  exit 1
fi
echo "api_example: output matches docs/api.md"
