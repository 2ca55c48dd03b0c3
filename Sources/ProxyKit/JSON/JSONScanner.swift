/// A strict RFC 8259 JSON scanner over a byte buffer that never builds a tree.
///
/// `validate()` and `topLevelMembers()` check the whole document in one pass and hand back byte
/// ranges (`JSONValueRef`), so a caller can read a few fields and splice bytes into the original
/// body without re-serialising it. The accessors in `JSONScanner+Accessors.swift` decode or walk
/// one value at a time and expect ranges that came from a successful scan of the same input.
///
/// Strictness: whitespace is only SP, HT, LF and CR; no comments, trailing commas, single quotes,
/// `NaN`/`Infinity`, leading zeros, `+1`, `.5`, `1.` or `1e`; strings hold no raw control bytes,
/// only the RFC escapes and well-formed UTF-8; a leading UTF-8 BOM is rejected. A lone surrogate
/// *escape* (`"\ud800"`) is accepted, as RFC 8259 §8.2 allows, and decodes to U+FFFD.
///
/// Nesting uses an explicit stack bounded by `maxDepth`, never recursion, so hostile input such as
/// a megabyte of `[` cannot exhaust a small thread stack. The scan loop reads the buffer through
/// `withUnsafeBufferPointer` and allocates only the member list (and the depth stack past 64
/// levels).
public struct JSONScanner: Sendable {
    /// The scanned document.
    public let bytes: [UInt8]
    /// How many objects and arrays may be open at once; the top-level container counts as 1.
    /// Default 64. Deeper input fails with `JSONScanError.tooDeep`.
    public let maxDepth: Int

    /// A scanner over `bytes` that allows `maxDepth` levels of nesting (default 64, must be ≥ 0).
    public init(_ bytes: [UInt8], maxDepth: Int = 64) {
        precondition(maxDepth >= 0, "maxDepth must not be negative")
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Validates the whole document (RFC 8259 strict) and returns the top-level value.
    public func validate() throws(JSONScanError) -> JSONValueRef {
        try self.scan(collectingMembers: false).value
    }

    /// Validates the whole document, requires a top-level object and returns its members in
    /// document order, duplicates kept. A valid document whose top level is not an object throws
    /// `notAnObject`; an invalid one throws its validation error.
    public func topLevelMembers() throws(JSONScanError) -> [JSONMember] {
        let result = try self.scan(collectingMembers: true)
        guard result.value.kind == .object else { throw .notAnObject }
        return result.members
    }

    /// The top-level value plus, when asked and it is an object, its members.
    private typealias ScanResult = (value: JSONValueRef, members: [JSONMember])

    /// The single validating pass. `stack` holds one entry per open container (`true` = object).
    /// Members are collected while exactly the top-level object is open.
    private func scan(collectingMembers collect: Bool) throws(JSONScanError) -> ScanResult {
        let maxDepth = self.maxDepth
        return try self.bytes.withUnsafeBufferPointer { (p) throws(JSONScanError) -> ScanResult in
            let n = p.count
            var stack = ContainerStack()
            var members: [JSONMember] = []
            if collect { members.reserveCapacity(8) }
            var rootKind = JSONValueKind.null
            var pendingKey = ""
            var pendingKeyRange = 0..<0
            var memberStart = 0
            var memberKind = JSONValueKind.null

            var i = Self.skipWhitespace(p, from: 0)
            let rootStart = i

            /// Reads `"key"` and `:` at `i` and returns the index of the member's value.
            func readKey(at start: Int, depth: Int) throws(JSONScanError) -> Int {
                guard start < n else { throw .unexpectedEnd }
                guard p[start] == UInt8(ascii: "\"") else { throw .unexpectedByte(offset: start) }
                let end = try Self.scanString(p, at: start)
                if collect && depth == 1 {
                    pendingKey = Self.decodeString(p, contents: (start + 1)..<(end - 1))
                    pendingKeyRange = start..<end
                }
                var j = Self.skipWhitespace(p, from: end)
                guard j < n else { throw .unexpectedEnd }
                guard p[j] == UInt8(ascii: ":") else { throw .unexpectedByte(offset: j) }
                j = Self.skipWhitespace(p, from: j + 1)
                return j
            }

            while true {
                // A value starts at `i`.
                guard i < n else { throw .unexpectedEnd }
                let depthBefore = stack.count
                let valueStart = i
                let kind: JSONValueKind
                var complete = true
                let b = p[i]
                switch b {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard depthBefore < maxDepth else { throw .tooDeep(offset: i) }
                    let isObject = b == UInt8(ascii: "{")
                    kind = isObject ? .object : .array
                    stack.append(isObject)
                    i = Self.skipWhitespace(p, from: i + 1)
                    guard i < n else { throw .unexpectedEnd }
                    if p[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        stack.removeLast()
                        i += 1
                    } else {
                        complete = false
                        if isObject { i = try readKey(at: i, depth: depthBefore + 1) }
                    }
                case UInt8(ascii: "\""):
                    kind = .string
                    i = try Self.scanString(p, at: i)
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    kind = .number
                    i = try Self.scanNumber(p, at: i)
                case UInt8(ascii: "t"):
                    kind = .bool
                    i = try Self.scanLiteral(p, at: i, "true")
                case UInt8(ascii: "f"):
                    kind = .bool
                    i = try Self.scanLiteral(p, at: i, "false")
                case UInt8(ascii: "n"):
                    kind = .null
                    i = try Self.scanLiteral(p, at: i, "null")
                default:
                    throw .unexpectedByte(offset: i)
                }
                if depthBefore == 0 {
                    rootKind = kind
                } else if collect && depthBefore == 1 && stack.bottomIsObject {
                    memberStart = valueStart
                    memberKind = kind
                }
                guard complete else { continue }

                // A value ended just before `i`: close containers until another value is due.
                while true {
                    let depth = stack.count
                    if depth == 0 {
                        let end = i
                        i = Self.skipWhitespace(p, from: i)
                        guard i == n else { throw .trailingBytes(offset: i) }
                        return (JSONValueRef(kind: rootKind, range: rootStart..<end), members)
                    }
                    let inObject = stack.topIsObject
                    if collect && depth == 1 && inObject {
                        let value = JSONValueRef(kind: memberKind, range: memberStart..<i)
                        members.append(JSONMember(key: pendingKey, keyRange: pendingKeyRange, value: value))
                    }
                    i = Self.skipWhitespace(p, from: i)
                    guard i < n else { throw .unexpectedEnd }
                    let c = p[i]
                    if c == UInt8(ascii: ",") {
                        i = Self.skipWhitespace(p, from: i + 1)
                        if inObject { i = try readKey(at: i, depth: depth) }
                        break
                    }
                    guard c == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                        throw .unexpectedByte(offset: i)
                    }
                    stack.removeLast()
                    i += 1
                }
            }
        }
    }

