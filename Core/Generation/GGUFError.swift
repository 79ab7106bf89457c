/// A model file that cannot be used, with the file and the byte offset where reading went wrong.
public struct GGUFError: Error, CustomStringConvertible, Sendable {
    /// The file that was being read.
    public let path: String
    /// The byte offset in the file where the problem was found, when it has one.
    public let offset: Int?
    /// What was wrong.
    public let message: String

    public init(path: String, offset: Int?, _ message: String) {
        self.path = path
        self.offset = offset
        self.message = message
    }

    public var description: String {
        if let offset { return "\(path) at byte \(offset): \(message)" }
        return "\(path): \(message)"
    }
}
