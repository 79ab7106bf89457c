// The benchmark's entry point: compiled by run.py together with Core/HTML (the crawler's
// extractor, unchanged) into one optimized binary, so the benchmark always measures the current
// source without building the whole package. Prints one JSON object per HTML file given.
import Foundation

let cleaner = TextCleaner(masking: [])
for path in CommandLine.arguments.dropFirst() {
    var object: [String: String] = ["file": path, "text": ""]
    if let data = FileManager.default.contents(atPath: path), let document = try? HTMLDocument(bytes: Array(data)) {
        let metadata = PageMetadata(document)
        object["text"] = cleaner.clean(ContentExtractor().mainText(of: document, title: metadata.title))
        object["title"] = metadata.title
    }
    let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
}
