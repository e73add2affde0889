#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the tests.
#
#   eval "$(scripts/start-postgres.sh)"     # exports the two variables below
#   swift test                              # tests now also run against PostgreSQL
#   scripts/stop-postgres.sh                # stops it and deletes its data
#
# Prints on stdout (and only this):
#   export TRADELANE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres; export TRADELANE_PG_DATADIR=/tmp/tradelane-pg.XXXXXX
# Progress and errors go to stderr.
#
# The cluster lives in a fresh mktemp directory, listens on 127.0.0.1 only (plus
# a unix socket inside the data directory), on a free port, with trust auth,
# max_connections=300 and fsync=off. It is for tests only: never for real data.
#
# Environment (all optional):
#   PG_BINDIR          directory holding initdb/pg_ctl (default: newest /usr/lib/postgresql/*/bin)
#   TRADELANE_PG_PORT  port to use (default: a free one picked by the OS)
set -euo pipefail

log() { printf 'start-postgres: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

find_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        [[ -x "$PG_BINDIR/initdb" ]] || die "PG_BINDIR=$PG_BINDIR has no initdb"
        printf '%s\n' "$PG_BINDIR"
        return
    fi
    local d best=""
    # Debian layout: /usr/lib/postgresql/<major>/bin. Pick the highest major.
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && best="$d"
    done
    if [[ -z "$best" ]] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        best="$(dirname "$(command -v initdb)")"
    fi
    [[ -n "$best" ]] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
    printf '%s\n' "$best"
}

free_port() {
    python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

BINDIR="$(find_bindir)"

# initdb refuses to run as root: as root, run the server as user postgres.
if [[ "$(id -u)" -eq 0 ]]; then
    PG_USER=postgres
    if ! id "$PG_USER" >/dev/null 2>&1; then
        log "creating system user $PG_USER"
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
    fi
    as_pg() { (cd / && runuser -u "$PG_USER" -- "$@"); }
else
    PG_USER="$(id -un)"
    as_pg() { (cd / && "$@"); }
fi

DATADIR="$(mktemp -d "${TMPDIR:-/tmp}/tradelane-pg.XXXXXX")"
chmod 700 "$DATADIR"
if [[ "$(id -u)" -eq 0 ]]; then
    chown "$PG_USER:" "$DATADIR"
fi
LOGFILE="$DATADIR/postgres.log"

fail_cleanup() {
    local rc=$?
    if [[ $rc -ne 0 ]]; then
        [[ -f "$LOGFILE" ]] && { log "server log:"; tail -n 50 "$LOGFILE" >&2 || true; }
        as_pg "$BINDIR/pg_ctl" -D "$DATADIR" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$DATADIR"
    fi
}
trap fail_cleanup EXIT

if ! as_pg "$BINDIR/initdb" -D "$DATADIR" -U postgres --auth=trust --no-sync --encoding=UTF8 --locale=C.UTF-8 \
        >"$DATADIR.initdb.log" 2>&1; then
    cat "$DATADIR.initdb.log" >&2
    rm -f "$DATADIR.initdb.log"
    die "initdb failed"
fi
rm -f "$DATADIR.initdb.log"

# Write the settings once; the port is set per attempt on the pg_ctl command line.
cat >>"$DATADIR/postgresql.conf" <<EOF

# --- tradelane test settings ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DATADIR'
max_connections = 300
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
EOF
# Trust is fine: the server is reachable only from this machine and dies with the test run.
cat >"$DATADIR/pg_hba.conf" <<EOF
local all all trust
host  all all 127.0.0.1/32 trust
EOF

# The port is picked before the server binds it, so another process could grab it
# in between: try a few ports.
started=""
for attempt in 1 2 3 4 5; do
    PORT="${TRADELANE_PG_PORT:-$(free_port)}"
    if as_pg "$BINDIR/pg_ctl" -D "$DATADIR" -l "$LOGFILE" -o "-p $PORT" -w -t 60 start >/dev/null 2>&1; then
        started=1
        break
    fi
    log "attempt $attempt on port $PORT failed"
    [[ -n "${TRADELANE_PG_PORT:-}" ]] && break
done
[[ -n "$started" ]] || die "could not start PostgreSQL (log: $LOGFILE)"

# pg_ctl -w already waited; double-check over TCP, the way the tests connect.
for _ in $(seq 1 100); do
    if "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres; then
        ready=1
        break
    fi
    sleep 0.1
done
[[ -n "${ready:-}" ]] || die "PostgreSQL did not become ready on 127.0.0.1:$PORT"

trap - EXIT
log "PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') ready on 127.0.0.1:$PORT (data: $DATADIR)"
printf 'export TRADELANE_TEST_DATABASE_URL=%q; export TRADELANE_PG_DATADIR=%q\n' \
    "postgres://postgres@127.0.0.1:$PORT/postgres" "$DATADIR"
