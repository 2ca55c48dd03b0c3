/// Walking and decoding values that an earlier `validate()` or `topLevelMembers()` located.
///
/// These accessors trust that the ranges come from a successful scan of the same input and do not
/// re-validate. Given any other range they stay memory-safe (every read is bounds-checked against
/// the range) and return nil, `false` or a short list instead of trapping.
extension JSONScanner {
    /// The members of `object` in document order, duplicates kept; empty when `object` is not an
    /// object. Nested values are skipped by counting brackets, without recursion.
    public func members(of object: JSONValueRef) -> [JSONMember] {
        guard object.kind == .object, self.contains(object.range) else { return [] }
        return self.bytes.withUnsafeBufferPointer { p -> [JSONMember] in
            let limit = object.range.upperBound
            guard p[object.range.lowerBound] == UInt8(ascii: "{") else { return [] }
            var result: [JSONMember] = []
            var i = Self.skipWhitespace(p, from: object.range.lowerBound + 1, limit: limit)
            while i < limit && p[i] == UInt8(ascii: "\"") {
                guard let keyEnd = Self.skipString(p, at: i, limit: limit) else { break }
                let key = Self.decodeString(p, contents: (i + 1)..<(keyEnd - 1))
                var j = Self.skipWhitespace(p, from: keyEnd, limit: limit)
                guard j < limit && p[j] == UInt8(ascii: ":") else { break }
                j = Self.skipWhitespace(p, from: j + 1, limit: limit)
                guard let value = Self.skipValue(p, at: j, limit: limit) else { break }
                result.append(JSONMember(key: key, keyRange: i..<keyEnd, value: value))
                j = Self.skipWhitespace(p, from: value.range.upperBound, limit: limit)
                guard j < limit && p[j] == UInt8(ascii: ",") else { break }
                i = Self.skipWhitespace(p, from: j + 1, limit: limit)
            }
            return result
        }
    }

    /// The elements of `array` in order; empty when `array` is not an array.
    public func elements(of array: JSONValueRef) -> [JSONValueRef] {
        guard array.kind == .array, self.contains(array.range) else { return [] }
        return self.bytes.withUnsafeBufferPointer { p -> [JSONValueRef] in
            let limit = array.range.upperBound
            guard p[array.range.lowerBound] == UInt8(ascii: "[") else { return [] }
            var result: [JSONValueRef] = []
            var i = Self.skipWhitespace(p, from: array.range.lowerBound + 1, limit: limit)
            while let value = Self.skipValue(p, at: i, limit: limit) {
                result.append(value)
                let j = Self.skipWhitespace(p, from: value.range.upperBound, limit: limit)
                guard j < limit && p[j] == UInt8(ascii: ",") else { break }
                i = Self.skipWhitespace(p, from: j + 1, limit: limit)
            }
            return result
        }
    }

    /// The decoded text of a string value; nil for other kinds. Surrogate pair escapes combine;
    /// a lone surrogate escape becomes U+FFFD.
    public func string(_ value: JSONValueRef) -> String? {
        guard value.kind == .string, self.contains(value.range), value.range.count >= 2 else { return nil }
        return self.bytes.withUnsafeBufferPointer { p -> String? in
            let range = value.range
            guard p[range.lowerBound] == UInt8(ascii: "\""), p[range.upperBound - 1] == UInt8(ascii: "\"") else {
                return nil
            }
            return Self.decodeString(p, contents: (range.lowerBound + 1)..<(range.upperBound - 1))
        }
    }

    /// The value of a number written in plain integer syntax (`-0`, `123`) that fits in `Int`;
    /// nil for other kinds, for numbers with a fraction or exponent (`1.0`, `1e3`) and on overflow.
    public func int(_ value: JSONValueRef) -> Int? {
        guard value.kind == .number, self.contains(value.range) else { return nil }
        return self.bytes.withUnsafeBufferPointer { p -> Int? in
            var i = value.range.lowerBound
            let end = value.range.upperBound
            let negative = p[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            guard i < end else { return nil }
            var result = 0
            while i < end {
                let b = p[i]
                guard Self.isDigit(b) else { return nil }
                let digit = Int(b &- UInt8(ascii: "0"))
                let (shifted, overflow1) = result.multipliedReportingOverflow(by: 10)
                // Accumulate negatively so that Int.min is reachable.
                let (next, overflow2) =
                    negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
                guard !overflow1 && !overflow2 else { return nil }
                result = next
                i += 1
            }
            return result
        }
    }

    /// The value of `true` or `false`; nil for other kinds.
    public func bool(_ value: JSONValueRef) -> Bool? {
        guard value.kind == .bool, self.contains(value.range) else { return nil }
        switch self.bytes[value.range.lowerBound] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: return nil
        }
    }

    /// Whether `value` is `null`.
    public func isNull(_ value: JSONValueRef) -> Bool {
        value.kind == .null && self.contains(value.range) && self.bytes[value.range.lowerBound] == UInt8(ascii: "n")
    }

