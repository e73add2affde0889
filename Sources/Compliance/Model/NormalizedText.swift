import Foundation

/// Listing text reduced to a matching skeleton, with a map back to the original.
///
/// Steps per character: NFKD (full-width → half-width, ligatures, compatibility forms), combining
/// marks after Latin letters dropped ("Nikë" → "nike"), case folded, traditional → simplified
/// Chinese, Cyrillic/Greek homoglyphs → Latin, digit-for-letter swaps (0→o, 1/l/|/!→i, 3→e, 4/@→a,
/// 5/$→s, 7→t), and separators and zero-width characters removed. Terms go through the same
/// function, so the catalogue and the text always meet in the same alphabet (CMP2).
///
/// Screening normalises every field of every listing, so construction is one pass over the UTF-8 bytes into
/// preallocated buffers: a character that cannot join its neighbours into one grapheme (ASCII, ideographs, most
/// of the BMP) is one table load. Only the rest (combining sequences, emoji, Hangul, scalars above U+FFFF) goes
/// through `Character`. Character kinds and UTF-16 offsets are not stored: they are worked out from the original
/// text for the few spans that match (bench/README.md, "normalisation overhead").
public struct NormalizedText: Sendable {
    /// The skeleton: normalised scalars with separators removed.
    public let scalars: [UInt32]
    /// For each skeleton scalar, the UTF-8 offset in `original` of the character it came from.
    public let origin: [Int32]
    public let original: String
    let normalizer: TextNormalizer

    public init(_ text: String, normalizer: TextNormalizer = .shared) {
        // Only the shared kind of normaliser has the table; the table-less one exists just to build it.
        precondition(normalizer.bmpTable.count == 0x10000, "NormalizedText needs a normaliser with its BMP table")
        var text = text
        text.makeContiguousUTF8()   // a no-op for native strings; bridged ones are copied once
        self.normalizer = normalizer
        original = text
        let n = text.utf8.count
        // Most characters give at most one scalar per UTF-8 byte, so n + 16 is nearly always enough; when it is not
        // (a run of ligatures or squared words such as "㍿"), the pass stops and the rest goes through `append`.
        let capacity = n + 16
        var stop = 0
        var written = 0
        var origin: [Int32] = []
        var scalars = [UInt32](unsafeUninitializedCapacity: capacity) { scalarBuffer, scalarCount in
            origin = [Int32](unsafeUninitializedCapacity: capacity) { originBuffer, originCount in
                let out = Output(scalars: scalarBuffer.baseAddress!, origin: originBuffer.baseAddress!, capacity: capacity)
                normalizer.bmpTable.withUnsafeBufferPointer { table in
                    // Contiguous since makeContiguousUTF8 above.
                    (stop, written) = text.utf8.withContiguousStorageIfAvailable { bytes in
                        Self.fill(text, bytes, table: table, flat: normalizer.bmpScalars, normalizer: normalizer, into: out)
                    }!
                }
                originCount = written
            }
            scalarCount = written
        }
        if stop < n {
            var index = text.utf8.index(text.utf8.startIndex, offsetBy: stop)
            while index < text.endIndex {
                let offset = Int32(text.utf8.distance(from: text.utf8.startIndex, to: index))
                let before = scalars.count
                normalizer.emit(text[index], into: &scalars)
                origin.append(contentsOf: repeatElement(offset, count: scalars.count - before))
                index = text.index(after: index)
            }
        }
        self.scalars = scalars
        self.origin = origin
    }

    /// Where the single pass writes: skeleton scalars and their origins, without `Array.append`.
    struct Output {
        let scalars: UnsafeMutablePointer<UInt32>
        let origin: UnsafeMutablePointer<Int32>
        let capacity: Int
    }

