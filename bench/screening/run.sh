#!/usr/bin/env bash
# Listing-screening benchmark, end to end, in one run: Tradelane's matcher vs pyahocorasick, ahocorasick_rs and
# hyperscan on the same dictionary and corpus. Not part of the test suite (separate package, never built by CI).
#
#   nice -n 10 bench/screening/run.sh              # 200 MiB corpus, 5 raw runs, 3 normalisation runs
#   MB=20 RUNS=3 nice -n 10 bench/screening/run.sh # quick run on a 20 MiB corpus (its own data dir, data-20/)
#
# Builds screening-bench in release in bench/screening/.build (never in the root .build), pinned to the root
# Package.resolved. Results: results/<data dir>/{swift,peers}.json, *.log, summary.txt, summary.md. See bench/README.md.
#
# Environment: MB (corpus MiB, default 200), RUNS (raw runs per engine, default 5), NORM_RUNS (default 3),
# BASELINE_RUNS (pre-rewrite matcher, default 1; 0 skips), CHECK (listings in the correctness check, default 2000),
# PEERS (comma list, default all four), DATA (data dir; default data/ for 200 MiB, data-MB/ otherwise),
# DICT (full, the default: the 54k-term dictionary; catalogue: only its first part, the bundled catalogue terms
# and allow-phrases, on the same corpus, in DATA-catalogue/: what screening really matches, with few hits).
set -euo pipefail
cd "$(dirname "$0")"

MB=${MB:-200}
RUNS=${RUNS:-5}
NORM_RUNS=${NORM_RUNS:-3}
BASELINE_RUNS=${BASELINE_RUNS:-1}
CHECK=${CHECK:-2000}
PEERS=${PEERS:-ahocorasick_rs,ahocorasick_rs_bytes,pyahocorasick,hyperscan}
if [ "$MB" = "200" ]; then DATA=${DATA:-data}; else DATA=${DATA:-data-$MB}; fi
RESULTS=results/$(basename "$DATA")
mkdir -p "$RESULTS"
start=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - start ))s] $*"; }

stamp "python packages (corpus sources and peers, pinned)"
python3 -m pip install --quiet --disable-pip-version-check \
    jieba==0.42.1 wordfreq==3.1.1 pyahocorasick==2.3.1 ahocorasick-rs==1.0.3 hyperscan==0.9.1

if ! python3 - "$DATA" "$MB" <<'EOF'
import json, os, sys
m = os.path.join(sys.argv[1], "manifest.json")
ok = os.path.exists(m) and os.path.exists(os.path.join(sys.argv[1], "corpus.txt")) and json.load(open(m)).get("mb_requested") == float(sys.argv[2])
sys.exit(0 if ok else 1)
EOF
then
    stamp "generating $MB MiB corpus and dictionary into $DATA/"
    python3 gen_corpus.py --mb "$MB" --out "$DATA"
else
    stamp "reusing $DATA/ (manifest matches MB=$MB; delete it to regenerate)"
fi

if [ "${DICT:-full}" = "catalogue" ]; then
    # Same corpus (linked, not copied), dictionary cut to the catalogue part that gen_corpus.py puts first.
    SPARSE="$DATA-catalogue"
    mkdir -p "$SPARSE"
    ln -sf "$(cd "$DATA" && pwd)/corpus.txt" "$SPARSE/corpus.txt"
    python3 - "$DATA" "$SPARSE" <<'EOF'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(src, "manifest.json")))
n = m["dictionary_sources"]["catalogue_and_allow_phrases"]
terms = open(os.path.join(src, "dictionary.txt"), encoding="utf-8").read().split("\n")[:n]
open(os.path.join(dst, "dictionary.txt"), "w", encoding="utf-8").write("\n".join(terms) + "\n")
m["dictionary_terms"] = n
m["dictionary_note"] = f"first {n} lines of {src}/dictionary.txt: the bundled catalogue terms, variants and allow-phrases"
json.dump(m, open(os.path.join(dst, "manifest.json"), "w"), indent=2)
EOF
    DATA="$SPARSE"
    RESULTS=results/$(basename "$DATA")
    mkdir -p "$RESULTS"
    stamp "DICT=catalogue: $(wc -l < "$DATA/dictionary.txt") catalogue terms on the same corpus, in $DATA/"
fi

stamp "building screening-bench (release, in bench/screening/.build)"
# Same dependency versions as the main package (its Package.resolved), unless this package already has its own.
[ -f Package.resolved ] || cp ../../Package.resolved Package.resolved
swift build -c release --product screening-bench > "$RESULTS/build.log" 2>&1 || { tail -40 "$RESULTS/build.log"; exit 1; }
grep -E 'warning:|error:' "$RESULTS/build.log" | grep -v '/.build/checkouts/' | sort -u || true
BIN="$(swift build -c release --show-bin-path)/screening-bench"
test -x "$BIN"

stamp "machine"
{ lscpu | grep -E 'Model name|^CPU\(s\)'; uptime; } | sed 's/^/   /'

stamp "tradelane: build, check, dump skeleton text, timed runs"
"$BIN" --data "$DATA" --runs "$RUNS" --norm-runs "$NORM_RUNS" --baseline-runs "$BASELINE_RUNS" --check "$CHECK" --dump \
    --json "$RESULTS/swift.json" | tee "$RESULTS/swift.log"

stamp "peers on the same skeleton text"
python3 peers.py --data "$DATA" --runs "$RUNS" --engines "$PEERS" --verify --json "$RESULTS/peers.json" | tee "$RESULTS/peers.log"

stamp "summary"
python3 report.py "$RESULTS/swift.json" "$RESULTS/peers.json" --md "$RESULTS/summary.md" | tee "$RESULTS/summary.txt"
stamp "done"
