/// The matcher as it was before the bench (git HEAD 966c547, hash per transition), kept verbatim (renamed)
/// to measure the rewrite against it and as a second reference in --check.
///
/// The trie is flattened after construction: every state's transitions live in one open-addressing
/// hash table keyed by (state, scalar), failure links are precomputed, and each state points to the
/// next state on its suffix chain that ends a pattern, so a scan does no allocation per character.
struct BaselineAhoCorasick: Sendable {
    public struct Match: Sendable, Equatable {
        public let pattern: Int
        /// Index of the first and last skeleton scalar of the match (inclusive).
        public let first: Int
        public let last: Int
    }

    let keys: [UInt64]          // (state << 32 | scalar) + 1; 0 = empty slot
    let targets: [Int32]
    let mask: Int
    let fail: [Int32]
    let outputs: [[Int32]]      // patterns ending exactly at a state
    let outputLink: [Int32]     // next state on the failure chain with outputs, -1 if none
    let lengths: [Int]
    let rootNext: [Int32]       // dense root transitions for ASCII

    public var patternCount: Int { lengths.count }
    public var stateCount: Int { fail.count }

    public init(patterns: [[UInt32]]) {
        var children: [[UInt32: Int32]] = [[:]]
        var outs: [[Int32]] = [[]]
        var lengths: [Int] = []
        for (i, p) in patterns.enumerated() {
            lengths.append(p.count)
            guard !p.isEmpty else { continue }
            var s = 0
            for c in p {
                if let n = children[s][c] { s = Int(n) } else {
                    children.append([:]); outs.append([])
                    let n = Int32(children.count - 1)
                    children[s][c] = n
                    s = Int(n)
                }
            }
            outs[s].append(Int32(i))
        }
        let n = children.count
        var fail = [Int32](repeating: 0, count: n)
        var outputLink = [Int32](repeating: -1, count: n)
        var queue: [Int] = []
        queue.reserveCapacity(n)
        for (_, child) in children[0] { queue.append(Int(child)) }
        var head = 0
        while head < queue.count {
            let s = queue[head]; head += 1
            for (c, childRaw) in children[s] {
                let child = Int(childRaw)
                var f = Int(fail[s])
                while f != 0 && children[f][c] == nil { f = Int(fail[f]) }
                let target = children[f][c].map(Int.init) ?? 0
                fail[child] = Int32(target == child ? 0 : target)
                let fc = Int(fail[child])
                outputLink[child] = outs[fc].isEmpty ? outputLink[fc] : Int32(fc)
                queue.append(child)
            }
        }
        // Flatten transitions into an open-addressing table at ≤ 50% load.
        let edges = children.reduce(0) { $0 + $1.count }
        var size = 16
        while size < edges * 2 { size <<= 1 }
        var keys = [UInt64](repeating: 0, count: size)
        var targets = [Int32](repeating: 0, count: size)
        for (s, map) in children.enumerated() {
            for (c, t) in map {
                let key = (UInt64(s) << 32 | UInt64(c)) &+ 1
                var slot = BaselineAhoCorasick.hash(key) & (size - 1)
                while keys[slot] != 0 { slot = (slot + 1) & (size - 1) }
                keys[slot] = key
                targets[slot] = t
            }
        }
        var root = [Int32](repeating: 0, count: 128)
        for (c, t) in children[0] where c < 128 { root[Int(c)] = t }
        self.keys = keys; self.targets = targets; self.mask = size - 1
        self.fail = fail; self.outputs = outs; self.outputLink = outputLink
        self.lengths = lengths; self.rootNext = root
    }

    @inline(__always)
    static func hash(_ k: UInt64) -> Int {
        var x = k &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 29
        return Int(truncatingIfNeeded: x)
    }

    @inline(__always)
    func next(_ state: Int32, _ c: UInt32) -> Int32? {
        if state == 0 {
            if c < 128 { let t = rootNext[Int(c)]; return t == 0 ? nil : t }
        }
        let key = (UInt64(UInt32(bitPattern: state)) << 32 | UInt64(c)) &+ 1
        var slot = BaselineAhoCorasick.hash(key) & mask
        while true {
            let k = keys[slot]
            if k == key { return targets[slot] }
            if k == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    /// Calls `report` for every occurrence of every pattern (overlapping matches included).
    public func scan(_ text: [UInt32], _ report: (Match) -> Void) {
        var state: Int32 = 0
        for (i, c) in text.enumerated() {
            while true {
                if let t = next(state, c) { state = t; break }
                if state == 0 { break }
                state = fail[Int(state)]
            }
            var s = state
            if outputs[Int(s)].isEmpty { s = outputLink[Int(s)] }
            while s > 0 {
                for p in outputs[Int(s)] {
                    report(Match(pattern: Int(p), first: i - lengths[Int(p)] + 1, last: i))
                }
                s = outputLink[Int(s)]
            }
        }
    }

    public func matches(in text: [UInt32]) -> [Match] {
        var out: [Match] = []
        scan(text) { out.append($0) }
        return out
    }
}
