/// Multi-pattern matcher (Aho–Corasick) over skeleton scalars.
///
/// Layout, chosen for scan speed (bench/screening measures it):
/// - Alphabet compression: every scalar that occurs in some pattern gets a dense code 1…K, the most frequent
///   scalars the smallest codes; a two-level table (256-scalar pages) maps a scalar to its code in two loads.
///   A scalar outside every pattern has code 0 and sends the scan straight back to the root.
/// - Double-array trie: the child of state `s` on code `c` is slot `base[s] + c` when `check` of that slot is `s`.
///   One transition is one addition and one compare, with no hashing and no per-state tables.
/// - Each slot is 8 bytes (base with two flags, check), so the states a scan visits most stay in L2; following a
///   transition, testing "does anything end here?" and "does the failure link go to the root?" touch one slot.
///   Failure links and output chains live in separate, colder arrays.
/// - `scan` is `@inlinable`, so a caller's `report` closure is specialised and inlined, not called indirectly.
/// Failure links are precomputed, and each state points to the next state on its suffix chain that ends a
/// pattern, so a scan does no allocation. Matches are reported exactly as before the rewrite: every occurrence of
/// every pattern, overlapping ones included; at one position the patterns ending at the current state first (in
/// the order they were given), then those of its suffix states, longest first.
public struct AhoCorasick: Sendable {
    public struct Match: Sendable, Equatable {
        public let pattern: Int
        /// Index of the first and last skeleton scalar of the match (inclusive).
        public let first: Int
        public let last: Int

        @inlinable
        init(pattern: Int, first: Int, last: Int) {
            self.pattern = pattern
            self.first = first
            self.last = last
        }
    }

    /// The hot part of a state, 8 bytes: what a scan reads at every scalar. (A 16-byte record with a 64-bit
    /// child-code filter, which skips most failing probes, measured slower: the footprint of the states that
    /// English text visits then no longer fits in L2.)
    @usableFromInline
    struct Slot: Sendable {
        /// Children of this state are at `(base & baseMask) + code`. Bit 31: a pattern ends at this state or at
        /// one of its suffix states (then `outHead` says where). Bit 30: the failure link is the root.
        @usableFromInline var base: UInt32
        /// The parent state of this slot, -1 for a free slot (and for the root).
        @usableFromInline var check: Int32

        @inlinable
        init(base: UInt32, check: Int32) {
            self.base = base
            self.check = check
        }
    }

    @usableFromInline static var baseMask: UInt32 { 0x3FFF_FFFF }
    @usableFromInline static var outputFlag: UInt32 { 0x8000_0000 }
    @usableFromInline static var failsToRootFlag: UInt32 { 0x4000_0000 }

    /// Pages of 256 scalars: `pages[scalar >> 8]` is a page's start in `codes`; page 0 is all zeros.
    @usableFromInline let pages: [Int32]
    /// Code of each scalar (0: in no pattern; `overflowMark`: look it up in `overflow`).
    @usableFromInline let codes: [UInt16]
    /// Codes that do not fit in 16 bits, and scalars beyond U+10FFFF (possible in a `[UInt32]`).
    @usableFromInline let overflow: [UInt32: Int32]
    @usableFromInline let slots: [Slot]
    /// Failure link of each state.
    @usableFromInline let fail: [Int32]
    /// This state if patterns end here, else the next state on its failure chain where some do; -1 if none.
    @usableFromInline let outHead: [Int32]
    /// Per slot: where its own patterns are in `outPatterns`, how many, and the next slot on its chain with some.
    @usableFromInline let outStart: [Int32]
    @usableFromInline let outCount: [Int32]
    @usableFromInline let outputLink: [Int32]
    @usableFromInline let outPatterns: [Int32]
    @usableFromInline let lengths: [Int]
    let states: Int

    @usableFromInline static var overflowMark: UInt16 { 0xFFFF }
    @usableFromInline static var pageCount: Int { 0x1100 }   // 0x110000 scalars / 256

