/// Writes bytes into memory sized in advance (the closure of
/// `[UInt8](unsafeUninitializedCapacity:)`): one bounds check per write instead of an array's
/// capacity and uniqueness checks per append. Writing past `capacity` traps.
struct ByteWriter {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// Bytes written so far.
    private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        base = buffer.baseAddress!
        capacity = buffer.count
    }

    mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(bytes.count <= capacity - count, "Internal inconsistency: ByteWriter overflow")
        if let source = bytes.baseAddress { (base + count).update(from: source, count: bytes.count) }
        count += bytes.count
    }

    mutating func write(_ text: StaticString) {
        text.withUTF8Buffer { write($0) }
    }

    mutating func write(_ byte: UInt8) {
        precondition(count < capacity, "Internal inconsistency: ByteWriter overflow")
        base[count] = byte
        count += 1
    }

    /// `value` in decimal (at most 20 bytes).
    mutating func writeDecimal(_ value: Int) {
        precondition(capacity - count >= 20, "Internal inconsistency: ByteWriter overflow")
        if value < 0 { write(UInt8(ascii: "-")) }
        Self.withDecimalDigits(of: value.magnitude) { write($0) }
    }

    /// Calls `body` with the decimal digits of `magnitude` (rendered right to left in scratch
    /// memory: no string, no allocation). Shared with `HTTPEncoder`.
    static func withDecimalDigits<R>(of magnitude: UInt, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { scratch in
            var rest = magnitude
            var i = scratch.count
            repeat {
                i -= 1
                scratch[i] = 0x30 + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            return body(UnsafeBufferPointer(rebasing: scratch[i...]))
        }
    }

    /// The most a JSON string literal of `value` can take: every byte escaped as `\u00XX`,
    /// plus the quotes.
    static func quotedBound(_ value: String?) -> Int { (value?.utf8.count ?? 0) * 6 + 2 }

    /// `value` as a JSON string literal (see `JSONText.appendQuoted`); nil writes `null`.
    mutating func writeQuoted(_ value: String?) {
        guard var value else { return write("null") }
        let plain = value.withUTF8 { bytes -> Bool in
            guard JSONText.isPlain(bytes) else { return false }
            write(0x22)
            write(bytes)
            write(0x22)
            return true
        }
        if !plain {
            var quoted = JSONText.quoted(value)
            quoted.withUTF8 { write($0) }
        }
    }
}
