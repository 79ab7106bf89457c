import Foundation
import TwinlogEvents
import Yams

/// A sources file: authors and what they publish, in YAML or JSON.
///
///     authors:
///       - name: Jane Doe
///         sources:
///           - https://github.com/jane/notes
///           - https://medium.com/@jane
///           - url: ./exports/jane-linkedin
///             platform: linkedin
///
/// Relative paths are resolved against the file's folder.
public enum SourcesFile {
    struct File: Decodable {
        var authors: [Author]
    }

    struct Author: Decodable {
        var name: String
        var sources: [Entry]
    }

    struct Entry: Decodable {
        var url: String
        var platform: Platform?

        init(from decoder: Decoder) throws {
            if let url = try? decoder.singleValueContainer().decode(String.self) {
                self.url = url
                platform = nil
                return
            }
            let container = try decoder.container(keyedBy: Keys.self)
            url = try container.decode(String.self, forKey: .url)
            platform = try container.decodeIfPresent(Platform.self, forKey: .platform)
        }

        enum Keys: String, CodingKey { case url, platform }
    }

    /// The targets of the file at `path`; `author` overrides every author's name when given.
    public static func load(_ path: String, author: String? = nil) throws(CrawlError) -> [CrawlTarget] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CrawlError(url: path, .invalidSource("cannot read the sources file"))
        }
        let file: File
        do {
            if path.lowercased().hasSuffix(".json") {
                file = try JSONDecoder().decode(File.self, from: data)
            } else {
                file = try YAMLDecoder().decode(File.self, from: data)
            }
        } catch {
            throw CrawlError(url: path, .invalidSource("not a valid sources file (expected authors: [{name, sources: [url | {url, platform}]}]): \(error)"))
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return file.authors.flatMap { entry in
            entry.sources.map { source in
                let location = source.url.contains("://") || source.url.hasPrefix("/") || source.url.hasPrefix("~")
                    ? source.url : folder + "/" + source.url
                return CrawlTarget(location: location, platform: source.platform, authorName: author ?? entry.name)
            }
        }
    }
}
