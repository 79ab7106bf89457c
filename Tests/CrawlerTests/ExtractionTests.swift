import Foundation
import Testing
import TwinlogHTML
import TwinlogText

/// Main-content extraction, metadata and cleaning on fixture pages, without any service.
@Suite("Extraction")
struct ExtractionTests {
    static let blogText = """
        Every system I have built keeps "state" somewhere - and every one of them eventually lost it. An append-only log is the only store I trust.

        What a log gives you

        - Replays that rebuild any view from scratch.
        - An audit trail you did not have to design.

        Write to me at [EMAIL] or call [PHONE] - or read the docs at [URL].

        producer.send(record)
          .await()

        That is all it takes...
        """

    @Test("a blog article loses its navigation, cookie banner, ads, share bar, comments, sidebar and footer")
    func blogArticle() throws {
        let page = try HTMLDocument(bytes: try Fixtures.bytes("blog-article.html"))
        let metadata = PageMetadata(page)
        let text = TextCleaner().clean(ContentExtractor().mainText(of: page, title: metadata.title))
        #expect(text == Self.blogText)
    }

    @Test("metadata comes from meta tags, JSON-LD and the markup")
    func metadata() throws {
        let blog = PageMetadata(try HTMLDocument(bytes: try Fixtures.bytes("blog-article.html")))
        #expect(blog.title == "Why event logs beat snapshots")
        #expect(blog.author == "Jane Doe")
        #expect(blog.publishedAt == Date(timeIntervalSince1970: 1_709_631_000))
        #expect(blog.siteName == "Jane's Notes")
        #expect(!blog.isMedium)

        let medium = PageMetadata(try HTMLDocument(bytes: try Fixtures.bytes("medium-article.html")))
        #expect(medium.isMedium)
        #expect(medium.title == "Schemas are contracts")
        #expect(medium.author == "Jane Doe")

        let linkedIn = PageMetadata(try HTMLDocument(bytes: try Fixtures.bytes("linkedin-post.html")))
        #expect(linkedIn.articleBody == "Shipping the crawler today. It reads feeds, exports and pages, and never emits the same content twice.\n\nThanks to everyone who reviewed it!")
        #expect(linkedIn.title == "Shipping the crawler today")
    }

    @Test("structure survives: headings, nested and ordered lists, tables, code indentation")
    func structure() throws {
        let html = """
            <html><body><main>
            <h2>Setup</h2>
            <p>Install it, then run it with care and patience.</p>
            <ol start="3"><li>Three</li><li>Four<ul><li>nested</li></ul></li></ol>
            <table><tr><th>key</th><th>value</th></tr><tr><td>a</td><td>1</td></tr></table>
            <pre>func f() {
                return 1
            }</pre>
            <p>Line one<br>line two<br><br>new paragraph</p>
            </main></body></html>
            """
        let text = ContentExtractor().mainText(of: try HTMLDocument(bytes: Array(html.utf8)))
        #expect(text == """
            Setup

            Install it, then run it with care and patience.

            3. Three
            4. Four
            - nested

            key | value
            a | 1

            func f() {
                return 1
            }

            Line one
            line two

            new paragraph
            """)
    }

    @Test("cleaning normalizes typography and masks e-mails, phones and URLs, and leaves dates, versions and IPs")
    func cleaning() {
        let raw = "“Quotes” and ‘apostrophes’ — dashes – and… nbsp\u{00A0}here\u{200B}.\r\nMail a.b+c@mail.example.org, call 030 1234 5678 or (555) 123-4567, see www.example.com/page). "
            + "Dated 2024-03-05, version 1.2.3, host 192.168.10.20, build 12345678.\n\n\n\nEnd   "
        #expect(TextCleaner().clean(raw) == """
            "Quotes" and 'apostrophes' - dashes - and... nbsp here.
            Mail [EMAIL], call [PHONE] or [PHONE], see [URL]). Dated 2024-03-05, version 1.2.3, host 192.168.10.20, build 12345678.

