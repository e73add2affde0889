import Kernel

/// Tests name fixture records by literal (`"mer_a"`, `"usr_o1"`); the product itself only makes IDs by generating or
/// parsing them, so this convenience lives in the test kit alone.
extension PrefixedID: ExpressibleByStringLiteral, ExpressibleByUnicodeScalarLiteral,
                      ExpressibleByExtendedGraphemeClusterLiteral {
    public init(stringLiteral value: String) { self.init(unchecked: value) }
}
