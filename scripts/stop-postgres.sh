#!/usr/bin/env bash
# Stop a server started by scripts/start-postgres.sh and delete its data.
#
#   scripts/stop-postgres.sh [DATADIR]     # default: $TRADELANE_PG_DATADIR
#
# Only touches directories that start-postgres.sh made (tradelane-pg.* holding a
# PostgreSQL cluster), so a wrong argument cannot delete anything else.
set -euo pipefail

log() { printf 'stop-postgres: %s\n' "$*" >&2; }

DATADIR="${1:-${TRADELANE_PG_DATADIR:-}}"
if [[ -z "$DATADIR" ]]; then
    log "nothing to stop (no DATADIR argument and TRADELANE_PG_DATADIR is unset)"
    exit 0
fi
if [[ ! -d "$DATADIR" ]]; then
    log "$DATADIR does not exist; nothing to stop"
    exit 0
fi
case "$(basename "$DATADIR")" in
    tradelane-pg.*) ;;
    *) log "refusing: $DATADIR was not made by start-postgres.sh"; exit 1 ;;
esac
if [[ ! -f "$DATADIR/PG_VERSION" ]]; then
    # initdb never ran to completion: just remove the directory.
    rm -rf "$DATADIR"
    exit 0
fi

BINDIR="${PG_BINDIR:-/usr/lib/postgresql/$(cat "$DATADIR/PG_VERSION")/bin}"
if [[ ! -x "$BINDIR/pg_ctl" ]]; then
    BINDIR="$(dirname "$(command -v pg_ctl)")"
fi
owner="$(stat -c %U "$DATADIR")"
run() {
    if [[ "$(id -u)" -eq 0 && "$owner" != root ]]; then
        (cd / && runuser -u "$owner" -- "$@")
    else
        (cd / && "$@")
    fi
}

if [[ -f "$DATADIR/postmaster.pid" ]]; then
    if ! run "$BINDIR/pg_ctl" -D "$DATADIR" -m fast -w -t 30 stop >/dev/null 2>&1; then
        log "fast stop failed; stopping immediately"
        run "$BINDIR/pg_ctl" -D "$DATADIR" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
fi
rm -rf "$DATADIR"
log "stopped and removed $DATADIR"
