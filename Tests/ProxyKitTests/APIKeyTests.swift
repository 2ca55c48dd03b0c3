import Testing
@testable import ProxyKit

struct APIKeyTests {
    @Test func keysHaveThePrefixLengthAndAlphabet() {
        let key = APIKey.generate()
        #expect(key.secret.hasPrefix("sk-ds4-"))
        #expect(key.secret.count == 7 + 40)
        #expect(key.secret.dropFirst(7).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(key.id == String(key.secret.dropFirst(7).prefix(8)))
        #expect(APIKey(presented: key.secret) == key)
    }

    @Test func tenThousandKeysAreDistinctAndUseTheWholeAlphabet() {
        var seen = Set<String>()
        var characters = Set<Character>()
        for _ in 0..<10_000 {
            let key = APIKey.generate()
            seen.insert(key.secret)
            characters.formUnion(key.secret.dropFirst(7))
        }
        #expect(seen.count == 10_000)
        #expect(characters.count == 62)
    }

    @Test func characterFrequenciesAreUniform() {
        // 400,000 characters over 62 symbols: each expected ~6,452; a biased modulo
        // (256 % 62 = 8 symbols favoured) would put those ~20% higher.
        var counts: [Character: Int] = [:]
        for _ in 0..<10_000 {
            for c in APIKey.generate().secret.dropFirst(7) { counts[c, default: 0] += 1 }
        }
        let expected = 400_000.0 / 62
        for (_, n) in counts { #expect(abs(Double(n) - expected) < expected * 0.08) }
    }

    @Test func malformedPresentedKeysAreRejected() {
        for bad in ["", "sk-ds4-", "sk-ds4-short", "Bearer sk-ds4-" + String(repeating: "a", count: 40),
                    "sk-ds4-" + String(repeating: "a", count: 39) + " ", "sk-ds4-" + String(repeating: "a", count: 39) + "-",
                    "sk-ds5-" + String(repeating: "a", count: 40), "sk-ds4-" + String(repeating: "é", count: 40)] {
            #expect(APIKey(presented: bad) == nil, "\(bad)")
        }
        #expect(APIKey(presented: "sk-ds4-" + String(repeating: "a", count: 32)) != nil)
    }
}
