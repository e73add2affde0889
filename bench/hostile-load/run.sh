#!/usr/bin/env bash
# Hostile-load test (CMP2, issue 10 item 5): /health/live must keep p99 < 100 ms while clients hammer
# POST /api/v1/screenings with the most expensive requests the API accepts (and refuses the 190 KB one).
#
#   bench/hostile-load/run.sh                      starts `tradelane demo` on a free 127.0.0.1 port, then stops it
#   TRADELANE_BASE_URL=… TRADELANE_DEMO_DIR=… bench/hostile-load/run.sh   reuses a running demo server
#
# Knobs: TRADELANE_BIN (default .build/debug/tradelane), HOSTILE_CLIENTS (12), HOSTILE_SECONDS (20),
# HOSTILE_P99_MS (100). Exit 0 when it passes. Results: bench/README.md "hostile-load".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${TRADELANE_BIN:-$ROOT/.build/debug/tradelane}"
BASE_URL="${TRADELANE_BASE_URL:-}"
DEMO_DIR="${TRADELANE_DEMO_DIR:-}"
PID=""
TMP=""

cleanup() {
    local rc=$?   # the test's verdict: keep it whatever the clean-up commands return
    if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then
        kill "$PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$PID" 2>/dev/null || true
    fi
    if [[ -n "$TMP" ]]; then rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT

if [[ -z "$BASE_URL" ]]; then
    [[ -x "$BIN" ]] || { echo "hostile-load: $BIN not found (swift build first)" >&2; exit 1; }
    TMP="$(mktemp -d "${TMPDIR:-/tmp}/tradelane-hostile.XXXXXX")"
    DEMO_DIR="$TMP/demo"
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
    BASE_URL="http://127.0.0.1:$PORT"
    "$BIN" demo --data-dir "$DEMO_DIR" --port "$PORT" --no-browser </dev/null >"$TMP/demo.log" 2>&1 &
    PID=$!
    python3 "$(dirname "${BASH_SOURCE[0]}")/../../scripts/wait-ready.py" "$BASE_URL/health/ready" "$PID" || { cat "$TMP/demo.log"; exit 1; }
fi

[[ -n "$DEMO_DIR" ]] || { echo "hostile-load: TRADELANE_DEMO_DIR must name the running demo's data dir" >&2; exit 1; }
KEY="$(TRADELANE_DATA_DIR="$DEMO_DIR" "$BIN" keys create --role compliance-officer --name hostile-load </dev/null | tr -d '[:space:]')"
[[ -n "$KEY" ]] || { echo "hostile-load: could not create an API key" >&2; exit 1; }

exec_args=(--base "$BASE_URL" --key "$KEY" --clients "${HOSTILE_CLIENTS:-12}" --seconds "${HOSTILE_SECONDS:-20}"
           --p99-ms "${HOSTILE_P99_MS:-100}")
python3 "$ROOT/bench/hostile-load/hostile_load.py" "${exec_args[@]}"
