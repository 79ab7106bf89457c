import Crawlers
import TwinlogHTML
import TwinlogRuntime
import TwinlogText

extension FuzzTarget {
    /// robots.txt as the crawler reads it: decoded as text, parsed for its agent, asked about
    /// paths, and its Crawl-delay turned into a duration.
    static let robots = FuzzTarget(name: "robots", summary: "robots.txt: Charset.text + RobotsRules(parsing:) + allows() + Crawl-delay") {
        FuzzHarness(name: "robots", seeds: WebSeeds.robots.map { Array($0.utf8) }) { input in
            let rules = RobotsRules(parsing: Charset.text(input), agent: "TwinlogBot/1.0")
            for path in ["/", "/private/x", "/a/b.php?q=1", "/search$", "", "/%E2%9C%93/*"] { _ = rules.allows(path) }
            if let delay = rules.crawlDelay { _ = Duration.seconds(clamping: delay, to: .seconds(60)) }
        }
    }

    /// An HTML response as the article crawler reads it: charset detection (Content-Type
    /// parameter, byte-order mark, `<meta>`, XML declaration), parsing, page metadata (JSON-LD,
    /// Open Graph), main-text and fragment extraction, cleaning. An input that starts with a
    /// `Content-Type:` line carries that header; the rest is the body.
    static let html = FuzzTarget(name: "html", summary: "HTML pages: charset detection + HTMLDocument + PageMetadata + ContentExtractor + TextCleaner") {
        FuzzHarness(name: "html", seeds: WebSeeds.pages) { input in
            var body = input
            var contentType: String?
            let prefix = Array("Content-Type:".utf8)
            if input.starts(with: prefix) {
                let end = input.firstIndex(of: 0x0A) ?? input.count
                contentType = String(decoding: input[prefix.count..<end], as: UTF8.self)
                body = Array(input[min(end + 1, input.count)...])
            }
            let decoded = Charset.decode(body, contentType: contentType)
            let document = try HTMLDocument(bytes: decoded.bytes, encoding: decoded.encoding)
            let metadata = PageMetadata(document)
            let cleaner = TextCleaner(masking: .all)
            _ = cleaner.clean(ContentExtractor().mainText(of: document, title: metadata.title))
            _ = cleaner.clean(ContentExtractor().fragmentText(of: document, title: metadata.title))
        }
    }
}

/// robots.txt files and HTML pages of the kinds the crawler meets.
enum WebSeeds {
    static let robots = [
        """
        # robots.txt for example.org
        User-agent: *
        Disallow: /private/
        Allow: /private/public$
        Crawl-delay: 2.5

        User-agent: TwinlogBot
        User-agent: OtherBot
        Disallow: /*.php$
        Disallow: /search
        Allow: /search/about
        Crawl-delay: 10
        Sitemap: https://example.org/sitemap.xml
        """,
        "User-agent: *\r\nDisallow:\r\n",
        "\u{FEFF}user-agent: twinlogbot # us\ndisallow: /\nallow: /a/*/b$\ncrawl-delay: 0.5\n",
    ]

    static let article = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Writing a vector index in Swift | Jane's blog</title>
        <meta property="og:site_name" content="Jane's blog"><meta name="author" content="Jane Doe">
        <meta property="article:published_time" content="2024-03-01T12:00:00Z">
        <link rel="canonical" href="https://example.org/posts/hnsw">
        <script type="application/ld+json">{"@context":"https://schema.org","@type":"BlogPosting","headline":"Writing a vector index",
        "author":{"@type":"Person","name":"Jane Doe"},"datePublished":"2024-03-01","articleBody":"HNSW in 300 lines."}</script>
        <style>body { font: 12px serif }</style></head>
        <body><nav><a href="/">Home</a> | <a href="/about">About</a> | <a href="/tags">Tags</a></nav>
        <article><h1>Writing a vector index in Swift</h1><p class="byline">By Jane Doe, 1 March 2024</p>
        <p>An HNSW graph keeps 16 links per node &amp; searches with ef = 64. Mail me at jane@example.org or call +1 555 0100.</p>
        <h2>Levels</h2><p>Each point draws a level from a geometric distribution; 1 in 16 points reaches level 1.</p>
        <pre><code>let index = try VectorIndex(dimension: 384)</code></pre>
        <ul><li>Insert: O(log n)</li><li>Search: O(log n)</li></ul><blockquote>Fast enough.</blockquote>
        <table><tr><td>recall</td><td>0.98</td></tr></table></article>
        <section class="comments"><div class="comment"><p>Great post!</p></div></section>
        <footer>© 2024 Jane Doe · <a href="/privacy">Privacy</a></footer></body></html>
        """

    static var pages: [[UInt8]] {
        let latin1Body: [UInt8] = Array("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">".utf8)
            + Array("<title>Caf".utf8) + [0xE9] + Array("</title></head><body><article><p>".utf8)
            + Array("Un caf".utf8) + [0xE9, 0x20, 0x96, 0x20] + Array("tr".utf8) + [0xE8] + Array("s bon, 3,50 ".utf8) + [0x80]
            + Array(".</p></article></body></html>".utf8)
        let utf16: [UInt8] = [0xFF, 0xFE] + "<html><body><p>Hello, wörld: 42</p></body></html>".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        return [
            Array(article.utf8),
            Array("Content-Type: text/html; charset=iso-8859-1\n".utf8) + latin1Body,
            latin1Body,
            utf16,
            Array(#"<?xml version="1.0" encoding="Shift_JIS"?><html><body><p>"#.utf8) + [0x82, 0xA0, 0x82, 0xA2] + Array("</p></body></html>".utf8),
            Array("Content-Type: text/html\n<html><body><div id=\"content\"><p>Bad UTF-8: ".utf8) + [0xC3, 0x28, 0xF0, 0x9F]
                + Array(" end.</p><p>Second paragraph with a link <a href=\"https://x.test\">here</a>.</p></div></body></html>".utf8),
            Array("""
            <html><head><title>Thread: tokenizer bug</title></head><body><div class="thread">
            <div class="post" id="post-1"><div class="author">jane</div><div class="content"><p>The BPE merges drop a byte.</p></div></div>
            <div class="post reply" id="post-2"><div class="author">bob</div><div class="content"><p>Same here, on 0.3.1.</p></div></div>
            </div></body></html>
            """.utf8),
        ]
    }
}
