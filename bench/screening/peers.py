#!/usr/bin/env python3
"""Peer multi-pattern matchers on exactly the text the Tradelane matcher sees.

Input (written by `screening-bench --dump`):
  data/skeleton_dictionary.txt  one pattern per line, in the Swift matcher's pattern order (ids agree)
  data/skeleton_corpus.txt      one listing per line: NormalizedText(listing).scalars rendered back as UTF-8
  data/skeleton_meta.json       the original corpus size, the common MB/s denominator

Engines (all report every overlapping occurrence of every pattern, so match counts must equal Tradelane's):
  pyahocorasick   Automaton over str; Automaton.iter(chunk) consumed in C (len(list(...))).
  ahocorasick_rs  AhoCorasick (str) and BytesAhoCorasick (UTF-8 bytes), MATCHKIND_STANDARD,
                  find_matches_as_indexes(chunk, overlapping=True); the implementation the library picks
                  unless --rs-impl says otherwise.
  hyperscan       HS_MODE_BLOCK database compiled with literal=True (hs_compile_lit_multi), flags 0 (no
                  HS_FLAG_SOM_LEFTMOST, so one report per pattern per end offset); scan(chunk) with a Python
                  callback that counts.

Chunking: each peer scans blocks of whole listings joined by "\\n" (about --chunk-kb KiB each) rather than
one call per listing, so Python call overhead is paid ~200 times instead of ~600,000 times: the best case for
the peers. No pattern contains "\\n", so no match can cross a listing boundary and counts stay exact.
Chunks are built once, outside the timed region. MB/s = original corpus MiB / seconds, as for Swift.

  peers.py [--data DIR] [--runs N] [--engines a,b] [--json FILE] [--verify] [--per-line]
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def log(s):
    print(s, flush=True)


def load(data):
    with open(os.path.join(data, "skeleton_dictionary.txt"), encoding="utf-8") as f:
        patterns = f.read().split("\n")
    if patterns and patterns[-1] == "":
        patterns.pop()
    with open(os.path.join(data, "skeleton_corpus.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    with open(os.path.join(data, "skeleton_meta.json")) as f:
        meta = json.load(f)
    return patterns, lines, meta


def chunks(lines, kb):
    out, cur, size = [], [], 0
    for line in lines:
        cur.append(line)
        size += len(line) + 1
        if size >= kb * 1024:
            out.append("\n".join(cur))
            cur, size = [], 0
    if cur:
        out.append("\n".join(cur))
    return out


# ---- engines: build(patterns) -> object; scanner(obj) -> function(block) -> match count -----------------------

def build_pyahocorasick(patterns, args):
    import ahocorasick
    a = ahocorasick.Automaton()
    for i, p in enumerate(patterns):
        a.add_word(p, i)
    a.make_automaton()
    return a, lambda block: len(list(a.iter(block))), "str"


def rs_impl(args):
    import ahocorasick_rs
    return None if args.rs_impl == "auto" else getattr(ahocorasick_rs.Implementation, args.rs_impl)


def build_rs_str(patterns, args):
    import ahocorasick_rs
    ac = ahocorasick_rs.AhoCorasick(patterns, matchkind=ahocorasick_rs.MATCHKIND_STANDARD, implementation=rs_impl(args))
    return ac, lambda block: len(ac.find_matches_as_indexes(block, overlapping=True)), "str"


def build_rs_bytes(patterns, args):
    import ahocorasick_rs
    ac = ahocorasick_rs.BytesAhoCorasick([p.encode("utf-8") for p in patterns], matchkind=ahocorasick_rs.MATCHKIND_STANDARD,
                                         implementation=rs_impl(args))
    return ac, lambda block: len(ac.find_matches_as_indexes(block, overlapping=True)), "bytes"


def build_hyperscan(patterns, args):
    import hyperscan
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    n = len(patterns)
    db.compile(expressions=[p.encode("utf-8") for p in patterns], ids=list(range(n)), elements=n, flags=[0] * n, literal=True)
    box = [0]

    def on_match(_id, _from, _to, _flags, _ctx):
        box[0] += 1

    def scan(block):
        box[0] = 0
        db.scan(block, match_event_handler=on_match)
        return box[0]
    return db, scan, "bytes"


ENGINES = {
    "pyahocorasick": build_pyahocorasick,
    "ahocorasick_rs": build_rs_str,
    "ahocorasick_rs_bytes": build_rs_bytes,
    "hyperscan": build_hyperscan,
}


def version(pkg):
    from importlib.metadata import version as v
    try:
        return v(pkg)
    except Exception:
        return "?"


PACKAGES = {"pyahocorasick": "pyahocorasick", "ahocorasick_rs": "ahocorasick-rs", "ahocorasick_rs_bytes": "ahocorasick-rs",
            "hyperscan": "hyperscan"}


def verify(patterns, lines, data):
    """Exact multiset check: pyahocorasick's matches on the first listings vs the Swift matcher's (check mode)."""
    import ahocorasick
    path = os.path.join(data, "check_matches.tsv")
    if not os.path.exists(path):
        log("verify: no check_matches.tsv (run screening-bench --check N first)")
        return None
    swift = {}
    with open(path) as f:
        limit = int(next(f).split()[-1])
        next(f)
        for row in f:
            i, p, first, last = map(int, row.split("\t"))
            swift.setdefault(i, []).append((p, first, last))
    a = ahocorasick.Automaton()
    for i, p in enumerate(patterns):
        a.add_word(p, i)
    a.make_automaton()
    mismatches, total = 0, 0
    for i in range(min(limit, len(lines))):
        got = sorted((v, end - len(patterns[v]) + 1, end) for end, v in a.iter(lines[i]))
        want = sorted(swift.get(i, []))
        total += len(want)
        if got != want:
            mismatches += 1
            if mismatches <= 3:
                log(f"verify: listing {i}: pyahocorasick {len(got)} matches, tradelane {len(want)}")
    ok = mismatches == 0
    log(f"verify: {'PASS' if ok else 'FAIL'} — pyahocorasick vs tradelane on listings 0..{limit - 1}: {total} matches, {mismatches} listings differ")
    return {"engine": "pyahocorasick", "mode": "verify", "ok": ok, "listings": limit, "matches": total, "mismatching_listings": mismatches}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--engines", default="ahocorasick_rs,ahocorasick_rs_bytes,pyahocorasick,hyperscan")
    ap.add_argument("--rs-impl", default="auto", choices=["auto", "DFA", "ContiguousNFA", "NoncontiguousNFA"])
    ap.add_argument("--chunk-kb", type=int, default=1024)
    ap.add_argument("--per-line", action="store_true", help="one call per listing instead of chunks")
    ap.add_argument("--json", default=None)
    ap.add_argument("--verify", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    patterns, lines, meta = load(args.data)
    mib = meta["corpus_bytes"] / 1048576
    blocks_str = lines if args.per_line else chunks(lines, args.chunk_kb)
    blocks_bytes = [b.encode("utf-8") for b in blocks_str]
    log(f"peers: {len(patterns)} patterns, {len(lines)} listings, {len(blocks_str)} blocks "
        f"({'per listing' if args.per_line else f'~{args.chunk_kb} KiB each'}), skeleton text {meta['skeleton_corpus_bytes']} bytes, "
        f"denominator {meta['corpus_bytes']} bytes ({mib:.1f} MiB); loaded in {time.perf_counter() - t0:.1f} s")
    records = []
    if args.verify:
        r = verify(patterns, lines, args.data)
        if r:
            records.append(r)
    del lines
    for name in [e for e in args.engines.split(",") if e]:
        t0 = time.perf_counter()
        try:
            obj, scan, kind = ENGINES[name](patterns, args)
        except Exception as e:  # an engine that cannot be installed or built is reported, not fatal
            log(f"{name}: unavailable ({e!r})")
            records.append({"engine": name, "mode": "raw", "error": repr(e)})
            continue
        build = time.perf_counter() - t0
        blocks = blocks_bytes if kind == "bytes" else blocks_str
        # Warm-up (page-faults the automaton in, lets lazy structures settle), then timed runs.
        matches = sum(scan(b) for b in blocks)
        secs = []
        for r in range(args.runs):
            t = time.perf_counter()
            m = 0
            for b in blocks:
                m += scan(b)
            s = time.perf_counter() - t
            if m != matches:
                log(f"WARNING: {name} run {r} found {m} matches, warm-up {matches}")
            secs.append(s)
            log(f"  {name} run {r + 1}/{args.runs}: {s:.3f} s  {mib / s:.1f} MB/s  {m} matches")
        med = statistics.median(secs)
        rec = {"engine": name, "mode": "raw", "package": PACKAGES[name], "version": version(PACKAGES[name]), "input": kind,
               "per_line": args.per_line, "chunk_kb": None if args.per_line else args.chunk_kb,
               "rs_impl": args.rs_impl if name.startswith("ahocorasick_rs") else None,
               "mb": mib, "matches": matches, "seconds": secs, "median_s": med, "best_s": min(secs),
               "mbps_median": mib / med, "mbps_best": mib / min(secs), "build_s": build}
        log(f"{name}: median {mib / med:.1f} MB/s, best {mib / min(secs):.1f} MB/s, {matches} matches, build {build:.2f} s")
        log("JSON " + json.dumps(rec, sort_keys=True))
        records.append(rec)
        del obj, scan
    if args.json:
        with open(args.json, "w") as f:
            for r in records:
                f.write(json.dumps(r, sort_keys=True) + "\n")
    return 0 if all(r.get("ok", True) for r in records) else 3


if __name__ == "__main__":
    sys.exit(main())