    /// The open containers, innermost last (`true` = object): the first 64 levels as bits, so a
    /// scan of an ordinary body allocates no stack; deeper ones (up to `maxDepth`) in an array.
    private struct ContainerStack {
        private var bits: UInt64 = 0
        private var deeper: [Bool] = []
        private(set) var count = 0

        mutating func append(_ isObject: Bool) {
            if count < 64 {
                if isObject { bits |= 1 << UInt64(count) } else { bits &= ~(1 << UInt64(count)) }
            } else {
                deeper.append(isObject)
            }
            count += 1
        }

        mutating func removeLast() {
            count -= 1
            if count >= 64 { deeper.removeLast() }
        }

        /// Whether the innermost open container is an object (at least one must be open).
        var topIsObject: Bool {
            count > 64 ? deeper[count - 65] : bits & (1 << UInt64(count - 1)) != 0
        }

        /// Whether the outermost open container is an object (at least one must be open).
        var bottomIsObject: Bool { bits & 1 != 0 }
    }

    /// The index of the first byte at or after `i` that is not SP, HT, LF or CR.
    @inline(__always)
    static func skipWhitespace(_ p: UnsafeBufferPointer<UInt8>, from i: Int) -> Int {
        var i = i
        while i < p.count {
            switch p[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return i
            }
        }
        return i
    }

