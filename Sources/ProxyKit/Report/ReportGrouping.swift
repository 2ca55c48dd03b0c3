/// What one row of the report summarizes (`--by`).
enum ReportGrouping: String, Sendable, Hashable, CaseIterable {
    case user
    case model
    case hour
    case day
    case userModel = "user,model"

    /// Column headers naming the group.
    var keyColumns: [String] {
        switch self {
        case .user: ["user"]
        case .model: ["model"]
        case .hour: ["hour"]
        case .day: ["day"]
        case .userModel: ["user", "model"]
        }
    }

    /// Time groupings sort chronologically; the others by tokens, largest first.
    var isTimeBased: Bool { self == .hour || self == .day }
}
