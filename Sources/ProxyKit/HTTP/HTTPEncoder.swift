/// Serialises response heads and chunked framing into bytes.
public enum HTTPEncoder {
    /// `HTTP/1.1 STATUS REASON` plus headers plus the blank line.
    public static func responseHead(status: Int, reason: String? = nil, headers: HTTPHeaders) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        appendResponseHead(status: status, reason: reason, headers: headers, to: &out)
        return out
    }

    public static func appendResponseHead(status: Int, reason: String?, headers: HTTPHeaders, to out: inout [UInt8]) {
        appendStatusLine(status: status, reason: reason, to: &out)
        headers.appendWire(to: &out)
        out.append(0x0D)
        out.append(0x0A)
    }

    /// `HTTP/1.1 STATUS REASON CRLF`. Appended piece by piece: an interpolated status line is
    /// a heap string per response.
    static func appendStatusLine(status: Int, reason: String?, to out: inout [UInt8]) {
        appendASCII("HTTP/1.1 ", to: &out)
        appendDecimal(status, to: &out)
        out.append(0x20)
        if var reason { reason.withUTF8 { out.append(contentsOf: $0) } } else { appendASCII(HTTPStatus.reasonPhrase(status), to: &out) }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// One header line, `name: value CRLF`.
    static func appendField(_ name: StaticString, _ value: String, to out: inout [UInt8]) {
        var value = value
        appendASCII(name, to: &out)
        out.append(0x3A)
        out.append(0x20)
        value.withUTF8 { out.append(contentsOf: $0) }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// One header line with a decimal value.
    static func appendField(_ name: StaticString, decimal value: Int, to out: inout [UInt8]) {
        appendASCII(name, to: &out)
        out.append(0x3A)
        out.append(0x20)
        appendDecimal(value, to: &out)
        out.append(0x0D)
        out.append(0x0A)
    }

    /// Appends one chunk (`SIZE CRLF data CRLF`); empty data appends nothing (an empty chunk
    /// would end the body).
    public static func appendChunk(_ data: [UInt8], to out: inout [UInt8]) {
        guard !data.isEmpty else { return }
        appendHex(data.count, to: &out)
        out.append(0x0D)
        out.append(0x0A)
        out.append(contentsOf: data)
        out.append(0x0D)
        out.append(0x0A)
    }

    /// The last chunk and an empty trailer section.
    public static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    static func appendHex(_ value: Int, to out: inout [UInt8]) {
        precondition(value >= 0, "Internal inconsistency: negative chunk size")
        var shift = 0
        while shift < 60 && value >> (shift + 4) != 0 { shift += 4 }
        while shift >= 0 {
            let digit = UInt8((value >> shift) & 0xF)
            out.append(digit < 10 ? 0x30 + digit : 0x57 + digit)
            shift -= 4
        }
    }

    /// Appends `value` in decimal (no allocation, unlike `String(value)`).
    public static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            // Int.min has no positive counterpart: its magnitude goes through UInt.
            appendDecimal(magnitude: value.magnitude, to: &out)
        } else {
            appendDecimal(magnitude: UInt(value), to: &out)
        }
    }

    private static func appendDecimal(magnitude: UInt, to out: inout [UInt8]) {
        ByteWriter.withDecimalDigits(of: magnitude) { out.append(contentsOf: $0) }
    }

    static func appendASCII(_ text: StaticString, to out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }
}

/// Reason phrases for the statuses ds4-proxy produces itself.
public enum HTTPStatus {
    public static func reason(_ status: Int) -> String { reasonPhrase(status).description }

    /// The phrase as static bytes (the encoder appends it without making a String).
    public static func reasonPhrase(_ status: Int) -> StaticString {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}
