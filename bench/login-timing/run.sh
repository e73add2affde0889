#!/usr/bin/env bash
# Login timing, existing vs unknown e-mail (issue 10 item 7, K3): does a failed console login take
# the same time whether or not the account exists? Starts a throw-away demo server on SQLite, then times
# ROUNDS wrong-password logins for a demo account and for an e-mail that does not exist, alternating.
#
#   bench/login-timing/run.sh [path/to/tradelane] [rounds]
#
# Default binary: .build/release/tradelane, else .build/debug/tradelane. Throttling is raised out of the way
# (TRADELANE_LOGIN_FREE_FAILURES) so every attempt reaches the password check; bcrypt cost is the default 12.
# Prints the median and p90 of curl's time_total per class, and their ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${1:-}"
if [ -z "$BIN" ]; then
  if [ -x .build/release/tradelane ]; then BIN=.build/release/tradelane; else BIN=.build/debug/tradelane; fi
fi
ROUNDS="${2:-20}"
DATA="$(mktemp -d /tmp/tl-login-bench.XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
export TRADELANE_LOGIN_FREE_FAILURES=1000000 TRADELANE_LOG_LEVEL=error
"$BIN" demo --seed-only --data-dir "$DATA" >/dev/null
"$BIN" serve --data-dir "$DATA" --port "$PORT" >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.1; done

# One wrong-password login; prints curl's total time. Fetches the login page first for its CSRF cookie and
# token (older builds without the token simply ignore it).
attempt() {
  local email="$1" jar="$DATA/jar.$RANDOM" token
  token="$(curl -s -c "$jar" "http://127.0.0.1:$PORT/console/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)"
  curl -s -o /dev/null -b "$jar" -w '%{time_total}\n' -H 'Accept: text/html' \
    --data-urlencode "email=$email" --data-urlencode "password=not the password" --data-urlencode "_csrf=$token" \
    "http://127.0.0.1:$PORT/console/login"
  rm -f "$jar"
}

attempt admin@tradelane.local >/dev/null; attempt nobody@tradelane.local >/dev/null   # warm-up
: >"$DATA/known"; : >"$DATA/unknown"
for _ in $(seq 1 "$ROUNDS"); do
  attempt admin@tradelane.local >>"$DATA/known"
  attempt nobody@tradelane.local >>"$DATA/unknown"
done
python3 - "$DATA/known" "$DATA/unknown" "$ROUNDS" "$BIN" <<'PY'
import statistics, sys
def load(p): return sorted(float(x) for x in open(p) if x.strip())
k, u = load(sys.argv[1]), load(sys.argv[2])
p90 = lambda xs: xs[min(len(xs) - 1, int(len(xs) * 0.9))]
print(f"binary {sys.argv[4]}, {sys.argv[3]} rounds, wrong password, seconds (curl time_total)")
print(f"existing e-mail: median {statistics.median(k):.3f}  p90 {p90(k):.3f}")
print(f"unknown e-mail:  median {statistics.median(u):.3f}  p90 {p90(u):.3f}")
print(f"ratio existing/unknown (medians): {statistics.median(k) / statistics.median(u):.2f}")
PY