            End
            """)
        #expect(TextCleaner(masking: [.emails]).clean("x@y.io https://a.b/c") == "[EMAIL] https://a.b/c")
        #expect(TextCleaner.Masking(list: "emails, urls") == [.emails, .urls])
        #expect(TextCleaner.Masking(list: "none") == [])
        #expect(TextCleaner.Masking(list: "passwords") == nil)
    }

    @Test("a page with no readable text gives empty text, not a crash")
    func emptyPage() throws {
        let page = try HTMLDocument(bytes: Array("<html><head><script>var a=1</script></head><body><nav><a href=/>Home</a></nav></body></html>".utf8))
        #expect(ContentExtractor().mainText(of: page) == "")
    }

    @Test("a feed entry's leading heading that repeats its title is dropped")
    func fragment() throws {
        let page = try HTMLDocument(bytes: Array("<h3>Kafka keys!</h3><p>Body text.</p><figure><img src=x><figcaption>cap</figcaption></figure>".utf8))
        #expect(ContentExtractor().fragmentText(of: page, title: "Kafka keys") == "Body text.")
    }

    static let openingPost = "Centering is the whole game. If the clay is not centred before you open it, every later step magnifies the error."

    /// A forum post in the shape of Discourse's markup: avatar, username, date, text, controls.
    static func forumPost(_ number: Int, by user: String, _ text: String) -> String {
        """
        <div class="topic-post clearfix \(number == 1 ? "topic-owner" : "regular")"><article id="post_\(number)" data-post-id="\(number)">\
        <div class="topic-avatar"><a href="/u/\(user)"><img src="/a.png"></a></div>\
        <div class="topic-body"><div class="topic-meta-data"><span class="first username"><a href="/u/\(user)">\(user)</a></span>\
        <a class="post-date" href="/t/1/\(number)">Mar \(number)</a></div>\
        <div class="cooked"><p>\(text)</p></div></div></article></div>
        """
    }

    @Test("a forum thread's opening post is the content; the replies are dropped even when they outweigh it")
    func forumThread() throws {
        let replies = [
            "This matches my experience almost exactly. It took me far longer than I expected to stop fighting the material.",
            "Thanks for writing this up. Do you have any recommendations for books that explain the basics to a beginner?",
            "Great thread. I printed the list and stuck it on the wall next to my workbench, where I see it every day.",
        ]
        let posts = [Self.forumPost(1, by: "ines", Self.openingPost)]
            + replies.enumerated().map { Self.forumPost($0.offset + 2, by: "user\($0.offset)", $0.element) }
        let html = "<html><body><div id=\"main-outlet\"><h1>Patience</h1><div class=\"post-stream\">\(posts.joined())</div></div></body></html>"
        let text = ContentExtractor().mainText(of: try HTMLDocument(bytes: Array(html.utf8)), title: "Patience")
        #expect(text == Self.openingPost)
    }

    @Test("comments marked by microdata or by a comment class are dropped, on <article> too")
    func microdataComments() throws {
        let html = """
            <html><body><main><article itemscope itemtype="https://schema.org/BlogPosting"><div itemprop="articleBody">
            <p>\(Self.openingPost)</p></div>
            <article itemprop="comment" itemscope itemtype="https://schema.org/Comment"><p>A comment that is long enough to count as a paragraph of good text.</p></article>
            <div itemscope itemtype="http://schema.org/UserComments"><p>Another comment that is long enough to count as good paragraph text.</p></div>
            <ol class="commentlist"><li><p>A third comment in a WordPress comment list, long enough to count as text.</p></li></ol>
            <x-comment><p>A fourth comment in a custom element, which is long enough to count as text.</p></x-comment>
            </article></main></body></html>
            """
        #expect(ContentExtractor().mainText(of: try HTMLDocument(bytes: Array(html.utf8))) == Self.openingPost)
    }

    @Test("a wire story's credit line (\"Reporting by …; Editing by …\") is dropped, a sentence mentioning reporting is not")
    func wireSignOff() throws {
        let story = "Reporting by the regional desk showed that the harbour reopened on Tuesday after three days of storms."
        let html = """
            <html><body><article><div class="article-body__content__17Yit">
            <p>\(Self.openingPost)</p><p>\(story)</p>
            <p class="text__text__1FZLe">Reporting by Ines Duarte; Editing by Jane Merriman</p>
            <p>(Additional reporting by Tom Baker in London; Writing by Ana Lima)</p>
            </div></article></body></html>
            """
        #expect(ContentExtractor().mainText(of: try HTMLDocument(bytes: Array(html.utf8))) == Self.openingPost + "\n\n" + story)
    }

    @Test("a section heading keeps its wrapper called header; chrome before the title and permalink symbols go")
    func headingsAndChrome() throws {
        let html = """
            <html><body><article><a href="/edit" class="md-content__button">Edit</a><h1>Clay notes<a class="headerlink" href="#t">¶</a></h1>
            <p>\(Self.openingPost)</p>
            <div class="notion-sub_header-block"><h3>Small rules <a href="#r">#</a></h3></div>
            <p>Brace your elbows against your thighs, and use less water than you think.</p>
            </article></body></html>
            """
        #expect(ContentExtractor().mainText(of: try HTMLDocument(bytes: Array(html.utf8)), title: "Clay notes") == """
            \(Self.openingPost)

            Small rules

            Brace your elbows against your thighs, and use less water than you think.
            """)
    }

    @Test("a layout table's cells render as blocks; a data table's rows stay one line each, <p> in cells or not")
    func layoutTable() throws {
        let html = """
            <table><tr><td class="title">Ask HN: queues</td></tr>
            <tr><td></td><td><div class="toptext">First paragraph.<p>Second paragraph.<pre><code>let x = 1
              + 2</code></pre></div></td></tr></table>
            <table><tr><th>key</th><th>value</th></tr><tr><td><p>a</p></td><td><p>1</p></td></tr></table>
            """
        #expect(ContentExtractor().fragmentText(of: try HTMLDocument(bytes: Array(html.utf8))) == """
            Ask HN: queues

            First paragraph.

            Second paragraph.

            let x = 1
              + 2

            key | value
            a | 1
            """)
    }
}
