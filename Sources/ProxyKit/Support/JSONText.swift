/// Minimal JSON text helpers for the few bodies the proxy writes itself.
public enum JSONText {
    /// Appends `value` as a JSON string literal. Plain ASCII (the common case: ids, names,
    /// IPs) is copied as is; anything else goes through `quoted`.
    public static func appendQuoted(_ value: String, to out: inout [UInt8]) {
        var value = value
        // Over the contiguous bytes: a String's UTF8View iterates (and copies) byte by byte.
        let plain = value.withUTF8 { bytes -> Bool in
            guard isPlain(bytes) else { return false }
            out.append(0x22)
            out.append(contentsOf: bytes)
            out.append(0x22)
            return true
        }
        if !plain { out.append(contentsOf: quoted(value).utf8) }
    }

    /// Whether `bytes` go into a JSON string literal as they are: ASCII with no control
    /// character, quote or backslash (the common case: ids, names, IPs).
    static func isPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where byte < 0x20 || byte == 0x22 || byte == 0x5C || byte >= 0x80 { return false }
        return true
    }

    /// `value` as a JSON string literal, quotes included.
    public static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