    /// Validates the string whose opening quote is at `start`; returns the index after its
    /// closing quote.
    @inline(__always)
    static func scanString(_ p: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONScanError) -> Int {
        let n = p.count
        var i = start + 1
        while i < n {
            // Fastest path: 8 bytes at a time while they are all plain printable ASCII.
            i = Self.skipPlainASCII(p, from: i)
            guard i < n else { break }
            // Fast path: printable ASCII other than `"` and `\`.
            var b = p[i]
            while b >= 0x20 && b < 0x80 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                i += 1
                guard i < n else { throw .unexpectedEnd }
                b = p[i]
            }
            if b == UInt8(ascii: "\"") {
                return i + 1
            } else if b == UInt8(ascii: "\\") {
                i = try Self.scanEscape(p, at: i)
            } else if b < 0x20 {
                throw .invalidString(offset: i)
            } else {
                i = try Self.scanUTF8(p, at: i)
            }
        }
        throw .unexpectedEnd
    }

    /// The first index at or after `i` whose 8-byte word holds a byte that is not printable
    /// ASCII or is `"` or `\` (SWAR: a word test instead of eight byte tests). Prompts are
    /// long strings; this is what makes validating a 1 MiB body cheap.
    @inline(__always)
    static func skipPlainASCII(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var i = start
        guard let base = p.baseAddress else { return i }
        while i + 8 <= p.count {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word) | word
            if special & highs != 0 { break }
            i += 8
        }
        return i
    }

    /// Validates the escape whose backslash is at `start`; returns the index after it.
    private static func scanEscape(_ p: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONScanError) -> Int {
        let n = p.count
        guard start + 1 < n else { throw .unexpectedEnd }
        switch p[start + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return start + 2
        case UInt8(ascii: "u"):
            for k in (start + 2)..<(start + 6) {
                guard k < n else { throw .unexpectedEnd }
                guard Self.hexValue(p[k]) != nil else { throw .invalidEscape(offset: start) }
            }
            return start + 6
        default:
            throw .invalidEscape(offset: start)
        }
    }

    /// Validates the multi-byte UTF-8 sequence whose lead byte is at `start` (Unicode Table 3-7:
    /// no overlongs, no encoded surrogates, nothing above U+10FFFF); returns the index after it.
    private static func scanUTF8(_ p: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONScanError) -> Int {
        let continuationCount: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch p[start] {
        case 0xC2...0xDF: continuationCount = 1
        case 0xE0: (continuationCount, low) = (2, 0xA0)
        case 0xE1...0xEC, 0xEE...0xEF: continuationCount = 2
        case 0xED: (continuationCount, high) = (2, 0x9F)
        case 0xF0: (continuationCount, low) = (3, 0x90)
        case 0xF1...0xF3: continuationCount = 3
        case 0xF4: (continuationCount, high) = (3, 0x8F)
        default: throw .invalidUTF8(offset: start)
        }
        for k in 1...continuationCount {
            guard start + k < p.count else { throw .unexpectedEnd }
            let c = p[start + k]
            guard c >= low && c <= high else { throw .invalidUTF8(offset: start) }
            (low, high) = (0x80, 0xBF)
        }
        return start + continuationCount + 1
    }

    /// Validates the number starting at `start` (RFC 8259 §6:
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`); returns the index after it.
    private static func scanNumber(_ p: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONScanError) -> Int {
        let n = p.count
        var i = start
        if p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n, Self.isDigit(p[i]) else { throw .invalidNumber(offset: i) }
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if i < n && Self.isDigit(p[i]) { throw .invalidNumber(offset: i) }
        } else {
            i = Self.skipDigits(p, from: i + 1)
        }
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            guard i < n, Self.isDigit(p[i]) else { throw .invalidNumber(offset: i) }
            i = Self.skipDigits(p, from: i + 1)
        }
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i += 1
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < n, Self.isDigit(p[i]) else { throw .invalidNumber(offset: i) }
            i = Self.skipDigits(p, from: i + 1)
        }
        return i
    }

    /// Checks that `literal` (`true`, `false` or `null`) is spelled at `start`; returns the index
    /// after it.
    private static func scanLiteral(
        _ p: UnsafeBufferPointer<UInt8>, at start: Int, _ literal: StaticString
    ) throws(JSONScanError) -> Int {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for k in 1..<expected.count {
            guard start + k < p.count else { throw .unexpectedEnd }
            guard p[start + k] == expected[k] else { throw .unexpectedByte(offset: start + k) }
        }
        return start + expected.count
    }

    @inline(__always)
    private static func skipDigits(_ p: UnsafeBufferPointer<UInt8>, from i: Int) -> Int {
        var i = i
        while i < p.count && Self.isDigit(p[i]) { i += 1 }
        return i
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    /// The value of one hex digit, or nil.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b &- UInt8(ascii: "A") &+ 10)
        default: nil
        }
    }
}
