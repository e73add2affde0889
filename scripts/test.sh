#!/usr/bin/env bash
# Tradelane's whole test run, as CI does it (.ci/run execs this):
#
#   1. installs what is missing: PostgreSQL, Chromium + chromedriver + a CJK font (apt),
#      selenium, pytest, schemathesis (pip)
#   2. swift build --build-tests
#   3. swift test against SQLite (TRADELANE_TEST_DATABASE_URL unset)
#   4. swift test against a throw-away PostgreSQL (scripts/start-postgres.sh), then the crash test
#      (Tests/reliability: a burst of creates, SIGKILL, restart, retries with the same keys; both engines)
#      and the two-instance job test (two `serve` on that PostgreSQL, 10,000 jobs, one SIGKILLed)
#   5. starts `tradelane demo` on a free port and runs the browser tests (Tests/e2e)
#   5b. hostile load: parallel worst-case screenings against that demo server while /health/live
#      keeps p99 < 100 ms (bench/hostile-load/run.sh; one test in the summary)
#   6. fuzzes the HTTP API with schemathesis from /api/openapi.yaml (no 5xx allowed,
#      responses must match the spec)
#   7. prints "N passed, M failed" and exits non-zero if anything failed
#
# Knobs for local use (CI sets none of them):
#   TRADELANE_TEST_SKIP_SWIFT=1   skip steps 2-4 and use the binary already built
#   TRADELANE_BIN=path            binary for steps 5-6 (default .build/debug/tradelane)
#   TRADELANE_FUZZ_EXAMPLES=N     schemathesis examples per operation (default 20)
#   TRADELANE_FUZZ_CHECKS=list    schemathesis checks (default not_a_server_error,response_schema_conformance)
#   TRADELANE_FUZZ_TIMEOUT=secs   hard limit for the fuzz (default 300)
#   TRADELANE_SCREENSHOT_DIR=dir  browser tests save screenshots there
#   TRADELANE_HOSTILE_SECONDS=N   duration of the hostile-load stage (default 20)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/tradelane-test.XXXXXX")"

SCHEMATHESIS_REQ='schemathesis>=4.32,<5'   # CLI flags below verified with 4.32.5
FUZZ_EXAMPLES="${TRADELANE_FUZZ_EXAMPLES:-20}"
FUZZ_CHECKS="${TRADELANE_FUZZ_CHECKS:-not_a_server_error,response_schema_conformance}"
FUZZ_TIMEOUT="${TRADELANE_FUZZ_TIMEOUT:-300}"
SWIFT_TEST_TIMEOUT="${TRADELANE_SWIFT_TEST_TIMEOUT:-1800}"
E2E_TIMEOUT="${TRADELANE_E2E_TIMEOUT:-900}"

export PYTHONDONTWRITEBYTECODE=1
# Keep hypothesis' (schemathesis') example store out of the work tree.
export HYPOTHESIS_STORAGE_DIRECTORY="$TMP/hypothesis"
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_ROOT_USER_ACTION=ignore
if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then SUDO="sudo"; fi

START_TIME=$SECONDS
TOTAL_PASSED=0
TOTAL_FAILED=0
FAILED_STAGES=()
DEMO_PID=""

section() { printf '\n== %s ==\n' "$*"; }
note() { printf 'test.sh: %s\n' "$*"; }

# ------------------------------------------------------------------ cleanup + summary

