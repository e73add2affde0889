/// Encodes a missing value as JSON `null` instead of leaving the key out, so response schemas
/// stay stable for clients (DESIGN API conventions). Synthesised `Encodable` writes the wrapper
/// unconditionally, and the wrapper writes `null` when empty.
@propertyWrapper
struct ExplicitNull<Value: Encodable>: Encodable {
    var wrappedValue: Value?
    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let v = wrappedValue { try c.encode(v) } else { try c.encodeNil() }
    }
}
