/// An ordered list of header fields. Order and duplicate names are kept (a proxy must see
/// exactly what arrived); names compare case-insensitively as ASCII.
///
/// The fields live as bytes in their wire form (`name: value CRLF`, one after another in one
/// buffer, plus where each name and value sits), not as `String`s: a parsed head is copied in,
/// a head is written out with one copy, and the request path looks names up without making a
/// string. `Field` strings are made only for callers that iterate.
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

    /// Where one field sits in `storage`: its name is `nameStart..<nameEnd`, its value
    /// `valueStart..<valueEnd` (`: ` between them, CRLF after).
    struct Span: Sendable, Hashable {
        var nameStart: Int32
        var valueStart: Int32
        var valueEnd: Int32
        var nameEnd: Int32 { valueStart - 2 }
    }

    /// Every field as `name: value CRLF`.
    private var storage: [UInt8]
    private var spans: [Span]

    public init() {
        storage = []
        spans = []
    }

    /// Room for `capacity` fields without regrowing (a head's fields are appended one by one).
    public init(reservingCapacity capacity: Int) {
        storage = []
        storage.reserveCapacity(capacity * 32)
        spans = []
        spans.reserveCapacity(capacity)
    }

    /// Makes room for `capacity` fields (about 32 bytes each) without regrowing.
    mutating func reserveCapacity(_ capacity: Int) {
        storage.reserveCapacity(capacity * 32)
        spans.reserveCapacity(capacity)
    }

    public init(_ pairs: [(String, String)]) {
        self.init(reservingCapacity: pairs.count)
        for (name, value) in pairs { add(name, value) }
    }

    public var count: Int { spans.count }

    /// The fields, in arrival order (strings made on demand).
    public var fields: [Field] { Array(self) }

    public struct Iterator: IteratorProtocol {
        let headers: HTTPHeaders
        var index = 0
        public mutating func next() -> Field? {
            guard index < headers.count else { return nil }
            defer { index += 1 }
            return Field(name: headers.name(at: index), value: headers.value(at: index))
        }
    }

    public func makeIterator() -> Iterator { Iterator(headers: self) }

    /// The name of field `index` as a string.
    public func name(at index: Int) -> String {
        let span = spans[index]
        return string(Int(span.nameStart), Int(span.nameEnd))
    }

    /// The value of field `index` as a string.
    public func value(at index: Int) -> String {
        let span = spans[index]
        return string(Int(span.valueStart), Int(span.valueEnd))
    }

    private func string(_ start: Int, _ end: Int) -> String {
        storage.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
    }

    /// Calls `body` with the bytes of field `index`'s value.
    func withValueBytes<R>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let span = spans[index]
        return try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[Int(span.valueStart)..<Int(span.valueEnd)])) }
    }

    /// Calls `body` with the bytes of field `index`'s name.
    func withNameBytes<R>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let span = spans[index]
        return try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[Int(span.nameStart)..<Int(span.nameEnd)])) }
    }

    // MARK: - Adding and removing

    /// Appends a field, keeping any earlier field of the same name.
    public mutating func add(_ name: String, _ value: String) {
        var name = name
        var value = value
        let nameStart = storage.count
        // Contiguous bytes copy in one piece; a String's UTF8View appends byte by byte.
        name.withUTF8 { storage.append(contentsOf: $0) }
        storage.append(0x3A)
        storage.append(0x20)
        let valueStart = storage.count
        value.withUTF8 { storage.append(contentsOf: $0) }
        endField(nameStart: nameStart, valueStart: valueStart)
    }

    /// Appends a field with a decimal value (no string is made for the number).
    mutating func add(_ name: StaticString, decimal value: Int) {
        let nameStart = storage.count
        name.withUTF8Buffer { storage.append(contentsOf: $0) }
        storage.append(0x3A)
        storage.append(0x20)
        let valueStart = storage.count
        HTTPEncoder.appendDecimal(value, to: &storage)
        endField(nameStart: nameStart, valueStart: valueStart)
    }

    /// Appends the field whose name is `p[name]` and value `p[value]` (the parsers' path). A
    /// line already in canonical form (`name: value CRLF`) is copied in one piece.
    mutating func add(_ p: UnsafeBufferPointer<UInt8>, name: Range<Int>, value: Range<Int>) {
        let nameStart = storage.count
        let valueEnd = value.upperBound
        if value.lowerBound == name.upperBound + 2, p[name.upperBound + 1] == 0x20, valueEnd + 2 <= p.count,
           p[valueEnd] == 0x0D, p[valueEnd + 1] == 0x0A {
            storage.append(contentsOf: UnsafeBufferPointer(rebasing: p[name.lowerBound..<valueEnd + 2]))
            spans.append(Span(nameStart: Int32(nameStart), valueStart: Int32(nameStart + name.count + 2), valueEnd: Int32(storage.count - 2)))
            return
        }
        storage.append(contentsOf: UnsafeBufferPointer(rebasing: p[name]))
        storage.append(0x3A)
        storage.append(0x20)
        let valueStart = storage.count
        storage.append(contentsOf: UnsafeBufferPointer(rebasing: p[value]))
        endField(nameStart: nameStart, valueStart: valueStart)
    }

    private mutating func endField(nameStart: Int, valueStart: Int) {
        let valueEnd = storage.count
        storage.append(0x0D)
        storage.append(0x0A)
        spans.append(Span(nameStart: Int32(nameStart), valueStart: Int32(valueStart), valueEnd: Int32(valueEnd)))
    }

    /// Appends a copy of `other`'s field `index` (one copy of its wire form).
    mutating func add(fieldAt index: Int, of other: HTTPHeaders) {
        let span = other.spans[index]
        let shift = Int32(storage.count) - span.nameStart
        other.storage.withUnsafeBufferPointer { p in
            storage.append(contentsOf: UnsafeBufferPointer(rebasing: p[Int(span.nameStart)..<Int(span.valueEnd) + 2]))
        }
        spans.append(Span(nameStart: span.nameStart + shift, valueStart: span.valueStart + shift, valueEnd: span.valueEnd + shift))
    }

    /// Removes every field called `name`.
    public mutating func remove(_ name: String) {
        var kept = HTTPHeaders(reservingCapacity: count)
        for index in 0..<count where !nameEquals(at: index, name) { kept.add(fieldAt: index, of: self) }
        self = kept
    }

    /// Replaces every field called `name` with one field.
    public mutating func replaceOrAdd(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    // MARK: - Lookup

    /// Whether field `index` is called `name` (ASCII case-insensitive).
    func nameEquals(at index: Int, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { nameEquals(at: index, bytes: $0) }
    }

    /// The index of the first field called `name`, or nil.
    public func firstIndex(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { firstIndex(ofNameBytes: $0) }
    }

    /// `nameEquals(at:_:)` for a name known at compile time: no string touched.
    func hasName(at index: Int, _ name: StaticString) -> Bool {
        name.withUTF8Buffer { nameEquals(at: index, bytes: $0) }
    }

    /// `firstIndex(of:)` for a name known at compile time: no string touched (the request
    /// path looks up a few fixed names per message).
    func firstIndex(ofName name: StaticString) -> Int? {
        name.withUTF8Buffer { firstIndex(ofNameBytes: $0) }
    }

    /// The one name comparison every lookup uses: lengths first, then ASCII case-insensitive
    /// bytes, in place.
    private func nameEquals(at index: Int, bytes wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        let span = spans[index]
        guard Int(span.nameEnd - span.nameStart) == wanted.count else { return false }
        return storage.withUnsafeBufferPointer { p in
            String.equalsASCIICaseInsensitive(UnsafeBufferPointer(rebasing: p[Int(span.nameStart)..<Int(span.nameEnd)]), wanted)
        }
    }

    private func firstIndex(ofNameBytes wanted: UnsafeBufferPointer<UInt8>) -> Int? {
        for index in 0..<spans.count where nameEquals(at: index, bytes: wanted) { return index }
        return nil
    }

    /// The first value of `name`, or nil.
    public subscript(first name: String) -> String? {
        firstIndex(of: name).map { value(at: $0) }
    }

    /// Every value of `name`, in order.
    public subscript(all name: String) -> [String] {
        (0..<count).compactMap { nameEquals(at: $0, name) ? value(at: $0) : nil }
    }

    /// How many fields are called `name`.
    public func count(of name: String) -> Int {
        var n = 0
        for index in 0..<count where nameEquals(at: index, name) { n += 1 }
        return n
    }

    public func contains(_ name: String) -> Bool { firstIndex(of: name) != nil }

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

    // MARK: - Wire form

    /// Appends every field as `name: value CRLF`, bytes as they are (one copy).
    func appendWire(to out: inout [UInt8]) {
        out.append(contentsOf: storage)
    }

    /// Appends field `index` as `name: value CRLF` (one copy).
    func appendWire(fieldAt index: Int, to out: inout [UInt8]) {
        let span = spans[index]
        storage.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[Int(span.nameStart)..<Int(span.valueEnd) + 2])) }
    }

    // MARK: - Equality: the fields, not how they are stored

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in 0..<lhs.count {
            let equal = lhs.withNameBytes(at: index) { a in rhs.withNameBytes(at: index) { b in a.elementsEqual(b) } }
                && lhs.withValueBytes(at: index) { a in rhs.withValueBytes(at: index) { b in a.elementsEqual(b) } }
            if !equal { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for index in 0..<count {
            withNameBytes(at: index) { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            withValueBytes(at: index) { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            hasher.combine(0xFF as UInt8)
        }
    }
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