    public var patternCount: Int { lengths.count }
    public var stateCount: Int { states }

    public init(patterns: [[UInt32]]) {
        lengths = patterns.map(\.count)

        // 1. Alphabet: the most frequent scalars get the smallest codes, which packs the double array tightly.
        var frequency: [UInt32: Int] = [:]
        for p in patterns { for c in p { frequency[c, default: 0] += 1 } }
        let alphabet = frequency.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        let alphabetSize = alphabet.count
        var codeOf: [UInt32: Int32] = [:]
        codeOf.reserveCapacity(alphabetSize)
        for (i, c) in alphabet.enumerated() { codeOf[c] = Int32(i + 1) }
        var pages = [Int32](repeating: 0, count: AhoCorasick.pageCount)
        var codes = [UInt16](repeating: 0, count: 256)
        var overflow: [UInt32: Int32] = [:]
        for (i, c) in alphabet.enumerated() {
            let code = i + 1
            let page = Int(c >> 8)
            guard page < AhoCorasick.pageCount else { overflow[c] = Int32(code); continue }
            if pages[page] == 0 {
                pages[page] = Int32(codes.count)
                codes += [UInt16](repeating: 0, count: 256)
            }
            let at = Int(pages[page]) + Int(c & 0xFF)
            if code < Int(AhoCorasick.overflowMark) { codes[at] = UInt16(code) } else {
                codes[at] = AhoCorasick.overflowMark
                overflow[c] = Int32(code)
            }
        }

        // 2. Trie over codes: edges in one hash keyed by (node, code), then grouped per node, sorted by code.
        var edge: [UInt64: Int32] = [:]
        var nodeCount = 1
        var own: [Int32: [Int32]] = [:]   // node → patterns ending there, in pattern order
        for (i, p) in patterns.enumerated() where !p.isEmpty {
            var s: Int32 = 0
            for c in p {
                let key = UInt64(UInt32(bitPattern: s)) << 32 | UInt64(UInt32(codeOf[c]!))
                if let n = edge[key] { s = n } else {
                    let n = Int32(nodeCount)
                    nodeCount += 1
                    edge[key] = n
                    s = n
                }
            }
            own[s, default: []].append(Int32(i))
        }
        states = nodeCount
        var childStart = [Int32](repeating: 0, count: nodeCount + 1)
        for key in edge.keys { childStart[Int(key >> 32) + 1] += 1 }
        for i in 0..<nodeCount { childStart[i + 1] += childStart[i] }
        var childCode = [Int32](repeating: 0, count: edge.count)
        var childNode = [Int32](repeating: 0, count: edge.count)
        var fill = childStart
        for (key, child) in edge {
            let parent = Int(key >> 32)
            let at = Int(fill[parent])
            fill[parent] += 1
            childCode[at] = Int32(truncatingIfNeeded: key & 0xFFFF_FFFF)
            childNode[at] = child
        }
        edge = [:]
        for n in 0..<nodeCount {
            let lo = Int(childStart[n]), hi = Int(childStart[n + 1])
            if hi - lo > 1 {
                let sorted = (lo..<hi).map { (childCode[$0], childNode[$0]) }.sorted { $0.0 < $1.0 }
                for (k, e) in sorted.enumerated() { childCode[lo + k] = e.0; childNode[lo + k] = e.1 }
            }
        }

        // 3. Double array: states in breadth-first order, each one's children placed at the first base where
        // every child slot is free.
        var builder = DoubleArrayBuilder(alphabetSize: alphabetSize)
        var slotOf = [Int32](repeating: -1, count: nodeCount)
        slotOf[0] = 0
        var order: [Int32] = [0]
        order.reserveCapacity(nodeCount)
        var head = 0
        while head < order.count {
            let n = Int(order[head]); head += 1
            let lo = Int(childStart[n]), hi = Int(childStart[n + 1])
            guard lo < hi else { continue }
            let parentSlot = slotOf[n]
            let base = builder.place(childCode[lo..<hi])
            builder.base[Int(parentSlot)] = base
            for k in lo..<hi {
                let slot = Int(base + childCode[k])
                builder.take(slot)
                builder.check[slot] = parentSlot
                slotOf[Int(childNode[k])] = Int32(slot)
                order.append(childNode[k])
            }
        }
        // Pad so that `base + code` stays inside the array for every base and every code.
        let maxBase = builder.base.max() ?? 0
        builder.grow(to: Int(maxBase) + alphabetSize + 1)
        let size = builder.check.count
        let base = builder.base, check = builder.check

        // 4. Failure links and output chains, breadth first (in slot space).
        var fail = [Int32](repeating: 0, count: size)
        var outStart = [Int32](repeating: 0, count: size)
        var outCount = [Int32](repeating: 0, count: size)
        var outputLink = [Int32](repeating: -1, count: size)
        var outPatterns: [Int32] = []
        for n in order {
            guard let ps = own[n] else { continue }
            let s = Int(slotOf[Int(n)])
            outStart[s] = Int32(outPatterns.count)
            outCount[s] = Int32(ps.count)
            outPatterns += ps
        }
        own = [:]
        for n in order {
            let s = Int(slotOf[Int(n)])
            let lo = Int(childStart[Int(n)]), hi = Int(childStart[Int(n) + 1])
            for k in lo..<hi {
                let child = Int(slotOf[Int(childNode[k])])
                let c = childCode[k]
                var target: Int32 = 0
                if s != 0 {
                    var f = fail[s]
                    while true {
                        let t = base[Int(f)] + c
                        if check[Int(t)] == f { target = t; break }
                        if f == 0 { break }
                        f = fail[Int(f)]
                    }
                }
                fail[child] = target
                let ft = Int(target)
                outputLink[child] = outCount[ft] > 0 ? target : outputLink[ft]
            }
        }
        precondition(size <= Int(AhoCorasick.baseMask), "AhoCorasick: too many states")
        var slots = [Slot](repeating: Slot(base: 0, check: -1), count: size)
        var outHead = [Int32](repeating: -1, count: size)
        for i in 0..<size {
            outHead[i] = outCount[i] > 0 ? Int32(i) : outputLink[i]
            var word = UInt32(base[i])
            if outHead[i] >= 0 { word |= AhoCorasick.outputFlag }
            if fail[i] == 0 { word |= AhoCorasick.failsToRootFlag }
            slots[i] = Slot(base: word, check: check[i])
        }
        self.fail = fail
        self.outHead = outHead
        self.pages = pages
        self.codes = codes
        self.overflow = overflow
        self.slots = slots
        self.outStart = outStart
        self.outCount = outCount
        self.outputLink = outputLink
        self.outPatterns = outPatterns
    }

