#!/usr/bin/env python3
"""Table of one run: reads the JSON lines of screening-bench and peers.py, prints text and Markdown.

  report.py results/swift.json results/peers.json [--md results/summary.md]
"""
import argparse
import json


def read(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("swift")
    ap.add_argument("peers")
    ap.add_argument("--md", default=None)
    args = ap.parse_args()
    swift, peers = read(args.swift), read(args.peers)
    raw = next(r for r in swift if r["engine"] == "tradelane" and r["mode"] == "raw")
    norm = next((r for r in swift if r["engine"] == "tradelane" and r["mode"] == "norm"), None)
    base = next((r for r in swift if r["engine"] == "tradelane-baseline"), None)
    checks = [r for r in swift + peers if r.get("mode") in ("check", "verify")]
    timed = [r for r in peers if r.get("mode") == "raw"]

    rows = [("tradelane AhoCorasick (raw, [UInt32] per listing)", raw)]
    if base:
        rows.append(("tradelane pre-rewrite matcher (raw)", base))
    for p in timed:
        label = {"pyahocorasick": "pyahocorasick (str)", "ahocorasick_rs": "ahocorasick_rs (str)",
                 "ahocorasick_rs_bytes": "ahocorasick_rs (bytes)", "hyperscan": "hyperscan (bytes, literal)"}.get(p["engine"], p["engine"])
        if p.get("version"):
            label += f" {p['version']}"
        rows.append((label, p))

    header = ["engine", "MB/s median", "MB/s best", "matches", "tradelane raw ÷ engine"]
    table = []
    for label, r in rows:
        if "error" in r:
            table.append([label, "n/a", "n/a", "n/a", r["error"][:40]])
            continue
        ratio = r["median_s"] / raw["median_s"]
        agree = "" if r["matches"] == raw["matches"] else "  (COUNT DIFFERS)"
        table.append([label, f"{r['mbps_median']:.1f}", f"{r['mbps_best']:.1f}", f"{r['matches']:,}{agree}",
                      "—" if r is raw else f"{ratio:.2f}×"])
    if norm:
        table.append(["tradelane NormalizedText + scan (per listing)", f"{norm['mbps_median']:.1f}", f"{norm['mbps_best']:.1f}",
                      f"{norm['matches']:,}", f"overhead {norm['overhead_pct']:.0f}% vs raw"])

    widths = [max(len(str(row[i])) for row in table + [header]) for i in range(len(header))]
    line = lambda row: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
    out = [f"corpus {raw['mb']:.1f} MiB, {raw['listings']:,} listings; {raw['patterns']:,} patterns, {raw['states']:,} states "
           f"(built in {raw['build_s'] * 1000:.0f} ms); MB/s = original corpus MiB / wall seconds; median of runs",
           line(header), line(["-" * w for w in widths])] + [line(r) for r in table]
    if norm:
        out.append(f"normalisation included: NormalizedText alone {raw['mb'] / norm['normalize_only_s']:.1f} MB/s; "
                   f"per listing p50 {norm['p50_us']:.1f} µs, p99 {norm['p99_us']:.1f} µs")
    for c in checks:
        out.append(f"check {c['engine']} {c['mode']}: {'PASS' if c['ok'] else 'FAIL'} ({c.get('listings')} listings, {c.get('matches')} matches)")
    counts = {r["matches"] for _, r in rows if "matches" in r} | ({norm["matches"]} if norm else set())
    out.append("match counts: " + ("all engines agree" if len(counts) == 1 else f"DIFFER {sorted(counts)}"))
    print("\n".join(out))

    if args.md:
        md = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
        md += ["| " + " | ".join(r) + " |" for r in table]
        with open(args.md, "w") as f:
            f.write("\n".join([out[0], ""] + md + [""] + out[3 + len(table):]) + "\n")
    ok = all(c["ok"] for c in checks) and len(counts) == 1
    return 0 if ok else 3


if __name__ == "__main__":
    raise SystemExit(main())
