extension Validator {
    /// Characters that change how text is displayed without being visible: bidirectional embeddings,
    /// overrides and isolates (U+202A–202E, U+2066–2069) and zero-width characters (U+200B–200D, U+2060, U+FEFF).
    /// In a name they let "Apple\u{202E}moc.evil" read as something it is not (K6 input hygiene).
    public static func isInvisibleFormatting(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x202A...0x202E, 0x2066...0x2069, 0x200B...0x200D, 0x2060, 0xFEFF: true
        default: false
        }
    }

    /// A name shown to other people (user, merchant, company, key): `text` plus no invisible formatting characters.
    @discardableResult
    public mutating func name(_ value: String?, field: String, max: Int = 200, required: Bool = true) -> String? {
        guard let t = text(value, field: field, max: max, required: required) else { return nil }
        if t.unicodeScalars.contains(where: Self.isInvisibleFormatting) {
            fail(field, "invisible-characters", en: "\(field) contains invisible formatting characters (bidirectional or zero-width).",
                 zh: "\(field) 含有不可见的格式字符（双向控制符或零宽字符）。")
            return nil
        }
        return t
    }
}
