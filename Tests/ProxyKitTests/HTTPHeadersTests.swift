import Testing
@testable import ProxyKit

/// The byte-level name lookups the request path uses (`firstIndex(ofName:)`, `hasName`), held
/// to the same answers as the string ones.
struct HTTPHeadersTests {
    static let sample = HTTPHeaders([
        ("Host", "a"), ("content-type", "application/json"), ("Authorization", "Bearer x"), ("X-Request-Id", "r1"),
        ("CONTENT-TYPE", "text/plain"), ("Content-Typ", "short"), ("Content-Types", "long"), ("K", "kelvin"),
    ])

    @Test func staticNameLookupIsCaseInsensitiveAndFindsTheFirst() {
        let headers = Self.sample
        #expect(headers.firstIndex(ofName: "Content-Type") == 1)
        #expect(headers.firstIndex(ofName: "authorization") == 2)
        #expect(headers.firstIndex(ofName: "X-REQUEST-ID") == 3)
        #expect(headers.firstIndex(ofName: "Accept") == nil)
        #expect(headers.firstIndex(ofName: "Content-Typ") == 5)
        #expect(HTTPHeaders().firstIndex(ofName: "Host") == nil)
        #expect(headers.hasName(at: 4, "Content-Type"))
        #expect(!headers.hasName(at: 5, "Content-Type"))
        #expect(!headers.hasName(at: 6, "Content-Type"))
        #expect(headers.hasName(at: 7, "k"))
    }

    @Test func staticAndStringLookupsAgree() {
        let headers = Self.sample
        let names: [StaticString] = ["Host", "content-type", "Content-Type", "AUTHORIZATION", "x-request-id", "Content-Typ",
                                     "content-types", "K", "k", "Accept", "User-Agent", ""]
        for name in names {
            let string = name.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
            #expect(headers.firstIndex(ofName: name) == headers.firstIndex(of: string), "\(string)")
            for index in 0..<headers.count {
                #expect(headers.hasName(at: index, name) == headers.nameEquals(at: index, string), "\(string) at \(index)")
            }
        }
    }

    @Test func nonASCIINamesNeverMatchByCaseFolding() {
        // U+212A KELVIN SIGN lowercases to "k" in Unicode; header names compare as ASCII only.
        let headers = HTTPHeaders([("\u{212A}", "1")])
        #expect(headers.firstIndex(ofName: "k") == nil)
        #expect(headers.firstIndex(ofName: "K") == nil)
    }
}
