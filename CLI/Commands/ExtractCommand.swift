import ArgumentParser
import Foundation
import TwinlogHTML
import TwinlogText

/// `twinlog extract FILE…`: the crawler's main-content extraction and cleaning applied to saved
/// HTML files, printing the text (or one JSON object per file with the metadata), for inspection
/// and for the extraction benchmark.
struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract", abstract: "Print the main text (and metadata) the crawler extracts from HTML files.")

    @Argument(help: "HTML files (UTF-8 unless the page declares another charset).")
    var files: [String]
    @Option(help: "What to mask: a list of emails, phones, urls; or all, or none.")
    var mask = "all"
    @Flag(help: "One JSON object per file: file, title, author, publishedAt, text.")
    var json = false

    func validate() throws {
        if TextCleaner.Masking(list: mask) == nil { throw ValidationError("--mask takes emails, phones, urls (comma-separated), all or none") }
    }

    func run() throws {
        let cleaner = TextCleaner(masking: TextCleaner.Masking(list: mask) ?? .all)
        var failed = false
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("\(file): cannot read the file\n".utf8))
                failed = true
                continue
            }
            let document: HTMLDocument
            do { document = try HTMLDocument(bytes: Array(data)) } catch {
                FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
                failed = true
                continue
            }
            let metadata = PageMetadata(document)
            let text = cleaner.clean(ContentExtractor().mainText(of: document, title: metadata.title))
            if json {
                var object: [String: String] = ["file": file, "text": text]
                object["title"] = metadata.title
                object["author"] = metadata.author
                object["publishedAt"] = metadata.publishedAt.map { ISO8601DateFormatter().string(from: $0) }
                let encoded = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: encoded, as: UTF8.self))
            } else {
                if files.count > 1 { print("==> \(file) <==") }
                print(text)
            }
        }
        if failed { throw ExitCode(1) }
    }
}
