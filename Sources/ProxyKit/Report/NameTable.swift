import Glibc

/// Interns user or model names from raw bytes: consecutive records usually repeat the previous
/// name, which is one `memcmp`; a new name is looked up among the few known ones. Ids are dense,
/// from 0, in order of first appearance; nil (`null`) is -1.
struct NameTable {
    private(set) var names: [String] = []
    private var bytesByID: [[UInt8]] = []
    private var idsByBytes: [[UInt8]: Int32] = [:]
    private var lastID: Int32 = -1

    /// The id of `bytes` (nil: -1), added if new.
    mutating func id(for bytes: UnsafeBufferPointer<UInt8>?) -> Int32 {
        guard let bytes else { return -1 }
        if lastID >= 0, Self.equal(bytesByID[Int(lastID)], bytes) { return lastID }
        let id: Int32
        if bytesByID.count <= 16 {
            id = bytesByID.firstIndex { Self.equal($0, bytes) }.map(Int32.init) ?? add(bytes)
        } else {
            id = idsByBytes[Array(bytes)] ?? add(bytes)
        }
        lastID = id
        return id
    }

    mutating func id(for name: String?) -> Int32 {
        guard var name else { return -1 }
        return name.withUTF8 { id(for: $0) }
    }

    /// The name of `id`, nil for -1.
    func name(_ id: Int32) -> String? { id < 0 ? nil : names[Int(id)] }

    private mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let id = Int32(bytesByID.count)
        let copy = Array(bytes)
        bytesByID.append(copy)
        idsByBytes[copy] = id
        names.append(String(decoding: copy, as: UTF8.self))
        return id
    }

    private static func equal(_ known: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard known.count == bytes.count else { return false }
        guard let base = bytes.baseAddress, !known.isEmpty else { return true }
        return known.withUnsafeBufferPointer { memcmp($0.baseAddress!, base, known.count) == 0 }
    }
}
