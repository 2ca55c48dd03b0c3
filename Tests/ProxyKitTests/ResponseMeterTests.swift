import Testing
@testable import ProxyKit

/// Usage from a non-streaming JSON body: found by scanning back for the last `"usage":`, with
/// the whole body parsed only when that fails.
struct ResponseMeterTests {
    func counts(_ body: String) -> [Int?]? {
        ResponseMeter.jsonUsage(Array(body.utf8)).map { [$0.promptTokens, $0.completionTokens] }
    }

    @Test func usageNearTheEndWithNestedDetailsAndFieldsAfterIt() {
        #expect(counts(#"{"id":"x","usage":{"prompt_tokens":5,"total_tokens":8,"completion_tokens":3}}"#) == [5, 3])
        #expect(counts(#"{"id":"x","usage": {"prompt_tokens":12,"total_tokens":20,"completion_tokens":8,"prompt_tokens_details":{"cached_tokens":4}},"metrics":null}"#) == [12, 8])
        #expect(counts(#"{"choices":[{"message":{"content":"\"usage\": {\"prompt_tokens\":99}"}}],"usage":{"prompt_tokens":1,"completion_tokens":2}}"#) == [1, 2])
    }

    @Test func missingOrNullUsageIsNil() {
        #expect(counts(#"{"id":"x"}"#) == nil)
        #expect(counts(#"{"id":"x","usage":null}"#) == nil)
        #expect(counts("") == nil)
        #expect(counts(#"{"usage":{"prompt_tokens":1"#) == nil)
    }

    @Test func aUsageKeyAfterTheTopLevelOneFallsBackToTheWholeBody() {
        // The last "usage": is not an object: the whole body is parsed and its top-level usage read.
        #expect(counts(#"{"usage":{"prompt_tokens":7,"completion_tokens":1},"x":{"usage":3}}"#) == [7, 1])
    }

    @Test func theUsageObjectIsReadInPlaceWithStrictKeysAndIntegers() {
        // Keys are case-sensitive; only JSON integers count; whitespace anywhere JSON allows it.
        #expect(counts(#"{"usage":{"Prompt_Tokens":5,"completion_tokens":3}}"#) == [nil, 3])
        #expect(counts(#"{"usage":{"prompt_tokens":5.0,"completion_tokens":-3}}"#) == [nil, -3])
        #expect(counts("{\"usage\":{\n  \"prompt_tokens\" : 4 ,\r\n\t\"completion_tokens\":2\n}\n}") == [4, 2])
        #expect(counts(#"{"usage":{"prompt_tokens":9223372036854775808,"completion_tokens":1}}"#) == [nil, 1])
        #expect(counts(#"{"usage":{}}"#) == [nil, nil])
        // A malformed number is not read leniently: the strict whole-body scan rejects it.
        #expect(counts(#"{"usage":{"prompt_tokens":007,"completion_tokens":1}}"#) == nil)
        #expect(counts(#"{"usage":{"prompt_tokens":5x,"completion_tokens":1}}"#) == nil)
        #expect(counts(#"{"usage":{"prompt_tokens":0,"completion_tokens":null}}"#) == [0, nil])
        // Nested values of every kind are skipped, strings with escaped quotes and braces included.
        #expect(counts(#"{"usage":{"a":[1,{"b":"}"}],"s":"x\"}","t":true,"n":null,"prompt_tokens":6,"completion_tokens":0}}"#) == [6, 0])
        // An escaped key is not read in place: the whole body is scanned (and still found).
        #expect(counts(#"{"usage":{"prompt\u005ftokens":8,"completion_tokens":2}}"#) == [8, 2])
        // A malformed usage object falls back to the whole body, which is malformed too.
        #expect(counts(#"{"usage":{"prompt_tokens":1,,"completion_tokens":2}}"#) == nil)
    }
}
