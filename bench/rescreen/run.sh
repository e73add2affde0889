#!/usr/bin/env bash
# Bulk re-screen benchmark (issue 4 point 11): re-screen N stored listings on SQLite and
# PostgreSQL with `tradelane compliance rescreen`, recording wall time, throughput and peak RSS.
#
#   swift build -c release --product tradelane
#   bench/rescreen/run.sh                    # N=1000000, both engines
#   N=20000 ENGINES=sqlite bench/rescreen/run.sh
#
# Environment (all optional):
#   N          listings to generate (default 1000000; also accepted as the first argument)
#   ENGINES    "sqlite postgres" (default), or just one of them
#   TRADELANE  the binary (default .build/release/tradelane)
#   BATCH      listings per transaction passed to --batch (default: the service default, 500)
#   MARKETS    comma-separated markets for --markets (default: all)
#   SEED       generator seed (default 20251101)
#   CSV        reuse a CSV written earlier by gen_listings.py --csv (default: generate $WORK/listings.csv)
#   SQLITE_ANALYZE=1  run ANALYZE on the SQLite file after the load (a variant: the application never does)
#   WORK       scratch directory for the databases and CSV (default: a fresh mktemp dir, deleted at the end
#              unless KEEP=1)
#   RESULTS    where logs and summary.txt go (default bench/rescreen/results/<date>-N<N>)
#
# PostgreSQL: a throw-away server from scripts/start-postgres.sh (fsync off, 128 MB shared_buffers),
# stopped and deleted at the end. The rows are loaded with psql \copy from the generator's CSV,
# then VACUUM ANALYZE (the state autovacuum reaches shortly after a bulk load). SQLite gets no
# ANALYZE: the application never runs one, so that is its steady state.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
N="${1:-${N:-1000000}}"
ENGINES="${ENGINES:-sqlite postgres}"
TRADELANE="${TRADELANE:-$ROOT/.build/release/tradelane}"
SEED="${SEED:-20251101}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS="${RESULTS:-$HERE/results/$STAMP-N$N}"
KEEP="${KEEP:-0}"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ -x "$TRADELANE" ]] || die "$TRADELANE not found: swift build -c release --product tradelane (or set TRADELANE)"
if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time"
    apt-get install -y time >/dev/null || die "GNU time (/usr/bin/time) is needed: apt-get install -y time"
fi
command -v python3 >/dev/null || die "python3 is needed"

