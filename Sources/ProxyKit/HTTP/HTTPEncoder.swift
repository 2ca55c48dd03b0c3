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
        out.append(contentsOf: "HTTP/1.1 \(status) \(reason ?? HTTPStatus.reason(status))\r\n".utf8)
        for field in headers {
            out.append(contentsOf: field.name.utf8)
            out.append(0x3A)
            out.append(0x20)
            out.append(contentsOf: field.value.utf8)
            out.append(0x0D)
            out.append(0x0A)
        }
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
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var buffer: [UInt8] = []
        var v = value
        repeat {
            buffer.append(digits[v & 0xF])
            v >>= 4
        } while v > 0
        out.append(contentsOf: buffer.reversed())
    }
}

/// Reason phrases for the statuses ds4-proxy produces itself.
public enum HTTPStatus {
    public static func reason(_ status: Int) -> String {
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