cleanup() {
    local rc=$?
    set +e
    if [[ -n "$DEMO_PID" ]] && kill -0 "$DEMO_PID" 2>/dev/null; then
        kill "$DEMO_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$DEMO_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$DEMO_PID" 2>/dev/null
        wait "$DEMO_PID" 2>/dev/null
    fi
    if [[ -n "${TRADELANE_PG_DATADIR:-}" ]]; then
        bash "$ROOT/scripts/stop-postgres.sh" "$TRADELANE_PG_DATADIR" >/dev/null 2>&1
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stage_failed() {
    # $1 = stage name, $2 = failed-test count parsed from its output (0 if none)
    FAILED_STAGES+=("$1")
    if [[ "${2:-0}" -eq 0 ]]; then
        TOTAL_FAILED=$((TOTAL_FAILED + 1))  # count a stage that failed without a test count
    fi
}

finish() {
    section "summary"
    if [[ ${#FAILED_STAGES[@]} -gt 0 ]]; then
        note "FAILED: ${FAILED_STAGES[*]}"
    else
        note "all stages passed"
    fi
    note "total time $((SECONDS - START_TIME)) s"
    printf '%d passed, %d failed\n' "$TOTAL_PASSED" "$TOTAL_FAILED"
    [[ ${#FAILED_STAGES[@]} -eq 0 ]]
}

abort() {
    # A step that later steps cannot do without failed: summarise and stop.
    stage_failed "$1" 0
    finish || exit 1
}

free_port() {
    python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Prints "PASSED FAILED" for a swift test log (XCTest and Swift Testing both counted).
count_swift_tests() {
    python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
passed = failed = 0
# Swift Testing: "✔ Test run with 123 tests in 45 suites passed after 6.7 seconds."
#                "✘ Test run with 123 tests in 45 suites failed after 6.7 seconds with 2 issues."
runs = re.findall(r"Test run with (\d+) tests?(?: in \d+ suites?)? (passed|failed)", text)
if runs:
    total = int(runs[-1][0])
    st_failed = len(re.findall(r"^\S+ Test (?!run with).* failed after", text, re.M))
    if runs[-1][1] == "failed" and st_failed == 0:
        st_failed = 1
    passed += max(total - st_failed, 0)
    failed += st_failed
# XCTest: "Executed 12 tests, with 1 failure (0 unexpected) in ..." (the largest is 'All tests')
executed = [int(n) for n in re.findall(r"Executed (\d+) tests?, with \d+ failures?", text)]
if executed:
    total = max(executed)
    xc_failed = len(set(re.findall(r"Test Case '([^']+)' failed", text)))
    passed += max(total - xc_failed, 0)
    failed += xc_failed
print(passed, failed)
EOF
}

# Prints "PASSED FAILED" for a pytest log ("1 failed, 7 passed, 2 errors in 3.2s").
count_pytest() {
    python3 - "$1" <<'EOF'
import re, sys
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
last = next((l for l in reversed(lines) if re.search(r"\d+ (passed|failed|errors?)\b", l)), "")
get = lambda word: sum(int(n) for n in re.findall(r"(\d+) " + word + r"\b", last))
print(get("passed"), get("failed") + get("errors?"))
EOF
}

# Runs pytest as one stage and adds its counts to the totals; returns pytest's exit code.
# $1 stage name, $2 log file, $3 timeout (s), then pytest arguments. No third-party plugins
# (hypothesis, schemathesis … would write into the tree): these tests need only pytest and selenium.
run_pytest_stage() {
    local stage="$1" log="$2" limit="$3" rc p f
    shift 3
    t0=$SECONDS
    if PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 timeout "$limit" python3 -m pytest -q -p no:cacheprovider "$@" </dev/null 2>&1 | tee "$log"; then
        rc=0
    else
        rc=$?
    fi
    read -r p f <<<"$(count_pytest "$log")"
    TOTAL_PASSED=$((TOTAL_PASSED + p))
    TOTAL_FAILED=$((TOTAL_FAILED + f))
    note "$stage: $p passed, $f failed, exit $rc, $((SECONDS - t0)) s"
    [[ $rc -eq 0 ]] || stage_failed "$stage" "$f"
    return "$rc"
}

# ------------------------------------------------------------------ 1. installs

section "install"
t0=$SECONDS
apt_missing=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt_missing+=(postgresql); fi
if ! command -v chromium >/dev/null 2>&1; then apt_missing+=(chromium); fi
if ! command -v chromedriver >/dev/null 2>&1; then apt_missing+=(chromium-driver); fi
# A CJK font, so that zh-CN pages render legibly in screenshots (tests read the DOM, not pixels).
if ! dpkg-query -W -f='${Status}' fonts-wqy-zenhei 2>/dev/null | grep -q 'ok installed'; then
    apt_missing+=(fonts-wqy-zenhei)
fi
if [[ ${#apt_missing[@]} -gt 0 ]]; then
    note "apt: installing ${apt_missing[*]}"
    $SUDO apt-get update -qq </dev/null || { sleep 5; $SUDO apt-get update -qq </dev/null; }
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${apt_missing[@]}" </dev/null >"$TMP/apt.log" 2>&1 || { cat "$TMP/apt.log"; abort install; }
else
    note "apt: postgresql, chromium, chromium-driver, fonts-wqy-zenhei already installed"
fi

pip_missing=()
python3 -c 'import selenium' 2>/dev/null || pip_missing+=(selenium)
python3 -c 'import pytest' 2>/dev/null || pip_missing+=(pytest)
python3 - 2>/dev/null <<'EOF' || pip_missing+=("$SCHEMATHESIS_REQ")
from importlib.metadata import version
major, minor = (int(x) for x in version("schemathesis").split(".")[:2])
assert major == 4 and minor >= 32
EOF
if [[ ${#pip_missing[@]} -gt 0 ]]; then
    note "pip: installing ${pip_missing[*]}"
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet "${pip_missing[@]}" </dev/null || abort install
else
    note "pip: selenium, pytest, schemathesis already installed"
fi
# axe-core for the accessibility browser test (issue 12 item 12): the wheel's bundled axe.min.js (4.12) is all we use;
# --no-deps keeps Playwright out (Selenium drives the browser).
if ! python3 -c 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("axe_playwright_python") else 1)' 2>/dev/null; then
    note "pip: installing axe-playwright-python (axe-core only, no deps)"
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --no-deps "axe-playwright-python==0.1.8" </dev/null || abort install
fi
SCHEMATHESIS="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/schemathesis"
[[ -x "$SCHEMATHESIS" ]] || SCHEMATHESIS="$(command -v schemathesis || true)"
[[ -n "$SCHEMATHESIS" ]] || { note "schemathesis CLI not found after install"; abort install; }
note "$("$SCHEMATHESIS" --version), $(chromium --version 2>/dev/null), $(chromedriver --version | cut -d' ' -f1-2)"
note "installs took $((SECONDS - t0)) s"

# ------------------------------------------------------------------ 2-4. swift

BIN="${TRADELANE_BIN:-$ROOT/.build/debug/tradelane}"

if [[ "${TRADELANE_TEST_SKIP_SWIFT:-}" == 1 ]]; then
    note "TRADELANE_TEST_SKIP_SWIFT=1: skipping swift build and swift test"
else
    section "swift build"
    t0=$SECONDS
    swift build --build-tests </dev/null || abort "swift-build"
    if [[ ! -x "$BIN" ]]; then
        swift build --product tradelane </dev/null || abort "swift-build"
    fi
    note "build took $((SECONDS - t0)) s"

    # $1 label, $2 log file, then the command
    run_swift_tests() {
        local label="$1" log="$2" rc counts p f
        shift 2
        section "swift test ($label)"
        t0=$SECONDS
        if "$@" timeout "$SWIFT_TEST_TIMEOUT" swift test --skip-build </dev/null 2>&1 | tee "$log"; then
            rc=0
        else
            rc=$?
        fi
        counts="$(count_swift_tests "$log")"
        read -r p f <<<"$counts"
        TOTAL_PASSED=$((TOTAL_PASSED + p))
        TOTAL_FAILED=$((TOTAL_FAILED + f))
        note "swift test ($label): $p passed, $f failed, exit $rc, $((SECONDS - t0)) s"
        if [[ $rc -ne 0 ]]; then
            [[ $rc -eq 124 ]] && note "swift test ($label) timed out after $SWIFT_TEST_TIMEOUT s"
            stage_failed "swift-test-$label" "$f"
        elif [[ $((p + f)) -eq 0 ]]; then
            note "swift test ($label) ran no test"
            stage_failed "swift-test-$label" 0
        fi
    }

    run_swift_tests SQLite "$TMP/swift-sqlite.log" env -u TRADELANE_TEST_DATABASE_URL

    section "start PostgreSQL"
    pg_env="$(bash "$ROOT/scripts/start-postgres.sh")" || abort "postgres-start"
    eval "$pg_env"
    export TRADELANE_TEST_DATABASE_URL TRADELANE_PG_DATADIR
    note "TRADELANE_TEST_DATABASE_URL=$TRADELANE_TEST_DATABASE_URL"

    run_swift_tests PostgreSQL "$TMP/swift-postgres.log" env

    # Exactly-once under kill -9 (issue 10 item 1), on SQLite and on the PostgreSQL above.
    section "crash test (pytest Tests/reliability/test_crash.py)"
    TRADELANE_BIN="$BIN" run_pytest_stage crash-test "$TMP/crash.log" 900 -s Tests/reliability/test_crash.py || true

    # Two `serve` instances on the PostgreSQL above run 10,000 jobs; one is killed with SIGKILL
    # mid-run; every job's effect happens exactly once (issue 11 item 1, K9).
    section "two-instance job test (pytest Tests/reliability/test_jobs_two_instances.py)"
    TRADELANE_BIN="$BIN" run_pytest_stage jobs-two-instances "$TMP/jobs.log" 300 -s Tests/reliability/test_jobs_two_instances.py || true

    bash "$ROOT/scripts/stop-postgres.sh" "$TRADELANE_PG_DATADIR" || true
    unset TRADELANE_PG_DATADIR
fi

# ------------------------------------------------------------------ 5. demo server + browser tests

section "start demo server"
[[ -x "$BIN" ]] || { note "$BIN not found"; abort "demo-start"; }
DEMO_DIR="$TMP/demo"
mkdir -p "$DEMO_DIR"
DEMO_PORT="$(free_port)"
DEMO_LOG="$TMP/demo.log"
BASE_URL="http://127.0.0.1:$DEMO_PORT"
"$BIN" demo --data-dir "$DEMO_DIR" --port "$DEMO_PORT" --no-browser </dev/null >"$DEMO_LOG" 2>&1 &
DEMO_PID=$!
t0=$SECONDS
if ! python3 "$ROOT/scripts/wait-ready.py" "$BASE_URL/health/ready" "$DEMO_PID"; then
    note "demo server log:"
    cat "$DEMO_LOG"
    abort "demo-start"
fi
note "demo server ready at $BASE_URL after $((SECONDS - t0)) s"

section "browser tests (pytest Tests/e2e)"
if ! TRADELANE_BASE_URL="$BASE_URL" TRADELANE_BIN="$BIN" TRADELANE_DEMO_DIR="$DEMO_DIR" \
        run_pytest_stage browser-tests "$TMP/pytest.log" "$E2E_TIMEOUT" Tests/e2e; then
    note "demo server log (last 100 lines):"
    tail -n 100 "$DEMO_LOG"
fi

# ------------------------------------------------------------------ 5b. hostile load (CMP2)

section "hostile load (bench/hostile-load)"
t0=$SECONDS
# Hostile screenings in parallel against the same demo server; /health/live p99 must stay under 100 ms.
# Counts as one test.
if TRADELANE_BASE_URL="$BASE_URL" TRADELANE_DEMO_DIR="$DEMO_DIR" TRADELANE_BIN="$BIN" \
        HOSTILE_SECONDS="${TRADELANE_HOSTILE_SECONDS:-20}" timeout 120 \
        bash "$ROOT/bench/hostile-load/run.sh" </dev/null 2>&1 | tee "$TMP/hostile.log"; then
    TOTAL_PASSED=$((TOTAL_PASSED + 1))
    note "hostile load: passed, $((SECONDS - t0)) s"
else
    TOTAL_FAILED=$((TOTAL_FAILED + 1))
    FAILED_STAGES+=("hostile-load")
    note "hostile load: FAILED, $((SECONDS - t0)) s"
fi

# ------------------------------------------------------------------ 6. API fuzz

section "API fuzz (schemathesis)"
t0=$SECONDS
if ! KEY="$(TRADELANE_DATA_DIR="$DEMO_DIR" "$BIN" keys create --role operator-admin </dev/null)"; then
    note "tradelane keys create failed"
    stage_failed "fuzz" 0
else
    KEY="$(printf '%s' "$KEY" | tr -d '[:space:]')"
    if [[ -z "$KEY" ]]; then
        note "tradelane keys create printed no key"
        stage_failed "fuzz" 0
    else
        # Run from $TMP (schemathesis keeps a cache in ./.schemathesis). SIGINT first so
        # schemathesis prints its report; SIGKILL 30 s later if needed.
        if (cd "$TMP" && exec timeout -s INT -k 30 "$FUZZ_TIMEOUT" "$SCHEMATHESIS" --no-color run "$BASE_URL/api/openapi.yaml" \
                --origin "$BASE_URL" \
                --checks "$FUZZ_CHECKS" \
                --exclude-operation-id revokeAPIKey `# would revoke the fuzzer's own key and turn the rest into 401s` \
                --header "Authorization: Bearer $KEY" \
                --max-examples "$FUZZ_EXAMPLES" \
                --workers 1 \
                --request-timeout 15 \
                --continue-on-failure \
                --generation-database none \
                --suppress-health-check too_slow,filter_too_much \
                </dev/null) 2>&1 | tee "$TMP/schemathesis.log"; then
            rc=0
        else
            rc=$?
        fi
        note "schemathesis: exit $rc, $((SECONDS - t0)) s"
        if [[ $rc -ne 0 ]]; then
            [[ $rc -eq 124 || $rc -eq 130 || $rc -eq 137 ]] &&
                note "fuzz stopped after $FUZZ_TIMEOUT s: lower TRADELANE_FUZZ_EXAMPLES or speed up the API"
            stage_failed "fuzz" 0
            note "demo server log (last 100 lines):"
            tail -n 100 "$DEMO_LOG"
        fi
    fi
fi

finish
