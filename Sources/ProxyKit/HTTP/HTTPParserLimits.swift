/// Size limits the parsers enforce. Each breach has its own `HTTPParserError` case.
public struct HTTPParserLimits: Sendable, Hashable {
    /// Longest request line or status line, CRLF excluded. Default 8 KiB; over it → 414.
    public var maxStartLineBytes: Int
    /// Longest single header line (name, colon, value). Default 8 KiB; over it → 431.
    public var maxHeaderLineBytes: Int
    /// Largest header block (all header lines with their CRLFs). Default 32 KiB; over it → 431.
    public var maxHeaderBlockBytes: Int
    /// Most header fields in one head (and in chunked trailers). Default 100; over it → 431.
    public var maxHeaderCount: Int
    /// Largest body in bytes, checked from `Content-Length` before any body byte is read and
    /// while decoding chunks. Default 8 MiB; over it → 413. `Int.max` disables the check.
    public var maxBodyBytes: Int
    /// Longest chunk-size line including extensions. Default 4 KiB; over it → 400.
    public var maxChunkLineBytes: Int

    public init(
        maxStartLineBytes: Int = 8 * 1024,
        maxHeaderLineBytes: Int = 8 * 1024,
        maxHeaderBlockBytes: Int = 32 * 1024,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 8 * 1024 * 1024,
        maxChunkLineBytes: Int = 4 * 1024
    ) {
        self.maxStartLineBytes = maxStartLineBytes
        self.maxHeaderLineBytes = maxHeaderLineBytes
        self.maxHeaderBlockBytes = maxHeaderBlockBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
    }

    /// Client requests: the defaults above.
    public static let requests = HTTPParserLimits()
    /// Upstream responses: same head limits, bigger header block, unbounded streaming body.
    public static let responses = HTTPParserLimits(maxHeaderBlockBytes: 64 * 1024, maxBodyBytes: Int.max)
}
