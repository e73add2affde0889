// Listing-screening benchmark: Tradelane's Aho–Corasick matcher over a large dictionary and a mixed zh/en corpus.
//
//   screening-bench [--data DIR] [--runs N] [--norm-runs N] [--baseline-runs N] [--dump] [--check N] [--json FILE]
//
// Loads DIR/dictionary.txt and DIR/corpus.txt (made by gen_corpus.py), builds the matcher over the skeleton
// (TextNormalizer.shared.skeleton) of every term, then measures
//   raw   — scan of each listing's skeleton scalars, converted once beforehand (outside the timed region);
//   norm  — NormalizedText(listing) + scan, per listing, all inside the timed region.
// MB/s is always the corpus file's UTF-8 size (MiB, 2^20 bytes) over wall time, so every engine and mode shares one
// denominator and ratios are plain time ratios. --dump writes the skeleton dictionary and the skeleton corpus
// (one listing per line) that peers.py matches, so that all engines do the same work and their overlapping match
// counts can be compared exactly. --check N compares the matcher against an independent naive search (and
// against the pre-rewrite matcher) on N listings and on random small-alphabet texts, and writes the matches of
// the first N listings for peers.py --verify.

import Foundation
import Compliance   // module of the TradelaneCompliance product

// MARK: - options

struct Options {
    var data = "data"
    var runs = 5
    var normRuns = 3
    var baselineRuns = 0
    var dump = false
    var check = 0
    var json: String? = nil
    var split = false
}

var opt = Options()
do {
    var args = CommandLine.arguments.dropFirst().makeIterator()
    while let a = args.next() {
        switch a {
        case "--data": opt.data = args.next()!
        case "--runs": opt.runs = Int(args.next()!)!
        case "--norm-runs": opt.normRuns = Int(args.next()!)!
        case "--baseline-runs": opt.baselineRuns = Int(args.next()!)!
        case "--dump": opt.dump = true
        case "--check": opt.check = Int(args.next()!)!
        case "--json": opt.json = args.next()!
        case "--split": opt.split = true
        default:
            FileHandle.standardError.write("unknown argument \(a)\n".data(using: .utf8)!)
            exit(2)
        }
    }
}

// MARK: - helpers

@inline(never)
func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

func seconds(_ ns: UInt64) -> Double { Double(ns) / 1e9 }

@MainActor func log(_ s: String) {
    // Unbuffered line by line, so run.sh's tee shows progress (stdout is a pipe there).
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}

func readLines(_ path: String) -> (lines: [String], bytes: Int) {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write("cannot read \(path) — run gen_corpus.py first\n".data(using: .utf8)!)
        exit(1)
    }
    var lines: [String] = []
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
        let bytes = raw.bindMemory(to: UInt8.self)
        var start = 0
        for i in 0..<bytes.count where bytes[i] == 0x0A {
            lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
            start = i + 1
        }
        if start < bytes.count {
            lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]), as: UTF8.self))
        }
    }
    return (lines, data.count)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func percentile(_ sorted: [UInt64], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let i = min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))
    return Double(sorted[i]) / 1000.0   // µs
}

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

func skeletonString(_ scalars: [UInt32]) -> String {
    var s = String.UnicodeScalarView()
    for v in scalars { s.append(Unicode.Scalar(v)!) }
    return String(s)
}

var jsonRecords: [[String: Any]] = []
@MainActor func emit(_ record: [String: Any]) {
    jsonRecords.append(record)
    let data = try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
    log("JSON " + String(decoding: data, as: UTF8.self))
}

// MARK: - dictionary and matcher

let dataDir = opt.data
let tLoad = now()
let (terms, _) = readLines(dataDir + "/dictionary.txt")
let normalizer = TextNormalizer.shared
var patterns: [[UInt32]] = []
var patternTerm: [String] = []
var seen = Set<[UInt32]>()
var tooShort = 0, duplicates = 0
for term in terms where !term.isEmpty {
    let sk = normalizer.skeleton(term)
    // Same rule as Screener: a one-scalar skeleton ("枪", "#1" → "i") would fire on every such letter.
    guard sk.count >= 2 else { tooShort += 1; continue }
    guard seen.insert(sk).inserted else { duplicates += 1; continue }
    patterns.append(sk)
    patternTerm.append(term)
}
seen = []
let maxLen = patterns.map(\.count).max() ?? 0
log("dictionary: \(terms.count) terms -> \(patterns.count) distinct skeletons (\(tooShort) shorter than 2 scalars, \(duplicates) duplicate skeletons dropped), longest \(maxLen) scalars")

var t0 = now()
let ac = AhoCorasick(patterns: patterns)
let buildSeconds = seconds(now() - t0)
log("build: \(fmt(buildSeconds * 1000, 0)) ms, \(ac.stateCount) states, \(ac.patternCount) patterns")

