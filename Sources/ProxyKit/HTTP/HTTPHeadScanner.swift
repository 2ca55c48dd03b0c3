#if canImport(Glibc)
import Glibc
#endif

/// Byte-level pieces shared by `HTTPRequestParser`, `HTTPResponseParser` and `ChunkedDecoder`:
/// CRLF line scanning with strict CR/LF rules and early length limits, token classes and the
/// HTTP-version grammar. Everything works on `[UInt8]` through an `UnsafeBufferPointer`.
enum HTTPHeadScanner {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// Finds the CRLF that ends the line starting at `start`.
    ///
    /// Every CR must be followed by LF and every LF preceded by CR (RFC 9112 §2.2: a recipient
    /// may reject bare CR/LF; a proxy must, or it risks request smuggling). The line's content
    /// (CRLF excluded) may be at most `limit` bytes; `tooLong` is thrown as soon as enough bytes are
    /// buffered to prove the line is longer, without waiting for its end.
    ///
    /// - Parameters:
    ///   - resume: how many bytes after `start` an earlier call already checked; updated when more
    ///     bytes are needed and reset to 0 when a line is found. Keeps byte-at-a-time input linear.
    /// - Returns: the index of the line's CR (so the content is `start..<result`), or nil when the
    ///   line is not complete yet.
    static func findLineEnd(
        _ bytes: [UInt8], from start: Int, resume: inout Int, limit: Int, tooLong: HTTPParserError
    ) throws(HTTPParserError) -> Int? {
        try bytes.withUnsafeBufferPointer { (p) throws(HTTPParserError) -> Int? in
            let count = p.count
            let available = count - start
            // A line of exactly `limit` content bytes has its LF at start + limit + 1.
            let full = available - 2 >= limit
            let end = full ? start + limit + 2 : count
            // Content byte number `limit + 1` (if buffered) must be the CR, or the line is too long.
            let cutoff = available > limit ? start + limit : -1
            let from = start + resume
            guard from < end, let base = p.baseAddress else {
                if full { throw tooLong }
                return nil
            }
            // memchr finds the LF (and any CR before it) a word at a time; the checks below
            // throw what a byte-by-byte scan would throw first.
            func find(_ byte: UInt8, _ lower: Int, _ upper: Int) -> Int? {
                guard lower < upper, let hit = memchr(base + lower, Int32(byte), upper - lower) else { return nil }
                return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
            }
            if let lfIndex = find(lf, from, end) {
                // A CR before the LF's own CR is not followed by LF: bare.
                if let crIndex = find(cr, from, lfIndex - 1) {
                    if crIndex > cutoff && cutoff >= from && p[cutoff] != cr { throw tooLong }
                    throw .bareCR
                }
                guard lfIndex > start, p[lfIndex - 1] == cr else {
                    if cutoff >= 0 && lfIndex - 1 == cutoff { throw tooLong }
                    throw .bareLF
                }
                resume = 0
                return lfIndex - 1
            }
            // No LF yet: a CR is fine only as the last buffered byte.
            if let crIndex = find(cr, from, end) {
                if crIndex < end - 1 {
                    if crIndex > cutoff && cutoff >= from && p[cutoff] != cr { throw tooLong }
                    throw .bareCR
                }
                if cutoff >= from && cutoff < crIndex && p[cutoff] != cr { throw tooLong }
                if full { throw tooLong }
                resume = crIndex - start
                return nil
            }
            if cutoff >= from && cutoff < end { throw tooLong }
            if full { throw tooLong }
            resume = end - start
            return nil
        }
    }

    /// `tchar` from RFC 9110 §5.6.2: the bytes of methods, header names and chunk-ext names
    /// (`!#$%&'*+-.^_`|~`, digits, letters). A bit per byte in two words: one shift and mask
    /// per byte, no chain of range tests.
    @inline(__always)
    static func isTokenByte(_ b: UInt8) -> Bool {
        let low: UInt64 = 0x03FF_6CFA_0000_0000  // 0x00–0x3F
        let high: UInt64 = 0x57FF_FFFF_C7FF_FFFE  // 0x40–0x7F
        let word = b < 64 ? low : (b < 128 ? high : 0)
        return (word >> UInt64(b & 63)) & 1 == 1
    }

    /// Whether `p[start..<end]` is a strict field value (RFC 9110 §5.5; a reason phrase has
    /// the same grammar): HTAB, SP, VCHAR and obs-text, i.e. no control byte but HTAB and no
    /// DEL. Control bytes are searched a word at a time; a tab found there is stepped over.
    static func isStrictFieldValue(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while true {
            i = ByteSearch.firstIndex(below: 0x20, orEqualTo: 0x7F, in: p, from: i, to: end)
            if i == end { return true }
            if p[i] != tab { return false }
            i += 1
        }
    }

    /// Whether `b` is optional whitespace (OWS/BWS): a space or a horizontal tab.
    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool {
        b == space || b == tab
    }

    /// Lowercases an ASCII letter; other bytes are returned unchanged.
    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 {
        (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
    }

    /// Whether `p[start..<end]` equals `lowercase` (which must be lowercase ASCII), ignoring
    /// ASCII case.
    static func equalsLowercase(
        _ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ lowercase: StaticString
    ) -> Bool {
        guard end - start == lowercase.utf8CodeUnitCount else { return false }
        let literal = lowercase.utf8Start
        var i = 0
        while i < end - start {
            if lower(p[start + i]) != literal[i] { return false }
            i += 1
        }
        return true
    }

    /// Parses `HTTP-version = "HTTP/" DIGIT "." DIGIT` (RFC 9112 §2.3, case-sensitive) in
    /// `p[start..<end]`; nil when malformed. The caller decides which versions it supports.
    static func parseVersion(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> HTTPVersion? {
        guard end - start == 8,
            p[start] == 0x48, p[start + 1] == 0x54, p[start + 2] == 0x54, p[start + 3] == 0x50,
            p[start + 4] == 0x2F, p[start + 6] == 0x2E
        else { return nil }
        let major = p[start + 5] &- 0x30
        let minor = p[start + 7] &- 0x30
        guard major <= 9, minor <= 9 else { return nil }
        return HTTPVersion(major: Int(major), minor: Int(minor))
    }

    /// Whether this parser speaks `version` (HTTP/1.0 and HTTP/1.1 only).
    static func isSupported(_ version: HTTPVersion) -> Bool {
        version.major == 1 && (version.minor == 0 || version.minor == 1)
    }

    /// Decodes `p[start..<end]` as a String (invalid UTF-8 becomes U+FFFD).
    @inline(__always)
    static func string(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: p[start..<end]), as: UTF8.self)
    }

    /// Whether the connection persists after a message (RFC 9112 §9.3): HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    static func keepAlive(version: HTTPVersion, facts: HTTPFieldFacts) -> Bool {
        if facts.connectionClose { return false }
        return version.minor >= 1 || facts.connectionKeepAlive
    }
}
