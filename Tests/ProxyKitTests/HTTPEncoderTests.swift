import Testing
@testable import ProxyKit

/// The byte encoder: numbers and status lines are appended without building Strings, so each
/// is checked against Swift's own formatting.
struct HTTPEncoderTests {
    static let numbers = [0, 1, 9, 10, 15, 16, 99, 100, 255, 256, 4095, 4096, 65_535, 1 << 20, 123_456_789, Int(UInt32.max), Int.max]

    @Test func decimalMatchesStringFormatting() {
        for n in Self.numbers + Self.numbers.map({ -$0 }) + [Int.min] {
            var out: [UInt8] = []
            HTTPEncoder.appendDecimal(n, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(n))
        }
    }

    @Test func hexMatchesStringFormatting() {
        for n in Self.numbers {
            var out: [UInt8] = []
            HTTPEncoder.appendHex(n, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(n, radix: 16))
        }
    }

    @Test func chunkFramesTheDataAndSkipsEmptyData() {
        var out: [UInt8] = []
        HTTPEncoder.appendChunk(Array(repeating: 0x61, count: 26), to: &out)
        HTTPEncoder.appendChunk([], to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "1a\r\n" + String(repeating: "a", count: 26) + "\r\n")
    }

    @Test func responseHeadHasStatusLineFieldsAndBlankLine() {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        var out: [UInt8] = []
        HTTPEncoder.appendResponseHead(status: 200, reason: nil, headers: headers, to: &out)
        HTTPEncoder.appendResponseHead(status: 431, reason: nil, headers: HTTPHeaders(), to: &out)
        HTTPEncoder.appendResponseHead(status: 299, reason: "Custom", headers: HTTPHeaders(), to: &out)
        HTTPEncoder.appendResponseHead(status: 299, reason: nil, headers: HTTPHeaders(), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"
            + "HTTP/1.1 431 Request Header Fields Too Large\r\n\r\nHTTP/1.1 299 Custom\r\n\r\nHTTP/1.1 299 Status\r\n\r\n")
        #expect(HTTPStatus.reason(404) == "Not Found")
    }

    @Test func responseHeadKeepsFieldOrder() {
        let head = HTTPEncoder.responseHead(status: 404, headers: HTTPHeaders([("B", "2"), ("A", "1")]))
        #expect(String(decoding: head, as: UTF8.self) == "HTTP/1.1 404 Not Found\r\nB: 2\r\nA: 1\r\n\r\n")
    }
}
