import Foundation
import Testing

@testable import ProxyKit

struct JSONScannerTests {
    /// One document the scanner must reject, with the exact error.
    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var error: JSONScanError
        var maxDepth = 64

        init(_ name: String, _ text: String, _ error: JSONScanError) {
            self.init(name, Array(text.utf8), error)
        }

        init(_ name: String, _ bytes: [UInt8], _ error: JSONScanError, maxDepth: Int = 64) {
            self.name = name
            self.bytes = bytes
            self.error = error
            self.maxDepth = maxDepth
        }

        var testDescription: String { "\(name): \(String(decoding: bytes.prefix(40), as: UTF8.self).debugDescription)" }
    }

    /// Valid documents with the kind of their top-level value.
    static let validDocuments: [(String, JSONValueKind)] = [
        ("{}", .object),
        ("[]", .array),
        (#""""#, .string),
        ("0", .number),
        ("-0", .number),
        ("1E+2", .number),
        ("0.5e-3", .number),
        ("-12.75E2", .number),
        ("123456789012345678901234567890", .number),
        ("true", .bool),
        ("false", .bool),
        ("null", .null),
        (#"{"a":{"b":[1,[2,[3,{}]],[]]}}"#, .object),
        (#"[1,"two",true,false,null,{"k":"v"},[],-0.0e0]"#, .array),
        (#""\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \uD83D\uDE00 \ud800""#, .string),
        ("\"caf\u{E9} \u{2713} \u{1F600} \u{10FFFF}\"", .string),
        (" \t\r\n{ \"a\" \n:\t[ 1 ,\r2 ] , \"b\" : { } }\n\t ", .object),
        (#"{"a":1,"a":2}"#, .object),
        (#"{"":""}"#, .object),
        ("\"\u{7F}\"", .string),
    ]

    static let invalidCases: [InvalidCase] = [
        .init("empty", "", .unexpectedEnd),
        .init("whitespace only", " \n ", .unexpectedEnd),
        .init("BOM", [0xEF, 0xBB, 0xBF] + Array("{}".utf8), .unexpectedByte(offset: 0)),
        .init("form feed whitespace", "\u{0C}1", .unexpectedByte(offset: 0)),
        .init("NBSP whitespace", "\u{A0}1", .unexpectedByte(offset: 0)),
        .init("trailing comma array", "[1,]", .unexpectedByte(offset: 3)),
        .init("trailing comma object", #"{"a":1,}"#, .unexpectedByte(offset: 7)),
        .init("line comment", "[1] // c", .trailingBytes(offset: 4)),
        .init("block comment", "/* c */ 1", .unexpectedByte(offset: 0)),
        .init("NaN", "NaN", .unexpectedByte(offset: 0)),
        .init("Infinity", "Infinity", .unexpectedByte(offset: 0)),
        .init("-Infinity", "-Infinity", .invalidNumber(offset: 1)),
        .init("single quotes", "'a'", .unexpectedByte(offset: 0)),
        .init("single-quoted key", "{'a':1}", .unexpectedByte(offset: 1)),
        .init("unquoted key", "{a:1}", .unexpectedByte(offset: 1)),
        .init("leading zero", "01", .invalidNumber(offset: 1)),
        .init("leading zero negative", "[-01]", .invalidNumber(offset: 3)),
        .init("plus sign", "+1", .unexpectedByte(offset: 0)),
        .init("bare fraction", ".5", .unexpectedByte(offset: 0)),
        .init("empty fraction", "1.", .invalidNumber(offset: 2)),
        .init("fraction then exponent", "1.e3", .invalidNumber(offset: 2)),
        .init("empty exponent", "1e", .invalidNumber(offset: 2)),
        .init("signed empty exponent", "[1e+]", .invalidNumber(offset: 4)),
        .init("lone minus", "-", .invalidNumber(offset: 1)),
        .init("hex number", "0x1", .trailingBytes(offset: 1)),
        .init("raw control byte", "\"a\u{01}\"", .invalidString(offset: 2)),
        .init("raw newline", "\"a\nb\"", .invalidString(offset: 2)),
        .init("raw tab", "\"a\tb\"", .invalidString(offset: 2)),
        .init("unknown escape", #""\x""#, .invalidEscape(offset: 1)),
        .init("single-quote escape", #""\'""#, .invalidEscape(offset: 1)),
        .init("short unicode escape", #""\u12G4""#, .invalidEscape(offset: 1)),
        .init("uppercase U escape", #""\U0041""#, .invalidEscape(offset: 1)),
        .init("stray continuation", [0x22, 0x80, 0x22], .invalidUTF8(offset: 1)),
        .init("overlong 2-byte", [0x22, 0xC0, 0xAF, 0x22], .invalidUTF8(offset: 1)),
        .init("overlong 3-byte", [0x22, 0xE0, 0x80, 0xAF, 0x22], .invalidUTF8(offset: 1)),
        .init("overlong 4-byte", [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], .invalidUTF8(offset: 1)),
        .init("UTF-8 surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8(offset: 1)),
        .init("above U+10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8(offset: 1)),
        .init("F5 lead byte", [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], .invalidUTF8(offset: 1)),
        .init("truncated sequence", [0x22, 0x61, 0xE2, 0x82, 0x22], .invalidUTF8(offset: 2)),
        .init("truncated at end", [0x22, 0xE2, 0x82], .unexpectedEnd),
        .init("raw UTF-8 outside string", [0xC3, 0xA9], .unexpectedByte(offset: 0)),
        .init("unterminated string", #""abc"#, .unexpectedEnd),
        .init("unterminated array", "[1,", .unexpectedEnd),
        .init("unterminated object", #"{"a""#, .unexpectedEnd),
        .init("missing comma", "[1 2]", .unexpectedByte(offset: 3)),
        .init("missing colon", #"{"a" 1}"#, .unexpectedByte(offset: 5)),
        .init("non-string key", "{1:2}", .unexpectedByte(offset: 1)),
        .init("mismatched close", #"{"a":1]"#, .unexpectedByte(offset: 6)),
        .init("bracket mismatch", "[}", .unexpectedByte(offset: 1)),
        .init("truncated literal", "tru", .unexpectedEnd),
        .init("misspelt literal", "trux", .unexpectedByte(offset: 3)),
        .init("capitalised literal", "True", .unexpectedByte(offset: 0)),
        .init("two values", "1 2", .trailingBytes(offset: 2)),
        .init("trailing NUL", "{}\u{0}", .trailingBytes(offset: 2)),
        .init(
            "65 levels", String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
            .tooDeep(offset: 64)),
        .init("object depth", Array(#"{"a":{"b":[]}}"#.utf8), .tooDeep(offset: 10), maxDepth: 2),
        .init("array with maxDepth 0", Array("[1]".utf8), .tooDeep(offset: 0), maxDepth: 0),
    ]

    static let chatRequest = Array(
        #"{"model":"m","messages":[{"role":"user","content":"hi \"x\""}],"stream":true,"#
            .utf8)
        + Array(#""stream_options":{"include_usage":false},"max_tokens":16}"#.utf8)

    // MARK: - Validation

    @Test(arguments: validDocuments)
    func acceptsValidDocument(_ text: String, _ kind: JSONValueKind) throws {
        let bytes = Array(text.utf8)
        let value = try JSONScanner(bytes).validate()
        #expect(value.kind == kind)
        let trimmed = text.trimmingCharacters(in: .init(charactersIn: " \t\r\n"))
        #expect(Array(bytes[value.range]) == Array(trimmed.utf8))
        let knownDifference = Self.walk(JSONScanner(bytes), value)
        #expect(Self.foundationAccepts(bytes) || knownDifference)
    }

    @Test(arguments: invalidCases)
    func rejectsInvalidDocument(_ testCase: InvalidCase) {
        let scanner = JSONScanner(testCase.bytes, maxDepth: testCase.maxDepth)
        #expect(throws: testCase.error) { try scanner.validate() }
        #expect(throws: testCase.error) { try scanner.topLevelMembers() }
    }

    @Test func sixtyFourLevelsAreAccepted() throws {
        let bytes = Array((String(repeating: "[", count: 64) + String(repeating: "]", count: 64)).utf8)
        let value = try JSONScanner(bytes).validate()
        #expect(value == JSONValueRef(kind: .array, range: 0..<128))
    }

    /// Objects and arrays alternate past 64 levels: the stack keeps the first 64 as bits and
    /// the rest in an array, and both must say which bracket closes which container.
    @Test func mixedNestingPastSixtyFourLevels() throws {
        func nested(_ levels: Int) -> (open: String, close: String) {
            var open = "", close = ""
            for level in 0..<levels {
                if level % 2 == 0 { open += #"{"k":"#; close = "}" + close } else { open += "["; close = "]" + close }
            }
            return (open, close)
        }
        for levels in [63, 64, 65, 66, 100, 129] {
            let (open, close) = nested(levels)
            let root = try JSONScanner(Array((open + "1" + close).utf8), maxDepth: 200).validate()
            #expect(root.kind == .object && root.range.count == open.utf8.count + 1 + close.utf8.count, "\(levels) levels")
            // The innermost container is an object when `levels` is odd, an array when even.
            let wrong = levels % 2 == 1 ? "]" : "}"
            #expect(throws: JSONScanError.unexpectedByte(offset: open.utf8.count + 1), "\(levels) levels") {
                try JSONScanner(Array((open + "1" + wrong).utf8), maxDepth: 200).validate()
            }
            let members = try JSONScanner(Array((open + "1" + close).utf8), maxDepth: 200).topLevelMembers()
            #expect(members.count == 1 && members[0].key == "k")
        }
    }

    @Test func millionOpenBracketsFailWithoutRecursion() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(throws: JSONScanError.tooDeep(offset: 64)) { try JSONScanner(bytes).validate() }
        // Even with no practical depth limit the scan is iterative and simply runs out of input.
        #expect(throws: JSONScanError.unexpectedEnd) { try JSONScanner(bytes, maxDepth: .max).validate() }
    }

    @Test func millionLevelsValidateAndWalkWithALargeLimit() throws {
        let depth = 1_000_000
        let bytes =
            [UInt8](repeating: UInt8(ascii: "["), count: depth) + [UInt8](repeating: UInt8(ascii: "]"), count: depth)
        let scanner = JSONScanner(bytes, maxDepth: depth)
        let root = try scanner.validate()
        #expect(root.range == 0..<(2 * depth))
        #expect(scanner.elements(of: root) == [JSONValueRef(kind: .array, range: 1..<(2 * depth - 1))])
    }

    @Test func topLevelMembersRequiresAnObject() {
        #expect(throws: JSONScanError.notAnObject) { try JSONScanner(Array("[1]".utf8)).topLevelMembers() }
        #expect(throws: JSONScanError.notAnObject) { try JSONScanner(Array(" 7 ".utf8)).topLevelMembers() }
        // Validation errors win over the kind check.
        #expect(throws: JSONScanError.unexpectedEnd) { try JSONScanner(Array("[1".utf8)).topLevelMembers() }
    }

    @Test func errorsHaveMessages() {
        #expect(JSONScanError.tooDeep(offset: 9).message == "JSON nested too deeply at offset 9.")
        #expect(JSONScanError.notAnObject.description == JSONScanError.notAnObject.message)
    }

    // MARK: - Members and ranges

    @Test func chatRequestTopLevelMembersHaveExactRanges() throws {
        let bytes = Self.chatRequest
        let scanner = JSONScanner(bytes)
        let members = try scanner.topLevelMembers()
        let expected: [(String, JSONValueKind, String)] = [
            ("model", .string, #""m""#),
            ("messages", .array, #"[{"role":"user","content":"hi \"x\""}]"#),
            ("stream", .bool, "true"),
            ("stream_options", .object, #"{"include_usage":false}"#),
            ("max_tokens", .number, "16"),
        ]
        try #require(members.count == expected.count)
        for (member, (key, kind, text)) in zip(members, expected) {
            #expect(member.key == key)
            #expect(Array(bytes[member.keyRange]) == Array("\"\(key)\"".utf8))
            #expect(member.value.kind == kind)
            #expect(Array(bytes[member.value.range]) == Array(text.utf8), "\(key)")
        }
        #expect(members[0].keyRange == 1..<8)
        #expect(members[0].value.range == 9..<12)
        #expect(members.last?.value.range == (bytes.count - 3)..<(bytes.count - 1))
        #expect(scanner.string(members[0].value) == "m")
        #expect(scanner.bool(members[2].value) == true)
        #expect(scanner.int(members[4].value) == 16)
        let options = scanner.members(of: members[3].value)
        #expect(options.map(\.key) == ["include_usage"])
        #expect(options.first.flatMap { scanner.bool($0.value) } == false)
        #expect(scanner.members(of: try scanner.validate()) == members)
    }

    @Test func messagesAreReachableThroughElementsAndMembers() throws {
        let scanner = JSONScanner(Self.chatRequest)
        let messages = try #require(try scanner.topLevelMembers().first { $0.key == "messages" })
        let elements = scanner.elements(of: messages.value)
        try #require(elements.count == 1)
        let fields = scanner.members(of: elements[0])
        #expect(fields.map(\.key) == ["role", "content"])
        #expect(fields.map { scanner.string($0.value) } == ["user", #"hi "x""#])
    }

    @Test func duplicateKeysAreKeptInOrder() throws {
        let bytes = Array(#"{"a":1, "b":2 ,"a" : [3]}"#.utf8)
        let scanner = JSONScanner(bytes)
        let members = try scanner.topLevelMembers()
        #expect(members.map(\.key) == ["a", "b", "a"])
        #expect(members.map(\.value.kind) == [.number, .number, .array])
        #expect(Array(bytes[members[2].value.range]) == Array("[3]".utf8))
    }

    @Test func escapedKeysAreDecoded() throws {
        let bytes = Array(#"{"a\"b\u00e9":null}"#.utf8)
        let members = try JSONScanner(bytes).topLevelMembers()
        #expect(members.map(\.key) == ["a\"b\u{E9}"])
        #expect(members[0].keyRange == 1..<13)
    }

    @Test func nestedMembersAndElementsWalkWithWhitespace() throws {
        let bytes = Array(" { \"o\" : { \"x\" : [ 1 , { \"y\" : \"]}\" } , [ ] , \"s\" ] , \"e\" : { } } } ".utf8)
        let scanner = JSONScanner(bytes)
        let root = try scanner.validate()
        let top = scanner.members(of: root)
        #expect(top.map(\.key) == ["o"])
        let inner = scanner.members(of: top[0].value)
        #expect(inner.map(\.key) == ["x", "e"])
        #expect(scanner.members(of: inner[1].value).isEmpty)
        let items = scanner.elements(of: inner[0].value)
        #expect(items.map(\.kind) == [.number, .object, .array, .string])
        let texts = items.map { String(decoding: bytes[$0.range], as: UTF8.self) }
        #expect(texts == ["1", #"{ "y" : "]}" }"#, "[ ]", #""s""#])
        #expect(scanner.members(of: items[1]).map { scanner.string($0.value) } == ["]}"])
        #expect(scanner.elements(of: items[2]).isEmpty)
        // Wrong kinds and foreign ranges give empty results, not traps.
        #expect(scanner.elements(of: top[0].value).isEmpty)
        #expect(scanner.members(of: items[0]).isEmpty)
        #expect(scanner.members(of: JSONValueRef(kind: .object, range: 0..<1000)).isEmpty)
        #expect(scanner.string(JSONValueRef(kind: .string, range: -1..<3)) == nil)
    }

    // MARK: - Decoded accessors

    @Test(arguments: [
        (#""plain""#, "plain"),
        (#""""#, ""),
        (#""\" \\ \/ \b \f \n \r \t""#, "\" \\ / \u{8} \u{C} \n \r \t"),
        (#""\u0041\u00e9\u20AC\u0000""#, "A\u{E9}\u{20AC}\u{0}"),
        (#""\uD83D\uDE00!""#, "\u{1F600}!"),
        (#""\udbff\udfff""#, "\u{10FFFF}"),
        (#""\ud800""#, "\u{FFFD}"),
        (#""\udc00\ud800x""#, "\u{FFFD}\u{FFFD}x"),
        (#""\ud800\u0041""#, "\u{FFFD}A"),
        (#""\ud800\ud800\udc00""#, "\u{FFFD}\u{10000}"),
        ("\"caf\u{E9} \u{1F600}\"", "caf\u{E9} \u{1F600}"),
    ])
    func stringDecodesEscapesAndSurrogates(_ json: String, _ expected: String) throws {
        let scanner = JSONScanner(Array(json.utf8))
        #expect(scanner.string(try scanner.validate()) == expected)
    }

    @Test(arguments: [
        ("0", 0), ("-0", 0), ("123", 123), ("-45", -45),
        ("9223372036854775807", Int.max), ("-9223372036854775808", Int.min),
        ("9223372036854775808", nil), ("-9223372036854775809", nil), ("99999999999999999999", nil),
        ("1.0", nil), ("1e3", nil), ("100.0", nil), ("-0.0", nil), ("1E0", nil),
        (#""1""#, nil), ("true", nil), ("null", nil),
    ] as [(String, Int?)])
    func intAcceptsOnlyPlainIntegers(_ json: String, _ expected: Int?) throws {
        let scanner = JSONScanner(Array(json.utf8))
        #expect(scanner.int(try scanner.validate()) == expected)
    }

    @Test func boolAndNullAccessorsCheckKinds() throws {
        let scanner = JSONScanner(Array("[true,false,null,0,\"true\"]".utf8))
        let items = scanner.elements(of: try scanner.validate())
        #expect(items.map { scanner.bool($0) } == [true, false, nil, nil, nil])
        #expect(items.map { scanner.isNull($0) } == [false, false, true, false, false])
        #expect(items.map { scanner.string($0) } == [nil, nil, nil, nil, "true"])
    }

    // MARK: - Fuzzing

    static let jsonFuzzAlphabet: [UInt8] =
        Array("{}[]\",:\\/ \t\r\n0123456789-+.eEtrufalsn\"u".utf8)
        + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC3, 0xED, 0xF0, 0xF4, 0xFF]

    static func mutateJSON(_ bytes: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var result = bytes
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let index = result.isEmpty ? 0 : Int.random(in: 0..<result.count, using: &rng)
            let byte =
                Int.random(in: 0..<4, using: &rng) == 0
                ? UInt8.random(in: 0...255, using: &rng) : Self.jsonFuzzAlphabet.randomElement(using: &rng)!
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !result.isEmpty: result[index] = byte
            case 1: result.insert(byte, at: index)
            case 2 where !result.isEmpty: result.remove(at: index)
            case 3 where !result.isEmpty:
                let end = min(result.count, index + Int.random(in: 1...12, using: &rng))
                result.insert(contentsOf: result[index..<end], at: Int.random(in: 0...result.count, using: &rng))
            case 4 where !result.isEmpty:
                let end = min(result.count, index + Int.random(in: 1...8, using: &rng))
                result.removeSubrange(index..<end)
            default: result = Array(result.prefix(index))
            }
        }
        return result
    }

    @Test func randomMutationsNeverTrapAndAgreeWithFoundation() throws {
        var rng = SplitMix64(seed: 0x4A53_4F4E_5EED)
        let seeds = Self.validDocuments.map { Array($0.0.utf8) } + [Self.chatRequest]
        var accepted = 0
        var knownDifferences = 0
        for iteration in 0..<6000 {
            let bytes = Self.mutateJSON(seeds[iteration % seeds.count], using: &rng)
            let scanner = JSONScanner(bytes, maxDepth: Int.random(in: 2...64, using: &rng))
            let root: JSONValueRef
            do {
                root = try scanner.validate()
            } catch {
                _ = try? scanner.topLevelMembers()
                continue
            }
            accepted += 1
            if root.kind == .object {
                #expect(try scanner.topLevelMembers() == scanner.members(of: root))
            } else {
                #expect(throws: JSONScanError.notAnObject) { try scanner.topLevelMembers() }
            }
            let knownDifference = Self.walk(scanner, root)
            if knownDifference { knownDifferences += 1 }
            // Anything we accept, Foundation must accept too, bar the documented differences.
            #expect(
                Self.foundationAccepts(bytes) || knownDifference,
                "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
        #expect(accepted > 300)
        #expect(knownDifferences < accepted / 4)
    }

    /// Visits every value through the accessors and checks each one re-validates on its own.
    ///
    /// Returns whether the value holds something RFC 8259 allows but Foundation's
    /// `JSONSerialization` rejects: a lone surrogate escape (`"\ud800"`, which `string()` turns
    /// into U+FFFD) or a number whose magnitude overflows `Double` (`1e999`).
    @discardableResult
    static func walk(_ scanner: JSONScanner, _ value: JSONValueRef) -> Bool {
        let alone = try? JSONScanner(Array(scanner.bytes[value.range]), maxDepth: .max).validate()
        #expect(alone == JSONValueRef(kind: value.kind, range: 0..<value.range.count))
        var known = false
        switch value.kind {
        case .object:
            let members = scanner.members(of: value)
            #expect(members.isEmpty == !scanner.bytes[value.range].contains(UInt8(ascii: ":")))
            for member in members {
                let key = scanner.string(JSONValueRef(kind: .string, range: member.keyRange))
                #expect(key == member.key)
                known = Self.hasLoneSurrogate(scanner, member.keyRange, decoded: member.key) || known
                known = Self.walk(scanner, member.value) || known
            }
        case .array:
            for element in scanner.elements(of: value) { known = Self.walk(scanner, element) || known }
        case .string:
            let decoded = scanner.string(value)
            #expect(decoded != nil)
            known = Self.hasLoneSurrogate(scanner, value.range, decoded: decoded ?? "")
        case .number:
            _ = scanner.int(value)
            let text = String(decoding: scanner.bytes[value.range], as: UTF8.self)
            known = !(Double(text)?.isFinite ?? false)
        case .bool: #expect(scanner.bool(value) != nil)
        case .null: #expect(scanner.isNull(value))
        }
        return known
    }

    /// Whether decoding produced a U+FFFD that the raw bytes do not contain literally.
    static func hasLoneSurrogate(_ scanner: JSONScanner, _ range: Range<Int>, decoded: String) -> Bool {
        decoded.unicodeScalars.filter { $0 == "\u{FFFD}" }.count
            != String(decoding: scanner.bytes[range], as: UTF8.self).unicodeScalars.filter { $0 == "\u{FFFD}" }.count
    }

    static func foundationAccepts(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }
}

struct JSONScannerWordSkipTests {
    /// The 8-byte fast path must stop at every byte it may not skip, at every alignment.
    @Test func plainASCIISkipStopsAtEverySpecialByte() {
        let specials: [UInt8] = [0x22, 0x5C, 0x00, 0x1F, 0x0A, 0x80, 0xC3, 0xFF]
        for special in specials {
            for position in 0..<24 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 24)
                bytes[position] = special
                let stop = bytes.withUnsafeBufferPointer { JSONScanner.skipPlainASCII($0, from: 0) }
                #expect(stop <= position, "byte \(special) at \(position)")
                #expect(position - stop < 8)
            }
        }
        let plain = [UInt8](repeating: UInt8(ascii: " "), count: 20) + Array("~!#$".utf8)
        #expect(plain.withUnsafeBufferPointer { JSONScanner.skipPlainASCII($0, from: 0) } == 24)
    }
}