if [[ -z "${WORK:-}" ]]; then WORK="$(mktemp -d "${TMPDIR:-/tmp}/tradelane-rescreen.XXXXXX")"; fi
mkdir -p "$WORK" "$RESULTS"
PG_STARTED=""
cleanup() {
    if [[ -n "$PG_STARTED" ]]; then "$ROOT/scripts/stop-postgres.sh" "$TRADELANE_PG_DATADIR" || true; fi
    if [[ "$KEEP" != 1 ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT

rescreen_args=(compliance rescreen)
[[ -n "${BATCH:-}" ]] && rescreen_args+=(--batch "$BATCH")
[[ -n "${MARKETS:-}" ]] && rescreen_args+=(--markets "$MARKETS")

SUMMARY="$RESULTS/summary.txt"
{
    echo "# bulk re-screen benchmark, $STAMP"
    echo "N=$N engines=$ENGINES seed=$SEED batch=${BATCH:-default} markets=${MARKETS:-all}"
    echo "binary: $TRADELANE (built $(date -u -r "$TRADELANE" +%FT%TZ); repo $ROOT at $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet HEAD -- Sources 2>/dev/null || echo ', Sources modified'))"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc)  mem: $(free -g | awk '/^Mem:/ {print $2}') GiB"
} >"$SUMMARY"

# time -v output → "wall=… rss_kib=… user=… sys=…"
timev_fields() {
    awk -F': ' '/Elapsed \(wall clock\)/ {w=$2} /Maximum resident set size/ {r=$2} /User time/ {u=$2} /System time/ {s=$2}
                END {printf "wall=%s max_rss_kib=%s user_s=%s sys_s=%s", w, r, u, s}' "$1"
}

# $1 engine label, $2... tradelane common options (--data-dir D or --database-url U)
run_rescreen() {
    local engine="$1"; shift
    log "$engine: re-screen (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
    local load_before; load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -v -o "$RESULTS/$engine-time.txt" "$TRADELANE" "${rescreen_args[@]}" "$@" \
        >"$RESULTS/$engine-rescreen.log" 2>"$RESULTS/$engine-rescreen.err" \
        || { tail -20 "$RESULTS/$engine-rescreen.err" >&2; die "$engine re-screen failed (see $RESULTS)"; }
    local load_after; load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
    grep -E '^[A-Z]+: [0-9]+ listings|^re-screened|^queued' "$RESULTS/$engine-rescreen.log" >&2
    {
        echo
        echo "## $engine"
        echo "command: /usr/bin/time -v $TRADELANE ${rescreen_args[*]} $*"
        grep -E '^queued|^[A-Z]+: [0-9]+ listings|^re-screened' "$RESULTS/$engine-rescreen.log"
        echo "time -v: $(timev_fields "$RESULTS/$engine-time.txt")"
        echo "load average before: $load_before  after: $load_after"
    } >>"$SUMMARY"
}

# One CSV feeds both engines, so they re-screen identical rows.
CSV="${CSV:-$WORK/listings.csv}"
if [[ -s "$CSV" ]]; then
    rows="$(wc -l <"$CSV")"   # one row per line: the generator's JSON and titles hold no newlines
    [[ "$rows" -eq "$N" ]] || die "$CSV has $rows rows, not N=$N"
    log "reusing $CSV"
    printf '\ngenerator: reused %s (%s rows)\n' "$CSV" "$rows" >>"$SUMMARY"
else
    log "generating $N listings into $CSV"
    t0=$(date +%s)
    python3 "$HERE/gen_listings.py" --n "$N" --seed "$SEED" --csv "$CSV" >"$RESULTS/generate.json" 2>"$RESULTS/generate.log"
    printf '\ngenerator: %s (%s s)\n' "$(cat "$RESULTS/generate.json")" "$(( $(date +%s) - t0 ))" >>"$SUMMARY"
fi

if [[ " $ENGINES " == *" sqlite "* ]]; then
    D="$WORK/sqlite"
    mkdir -p "$D"
    rm -f "$D"/tradelane.sqlite*
    log "sqlite: migrate $D"
    "$TRADELANE" migrate --data-dir "$D" >"$RESULTS/sqlite-migrate.log" 2>&1
    log "sqlite: inserting $N listings (executemany, 100000 rows per transaction)"
    t0=$(date +%s)
    python3 "$HERE/gen_listings.py" --n "$N" --from-csv "$CSV" --sqlite "$D/tradelane.sqlite" >"$RESULTS/sqlite-load.json" \
        2>"$RESULTS/sqlite-load.log"
    t1=$(date +%s)
    if [[ "${SQLITE_ANALYZE:-0}" == 1 ]]; then
        # Not what the application does (it never runs ANALYZE): a labelled variant, see README.
        sqlite3 "$D/tradelane.sqlite" "ANALYZE;"
        echo "sqlite: ANALYZE run after the load (SQLITE_ANALYZE=1)" >>"$SUMMARY"
    fi
    {
        echo "sqlite load: $(cat "$RESULTS/sqlite-load.json") ($((t1 - t0)) s)"
        echo "sqlite file before: $(du -h "$D/tradelane.sqlite" | cut -f1)"
        # Two forms of ListingStore.live: before commit ccafb7e ("status IN", planned on the status index) and after it
        # ("+status IN", walks the primary key). Printed with the sqlite3 CLI, whose planner may differ from the linked one.
        for cond in "status" "+status"; do
            echo "sqlite plan of one batch ($cond IN …): $(sqlite3 "$D/tradelane.sqlite" "EXPLAIN QUERY PLAN SELECT id FROM listings WHERE $cond IN ('active','needs-review') AND (',' || markets || ',') LIKE '%,EU,%' AND id > '' ORDER BY id LIMIT 500" | tr '\n' ' ')"
        done
    } >>"$SUMMARY"
    run_rescreen sqlite --data-dir "$D"
    sqlite3 "$D/tradelane.sqlite" >>"$SUMMARY" <<'SQL'
.mode list
SELECT 'after: listings=' || (SELECT count(*) FROM listings) || ' live=' || (SELECT count(*) FROM listings WHERE status IN ('active','needs-review'))
  || ' with findings=' || (SELECT count(*) FROM listings WHERE findings <> '[]')
  || ' needs-review=' || (SELECT count(*) FROM listings WHERE status = 'needs-review')
  || ' takedown cases=' || (SELECT count(*) FROM takedown_cases) || ' audit entries=' || (SELECT count(*) FROM audit_log)
  || ' stale catalogue_version left (live)=' || (SELECT count(*) FROM listings WHERE status IN ('active','needs-review') AND catalogue_version = '0123456789abcdef');
SQL
    echo "sqlite file after: $(du -h "$D/tradelane.sqlite" | cut -f1) (+ wal $(du -h "$D/tradelane.sqlite-wal" 2>/dev/null | cut -f1))" >>"$SUMMARY"
    [[ "$KEEP" == 1 ]] || rm -f "$D"/tradelane.sqlite*
fi

if [[ " $ENGINES " == *" postgres "* ]]; then
    log "postgres: starting a throw-away server"
    eval "$("$ROOT/scripts/start-postgres.sh")"
    PG_STARTED=1
    ADMIN_URL="$TRADELANE_TEST_DATABASE_URL"
    URL="${ADMIN_URL%/*}/rescreen"
    psql -q -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "CREATE DATABASE rescreen"
    "$TRADELANE" migrate --database-url "$URL" >"$RESULTS/postgres-migrate.log" 2>&1
    log "postgres: COPY $N listings"
    t0=$(date +%s)
    psql -q -v ON_ERROR_STOP=1 "$URL" \
        -c "\\copy listings (id, merchant_id, status, version, title, markets, content, verdict, findings, catalogue_version, screened_at, status_reason, created_at, updated_at) FROM '$CSV' WITH (FORMAT csv)"
    t1=$(date +%s)
    psql -q -v ON_ERROR_STOP=1 "$URL" -c "VACUUM ANALYZE listings"
    t2=$(date +%s)
    {
        echo
        echo "postgres: $(psql -tA "$URL" -c 'SHOW server_version'), COPY $((t1 - t0)) s, VACUUM ANALYZE $((t2 - t1)) s,"\
             "listings table $(psql -tA "$URL" -c "SELECT pg_size_pretty(pg_total_relation_size('listings'))")"
    } >>"$SUMMARY"
    echo "postgres plan of one batch: $(psql -tA "$URL" -c "EXPLAIN SELECT id FROM listings WHERE status IN ('active','needs-review') AND (',' || markets || ',') LIKE '%,EU,%' AND id > '' ORDER BY id LIMIT 500" | tr '\n' ' ')" >>"$SUMMARY"
    run_rescreen postgres --database-url "$URL"
    psql -tA "$URL" >>"$SUMMARY" <<'SQL'
SELECT 'after: listings=' || (SELECT count(*) FROM listings) || ' live=' || (SELECT count(*) FROM listings WHERE status IN ('active','needs-review'))
  || ' with findings=' || (SELECT count(*) FROM listings WHERE findings <> '[]')
  || ' needs-review=' || (SELECT count(*) FROM listings WHERE status = 'needs-review')
  || ' takedown cases=' || (SELECT count(*) FROM takedown_cases) || ' audit entries=' || (SELECT count(*) FROM audit_log)
  || ' stale catalogue_version left (live)=' || (SELECT count(*) FROM listings WHERE status IN ('active','needs-review') AND catalogue_version = '0123456789abcdef');
SQL
    echo "listings table after: $(psql -tA "$URL" -c "SELECT pg_size_pretty(pg_total_relation_size('listings'))")" >>"$SUMMARY"
fi

log "done: $SUMMARY"
cat "$SUMMARY"
