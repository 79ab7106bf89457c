/// Forum threads (Discourse, phpBB, Mastodon and the like) as the extractor sees them: a run of
/// sibling posts of the same kind, each signed by its author. The opening post is the page's
/// content; the replies are comments, however much text they hold together — left in, they would
/// outweigh the opening post and the whole thread would be kept.
extension ExtractionNode {
    /// Class and id words of a post.
    static let postWords: Set<String> = ["post", "message", "status", "reply", "entry", "toot", "thread-item"]
    /// Class and id words of the element that names a post's author.
    static let authorWords: Set<String> = ["author", "username", "user", "avatar", "poster", "screen-name", "display-name"]

    /// Removes every post after the first in each run of sibling posts below this node.
    func removeThreadReplies() {
        for child in children where !child.isText { child.removeThreadReplies() }
        var seen: Set<String> = []
        var replies: Set<ObjectIdentifier> = []
        for child in children where !child.isText && child.isSignedPost {
            if !seen.insert(child.postKind).inserted { replies.insert(ObjectIdentifier(child)) }
        }
        guard !replies.isEmpty else { return }
        children.removeAll { replies.contains(ObjectIdentifier($0)) }
        invalidate()
    }

    /// What makes sibling posts the same kind: the tag and the first class name, since forums add
    /// per-post classes after it (`topic-post topic-owner`, `topic-post regular`).
    var postKind: String {
        let firstClass = attributes["class"]?.lowercased().split(whereSeparator: \.isWhitespace).first ?? ""
        return name + "." + firstClass
    }

    /// A post — an `<article>`, an element whose class or id says post or message, or one with a
    /// `data-post-id` — that holds text and, somewhere inside, an element naming its author (a
    /// username, an avatar, `itemprop="author"` or `rel="author"`).
    var isSignedPost: Bool {
        guard textLength >= 25 else { return false }
        guard name == "article" || attributes["data-post-id"] != nil
            || Boilerplate.classWords(self).contains(where: Self.postWords.contains) else { return false }
        return firstDescendant { node in
            if node.attributes["rel"]?.lowercased() == "author" { return true }
            if let property = node.attributes["itemprop"]?.lowercased(), property.contains("author") { return true }
            return Boilerplate.classWords(node).contains(where: Self.authorWords.contains)
        } != nil
    }
}