    /// The scalar starting at byte `i` and its length in bytes, for 1- to 3-byte sequences (the BMP);
    /// length 0 for a 4-byte sequence, which goes through `Character`.
    @inline(__always)
    static func decode(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (value: UInt32, length: Int) {
        let b = UInt32(p[i])
        if b < 0x80 { return (b, 1) }
        if b < 0xE0 { return ((b & 0x1F) << 6 | UInt32(p[i + 1]) & 0x3F, 2) }
        if b < 0xF0 { return ((b & 0x0F) << 12 | (UInt32(p[i + 1]) & 0x3F) << 6 | UInt32(p[i + 2]) & 0x3F, 3) }
        return (0, 0)
    }

    /// The table entry of the character at byte `i` (`untabled` above U+FFFF), with its length in bytes.
    @inline(__always)
    static func entry(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ table: UnsafeBufferPointer<UInt32>) -> (entry: UInt32, length: Int) {
        let (v, length) = decode(p, i)
        return length > 0 ? (table[Int(v)], length) : (TextNormalizer.untabled, 4)
    }

    /// One pass over the bytes; returns where it stopped (`bytes.count` unless the output filled up) and how many
    /// scalars it wrote. Invariant: at least `bytes.count - i + 16` slots are free while at `i`, so a character that
    /// gives one scalar per byte or fewer needs no check.
    static func fill(_ text: String, _ bytes: UnsafeBufferPointer<UInt8>, table: UnsafeBufferPointer<UInt32>,
                     flat: [UInt32], normalizer: TextNormalizer, into out: Output) -> (stop: Int, written: Int) {
        let n = bytes.count
        guard n > 0 else { return (0, 0) }
        var scratch: [UInt32] = []
        var w = 0
        var i = 0
        var (e, length) = entry(bytes, 0, table)
        while true {
            // A run of ASCII: each byte followed by another ASCII byte is a whole character giving zero or one scalar,
            // written unconditionally and kept by advancing `w` by its count (no branch on letters against spaces).
            if length == 1 {
                while i + 1 < n && bytes[i + 1] < 0x80 {
                    let a = table[Int(bytes[i])]
                    out.scalars[w] = a & 0xFF_FFFF; out.origin[w] = Int32(truncatingIfNeeded: i)
                    w &+= Int(a >> 24 & 1)
                    i &+= 1
                }
                e = table[Int(bytes[i])]
            }
            let j = i + length
            let (nextEntry, nextLength) = j < n ? entry(bytes, j, table) : (TextNormalizer.simple, 1)
            // Both this character and the next scalar are "simple" (see `TextNormalizer.simple`): a grapheme boundary
            // lies between them, so the character is this one scalar and its skeleton is in the table.
            if e & nextEntry & TextNormalizer.simple != 0 {
                let count = Int(e >> 24 & 0xF)
                if count <= 1 {
                    out.scalars[w] = e & 0xFF_FFFF; out.origin[w] = Int32(truncatingIfNeeded: i); w &+= count
                } else {
                    guard out.capacity - w - count >= n - j + 16 else { return (i, w) }
                    let start = Int(e & 0xFF_FFFF)
                    for k in start..<start + count { out.scalars[w] = flat[k]; out.origin[w] = Int32(truncatingIfNeeded: i); w += 1 }
                }
                i = j
                guard i < n else { return (n, w) }
                e = nextEntry; length = nextLength
                continue
            }
            // Anything else, one grapheme at a time. `i` is always a grapheme boundary here, except after a CR before
            // LF, where String rounds down to the CR LF pair, which emits nothing either way.
            let index = text.utf8.index(text.utf8.startIndex, offsetBy: i)
            let next = text.index(after: index)
            scratch.removeAll(keepingCapacity: true)
            normalizer.emit(text[index], into: &scratch)
            let k = text.utf8.distance(from: text.utf8.startIndex, to: next)
            guard out.capacity - w - scratch.count >= n - k + 16 else { return (i, w) }
            for v in scratch { out.scalars[w] = v; out.origin[w] = Int32(truncatingIfNeeded: i); w += 1 }
            i = k
            guard i < n else { return (n, w) }
            (e, length) = entry(bytes, i, table)
        }
    }

    // MARK: - back to the original text, for matched spans only

    /// The `String.Index` of the character starting at UTF-8 offset `offset`.
    @inline(__always)
    func index(_ offset: Int) -> String.Index {
        original.utf8.index(original.utf8.startIndex, offsetBy: offset)
    }

    /// UTF-8 offsets of the first and last original characters behind skeleton scalars `first...last`.
    @inline(__always)
    public func characterSpan(first: Int, last: Int) -> (firstChar: Int, lastChar: Int) {
        (Int(origin[first]), Int(origin[last]))
    }

    /// UTF-16 range in the original text covered by skeleton scalars `first...last`, with the UTF-8 offsets of its
    /// first and last characters.
    public func originalRange(first: Int, last: Int) -> (start: Int, end: Int, firstChar: Int, lastChar: Int) {
        let (a, b) = characterSpan(first: first, last: last)
        let start = index(a).utf16Offset(in: original)
        let end = original.index(after: index(b)).utf16Offset(in: original)
        return (start, end, a, b)
    }

    /// The original characters from the one at UTF-8 offset `firstChar` through the one at `lastChar`.
    public func characters(firstChar: Int, lastChar: Int) -> Substring {
        original[index(firstChar)...index(lastChar)]
    }

    func kind(_ ch: Character) -> CharKind {
        var scratch: [UInt32] = []
        return normalizer.emit(ch, into: &scratch)
    }

    /// True when the character before `firstChar` and after `lastChar` (skipping invisible ones)
    /// are not Latin letters or digits: the span is a whole word for Latin-script terms.
    public func isWordBounded(firstChar: Int, lastChar: Int) -> Bool {
        var i = index(firstChar)
        while i > original.startIndex {
            i = original.index(before: i)
            let k = kind(original[i])
            if k == .invisible { continue }
            if k == .latinAlnum { return false }
            break
        }
        var j = original.index(after: index(lastChar))
        while j < original.endIndex {
            let k = kind(original[j])
            if k == .latinAlnum { return false }
            if k != .invisible { break }
            j = original.index(after: j)
        }
        return true
    }

    /// Lengths (in content characters) of the whitespace-separated pieces of a span.
    public func pieces(firstChar: Int, lastChar: Int) -> [Int] {
        var out: [Int] = []
        var current = 0
        for ch in characters(firstChar: firstChar, lastChar: lastChar) {
            switch kind(ch) {
            case .whitespace:
                if current > 0 { out.append(current) }
                current = 0
            case .latinAlnum, .otherContent: current += 1
            case .punct, .invisible: break
            }
        }
        if current > 0 { out.append(current) }
        return out
    }
}
