/// Rewrites a `/v1/models` list so it shows only the models a user may call, splicing the
/// list's bytes rather than re-serialising them.
public enum ModelListFilter {
    /// The body with `data` entries whose `id` is not in `allowed` removed; nil when the body
    /// is not a model list.
    public static func filter(_ body: [UInt8], allowed: [String]) -> [UInt8]? {
        let scanner = JSONScanner(body)
        guard let members = try? scanner.topLevelMembers(),
              let data = members.last(where: { $0.key == "data" })?.value, data.kind == .array else { return nil }
        var kept: [[UInt8]] = []
        for element in scanner.elements(of: data) where element.kind == .object {
            let id = scanner.members(of: element).last { $0.key == "id" }.flatMap { scanner.string($0.value) }
            if let id, allowed.contains(id) { kept.append(Array(body[element.range])) }
        }
        var out = Array(body[..<data.range.lowerBound])
        out.append(UInt8(ascii: "["))
        for (index, element) in kept.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: element)
        }
        out.append(UInt8(ascii: "]"))
        out.append(contentsOf: body[data.range.upperBound...])
        return out
    }
}
