/// Splits a decoded SSE body into events at blank lines ("\n\n", as vLLM and the bench
/// upstream write them); comments and empty events are skipped, as the Python client does.
struct SSEEventSplitter {
    private var pending: [UInt8] = []

    mutating func feed(_ bytes: [UInt8]) -> [[UInt8]] {
        pending.append(contentsOf: bytes)
        var events: [[UInt8]] = []
        var start = 0
        var i = 0
        while i + 1 < pending.count {
            if pending[i] == 0x0A && pending[i + 1] == 0x0A {
                let event = Array(pending[start..<i])
                if let first = event.first, first != UInt8(ascii: ":"), event.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) {
                    events.append(event)
                }
                i += 2
                start = i
            } else {
                i += 1
            }
        }
        pending.removeFirst(start)
        return events
    }

    /// The `"id"` of a `data: {...}` chunk.
    static func chunkID(_ event: [UInt8]) -> String? {
        guard event.starts(with: Array("data: ".utf8)) else { return nil }
        let scanner = JSONScanner(Array(event.dropFirst(6)))
        guard let members = try? scanner.topLevelMembers(), let id = members.first(where: { $0.key == "id" }) else { return nil }
        return scanner.string(id.value)
    }
}
