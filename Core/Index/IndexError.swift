/// Why the index refused an operation or a snapshot. Every case says what was wrong and where,
/// so a bad vector or a damaged file never crashes a consumer and never loads silently.
public enum IndexError: Error, Equatable, CustomStringConvertible {
    /// A configuration value is outside its documented range.
    case invalidConfiguration(String)
    /// A vector or query does not fit the index (wrong length, not finite, not L2-normalized).
    case invalidVector(String)
    /// A search argument (k, efSearch) is outside its range.
    case invalidArgument(String)
    /// The snapshot file could not be read or written at all.
    case snapshotIO(path: String, reason: String)
    /// The snapshot bytes are damaged, truncated, of another format or of an unknown version.
    case corruptSnapshot(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let why): "invalid index configuration: \(why)"
        case .invalidVector(let why): "invalid vector: \(why)"
        case .invalidArgument(let why): "invalid search argument: \(why)"
        case .snapshotIO(let path, let reason): "cannot access snapshot \(path): \(reason)"
        case .corruptSnapshot(let why): "corrupt snapshot: \(why)"
        }
    }
}