let (lines, corpusBytes) = readLines(dataDir + "/corpus.txt")
let mib = Double(corpusBytes) / 1_048_576
log("corpus: \(lines.count) listings, \(corpusBytes) UTF-8 bytes (\(fmt(mib)) MiB); loaded in \(fmt(seconds(now() - tLoad))) s")

// MARK: - normalisation, untimed: the skeleton scalars every raw run scans

t0 = now()
let skeletons: [[UInt32]] = lines.map { NormalizedText($0).scalars }
let normOnlySeconds = seconds(now() - t0)
let skeletonScalars = skeletons.reduce(0) { $0 + $1.count }
log("normalised once (untimed for raw runs): \(skeletonScalars) skeleton scalars; NormalizedText alone took \(fmt(normOnlySeconds, 2)) s = \(fmt(mib / normOnlySeconds)) MB/s")

// MARK: - dump for the peers

if opt.dump {
    t0 = now()
    var out = Data()
    out.reserveCapacity(corpusBytes)
    for sk in skeletons { out.append(contentsOf: Array(skeletonString(sk).utf8)); out.append(0x0A) }
    try! out.write(to: URL(fileURLWithPath: dataDir + "/skeleton_corpus.txt"))
    let normBytes = out.count
    var d = Data()
    for p in patterns { d.append(contentsOf: Array(skeletonString(p).utf8)); d.append(0x0A) }
    try! d.write(to: URL(fileURLWithPath: dataDir + "/skeleton_dictionary.txt"))
    let meta: [String: Any] = ["corpus_bytes": corpusBytes, "skeleton_corpus_bytes": normBytes, "listings": lines.count,
                               "patterns": patterns.count, "skeleton_scalars": skeletonScalars]
    try! JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys, .prettyPrinted])
        .write(to: URL(fileURLWithPath: dataDir + "/skeleton_meta.json"))
    log("dump: skeleton_corpus.txt (\(normBytes) bytes) and skeleton_dictionary.txt (\(patterns.count) lines) in \(fmt(seconds(now() - t0), 1)) s")
}

// MARK: - correctness check

/// Independent reference: every (start, length) window of the text looked up in a hash of the patterns.
struct NaiveMatcher {
    var byContent: [[UInt32]: [Int]] = [:]
    var lengths: [Int] = []
    init(_ patterns: [[UInt32]]) {
        for (i, p) in patterns.enumerated() where !p.isEmpty { byContent[p, default: []].append(i) }
        lengths = Array(Set(patterns.map(\.count))).filter { $0 > 0 }.sorted()
    }
    func matches(_ text: [UInt32]) -> [[Int]] {
        var out: [[Int]] = []
        for start in 0..<text.count {
            for l in lengths where start + l <= text.count {
                if let ps = byContent[Array(text[start..<start + l])] {
                    for p in ps { out.append([p, start, start + l - 1]) }
                }
            }
        }
        return out
    }
}

func sortedTriples(_ ms: [AhoCorasick.Match]) -> [[Int]] { ms.map { [$0.pattern, $0.first, $0.last] }.sorted { $0.lexicographicallyPrecedes($1) } }

