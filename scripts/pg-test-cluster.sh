#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, from Debian's postgresql package.
#
#   scripts/pg-test-cluster.sh start STATE_DIR   initdb + start; writes STATE_DIR/url
#   scripts/pg-test-cluster.sh stop  STATE_DIR   stop and remove everything
#   scripts/pg-test-cluster.sh restart STATE_DIR [DOWN_SECONDS]
#                                                 crash it (pg_ctl stop -m immediate), stay
#                                                 down DOWN_SECONDS (default 0), start again
#
# The server listens on a unix socket in its own folder only (listen_addresses=''), with
# trust authentication for the superuser "rowshift". As root it runs as the unprivileged
# OS user "rowshift-pg" (created if missing), since PostgreSQL refuses to run as root.
set -euo pipefail
cmd=${1:?start|stop}
state=${2:?state dir}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$bindir/initdb" ]] || { echo "pg-test-cluster: no PostgreSQL server; run scripts/install-deps.sh --tests" >&2; exit 1; }

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u rowshift-pg -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    "$0" stop "$state" >/dev/null 2>&1 || true
    mkdir -p "$state"
    data=$(mktemp -d /tmp/rowshift-pg-XXXXXX)
    echo "$data" > "$state/data_dir"
    if [[ $(id -u) -eq 0 ]]; then
      id rowshift-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin rowshift-pg
      chown rowshift-pg "$data"
    fi
    chmod 755 "$data"
    as_pg "$bindir/initdb" -D "$data/db" -U rowshift -A trust -E UTF8 --locale=C.UTF-8 >"$data/initdb.log" 2>&1 ||
      { cat "$data/initdb.log" >&2; exit 1; }
    port=$((20000 + RANDOM % 20000))
    echo "-c listen_addresses='' -k $data -p $port -c fsync=off -c max_connections=100" > "$state/options"
    as_pg "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 -o "$(cat "$state/options")" start >/dev/null ||
      { cat "$data/server.log" >&2; exit 1; }
    host=$(printf '%s' "$data" | sed 's|/|%2F|g')
    echo "postgresql://rowshift@$host:$port/postgres" > "$state/url"
    echo "pg-test-cluster: started $(cat "$state/url")"
    ;;
  restart)
    data=$(cat "$state/data_dir")
    as_pg "$bindir/pg_ctl" -D "$data/db" -m immediate -w stop >/dev/null
    sleep "${3:-0}"
    as_pg "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 -o "$(cat "$state/options")" start >/dev/null ||
      { cat "$data/server.log" >&2; exit 1; }
    echo "pg-test-cluster: restarted"
    ;;
  stop)
    [[ -f "$state/data_dir" ]] || exit 0
    data=$(cat "$state/data_dir")
    if [[ -d "$data/db" ]]; then as_pg "$bindir/pg_ctl" -D "$data/db" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$data" "$state/url" "$state/data_dir" "$state/options"
    echo "pg-test-cluster: stopped"
    ;;
  *) echo "usage: $0 start|stop|restart STATE_DIR [DOWN_SECONDS]" >&2; exit 2 ;;
esac
