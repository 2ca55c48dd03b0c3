/// The reasons the report tells apart, read from a record's `reason` bytes without building a
/// String per record. Every other reason is `.other`.
enum LimitReason: UInt8, Sendable, Hashable {
    case other
    case rateLimited
    case quotaExceeded
    case contextCapExceeded
    case contextClamped

    private static let known: [(LimitReason, [UInt8])] = [
        (.rateLimited, Array(UsageReason.rateLimited.utf8)),
        (.quotaExceeded, Array(UsageReason.quotaExceeded.utf8)),
        (.contextCapExceeded, Array(UsageReason.contextCapExceeded.utf8)),
        (.contextClamped, Array(UsageReason.contextClamped.utf8)),
    ]

    /// Classifies raw UTF-8 reason bytes; nil (no reason) is `.other`.
    init(bytes: UnsafeBufferPointer<UInt8>?) {
        self = .other
        guard let bytes, bytes.count >= 12 else { return }
        for (reason, text) in Self.known where text.count == bytes.count {
            if text.withUnsafeBufferPointer({ $0.elementsEqual(bytes) }) {
                self = reason
                return
            }
        }
    }

    init(_ reason: String?) {
        guard var reason else {
            self = .other
            return
        }
        self = reason.withUTF8 { LimitReason(bytes: $0) }
    }
}