    /// Calls `report` for every occurrence of every pattern (overlapping matches included).
    @inlinable
    public func scan(_ text: [UInt32], _ report: (Match) -> Void) {
        let hasOverflow = !overflow.isEmpty
        text.withUnsafeBufferPointer { text in
            pages.withUnsafeBufferPointer { pages in
                codes.withUnsafeBufferPointer { codes in
                    slots.withUnsafeBufferPointer { slots in
                        fail.withUnsafeBufferPointer { fail in
                            let root = slots[0]
                            var state: Int32 = 0
                            var current = root
                            for i in 0..<text.count {
                                let c = text[i]
                                let page = Int(c >> 8)
                                var code: UInt32 = 0
                                if page < AhoCorasick.pageCount {
                                    let raw = codes[Int(pages[page]) &+ Int(c & 0xFF)]
                                    code = UInt32(raw)
                                    if raw == AhoCorasick.overflowMark { code = UInt32(overflow[c] ?? 0) }
                                } else if hasOverflow {
                                    code = UInt32(overflow[c] ?? 0)
                                }
                                if code == 0 {
                                    // In no pattern: every state fails back to the root, which has no such child.
                                    state = 0
                                    current = root
                                    continue
                                }
                                while true {
                                    let t = Int((current.base & AhoCorasick.baseMask) &+ code)
                                    let next = slots[t]
                                    if next.check == state {
                                        state = Int32(truncatingIfNeeded: t)
                                        current = next
                                        break
                                    }
                                    if state == 0 { break }
                                    state = current.base & AhoCorasick.failsToRootFlag != 0 ? 0 : fail[Int(state)]
                                    current = slots[Int(state)]
                                }
                                if current.base & AhoCorasick.outputFlag != 0 {
                                    reportChain(from: outHead[Int(state)], at: i, report)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @inlinable
    func reportChain(from first: Int32, at i: Int, _ report: (Match) -> Void) {
        var s = Int(first)
        while s >= 0 {
            let start = Int(outStart[s])
            for k in start..<start + Int(outCount[s]) {
                let p = Int(outPatterns[k])
                report(Match(pattern: p, first: i - lengths[p] + 1, last: i))
            }
            s = Int(outputLink[s])
        }
    }

    public func matches(in text: [UInt32]) -> [Match] {
        var out: [Match] = []
        scan(text) { out.append($0) }
        return out
    }
}

/// First-fit placement of sibling sets into the double array.
struct DoubleArrayBuilder {
    var base: [Int32] = []
    var check: [Int32] = []
    var used: [Bool] = []
    /// Free slots still worth trying, as a doubly linked list; a slot rejected too often leaves it (stays free).
    var next: [Int32] = []
    var prev: [Int32] = []
    var rejections: [UInt8] = []
    var first: Int32 = -1
    var last: Int32 = -1
    let alphabetSize: Int

    init(alphabetSize: Int) {
        self.alphabetSize = alphabetSize
        grow(to: max(1024, alphabetSize + 1))
        take(0)   // the root
    }

    mutating func grow(to size: Int) {
        let old = check.count
        guard size > old else { return }
        base += [Int32](repeating: 0, count: size - old)
        check += [Int32](repeating: -1, count: size - old)
        used += [Bool](repeating: false, count: size - old)
        rejections += [UInt8](repeating: 0, count: size - old)
        next += [Int32](repeating: -1, count: size - old)
        prev += [Int32](repeating: -1, count: size - old)
        for i in old..<size {
            prev[i] = last
            if last >= 0 { next[Int(last)] = Int32(i) } else { first = Int32(i) }
            last = Int32(i)
        }
    }

    mutating func unlink(_ i: Int) {
        let p = prev[i], n = next[i]
        if p >= 0 { next[Int(p)] = n } else if first == Int32(i) { first = n } else { return }
        if n >= 0 { prev[Int(n)] = p } else { last = p }
        prev[i] = -1; next[i] = -1
    }

    mutating func take(_ i: Int) {
        if first == Int32(i) || prev[i] >= 0 { unlink(i) }
        used[i] = true
    }

    /// A base at which every `codes[k]` (sorted, ≥ 1) lands on a free slot.
    mutating func place(_ codes: ArraySlice<Int32>) -> Int32 {
        let lowest = codes.first!, highest = codes.last!
        var candidate = first
        while true {
            if candidate < 0 {
                let old = check.count
                grow(to: old + max(4096, alphabetSize + 1))
                candidate = Int32(old)
            }
            let b = candidate - lowest
            if b >= 0 && Int(b + highest) >= check.count { grow(to: Int(b + highest) + 1 + 4096) }
            let following = next[Int(candidate)]
            if b >= 0 {
                var fits = true
                for c in codes where used[Int(b + c)] { fits = false; break }
                if fits { return b }
                rejections[Int(candidate)] &+= 1
                if rejections[Int(candidate)] >= 32 { unlink(Int(candidate)) }
            }
            candidate = following
        }
    }
}
