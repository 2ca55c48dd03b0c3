/// A small well-formedness check for the dashboard (XHTML rules): every tag closed in order
/// or self-closed, attribute values quoted, only the five XML entities or numeric references,
/// no stray `<` or `&` in text.
enum HTMLWellFormedness {
    static func problems(_ html: String) -> [String] {
        let bytes = Array(html.utf8)
        var problems: [String] = []
        var stack: [String] = []
        var i = 0
        func isNameByte(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x3A || b == 0x5F
        }
        func checkEntity(at start: Int) -> Int {
            guard let end = bytes[start...].firstIndex(of: 0x3B), end - start <= 10 else {
                problems.append("bare & at \(start)")
                return start + 1
            }
            let name = String(decoding: bytes[(start + 1)..<end], as: UTF8.self)
            let numeric = name.hasPrefix("#") && name.dropFirst().allSatisfy(\.isNumber) && name.count > 1
            if !(["amp", "lt", "gt", "quot", "apos"].contains(name) || numeric) { problems.append("entity &\(name); at \(start)") }
            return end + 1
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x26 { i = checkEntity(at: i); continue }
            guard b == 0x3C else { i += 1; continue }
            if bytes[i...].starts(with: Array("<!DOCTYPE html>".utf8)) { i += 15; continue }
            if bytes[i...].starts(with: Array("<!--".utf8)) {
                var k = i + 4
                while k < bytes.count && !bytes[k...].starts(with: Array("-->".utf8)) { k += 1 }
                if k >= bytes.count { problems.append("unterminated comment at \(i)") }
                i = k + 3
                continue
            }
            let closing = i + 1 < bytes.count && bytes[i + 1] == 0x2F
            var j = i + (closing ? 2 : 1)
            let nameStart = j
            while j < bytes.count && isNameByte(bytes[j]) { j += 1 }
            let name = String(decoding: bytes[nameStart..<j], as: UTF8.self).lowercased()
            guard !name.isEmpty else { problems.append("stray < at \(i)"); i += 1; continue }
            // Attributes: name="value" (or 'value'), separated by whitespace.
            var selfClosing = false
            while j < bytes.count {
                while j < bytes.count && (bytes[j] == 0x20 || bytes[j] == 0x0A || bytes[j] == 0x09) { j += 1 }
                if bytes[j] == 0x3E { j += 1; break }
                if bytes[j] == 0x2F && j + 1 < bytes.count && bytes[j + 1] == 0x3E { selfClosing = true; j += 2; break }
                let attrStart = j
                while j < bytes.count && isNameByte(bytes[j]) { j += 1 }
                guard j > attrStart, j < bytes.count, bytes[j] == 0x3D, j + 1 < bytes.count,
                      bytes[j + 1] == 0x22 || bytes[j + 1] == 0x27 else {
                    problems.append("unquoted or malformed attribute in <\(name)> at \(attrStart)")
                    j = bytes.count
                    break
                }
                let quote = bytes[j + 1]
                j += 2
                while j < bytes.count && bytes[j] != quote {
                    if bytes[j] == 0x3C { problems.append("< inside attribute of <\(name)>") }
                    if bytes[j] == 0x26 { j = checkEntity(at: j) } else { j += 1 }
                }
                j += 1
            }
            if closing {
                if stack.last == name { stack.removeLast() } else { problems.append("</\(name)> closes <\(stack.last ?? "nothing")>") }
            } else if !selfClosing {
                stack.append(name)
                if name == "style" || name == "script" {
                    // Raw text until the closing tag.
                    let closeTag = Array("</\(name)>".utf8)
                    var k = j
                    while k < bytes.count && !bytes[k...].starts(with: closeTag) { k += 1 }
                    j = k
                }
            }
            i = j
        }
        if !stack.isEmpty { problems.append("unclosed: \(stack)") }
        return problems
    }
}
