/// An ordered list of header fields. Order and duplicate names are kept (a proxy must see
/// exactly what arrived); names compare case-insensitively as ASCII.
public struct HTTPHeaders: Sendable, Hashable, Sequence {
    /// One header field as it appeared on the wire (name without the colon, value trimmed of
    /// surrounding spaces and tabs).
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The fields, in arrival order.
    public private(set) var fields: [Field]

    public init() { self.fields = [] }

    /// Room for `capacity` fields without regrowing (a head's fields are appended one by one).
    public init(reservingCapacity capacity: Int) {
        self.fields = []
        fields.reserveCapacity(capacity)
    }

    public init(_ pairs: [(String, String)]) {
        self.fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// Appends a field, keeping any earlier field of the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Removes every field called `name`.
    public mutating func remove(_ name: String) {
        fields.removeAll { $0.name.equalsASCIICaseInsensitive(name) }
    }

    /// Replaces every field called `name` with one field.
    public mutating func replaceOrAdd(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    /// The first value of `name`, or nil.
    public subscript(first name: String) -> String? {
        fields.first { $0.name.equalsASCIICaseInsensitive(name) }?.value
    }

    /// Every value of `name`, in order.
    public subscript(all name: String) -> [String] {
        fields.compactMap { $0.name.equalsASCIICaseInsensitive(name) ? $0.value : nil }
    }

    /// How many fields are called `name`.
    public func count(of name: String) -> Int {
        var n = 0
        for field in fields where field.name.equalsASCIICaseInsensitive(name) { n += 1 }
        return n
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { $0.name.equalsASCIICaseInsensitive(name) }
    }

    /// The comma-separated tokens of every `name` field, lowercased and trimmed
    /// (for `Connection`, `Transfer-Encoding`, `Expect`).
    public func tokens(_ name: String) -> [String] {
        var result: [String] = []
        for value in self[all: name] {
            for part in value.split(separator: ",") {
                let token = part.trimmingASCIIWhitespace().lowercasedASCII()
                if !token.isEmpty { result.append(token) }
            }
        }
        return result
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool { lhs.fields == rhs.fields }
    public func hash(into hasher: inout Hasher) { hasher.combine(fields) }
}

extension StringProtocol {
    /// ASCII-only case-insensitive equality: header names are ASCII tokens, and Unicode case
    /// folding would make "K" (Kelvin sign) equal "k".
    @inlinable
    public func equalsASCIICaseInsensitive<Other: StringProtocol>(_ other: Other) -> Bool {
        // Lengths first (O(1) for native strings): most header-name comparisons end here.
        guard self.utf8.count == other.utf8.count else { return false }
        if let equal = self.utf8.withContiguousStorageIfAvailable({ a in
            other.utf8.withContiguousStorageIfAvailable { b in Self.equalsASCIICaseInsensitive(a, b) }
        }), let equal {
            return equal
        }
        return self.utf8.elementsEqual(other.utf8) { x, y in
            x == y || ((x >= 0x41 && x <= 0x5A) ? x | 0x20 : x) == ((y >= 0x41 && y <= 0x5A) ? y | 0x20 : y)
        }
    }

    @inlinable
    static func equalsASCIICaseInsensitive(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count {
            let x = a[i], y = b[i]
            if x == y { continue }
            if ((x >= 0x41 && x <= 0x5A) ? x | 0x20 : x) != ((y >= 0x41 && y <= 0x5A) ? y | 0x20 : y) { return false }
        }
        return true
    }

    /// Lowercases ASCII letters only.
    public func lowercasedASCII() -> String {
        String(decoding: self.utf8.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// Trims spaces and horizontal tabs (HTTP's OWS) from both ends.
    public func trimmingASCIIWhitespace() -> String {
        let bytes = Array(self.utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
