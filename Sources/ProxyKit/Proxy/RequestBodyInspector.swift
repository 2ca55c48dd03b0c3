/// Reads the few request-body fields the proxy acts on, without building an object tree and
/// without touching the bytes that are forwarded.
public struct InspectedBody: Sendable, Hashable {
    /// The top-level `model`, when it is a string.
    public var model: String?

    /// Validates `body` as one JSON object and reads its fields. A body that is not a JSON
    /// object, or that names a field the proxy reads twice (an ambiguity vLLM would resolve
    /// differently from us), is a 400 that never reaches the upstream.
    public init(body: [UInt8]) throws(OpenAIError) {
        let scanner = JSONScanner(body)
        let members: [JSONMember]
        do { members = try scanner.topLevelMembers() } catch {
            throw .badRequest("The request body is not a valid JSON object: \(error.message)", code: "invalid_json")
        }
        var model: String?
        var seenModel = false
        for member in members where member.key == "model" {
            if seenModel { throw .badRequest("The request body has more than one \"model\" field.", code: "invalid_json") }
            seenModel = true
            model = scanner.string(member.value)
        }
        self.model = model
    }
}

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