if opt.check > 0 {
    t0 = now()
    var failures = 0
    var compared = 0
    // 1. Random small alphabets: dense overlaps, shared prefixes/suffixes, duplicate patterns, every code path.
    var rng = SystemRandomNumberGenerator()
    for round in 0..<300 {
        let alphabet: [UInt32] = round % 3 == 0 ? [97, 98] : round % 3 == 1 ? [97, 98, 99, 0x4E00, 0x4E01]
            : [0, 0x41, 0x7F, 0x80, 0xFFFF, 0x10000, 0x1F525, 0x4E00, 0x110000, 0xFFFF_FFFF]   // and beyond U+10FFFF
        let patterns = (0..<Int.random(in: 1...120, using: &rng)).map { _ in (0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! } }
        let text = (0..<Int.random(in: 0...600, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
        let got = sortedTriples(AhoCorasick(patterns: patterns).matches(in: text))
        let want = NaiveMatcher(patterns).matches(text).sorted { $0.lexicographicallyPrecedes($1) }
        if got != want { failures += 1; if failures < 5 { log("CHECK MISMATCH random round \(round): \(got.count) vs \(want.count)") } }
        compared += want.count
    }
    // More than 65,535 distinct scalars: codes past 16 bits take the overflow path.
    do {
        var big: [[UInt32]] = []
        big.reserveCapacity(70_002)
        for k in 0..<70_000 {
            let a = UInt32(0x20000 + k)
            let b = UInt32(0x20000 + (k * 7) % 70_000)
            big.append([a, b])
        }
        big.append([0x4E00, 0x4E01])
        big.append([0x4E01, 0x20005])
        var text: [UInt32] = []
        for _ in 0..<20_000 { text.append(UInt32.random(in: 0x1FFFE...0x31170, using: &rng)) }
        text += [0x4E00, 0x4E01, 0x20005] as [UInt32]
        let got = sortedTriples(AhoCorasick(patterns: big).matches(in: text))
        let want = NaiveMatcher(big).matches(text).sorted { $0.lexicographicallyPrecedes($1) }
        if got != want { failures += 1; log("CHECK MISMATCH large alphabet: \(got.count) vs \(want.count)") }
        compared += want.count
    }
    // The original "ushers" example, in report order too.
    let ush = AhoCorasick(patterns: ["he", "she", "his", "hers"].map { $0.unicodeScalars.map(\.value) })
        .matches(in: "ushers".unicodeScalars.map(\.value)).map { [$0.pattern, $0.first, $0.last] }
    if ush != [[1, 1, 3], [0, 2, 3], [3, 2, 5]] { failures += 1; log("CHECK MISMATCH ushers: \(ush)") }
    // 2. The real dictionary over the first N listings: naive reference and the pre-rewrite matcher.
    let naive = NaiveMatcher(patterns)
    let baseline = BaselineAhoCorasick(patterns: patterns)
    let n = min(opt.check, skeletons.count)
    var sampleMatches = 0
    var dump = "# listings \(n)\nline\tpattern\tfirst\tlast\n"
    for i in 0..<n {
        let got = sortedTriples(ac.matches(in: skeletons[i]))
        let want = naive.matches(skeletons[i]).sorted { $0.lexicographicallyPrecedes($1) }
        let base = baseline.matches(in: skeletons[i]).map { [$0.pattern, $0.first, $0.last] }.sorted { $0.lexicographicallyPrecedes($1) }
        // Report order within one end position must be the same as before the rewrite, too.
        let orderNew = ac.matches(in: skeletons[i]).map { [$0.pattern, $0.first, $0.last] }
        let orderOld = baseline.matches(in: skeletons[i]).map { [$0.pattern, $0.first, $0.last] }
        if got != want || got != base || orderNew != orderOld {
            failures += 1
            if failures < 5 { log("CHECK MISMATCH listing \(i): new \(got.count), naive \(want.count), baseline \(base.count), same order \(orderNew == orderOld)") }
        }
        sampleMatches += got.count
        for m in got { dump += "\(i)\t\(m[0])\t\(m[1])\t\(m[2])\n" }
    }
    try! dump.write(toFile: dataDir + "/check_matches.tsv", atomically: true, encoding: .utf8)
    let ok = failures == 0
    log("check: \(ok ? "PASS" : "FAIL") — 300 random small-alphabet cases + a 70,000-scalar alphabet (\(compared) matches) + \(n) listings (\(sampleMatches) matches) vs naive window search and pre-rewrite matcher, multiset and report order; \(failures) failures; \(fmt(seconds(now() - t0), 1)) s")
    emit(["engine": "tradelane", "mode": "check", "ok": ok, "listings": n, "matches": sampleMatches, "random_cases": 300, "failures": failures])
    if !ok { exit(3) }
}

// MARK: - timed runs

/// Raw matching: skeleton scalars already in memory, one scan per listing.
@inline(never)
func rawRun(_ ac: AhoCorasick, _ texts: [[UInt32]]) -> Int {
    var count = 0
    for t in texts { ac.scan(t) { _ in count &+= 1 } }
    return count
}

@inline(never)
func baselineRun(_ ac: BaselineAhoCorasick, _ texts: [[UInt32]]) -> Int {
    var count = 0
    for t in texts { ac.scan(t) { _ in count &+= 1 } }
    return count
}

/// Normalisation included: NormalizedText(listing) + scan, each listing timed on its own.
@inline(never)
func normRun(_ ac: AhoCorasick, _ lines: [String], _ perLine: inout [UInt64]) -> Int {
    var count = 0
    for (i, line) in lines.enumerated() {
        let a = now()
        let nt = NormalizedText(line)
        ac.scan(nt.scalars) { _ in count &+= 1 }
        perLine[i] = now() - a
    }
    return count
}

@MainActor func timed(_ label: String, runs: Int, warmup: Bool, _ body: () -> Int) -> (secs: [Double], matches: Int) {
    var matches = -1
    if warmup { matches = body() }
    var secs: [Double] = []
    for r in 0..<runs {
        let a = now()
        let m = body()
        let s = seconds(now() - a)
        if matches >= 0 && m != matches { log("WARNING: \(label) run \(r) found \(m) matches, expected \(matches)") }
        matches = m
        secs.append(s)
        log("  \(label) run \(r + 1)/\(runs): \(fmt(s, 3)) s  \(fmt(mib / s)) MB/s  \(m) matches")
    }
    return (secs, matches)
}

log("raw matching (warm-up + \(opt.runs) runs):")
let raw = timed("raw", runs: opt.runs, warmup: true) { rawRun(ac, skeletons) }
let rawMed = median(raw.secs), rawBest = raw.secs.min()!
log(String(format: "tradelane raw: median %.1f MB/s, best %.1f MB/s, %d matches (%.2f per listing)", mib / rawMed, mib / rawBest, raw.matches, Double(raw.matches) / Double(lines.count)))
emit(["engine": "tradelane", "mode": "raw", "mb": mib, "bytes": corpusBytes, "listings": lines.count, "matches": raw.matches,
      "seconds": raw.secs, "median_s": rawMed, "best_s": rawBest, "mbps_median": mib / rawMed, "mbps_best": mib / rawBest,
      "build_s": buildSeconds, "states": ac.stateCount, "patterns": ac.patternCount])

if opt.split {
    // Where the time goes by language: listings whose skeleton is mostly Han vs mostly Latin.
    var zh: [[UInt32]] = [], en: [[UInt32]] = []
    var zhBytes = 0, enBytes = 0
    for (i, sk) in skeletons.enumerated() {
        let han = sk.reduce(0) { $0 + ((0x3400...0x9FFF).contains($1) ? 1 : 0) }
        if han * 2 > sk.count { zh.append(sk); zhBytes += lines[i].utf8.count + 1 } else { en.append(sk); enBytes += lines[i].utf8.count + 1 }
    }
    for (name, texts, bytes) in [("zh-primary", zh, zhBytes), ("en-primary", en, enBytes)] {
        let r = timed("raw \(name)", runs: opt.runs, warmup: true) { rawRun(ac, texts) }
        let scalars = texts.reduce(0) { $0 + $1.count }
        let med = median(r.secs)
        log(String(format: "tradelane raw %@: %d listings, %.1f MiB, %d scalars: median %.1f MB/s, %.1f ns/scalar, %d matches",
                   name, texts.count, Double(bytes) / 1_048_576, scalars, Double(bytes) / 1_048_576 / med, med * 1e9 / Double(scalars), r.matches))
        emit(["engine": "tradelane", "mode": "raw-\(name)", "mb": Double(bytes) / 1_048_576, "listings": texts.count, "scalars": scalars,
              "matches": r.matches, "median_s": med, "mbps_median": Double(bytes) / 1_048_576 / med])
    }
}

if opt.baselineRuns > 0 {
    let b = BaselineAhoCorasick(patterns: patterns)
    log("pre-rewrite matcher (hash per transition; compiled into this module) (\(opt.baselineRuns) runs):")
    let base = timed("baseline", runs: opt.baselineRuns, warmup: false) { baselineRun(b, skeletons) }
    let med = median(base.secs)
    if base.matches != raw.matches { log("WARNING: baseline found \(base.matches) matches, rewrite \(raw.matches)") }
    log(String(format: "pre-rewrite raw: median %.1f MB/s", mib / med))
    emit(["engine": "tradelane-baseline", "mode": "raw", "mb": mib, "matches": base.matches, "seconds": base.secs, "median_s": med,
          "best_s": base.secs.min()!, "mbps_median": mib / med, "mbps_best": mib / base.secs.min()!])
}

if opt.normRuns > 0 {
    log("normalisation included, NormalizedText(listing) + scan per listing (\(opt.normRuns) runs):")
    var perLine = [UInt64](repeating: 0, count: lines.count)
    var allPerLine: [UInt64] = []
    let norm = timed("norm+scan", runs: opt.normRuns, warmup: false) {
        let m = normRun(ac, lines, &perLine)
        allPerLine += perLine
        return m
    }
    allPerLine.sort()
    let med = median(norm.secs)
    if norm.matches != raw.matches { log("WARNING: normalised run found \(norm.matches) matches, raw \(raw.matches)") }
    let overhead = (med - rawMed) / rawMed * 100
    log(String(format: "tradelane norm+scan: median %.1f MB/s (%.0f%% over raw); per listing p50 %.1f µs, p99 %.1f µs, max %.0f µs",
               mib / med, overhead, percentile(allPerLine, 0.5), percentile(allPerLine, 0.99), percentile(allPerLine, 1.0)))
    emit(["engine": "tradelane", "mode": "norm", "mb": mib, "matches": norm.matches, "seconds": norm.secs, "median_s": med,
          "best_s": norm.secs.min()!, "mbps_median": mib / med, "mbps_best": mib / norm.secs.min()!, "overhead_pct": overhead,
          "normalize_only_s": normOnlySeconds, "p50_us": percentile(allPerLine, 0.5), "p99_us": percentile(allPerLine, 0.99),
          "max_us": percentile(allPerLine, 1.0)])
}

if let path = opt.json {
    let text = jsonRecords.map { String(decoding: try! JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }.joined(separator: "\n") + "\n"
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
}