    /// Whether `range` is a non-empty range inside the input.
    private func contains(_ range: Range<Int>) -> Bool {
        range.lowerBound >= 0 && range.upperBound <= self.bytes.count && !range.isEmpty
    }

    // MARK: - Skipping already-validated values

    private static func skipWhitespace(_ p: UnsafeBufferPointer<UInt8>, from i: Int, limit: Int) -> Int {
        var i = i
        while i < limit {
            switch p[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return i
            }
        }
        return i
    }

    /// The index after the closing quote of the string opening at `start`, or nil if it does not
    /// close before `limit`.
    private static func skipString(_ p: UnsafeBufferPointer<UInt8>, at start: Int, limit: Int) -> Int? {
        var i = start + 1
        while i < limit {
            i = min(JSONScanner.skipPlainASCII(p, from: i), limit)
            guard i < limit else { break }
            switch p[i] {
            case UInt8(ascii: "\""): return i + 1
            case UInt8(ascii: "\\"): i += 2
            default: i += 1
            }
        }
        return nil
    }

    /// The value starting at `start`, ending before `limit`, or nil if there is none.
    private static func skipValue(_ p: UnsafeBufferPointer<UInt8>, at start: Int, limit: Int) -> JSONValueRef? {
        guard start < limit else { return nil }
        let end: Int
        let kind: JSONValueKind
        switch p[start] {
        case UInt8(ascii: "\""):
            guard let stringEnd = Self.skipString(p, at: start, limit: limit) else { return nil }
            (kind, end) = (.string, stringEnd)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard let containerEnd = Self.skipContainer(p, at: start, limit: limit) else { return nil }
            (kind, end) = (p[start] == UInt8(ascii: "{") ? .object : .array, containerEnd)
        case UInt8(ascii: "t"), UInt8(ascii: "n"):
            (kind, end) = (p[start] == UInt8(ascii: "t") ? .bool : .null, start + 4)
        case UInt8(ascii: "f"):
            (kind, end) = (.bool, start + 5)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            var i = start + 1
            scan: while i < limit {
                switch p[i] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
                    UInt8(ascii: "+"), UInt8(ascii: "-"):
                    i += 1
                default: break scan
                }
            }
            (kind, end) = (.number, i)
        default:
            return nil
        }
        guard end <= limit else { return nil }
        return JSONValueRef(kind: kind, range: start..<end)
    }

    /// The index after the bracket that closes the container opening at `start`, found by counting
    /// brackets outside strings; nil if it does not close before `limit`.
    private static func skipContainer(_ p: UnsafeBufferPointer<UInt8>, at start: Int, limit: Int) -> Int? {
        var depth = 0
        var i = start
        while i < limit {
            switch p[i] {
            case UInt8(ascii: "\""):
                guard let end = Self.skipString(p, at: i, limit: limit) else { return nil }
                i = end
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return i + 1 }
            default:
                break
            }
            i += 1
        }
        return nil
    }

    // MARK: - Decoding strings

    /// Decodes the contents of a string (the bytes between its quotes). Input without escapes is
    /// copied as is; invalid UTF-8 (only possible for unvalidated ranges) is repaired to U+FFFD.
    static func decodeString(_ p: UnsafeBufferPointer<UInt8>, contents range: Range<Int>) -> String {
        let slice = UnsafeBufferPointer(rebasing: p[range])
        guard let firstEscape = slice.firstIndex(of: UInt8(ascii: "\\")) else {
            return String(decoding: slice, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(slice.count)
        out.append(contentsOf: slice[..<firstEscape])
        var i = firstEscape
        let end = slice.count
        while i < end {
            let b = slice[i]
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            guard i + 1 < end else {
                Self.appendUTF8(0xFFFD, to: &out)
                break
            }
            i += 2
            switch slice[i - 1] {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = Self.hex4(slice, at: i) else {
                    Self.appendUTF8(0xFFFD, to: &out)
                    continue
                }
                i += 4
                var scalar = unit
                if unit >= 0xD800 && unit <= 0xDBFF, i + 1 < end, slice[i] == UInt8(ascii: "\\"),
                    slice[i + 1] == UInt8(ascii: "u"), let low = Self.hex4(slice, at: i + 2),
                    low >= 0xDC00 && low <= 0xDFFF
                {
                    scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                } else if unit >= 0xD800 && unit <= 0xDFFF {
                    scalar = 0xFFFD
                }
                Self.appendUTF8(scalar, to: &out)
            default: out.append(slice[i - 1])  // `"`, `\`, `/`
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The four hex digits at `start` as a code unit, or nil.
    private static func hex4(_ slice: UnsafeBufferPointer<UInt8>, at start: Int) -> UInt32? {
        guard start + 4 <= slice.count else { return nil }
        var value: UInt32 = 0
        for k in start..<(start + 4) {
            guard let digit = Self.hexValue(slice[k]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    /// Appends the UTF-8 encoding of the scalar value `scalar` (not a surrogate, ≤ U+10FFFF).
    private static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
