import Testing
@testable import ProxyKit

struct ByteWriterTests {
    func written(capacity: Int = 64, _ body: (inout ByteWriter) -> Void) -> String {
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var writer = ByteWriter(buffer)
            body(&writer)
            initialized = writer.count
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func decimalsMatchSwiftsOwnFormatting() {
        for value in [0, 1, 9, 10, 99, 100, -1, -10, 1_234_567_890, Int.max, Int.min, Int.min + 1] {
            #expect(written { $0.writeDecimal(value) } == String(value))
        }
    }

    @Test func quotedStringsMatchJSONText() {
        for value in ["", "alice", "a\"b", "back\\slash", "tab\there", "nl\n", "\u{01}", "é", "日本"] {
            #expect(written { $0.writeQuoted(value) } == JSONText.quoted(value))
            var appended: [UInt8] = []
            JSONText.appendQuoted(value, to: &appended)
            #expect(written { $0.writeQuoted(value) } == String(decoding: appended, as: UTF8.self))
        }
        #expect(written { $0.writeQuoted(nil) } == "null")
    }

    @Test func theBoundCoversTheWorstCase() {
        let control = String(repeating: "\u{01}", count: 10)
        #expect(written(capacity: ByteWriter.quotedBound(control)) { $0.writeQuoted(control) }.utf8.count == ByteWriter.quotedBound(control))
    }

    @Test func piecesAppendInOrder() {
        #expect(written { w in
            w.write("a=")
            w.writeDecimal(-5)
            w.write(UInt8(ascii: ";"))
            [UInt8]("xyz".utf8).withUnsafeBufferPointer { w.write($0) }
        } == "a=-5;xyz")
    }
}
