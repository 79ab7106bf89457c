import Foundation
import TwinlogEvents

/// One thing to crawl: a URL or a local path, the platform whose crawler reads it, and the
/// author it belongs to (nil: taken from the source itself — the page's author, the feed's
/// creator, the repository's owner).
public struct CrawlTarget: Sendable, Equatable {
    public var location: String
    public var platform: Platform
    public var authorName: String?

    public init(location: String, platform: Platform? = nil, authorName: String? = nil) {
        self.location = location
        self.platform = platform ?? Dispatcher.platform(for: location)
        self.authorName = authorName
    }
}

/// Picks the crawler for a location: a GitHub repository (or any `.git` URL, or a local git
/// repository) → GitHub; medium.com and *.medium.com → Medium; linkedin.com or a LinkedIn
/// data-export folder (Shares.csv, Articles/) → LinkedIn; anything else → Article. A page that
/// turns out to carry Medium markup is recorded as Medium by the article crawler.
public enum Dispatcher {
    public static func platform(for location: String) -> Platform {
        if let path = localPath(location) {
            var isDirectory: ObjCBool = false
            let manager = FileManager.default
            if manager.fileExists(atPath: path + "/Shares.csv") || manager.fileExists(atPath: path + "/Articles", isDirectory: &isDirectory) {
                return .linkedin
            }
            return .github
        }
        guard let components = URLComponents(string: location), let host = components.host?.lowercased() else { return .article }
        let segments = components.path.split(separator: "/")
        if host == "github.com" || host == "www.github.com" { return segments.count >= 2 ? .github : .article }
        if components.path.hasSuffix(".git") { return .github }
        if host == "medium.com" || host.hasSuffix(".medium.com") { return .medium }
        if host == "linkedin.com" || host.hasSuffix(".linkedin.com") { return .linkedin }
        return .article
    }

    /// The absolute local path of `location` when it is a path or a file:// URL, else nil.
    public static func localPath(_ location: String) -> String? {
        if location.hasPrefix("file://") { return URL(string: location)?.standardizedFileURL.path }
        if location.contains("://") { return nil }
        let expanded = (location as NSString).expandingTildeInPath
        let absolute = expanded.hasPrefix("/") ? expanded : FileManager.default.currentDirectoryPath + "/" + expanded
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }
}
