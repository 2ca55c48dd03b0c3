/// The bytes a parser has received: an array and a read index. Consumed bytes stay in place
/// until `append` finds the consumed prefix worth reclaiming, so consuming is O(1) and
/// compaction is amortised O(1) per byte.
///
///     0 ...... readIndex ............ bytes.count
///     [consumed][ readable (unconsumed) ]
struct HTTPInputBuffer: Sendable {
    /// Consumed prefix size that makes compaction worthwhile (when it is also half the buffer).
    private static let compactionThreshold = 4096
    /// Capacity kept when the buffer empties; anything bigger is released.
    private static let retainedCapacity = 64 * 1024

    private(set) var bytes: [UInt8] = []
    private(set) var readIndex = 0

    /// Bytes received but not consumed.
    var readableCount: Int { bytes.count - readIndex }

    mutating func append(_ new: UnsafeRawBufferPointer) {
        compactIfWorthwhile()
        bytes.append(contentsOf: new)
    }

    mutating func append(_ new: [UInt8]) {
        compactIfWorthwhile()
        bytes.append(contentsOf: new)
    }

    /// Marks `count` readable bytes as consumed.
    mutating func consume(_ count: Int) {
        precondition(count >= 0 && count <= readableCount, "Internal inconsistency: consuming unread bytes")
        readIndex += count
    }

    /// Copies out and consumes up to `limit` readable bytes.
    mutating func read(upTo limit: Int) -> [UInt8] {
        let count = min(limit, readableCount)
        let result = Array(bytes[readIndex..<(readIndex + count)])
        readIndex += count
        return result
    }

    private mutating func compactIfWorthwhile() {
        guard readIndex > 0 else { return }
        if readIndex == bytes.count {
            if bytes.capacity > Self.retainedCapacity {
                bytes = []
            } else {
                bytes.removeAll(keepingCapacity: true)
            }
            readIndex = 0
        } else if readIndex >= Self.compactionThreshold, readIndex >= bytes.count / 2 {
            bytes.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
