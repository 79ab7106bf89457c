"""Renders the hand-written bodies (bodies.py) into pages shaped like real sites and writes, next
to each page, the expected main text. Run once; the pages are committed as fixtures.

    python3 Benchmarks/extraction/make_pages.py

Every template wraps the body in the boilerplate its kind of site really has, including the
hard cases: prose in sidebars ("About me"), in-article newsletter boxes and ads, related-story
lists, comments with full sentences, author bios, standfirsts and captions, cookie banners.
Expected text = the article body only (in-body headings, paragraphs, list items, code, quotes,
table cells); never the title, byline, dates, tags, captions or anything around the body.
"""
import html
import os
import re

from bodies import BODIES

HERE = os.path.dirname(os.path.abspath(__file__))
PAGES = os.path.join(HERE, "pages")


def inline(text):
    """Mini markup → HTML: [label](href), `code`, **strong**."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r'<a href="\2">\1</a>', out)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    return out


def plain(text):
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1", text)
    return text.replace("`", "").replace("**", "")


def expected(blocks):
    parts = []
    for kind, value in blocks:
        if kind in ("ul", "ol"):
            parts.append("\n".join(plain(item) for item in value))
        elif kind == "table":
            parts.append("\n".join(" | ".join(row) for row in value))
        elif kind == "pre":
            parts.append(value)
        else:
            parts.append(plain(value))
    return "\n\n".join(parts) + "\n"


def block_html(kind, value, p_attrs="", heading_suffix=""):
    if kind == "p":
        return f"<p{p_attrs}>{inline(value)}</p>"
    if kind in ("h2", "h3"):
        return f"<{kind}>{inline(value)}{heading_suffix}</{kind}>"
    if kind in ("ul", "ol"):
        return f"<{kind}>" + "".join(f"<li>{inline(item)}</li>" for item in value) + f"</{kind}>"
    if kind == "pre":
        return f"<pre><code>{html.escape(value, quote=False)}</code></pre>"
    if kind == "quote":
        return f"<blockquote><p>{inline(value)}</p></blockquote>"
    if kind == "table":
        head, *rows = value
        return ("<table><thead><tr>" + "".join(f"<th>{c}</th>" for c in head) + "</tr></thead><tbody>"
                + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows) + "</tbody></table>")
    raise ValueError(kind)


def body_html(blocks, **kwargs):
    return "\n".join(block_html(kind, value, **kwargs) for kind, value in blocks)


def split_body(blocks):
    middle = max(1, len(blocks) // 2)
    return blocks[:middle], blocks[middle:]


def head(b, extra=""):
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{b['title']}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:title" content="{b['title']}">
<meta name="author" content="{b['author']}">
<meta property="article:published_time" content="{b['date']}T08:00:00Z">
<link rel="stylesheet" href="/assets/site.css">
<script>window.__CONFIG__ = {{"env":"prod","features":["comments","newsletter"]}};</script>
{extra}
</head>"""


COOKIE = """<div id="cookie-notice" class="cookie-consent-banner" role="dialog"><p>We use cookies and similar technologies to improve your experience, measure performance and show you relevant content. By clicking accept you agree to our use of cookies.</p><button>Accept all</button><button>Manage preferences</button></div>"""
ANALYTICS = """<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"></script><script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());</script>"""


def related(titles):
    return "".join(f'<li><a href="/p/{i}">{t}</a></li>' for i, t in enumerate(titles))


OTHER_TITLES = ["Ten things I wish I knew before my first job", "The quiet power of saying no to meetings",
                "A beginner's guide to keeping chickens in the city", "Why we moved our servers back on premises",
                "The best hiking trails within an hour of the station"]
COMMENT = """<div class="comment"><div class="comment-author">Rob W.</div><div class="comment-body"><p>Great write-up, thank you. We tried something similar last year and ran into exactly the same problems with the rollout, so it is reassuring to read that it worked out for you in the end.</p></div></div>
<div class="comment"><div class="comment-author">Mei</div><div class="comment-body"><p>Could you share more details about how long the whole process took from start to finish? I am trying to convince my manager.</p></div></div>"""
ABOUT = """<p>Hi, I am the author of this blog. I write about software, cooking, travel and whatever else catches my attention on a given weekend. I have been blogging since 2009 and I live by the sea with two cats and far too many books.</p>"""
NEWSLETTER = """<p>Enjoyed this post? Join more than twelve thousand readers and get new articles delivered to your inbox every Sunday morning, with no spam and no tracking.</p>"""


def wordpress(b):
    first, second = split_body(b["blocks"])
    return head(b) + f"""
<body class="post-template-default single single-post">{COOKIE}
<div id="page" class="site"><a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header"><div class="site-branding"><p class="site-title"><a href="/">Notes from the Workshop</a></p><p class="site-description">Thoughts on building things, one weekend at a time</p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu"><li><a href="/">Home</a></li><li><a href="/blog">Blog</a></li><li><a href="/projects">Projects</a></li><li><a href="/about">About</a></li><li><a href="/contact">Contact</a></li></ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-1234" class="post-1234 post type-post status-publish format-standard hentry category-notes">
<header class="entry-header"><h1 class="entry-title">{b['title']}</h1><div class="entry-meta"><span class="posted-on">Posted on <time class="entry-date published">{b['date']}</time></span><span class="byline"> by <span class="author vcard"><a class="url fn n" href="/author/x">{b['author']}</a></span></span></div></header>
<div class="entry-content">
{body_html(first)}
<div class="wp-block-group newsletter-signup"><div class="wp-block-group__inner-container">{NEWSLETTER}<form><input type="email" placeholder="Email address"><button>Subscribe</button></form></div></div>
{body_html(second)}
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social sd-social-icon-text sd-sharing"><h3 class="sd-title">Share this:</h3><ul><li><a href="#">Twitter</a></li><li><a href="#">Facebook</a></li><li><a href="#">Email</a></li></ul></div></div>
</div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/c/notes">Notes</a></span><span class="tags-links">Tagged <a href="/t/a">practice</a>, <a href="/t/b">lessons</a></span></footer>
</article>
<nav class="navigation post-navigation" aria-label="Posts"><div class="nav-links"><div class="nav-previous"><a href="/p/1"><span class="meta-nav">Previous Post</span> {OTHER_TITLES[0]}</a></div><div class="nav-next"><a href="/p/2"><span class="meta-nav">Next Post</span> {OTHER_TITLES[1]}</a></div></div></nav>
<div id="comments" class="comments-area"><h2 class="comments-title">2 thoughts on &ldquo;{b['title']}&rdquo;</h2>{COMMENT}<div id="respond" class="comment-respond"><h3>Leave a Reply</h3><form><textarea></textarea></form></div></div>
</main></div>
<aside id="secondary" class="widget-area"><section id="text-2" class="widget widget_text"><h2 class="widget-title">About me</h2><div class="textwidget">{ABOUT}</div></section>
<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>{related(OTHER_TITLES)}</ul></section></aside></div>
<footer id="colophon" class="site-footer"><div class="site-info"><a href="https://wordpress.org/">Proudly powered by WordPress</a> | Theme: Twenty Nineteen.</div></footer></div>{ANALYTICS}</body></html>"""


def ghost(b):
    return head(b, '<meta name="generator" content="Ghost 5.82">') + f"""
<body class="post-template"><div class="viewport"><header id="gh-head" class="gh-head outer"><div class="gh-head-inner inner"><div class="gh-head-brand"><a class="gh-head-logo" href="/">The Long Road</a></div>
<nav class="gh-head-menu"><ul class="nav"><li class="nav-home"><a href="/">Home</a></li><li class="nav-archive"><a href="/archive/">Archive</a></li><li class="nav-about"><a href="/about/">About</a></li></ul></nav>
<div class="gh-head-actions"><a class="gh-head-button" href="#/portal/signup">Subscribe</a></div></div></header>
<div class="site-content"><main id="site-main" class="site-main">
<article class="article post tag-essays">
<header class="article-header gh-canvas"><div class="article-tag post-card-tags"><span class="post-card-primary-tag"><a href="/tag/essays/">Essays</a></span></div>
<h1 class="article-title">{b['title']}</h1><p class="article-excerpt">A short note on what changed, what did not, and what I would do differently next time around.</p>
<div class="article-byline"><div class="article-byline-content"><div class="article-byline-meta"><h4 class="author-name"><a href="/author/x/">{b['author']}</a></h4><div class="byline-meta-content"><time class="byline-meta-date">{b['date']}</time><span class="byline-reading-time"><span class="bull">&bull;</span> 4 min read</span></div></div></div></div>
<figure class="article-image"><img src="/content/images/cover.jpg" alt=""><figcaption>Photo by a friend, used with kind permission.</figcaption></figure></header>
<section class="gh-content gh-canvas">
{body_html(b['blocks'])}
</section>
</article></main>
<section class="footer-cta outer"><div class="inner"><h2 class="footer-cta-title">Sign up for more like this.</h2><a class="footer-cta-button" href="#/portal"><div class="footer-cta-input">Enter your email</div><span>Subscribe</span></a></div></section>
<aside class="read-more-wrap outer"><div class="read-more inner"><article class="post-card"><a class="post-card-image-link" href="/a/"><h2 class="post-card-title">{OTHER_TITLES[2]}</h2><div class="post-card-excerpt">Three years, eleven hens and one very angry neighbour later, here is everything I have learned.</div></a></article>
<article class="post-card"><a href="/b/"><h2 class="post-card-title">{OTHER_TITLES[3]}</h2><div class="post-card-excerpt">The cloud bill finally crossed the line where owning hardware made sense again.</div></a></article></div></aside></div>
<footer class="site-footer outer"><div class="inner"><section class="copyright"><a href="/">The Long Road</a> &copy; 2024</section><nav class="site-footer-nav"><ul class="nav"><li><a href="/privacy/">Privacy</a></li></ul></nav><div class="gh-powered-by"><a href="https://ghost.org/">Powered by Ghost</a></div></div></footer></div>{ANALYTICS}</body></html>"""


def substack(b):
    return head(b, '<meta property="og:site_name" content="Field Notes">') + f"""
<body><div id="entry"><div id="main" class="main typography use-theme-bg">
<div class="topbar-content"><a href="/" class="navbar-title-link">Field Notes</a><div class="navbar-buttons"><a href="/subscribe">Subscribe</a><a href="/sign-in">Sign in</a></div></div>
<div class="container"><div class="single-post-container"><div class="single-post"><article class="typography newsletter-post post">
<div class="post-header"><h1 class="post-title unpublished">{b['title']}</h1><h3 class="subtitle">Notes from the last few months, and a question for you at the end</h3>
<div class="post-meta"><div class="post-ufi"><a href="/@x">{b['author']}</a><div class="post-date">{b['date']}</div></div><div class="like-button-container"><button>Like</button></div></div></div>
<div class="available-content"><div dir="auto" class="body markup">
{body_html(b['blocks'])}
<div class="subscription-widget-wrap-editor"><div class="subscription-widget show-subscribe"><div class="preamble"><p class="cta-caption">Thanks for reading Field Notes! Subscribe for free to receive new posts and support my work.</p></div><form class="subscription-widget-subscribe"><input type="email" placeholder="Type your email..."><input type="submit" value="Subscribe"></form></div></div>
</div></div>
<div class="post-footer"><div class="post-ufi"><button class="like-button">Like</button><button class="post-ufi-comment-button">Comment</button><button class="share">Share</button></div></div>
</article>
<div id="discussion" class="comments-page"><h4>Discussion about this post</h4><div class="comments-list">{COMMENT}</div></div>
<div class="post-end-cta"><p>Ready for more?</p><form><input type="email"><button>Subscribe</button></form></div>
</div></div></div>
<div class="footer-wrap"><div class="footer"><div class="footer-terms">&copy; 2024 Field Notes &middot; <a href="/privacy">Privacy</a> &middot; <a href="/tos">Terms</a> &middot; <a href="/collection">Collection notice</a></div><div class="footer-substack-cta"><a href="https://substack.com/signup">Start writing</a><a href="https://substack.com/app">Get the app</a></div><p class="substack-is-home">Substack is the home for great culture</p></div></div>
</div></div>{ANALYTICS}</body></html>"""


def medium(b):
    paragraphs = "\n".join(
        block_html(kind, value, p_attrs=' class="pw-post-body-paragraph lx ly gr lz b ma mb mc md me mf mg mh mi mj mk ml mm mn mo mp mq mr ms mt mu go bk" data-selectable-paragraph=""')
        for kind, value in b["blocks"])
    return head(b, '<meta property="og:site_name" content="Medium"><meta property="al:android:package" content="com.medium.reader">') + f"""
<body><div id="root"><div class="a b c"><div class="d e f g h i j k"></div>
<div class="l c"><div class="l m n o"><div class="p q r s t u v w x y z ab"><a href="/" aria-label="Homepage">Medium</a><div class="ac ae"><a href="/search">Search</a><a href="/new-story">Write</a><a href="/m/signin">Sign in</a></div></div></div></div>
<div class="ap aq ar"><article><div class="l"><div class="l"><section><div><div class="gm gn go gp gq"></div><div class="hb hc hd he hf"><div class="ab ca"><div class="ch bg fz ga gb gc">
<div><h1 id="a1b2" class="pw-post-title gr gs gt be gu gv gw gx gy gz ha hb hc hd he hf hg hh hi hj hk hl hm hn ho hp hq hr hs ht bj" data-testid="storyTitle">{b['title']}</h1></div>
<div class="speechify-ignore ab cp"><div class="hu hv hw hx hy hz ia ib"><div class="aa ed"><a rel="noopener follow" href="/@x"><div class="l ic ie bx id"><img alt="{b['author']}" class="l eu by ie if fl" src="/a.png"></div></a>
<div class="ab q"><span class="be b bf z bj"><a class="af ag ah ai aj ak al am an ao ap aq ar as it" href="/@x">{b['author']}</a></span><span class="iu iv" aria-hidden="true"><span class="be b bf z dy">&middot;</span></span><button class="be b bf z jb jc jd">Follow</button></div>
<div class="ab cb ix iy"><span data-testid="storyReadTime">6 min read</span><span>&middot;</span><span data-testid="storyPublishDate">{b['date']}</span></div></div></div></div>
<div class="jf jg jh ji jj jk"><div class="bm" aria-hidden="false"><button data-testid="headerClapButton">Clap</button><span class="pw-multi-vote-count">1.2K</span></div><div><button aria-label="responses">34</button></div><div class="bm"><button data-testid="headerBookmarkButton">Save</button><button>Listen</button><button>Share</button></div></div>
{paragraphs}
</div></div></div></div></section></div></div></article></div>
<div class="ab ca"><div class="ch bg fz ga gb gc"><div class="oc od oe of og oh"><button data-testid="footerClapButton">Clap</button><span>1.2K</span><button>34 responses</button></div>
<div class="ab ca ci"><div class="tc"><h2 class="be sk sl sm sn so sp">Written by {b['author']}</h2><div class="ab q"><span>4.1K Followers</span><span>&middot;</span><span>Writer for Better Programming</span></div><p class="be b du z dx">Engineer and occasional writer. Opinions are my own and change often.</p><button>Follow</button></div></div>
<div class="tn"><h2>More from {b['author']}</h2><div class="ab q"><a href="/x"><h2>{OTHER_TITLES[0]}</h2><h3>Lessons I had to learn the hard way, so you do not have to</h3></a></div><div class="ab q"><a href="/y"><h2>{OTHER_TITLES[4]}</h2><h3>Pack light, start early and always carry more water than you think</h3></a></div></div>
<div class="tn"><h2>Recommended from Medium</h2><div><a href="/z"><h2>{OTHER_TITLES[3]}</h2></a></div></div>
<div class="sd"><a href="/help">Help</a><a href="/status">Status</a><a href="/about">About</a><a href="/careers">Careers</a><a href="/press">Press</a><a href="/blog">Blog</a><a href="/privacy">Privacy</a><a href="/terms">Terms</a><a href="/text-to-speech">Text to speech</a><a href="/teams">Teams</a></div></div></div>
</div></div><script>window.__APOLLO_STATE__ = {{"ROOT_QUERY":{{}}}}</script></body></html>"""


def devto(b):
    return head(b, '<meta property="og:site_name" content="DEV Community">') + f"""
<body class="default default-article-body"><div id="body-styles"></div>
<header class="crayons-header"><span class="crayons-header__container"><a href="/" class="site-logo" aria-label="DEV Community Home">DEV Community</a><div class="crayons-header--search"><form><input type="text" placeholder="Search..."></form></div><div class="flex items-center"><a href="/enter" class="crayons-btn">Log in</a><a href="/enter?state=new-user" class="crayons-btn">Create account</a></div></span></header>
<div id="page-content" class="wrapper stories stories-show"><div id="page-content-inner"><div class="crayons-layout crayons-layout--3-cols crayons-layout--article">
<aside class="crayons-layout__sidebar-left" aria-label="Article actions"><div class="crayons-article-actions"><button>Add reaction</button><span>142</span><button>Jump to Comments</button><span>17</span><button>Save</button></div></aside>
<main id="main-content" class="grid gap-4"><div class="article-wrapper"><article class="crayons-card crayons-article mb-4" id="article-show-container">
<header class="crayons-article__header" id="main-title"><div class="crayons-article__header__meta"><div class="flex s:items-start"><a href="/x" class="crayons-avatar"><img src="/a.png" alt=""></a><div><a href="/x" class="crayons-link fw-bold">{b['author']}</a><p class="fs-xs color-base-60">Posted on <time datetime="{b['date']}T08:00:00Z">{b['date']}</time></p></div></div>
<h1 class="fs-3xl m:fs-4xl l:fs-5xl fw-bold s:fw-heavy lh-tight mb-2">{b['title']}</h1><div class="spec__tags flex flex-wrap"><a class="crayons-tag" href="/t/programming"><span class="crayons-tag__prefix">#</span>programming</a><a class="crayons-tag" href="/t/beginners"><span class="crayons-tag__prefix">#</span>beginners</a></div></div></header>
<div class="crayons-article__main"><div class="crayons-article__body text-styles spec__body" data-article-id="1856200" id="article-body">
{body_html(b['blocks'])}
</div></div></article>
<section id="comments" class="text-padding mb-4 crayons-card comments" data-updated-at="2024-01-01"><header class="relative flex justify-between items-center mb-6"><h2 class="crayons-subtitle-1">Top comments (17)</h2></header>{COMMENT}</section>
<div class="crayons-card crayons-card--secondary p-4"><p>For further actions, you may consider blocking this person and/or reporting abuse</p></div>
</div></main>
<aside class="crayons-layout__sidebar-right" aria-label="Right sidebar navigation"><div class="crayons-card crayons-card--secondary"><header><h3 class="crayons-subtitle-2">Read next</h3></header><div><a href="/a"><h4>{OTHER_TITLES[0]}</h4><p>Jamie Lin - Mar 3</p></a><a href="/b"><h4>{OTHER_TITLES[1]}</h4><p>Sam Ortiz - Feb 11</p></a></div></div></aside>
</div></div></div>
<footer id="footer" class="crayons-footer"><div class="crayons-footer__container"><p><a href="/">DEV Community</a> &mdash; A constructive and inclusive social network for software developers. With you every step of your journey.</p><ul class="footer__nav-links"><li><a href="/">Home</a></li><li><a href="/podcasts">Podcasts</a></li><li><a href="/videos">Videos</a></li><li><a href="/tags">Tags</a></li><li><a href="/faq">FAQ</a></li></ul><p>Built on Forem &mdash; the open source software that powers DEV and other inclusive communities.</p><p>Made with love and Ruby on Rails. DEV Community &copy; 2016 - 2024.</p></div></footer>{ANALYTICS}</body></html>"""


def github(b):
    files = "".join(f'<div role="row" class="Box-row"><div role="rowheader"><a class="js-navigation-open Link--primary" href="/x/{n}">{n}</a></div><div role="gridcell"><a class="Link--secondary" href="/c/1">{m}</a></div><div role="gridcell"><relative-time>2 weeks ago</relative-time></div></div>'
                    for n, m in [("src", "Refactor the parser and add tests for edge cases"), ("docs", "Fix typos in the getting started guide"), ("README.md", "Update README with the new install steps"), ("LICENSE", "Initial commit")])
    return head(b, '<meta property="og:site_name" content="GitHub">') + f"""
<body class="logged-out env-production page-responsive"><div class="position-relative js-header-wrapper"><a href="#start-of-content" class="px-2 py-4 color-bg-accent-emphasis color-fg-on-emphasis show-on-focus js-skip-to-content">Skip to content</a>
<header class="Header-old header-logged-out js-details-container Details position-relative f4 py-3" role="banner"><div class="container-xl d-flex flex-column flex-lg-row flex-items-center p-responsive height-full position-relative z-1"><a class="mr-lg-3 color-fg-inherit flex-order-2" href="https://github.com/" aria-label="Homepage">GitHub</a>
<nav aria-label="Global" class="mt-5 mb-3 mb-lg-0"><ul class="d-lg-flex list-style-none"><li><button class="HeaderMenu-link">Product</button></li><li><button class="HeaderMenu-link">Solutions</button></li><li><button class="HeaderMenu-link">Open Source</button></li><li><a class="HeaderMenu-link" href="/pricing">Pricing</a></li></ul></nav><div class="d-lg-flex flex-items-center"><a href="/login" class="HeaderMenu-link">Sign in</a><a href="/signup" class="HeaderMenu-link">Sign up</a></div></div></header></div>
<div class="application-main" data-commit-hovercards-enabled><main id="js-repo-pjax-container"><div id="repository-container-header" class="pt-3 hide-full-screen"><div class="d-flex flex-nowrap flex-justify-end mb-3 px-3 px-md-4 px-lg-5"><strong itemprop="name"><a href="/x/y">tools</a></strong><span class="Label Label--secondary v-align-middle mr-1">Public</span></div>
<nav aria-label="Repository" class="js-repo-nav js-sidenav-container-pjax js-responsive-underlinenav overflow-hidden UnderlineNav px-3 px-md-4 px-lg-5"><ul class="UnderlineNav-body list-style-none"><li><a class="UnderlineNav-item selected" href="/x/y">Code</a></li><li><a class="UnderlineNav-item" href="/x/y/issues">Issues 12</a></li><li><a class="UnderlineNav-item" href="/x/y/pulls">Pull requests 3</a></li><li><a class="UnderlineNav-item" href="/x/y/actions">Actions</a></li></ul></nav></div>
<div class="clearfix container-xl px-md-4 px-lg-5 px-3"><div class="repository-content"><div class="Layout Layout--flowRow-until-md Layout--sidebarPosition-end"><div class="Layout-main"><div class="Box mb-3"><div class="Box-header"><a href="/x/y/commits">{b['author']} Merge pull request #42 from feature/parser</a><span>128 commits</span></div><div class="js-details-container Details" role="grid">{files}</div></div>
<div id="readme" class="Box MarkdownReadme"><div class="d-flex js-sticky js-position-sticky top-0 border-top-0 border-bottom p-2 flex-items-center flex-justify-between color-bg-default rounded-top-2"><h2 class="Box-title">README.md</h2></div>
<div data-target="readme-toc.content" class="Box-body px-5 pb-5"><article class="markdown-body entry-content container-lg" itemprop="text">
{body_html(b['blocks'], heading_suffix='<a id="user-content-x" class="anchor" aria-hidden="true" href="#x"><svg class="octicon octicon-link" viewBox="0 0 16 16" width="16" height="16"></svg></a>')}
</article></div></div></div>
<div class="Layout-sidebar"><div class="BorderGrid BorderGrid--spacious"><div class="BorderGrid-row"><div class="BorderGrid-cell"><h2 class="mb-3 h4">About</h2><p class="f4 my-3">A small collection of command line tools that I use every day, written in a weekend and maintained ever since.</p><div class="my-3 d-flex flex-items-center"><a href="/topics/cli" class="topic-tag topic-tag-link">cli</a><a href="/topics/tools" class="topic-tag topic-tag-link">tools</a></div><a href="#readme-ov-file" class="Link--muted">Readme</a><a href="#MIT-1-ov-file" class="Link--muted">MIT license</a><a href="/x/y/stargazers" class="Link--muted"><strong>1.4k</strong> stars</a><a href="/x/y/forks" class="Link--muted"><strong>96</strong> forks</a></div></div>
<div class="BorderGrid-row"><div class="BorderGrid-cell"><h2 class="h4 mb-3">Releases <span class="Counter">9</span></h2><a href="/x/y/releases/tag/v2.1.0">v2.1.0 Latest</a></div></div><div class="BorderGrid-row"><div class="BorderGrid-cell"><h2 class="h4 mb-3">Languages</h2><ul class="list-style-none"><li><span class="color-fg-default text-bold mr-1">Go</span><span>87.4%</span></li><li><span class="color-fg-default text-bold mr-1">Shell</span><span>12.6%</span></li></ul></div></div></div></div></div></div></div></main></div>
<footer class="footer pt-8 pb-6 f6 color-fg-muted p-responsive" role="contentinfo"><h2 class="sr-only">Footer</h2><div class="d-flex flex-items-center"><span>&copy; 2024 GitHub,&nbsp;Inc.</span></div><nav aria-label="Footer"><ul class="list-style-none d-flex flex-justify-center flex-wrap mb-2 mb-lg-0"><li><a href="/site/terms">Terms</a></li><li><a href="/site/privacy">Privacy</a></li><li><a href="https://www.githubstatus.com/">Status</a></li><li><a href="https://docs.github.com">Docs</a></li><li><a href="https://support.github.com">Contact</a></li></ul></nav></footer></body></html>"""


def toc(b):
    return "".join(f'<li class="toctree-l2"><a class="reference internal" href="#s{i}">{v}</a></li>' for i, (k, v) in enumerate(b["blocks"]) if k in ("h2", "h3"))


def sphinx(b):
    return head(b) + f"""
<body class="wy-body-for-nav"><div class="wy-grid-for-nav">
<nav data-toggle="wy-nav-shift" class="wy-nav-side"><div class="wy-side-scroll"><div class="wy-side-nav-search"><a href="index.html" class="icon icon-home">Handbook</a><div class="version">2.4</div><div role="search"><form id="rtd-search-form" class="wy-form"><input type="text" name="q" placeholder="Search docs"></form></div></div>
<div class="wy-menu wy-menu-vertical" data-spy="affix" role="navigation" aria-label="Navigation menu"><p class="caption" role="heading"><span class="caption-text">User Guide</span></p><ul class="current"><li class="toctree-l1"><a class="reference internal" href="install.html">Installation</a></li><li class="toctree-l1 current"><a class="current reference internal" href="#">{b['title']}</a><ul>{toc(b)}</ul></li><li class="toctree-l1"><a class="reference internal" href="config.html">Configuration reference</a></li><li class="toctree-l1"><a class="reference internal" href="faq.html">Frequently asked questions</a></li><li class="toctree-l1"><a class="reference internal" href="changelog.html">Changelog</a></li></ul></div></div></nav>
<section data-toggle="wy-nav-shift" class="wy-nav-content-wrap"><nav class="wy-nav-top" aria-label="Mobile navigation menu"><a href="index.html">Handbook</a></nav>
<div class="wy-nav-content"><div class="rst-content"><div role="navigation" aria-label="Page navigation"><ul class="wy-breadcrumbs"><li><a href="index.html" class="icon icon-home"></a></li><li class="breadcrumb-item active">{b['title']}</li><li class="wy-breadcrumbs-aside"><a href="_sources/page.rst.txt" rel="nofollow"> View page source</a></li></ul><hr></div>
<div role="main" class="document" itemscope="itemscope" itemtype="http://schema.org/Article"><div itemprop="articleBody">
<section id="page"><h1>{b['title']}<a class="headerlink" href="#page" title="Link to this heading">&para;</a></h1>
{body_html(b['blocks'], heading_suffix='<a class="headerlink" href="#" title="Link to this heading">&para;</a>')}
</section></div></div>
<footer><div class="rst-footer-buttons" role="navigation" aria-label="Footer"><a href="install.html" class="btn btn-neutral float-left" title="Installation" accesskey="p" rel="prev"><span class="fa fa-arrow-circle-left" aria-hidden="true"></span> Previous</a><a href="config.html" class="btn btn-neutral float-right" title="Configuration reference" accesskey="n" rel="next">Next <span class="fa fa-arrow-circle-right" aria-hidden="true"></span></a></div><hr>
<div role="contentinfo"><p>&#169; Copyright 2024, The Handbook Authors. Revision <code>4f2a1c9</code>.</p></div>Built with <a href="https://www.sphinx-doc.org/">Sphinx</a> using a <a href="https://github.com/readthedocs/sphinx_rtd_theme">theme</a> provided by <a href="https://readthedocs.org">Read the Docs</a>.</footer>
</div></div></section></div>{ANALYTICS}</body></html>"""


def mkdocs(b):
    return head(b, '<meta name="generator" content="mkdocs-1.6.0, mkdocs-material-9.5.3">') + f"""
<body dir="ltr" data-md-color-scheme="default"><input class="md-toggle" data-md-toggle="drawer" type="checkbox" id="__drawer"><label class="md-overlay" for="__drawer"></label>
<div data-md-component="skip"><a href="#page" class="md-skip">Skip to content</a></div><div data-md-component="announce"><aside class="md-banner"><div class="md-banner__inner md-grid md-typeset">Version 3 is out! Read the release notes to see what changed.</div></aside></div>
<header class="md-header md-header--shadow" data-md-component="header"><nav class="md-header__inner md-grid" aria-label="Header"><a href="/" title="Field Guide" class="md-header__button md-logo">Field Guide</a><div class="md-header__title" data-md-component="header-title"><div class="md-header__ellipsis"><div class="md-header__topic"><span class="md-ellipsis">Field Guide</span></div><div class="md-header__topic" data-md-component="header-topic"><span class="md-ellipsis">{b['title']}</span></div></div></div>
<div class="md-search" data-md-component="search" role="dialog"><label class="md-search__overlay" for="__search"></label><div class="md-search__inner" role="search"><form class="md-search__form" name="search"><input type="text" class="md-search__input" name="query" aria-label="Search" placeholder="Search"></form></div></div><div class="md-header__source"><a href="https://github.com/x/y" title="Go to repository" class="md-source"><div class="md-source__repository">x/field-guide</div></a></div></nav></header>
<div class="md-container" data-md-component="container"><main class="md-main" data-md-component="main"><div class="md-main__inner md-grid">
<div class="md-sidebar md-sidebar--primary" data-md-component="sidebar" data-md-type="navigation"><div class="md-sidebar__scrollwrap"><div class="md-sidebar__inner"><nav class="md-nav md-nav--primary" aria-label="Navigation"><label class="md-nav__title" for="__drawer">Field Guide</label><ul class="md-nav__list"><li class="md-nav__item"><a href="/" class="md-nav__link">Home</a></li><li class="md-nav__item"><a href="/start/" class="md-nav__link">Getting started</a></li><li class="md-nav__item md-nav__item--active"><a href="./" class="md-nav__link md-nav__link--active">{b['title']}</a></li><li class="md-nav__item"><a href="/reference/" class="md-nav__link">Reference</a></li></ul></nav></div></div></div>
<div class="md-sidebar md-sidebar--secondary" data-md-component="sidebar" data-md-type="toc"><div class="md-sidebar__scrollwrap"><div class="md-sidebar__inner"><nav class="md-nav md-nav--secondary" aria-label="Table of contents"><label class="md-nav__title" for="__toc">Table of contents</label><ul class="md-nav__list" data-md-component="toc">{toc(b)}</ul></nav></div></div></div>
<div class="md-content" data-md-component="content"><article class="md-content__inner md-typeset"><a href="https://github.com/x/y/edit/main/docs/page.md" title="Edit this page" class="md-content__button md-icon">Edit</a>
<h1 id="page">{b['title']}</h1>
{body_html(b['blocks'], heading_suffix='<a class="headerlink" href="#" title="Permanent link">&para;</a>')}
<aside class="md-source-file"><span class="md-source-file__fact"><span class="md-icon" title="Last update">Last update:</span><span class="git-revision-date-localized-plugin git-revision-date-localized-plugin-date">{b['date']}</span></span></aside>
</article></div></div></main>
<footer class="md-footer"><nav class="md-footer__inner md-grid" aria-label="Footer"><a href="/start/" class="md-footer__link md-footer__link--prev" aria-label="Previous: Getting started"><div class="md-footer__title"><span class="md-footer__direction">Previous</span><div class="md-ellipsis">Getting started</div></div></a><a href="/reference/" class="md-footer__link md-footer__link--next" aria-label="Next: Reference"><div class="md-footer__title"><span class="md-footer__direction">Next</span><div class="md-ellipsis">Reference</div></div></a></nav>
<div class="md-footer-meta md-typeset"><div class="md-footer-meta__inner md-grid"><div class="md-copyright"><div class="md-copyright__highlight">Copyright &copy; 2024 The Field Guide contributors</div>Made with <a href="https://squidfunk.github.io/mkdocs-material/" target="_blank" rel="noopener">Material for MkDocs</a></div></div></div></footer></div></body></html>"""


def docusaurus(b):
    return head(b, '<meta name="generator" content="Docusaurus v3.1.0">') + f"""
<body class="navigation-with-keyboard"><div id="__docusaurus"><div role="region" aria-label="Skip to main content"><a class="skipToContent_fXgn" href="#__docusaurus_skipToContent_fallback">Skip to main content</a></div>
<div class="theme-announcement-bar announcementBar_mb4j" role="banner"><div class="content_knG7 announcementBarContent_xLdY">If you like this project, give it a star on GitHub and tell a friend!</div></div>
<nav aria-label="Main" class="navbar navbar--fixed-top"><div class="navbar__inner"><div class="navbar__items"><a class="navbar__brand" href="/"><b class="navbar__title text--truncate">Toolkit</b></a><a class="navbar__item navbar__link navbar__link--active" href="/docs/intro">Docs</a><a class="navbar__item navbar__link" href="/blog">Blog</a><a class="navbar__item navbar__link" href="/community">Community</a></div><div class="navbar__items navbar__items--right"><a href="https://github.com/x/y" class="navbar__item navbar__link">GitHub</a><div class="navbarSearchContainer_Bca1"><button type="button" class="DocSearch DocSearch-Button" aria-label="Search">Search</button></div></div></div></nav>
<div id="__docusaurus_skipToContent_fallback" class="main-wrapper mainWrapper_z2l0"><div class="docsWrapper_hBAB"><div class="docRoot_UBD9">
<aside class="theme-doc-sidebar-container docSidebarContainer_YfHR"><div class="sidebarViewport_aRkj"><div class="sidebar_njMd"><nav aria-label="Docs sidebar" class="menu thin-scrollbar menu_SIkG"><ul class="theme-doc-sidebar-menu menu__list"><li class="theme-doc-sidebar-item-link menu__list-item"><a class="menu__link" href="/docs/intro">Introduction</a></li><li class="theme-doc-sidebar-item-link menu__list-item"><a class="menu__link menu__link--active" aria-current="page" href="/docs/page">{b['title']}</a></li><li class="theme-doc-sidebar-item-link menu__list-item"><a class="menu__link" href="/docs/api">API reference</a></li><li class="theme-doc-sidebar-item-link menu__list-item"><a class="menu__link" href="/docs/faq">Troubleshooting and common problems</a></li></ul></nav></div></div></aside>
<main class="docMainContainer_TBSr"><div class="container padding-top--md padding-bottom--lg"><div class="row"><div class="col docItemCol_VOVn"><div class="docItemContainer_c0TR"><article>
<nav class="theme-doc-breadcrumbs breadcrumbsContainer_Z_bl" aria-label="Breadcrumbs"><ul class="breadcrumbs"><li class="breadcrumbs__item"><a aria-label="Home page" class="breadcrumbs__link" href="/">Home</a></li><li class="breadcrumbs__item breadcrumbs__item--active"><span class="breadcrumbs__link">{b['title']}</span></li></ul></nav>
<div class="tocCollapsible_ETCw theme-doc-toc-mobile tocMobile_ITEo"><button type="button" class="clean-btn tocCollapsibleButton_TO0P">On this page</button></div>
<div class="theme-doc-markdown markdown"><header><h1>{b['title']}</h1></header>
{body_html(b['blocks'], heading_suffix='<a href="#" class="hash-link" aria-label="Direct link to heading" title="Direct link to heading">&#8203;</a>')}
</div>
<footer class="theme-doc-footer docusaurus-mt-lg"><div class="theme-doc-footer-edit-meta-row row"><div class="col"><a href="https://github.com/x/y/edit/main/docs/page.md" target="_blank" rel="noopener noreferrer" class="theme-edit-this-page">Edit this page</a></div><div class="col lastUpdated_vwxv"><span class="theme-last-updated">Last updated on <b><time>{b['date']}</time></b></span></div></div></footer></article>
<nav class="pagination-nav docusaurus-mt-lg" aria-label="Docs pages"><a class="pagination-nav__link pagination-nav__link--prev" href="/docs/intro"><div class="pagination-nav__sublabel">Previous</div><div class="pagination-nav__label">Introduction</div></a><a class="pagination-nav__link pagination-nav__link--next" href="/docs/api"><div class="pagination-nav__sublabel">Next</div><div class="pagination-nav__label">API reference</div></a></nav></div></div>
<div class="col col--3"><div class="tableOfContents_bqdL thin-scrollbar theme-doc-toc-desktop"><ul class="table-of-contents table-of-contents__left-border">{toc(b)}</ul></div></div></div></div></main></div></div></div>
<footer class="footer footer--dark"><div class="container container-fluid"><div class="row footer__links"><div class="col footer__col"><div class="footer__title">Docs</div><ul class="footer__items clean-list"><li class="footer__item"><a class="footer__link-item" href="/docs/intro">Tutorial</a></li></ul></div><div class="col footer__col"><div class="footer__title">Community</div><ul class="footer__items clean-list"><li class="footer__item"><a href="https://stackoverflow.com/questions/tagged/toolkit" class="footer__link-item">Stack Overflow</a></li><li class="footer__item"><a href="https://discord.gg/x" class="footer__link-item">Discord</a></li></ul></div></div><div class="footer__bottom text--center"><div class="footer__copyright">Copyright &copy; 2024 Toolkit contributors. Built with Docusaurus.</div></div></div></footer></div></body></html>"""


def nyt(b):
    first, second = split_body(b["blocks"])
    cls = ' class="css-at9mc1 evys1bk0"'
    return head(b, '<meta property="og:site_name" content="The Daily Ledger"><meta property="og:type" content="article">') + f"""
<body><div id="app"><div><div class="css-1bymuyk e1m0pzr40"><a class="css-1kj7lfb" href="#site-content">Skip to content</a><a class="css-1kj7lfb" href="#site-index">Skip to site index</a></div>
<header class="css-ahe4g0 e1m0pzr41"><section class="css-1dv1kvn"><div class="css-1rz6kmd"><button>Sections</button><button>Search</button></div><div class="css-10488qs"><a data-testid="masthead-logo" href="/">The Daily Ledger</a></div><div class="css-6n7j50"><a href="/subscription">Subscribe for $1/week</a><a href="/login">Log in</a></div></section>
<nav class="css-1npd6jp"><ul class="css-1vxc2sl"><li><a href="/section/world">World</a></li><li><a href="/section/us">U.S.</a></li><li><a href="/section/politics">Politics</a></li><li><a href="/section/business">Business</a></li><li><a href="/section/technology">Technology</a></li><li><a href="/section/science">Science</a></li><li><a href="/section/arts">Arts</a></li></ul></nav></header>
<main id="site-content"><div class="css-1bd8bfl"><article id="story" class="css-1vxca1d e1lmdhsb0"><header class="css-d92687 e1e7j8ap0"><div class="css-1vkm6nb ehdk2mb0"><h1 class="css-1rp1fx8 e1h9rw200" data-testid="headline">{b['title']}</h1></div>
<p id="article-summary" class="css-79rysd e1wiw3jv0">A closer look at the people behind the change, the arguments on both sides and what it could mean for everyone else.</p>
<div class="css-1k9ek97"><div class="ez3869y0"><figure class="sizeMedium"><div><img alt="" src="/images/lead.jpg"></div><figcaption class="css-1l44abu ewdxa0s0"><span class="css-16f3y1r e13ogyst0">The view from the old town hall last spring.</span><span class="css-cnj6d5 e1z0qqy90">Credit: Staff photographer</span></figcaption></figure></div></div>
<div class="css-morcbo"><div class="css-1fw0lqp"><p class="css-aknsld e1jsehar1">By <a href="/by/x" class="css-n8ff4n e1jsehar0">{b['author']}</a></p><time class="css-1sbuyqj e16638kd3" datetime="{b['date']}">{b['date']}</time></div></div></header>
<section name="articleBody" itemprop="articleBody" class="meta-article-body"><div class="css-53u6y8"><div class="css-1r7ky0e"><div class="StoryBodyCompanionColumn css-1i4y2t3 e1xqkxsv0"><div class="css-53u6y8">
{body_html(first, p_attrs=cls)}
</div></div>
<div id="mid1-wrapper" class="ad mid1-wrapper css-1t5amk0"><div id="mid1" class="place-ad" data-position="mid1"><div class="css-1cmjm9x">Advertisement</div><p class="css-1gjlp0i">Continue reading the main story</p></div></div>
<div class="StoryBodyCompanionColumn css-1i4y2t3 e1xqkxsv0"><div class="css-53u6y8">
{body_html(second, p_attrs=cls)}
</div></div></div></div></section>
<div class="bottom-of-article"><div class="css-1jp38cr"><p>A version of this article appears in print on page A14 of the New York edition with the headline: The Change. <a href="/order">Order Reprints</a> | <a href="/paper">Today's Paper</a> | <a href="/subscribe">Subscribe</a></p></div></div>
</article><div id="related-links"><section class="css-1ebrjwf"><h2>Related Coverage</h2><ul>{related(OTHER_TITLES[:3])}</ul></section></div>
<div class="css-16dgjsz"><h2>More in Technology</h2><ol>{related(OTHER_TITLES[1:])}</ol></div></div></main>
<footer role="contentinfo" class="css-1dcv9bk"><nav data-testid="footer" class="css-1s9ptx0"><h2 id="site-index-label" class="css-1d4cowx">Site Index</h2><ul><li><a href="/about">About Us</a></li><li><a href="/careers">Careers</a></li><li><a href="/contact">Contact Us</a></li><li><a href="/privacy">Privacy Policy</a></li></ul></nav><p class="css-1r5kc2i">&copy; 2024 The Daily Ledger Company</p></footer></div></div>{ANALYTICS}</body></html>"""


def bbc(b):
    parts = []
    for kind, value in b["blocks"]:
        if kind in ("h2", "h3"):
            parts.append(f'<div data-component="subheadline-block" class="ssrcss-1vxc3tc-ComponentWrapper e1xue1i87"><h2 class="ssrcss-1lm4ywz-StyledHeading e10rt3ze0">{inline(value)}</h2></div>')
        else:
            block = block_html(kind, value, p_attrs=' class="ssrcss-1q0x1qg-Paragraph e1jhz7w10"')
            parts.append(f'<div data-component="text-block" class="ssrcss-uf6wea-RichTextComponentWrapper ep2nwvo0"><div class="ssrcss-7uxr49-RichTextContainer e5tfeyi1">{block}</div></div>')
    body = "\n".join(parts)
    return head(b, '<meta property="og:site_name" content="Northern Broadcast News">') + f"""
<body><div id="__next"><div class="ssrcss-1ocoo3l-Wrap e42f8511"><a href="#main-content" class="ssrcss-1jrmdc8-SkipLink">Skip to content</a>
<header class="ssrcss-1gwvdvm-Masthead"><nav class="ssrcss-d7tqh3-GlobalNavigation" aria-label="NBN"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li><li><a href="/weather">Weather</a></li><li><a href="/iplayer">Watch</a></li><li><a href="/sounds">Sounds</a></li></ul></nav>
<nav class="ssrcss-17wrkxr-NavigationWrapper" aria-label="News"><ul><li><a href="/news/uk">UK</a></li><li><a href="/news/world">World</a></li><li><a href="/news/business">Business</a></li><li><a href="/news/politics">Politics</a></li><li><a href="/news/technology">Tech</a></li><li><a href="/news/science">Science</a></li><li><a href="/news/health">Health</a></li></ul></nav></header>
<div id="main-content" class="ssrcss-1jp2n4z-Container"><div class="ssrcss-13ckdvi-StyledArticlePage"><main role="main" class="ssrcss-1u2in0b-ArticleWrapper e1nh2i2l6"><article class="ssrcss-pv1rh6-ArticleWrapper e1nh2i2l6">
<header class="ssrcss-1eqcsb1-HeadingWrapper e1nh2i2l4"><h1 id="main-heading" type="headline" tabindex="-1" class="ssrcss-15xko80-StyledHeading e10rt3ze0">{b['title']}</h1></header>
<div data-component="byline-block" class="ssrcss-1k7db8h-ComponentWrapper"><div class="ssrcss-68pt20-Text-TextContributorName">By {b['author']}</div><div class="ssrcss-84ltp5-Text">Technology reporter</div><time datetime="{b['date']}T08:00:00.000Z">{b['date']}</time></div>
<div data-component="image-block" class="ssrcss-1bmlrtg-ComponentWrapper"><figure class="ssrcss-1k26wsf-StyledFigure"><div class="ssrcss-ab5fd8-StyledFigureContainer"><img alt="" src="/images/a.jpg"></div><figcaption class="ssrcss-1e6zgbm-StyledFigureCaption">A familiar scene for many, photographed earlier this year</figcaption></figure></div>
{body}
<div data-component="links-block" class="ssrcss-1ve8aqn-ComponentWrapper"><div class="ssrcss-1sb6f0r-Container"><h2 class="ssrcss-1lm4ywz-StyledHeading">More on this story</h2><ul class="ssrcss-1kt3kqp-StyledLinkList"><li><a href="/news/1">{OTHER_TITLES[3]}</a></li><li><a href="/news/2">{OTHER_TITLES[1]}</a></li></ul></div></div>
<div data-component="topic-list" class="ssrcss-1qmkvfu-TopicListWrapper"><h2>Related topics</h2><ul><li><a href="/topics/a">Technology</a></li><li><a href="/topics/b">Work</a></li></ul></div>
</article></main>
<div class="ssrcss-1ocnvbp-SecondaryColumn"><section data-component="top-stories" class="ssrcss-1fr4g7j"><h2>Top Stories</h2><ul><li><a href="/news/3">Ministers agree a new plan for the railways after months of talks</a></li><li><a href="/news/4">Heavy rain expected across the north over the weekend</a></li><li><a href="/news/5">Scientists find a new species of frog in a garden pond</a></li></ul></section>
<section data-component="features"><h2>Features</h2><ul><li><a href="/news/6">The village that runs its own power station</a></li><li><a href="/news/7">Inside the race to build a better battery</a></li></ul></section></div></div></div>
<footer class="ssrcss-1ngxus9-GlobalFooter"><nav><ul><li><a href="/terms">Terms of Use</a></li><li><a href="/about">About the NBN</a></li><li><a href="/privacy">Privacy Policy</a></li><li><a href="/cookies">Cookies</a></li><li><a href="/accessibility">Accessibility Help</a></li></ul></nav><p class="ssrcss-1w3d4xi">&copy; 2024 NBN. The NBN is not responsible for the content of external sites. <a href="/links">Read about our approach to external linking.</a></p></footer></div></div></body></html>"""


def guardian(b):
    first, second = split_body(b["blocks"])
    return head(b, '<meta property="og:site_name" content="the Courier">') + f"""
<body><div id="bannerandheader"><div class="dcr-1rr13k9"><a href="#maincontent" class="dcr-1xkzr0v">Skip to main content</a></div>
<header data-component="header"><div class="dcr-1tcuv2s"><a href="/support">Support the Courier</a><p>Fund independent journalism with &pound;5 per month</p></div><nav data-component="nav3" class="dcr-hcmw1m"><ul><li><a href="/">News</a></li><li><a href="/opinion">Opinion</a></li><li><a href="/sport">Sport</a></li><li><a href="/culture">Culture</a></li><li><a href="/lifeandstyle">Lifestyle</a></li></ul></nav></header></div>
<main data-layout="StandardLayout"><article class="dcr-7y6pf0"><div class="dcr-1l5ie1t">
<div data-gu-name="headline" class="dcr-1yma8yh"><div class="dcr-0"><h1 class="dcr-13jcf6">{b['title']}</h1></div></div>
<div data-gu-name="standfirst" class="dcr-1ol4n7r"><div class="dcr-13cfmcl"><p>Some ideas are obvious only in hindsight. This one took a decade, a few false starts and one stubborn enthusiast to become ordinary.</p></div></div>
<div data-gu-name="media" class="dcr-1t8m8f6"><figure><img src="/img/1.jpg" alt=""><figcaption class="dcr-1p2d5qa"><span>The early days, when almost nobody believed it would work.</span> Photograph: Archive</figcaption></figure></div>
<div data-gu-name="meta" class="dcr-1vyosd1"><address aria-label="Contributor info"><a rel="author" href="/profile/x">{b['author']}</a></address><details class="dcr-1j2c0ka"><summary>{b['date']}</summary></details><div class="dcr-1lqvdhl"><a href="/share/facebook">Share on Facebook</a><a href="/share/x">Share on X</a><a href="/email">Share via Email</a></div></div>
<div data-gu-name="body" class="dcr-1f8lwej"><div id="maincontent" class="dcr-1pqv7s8"><div class="article-body-commercial-selector article-body-viewer-selector dcr-11jq3zt">
{body_html(first)}
<aside data-spacefinder-role="supporting" class="dcr-11jdd1m"><div data-component="rich-link" class="dcr-1prjzs7"><a href="/rich/1"><div class="dcr-1w84uzc">Related:</div><div class="dcr-1hhb3js">{OTHER_TITLES[4]}</div></a></div></aside>
{body_html(second)}
</div>
<div id="slot-body-end" class="dcr-1fdcc3m"><div class="dcr-3d9bz4"><h2>Why your support matters</h2><p>Unlike many others, we have no shareholders and no billionaire owner. Our journalism is free from commercial influence, and we rely on readers like you to keep it open for everyone. If you can, please support us today.</p><a href="/contribute">Support us</a></div></div>
</div></div></div></article>
<section data-component="more-on-this-story" class="dcr-1oaq4zr"><h2>More on this story</h2><ul>{related(OTHER_TITLES[:4])}</ul></section>
<section data-component="comments" class="dcr-1rybpzm"><h2>Comments (84)</h2>{COMMENT}</section>
<section data-component="most-viewed"><h2>Most viewed</h2><ol>{related(OTHER_TITLES[::-1])}</ol></section></main>
<footer data-component="footer" class="dcr-1b5u9gy"><ul><li><a href="/about">About us</a></li><li><a href="/help">Help</a></li><li><a href="/complaints">Complaints &amp; corrections</a></li><li><a href="/privacy">Privacy policy</a></li></ul><p>&copy; 2024 Courier News &amp; Media Limited or its affiliated companies. All rights reserved.</p></footer>{ANALYTICS}</body></html>"""


def blogger(b):
    # Old-style post body: paragraphs as text runs separated by <br><br>, lists and code kept.
    parts = []
    for kind, value in b["blocks"]:
        if kind == "p":
            parts.append(inline(value) + "<br><br>")
        elif kind in ("h2", "h3"):
            parts.append(f"<b>{inline(value)}</b><br><br>")
        else:
            parts.append(block_html(kind, value))
    body = "\n".join(parts)
    return head(b, '<meta name="generator" content="Blogger">') + f"""
<body class="variant-simplysimple"><div class="navbar no-items section" id="navbar"></div><div class="body-fauxcolumns"></div>
<div class="content"><div class="content-outer"><header><div class="header-outer"><div class="region-inner header-inner"><div class="header section" id="header"><div class="widget Header" id="Header1"><div id="header-inner"><div class="titlewrapper"><h1 class="title"><a href="/">Weekend Projects</a></h1></div><div class="descriptionwrapper"><p class="description"><span>Things I build, grow, cook and break in my spare time.</span></p></div></div></div></div></div></div></header>
<div class="tabs-outer"><div class="tabs section" id="crosscol"><div class="widget PageList" id="PageList1"><div class="widget-content"><ul><li><a href="/">Home</a></li><li><a href="/p/about.html">About</a></li><li><a href="/p/archive.html">All posts</a></li></ul></div></div></div></div>
<div class="main-outer"><div class="main-inner columns-fix-width"><div class="columns-inner"><div class="column-center-outer"><div class="column-center-inner"><div class="main section" id="main"><div class="widget Blog" id="Blog1"><div class="blog-posts hfeed">
<div class="date-outer"><h2 class="date-header"><span>{b['date']}</span></h2><div class="date-posts"><div class="post-outer"><div class="post hentry uncustomized-post-template">
<h3 class="post-title entry-title">{b['title']}</h3><div class="post-header"><div class="post-header-line-1"></div></div>
<div class="post-body entry-content" id="post-body-8812">
{body}
</div>
<div class="post-footer"><div class="post-footer-line post-footer-line-1"><span class="post-author vcard">Posted by <span class="fn">{b['author']}</span></span> <span class="post-timestamp">at <a class="timestamp-link" href="/p.html">10:14 AM</a></span> <span class="post-comment-link"><a class="comment-link" href="#comments">3 comments:</a></span></div><div class="post-footer-line post-footer-line-2"><span class="post-labels">Labels: <a href="/l/a">projects</a>, <a href="/l/b">notes</a></span></div><div class="post-share-buttons goog-inline-block"><a href="#" class="share-button sb-email">Email This</a><a href="#" class="share-button sb-blog">BlogThis!</a><a href="#" class="share-button sb-twitter">Share to X</a></div></div>
</div><div class="comments" id="comments"><h4>3 comments:</h4><div id="comment-holder">{COMMENT}</div><p class="comment-footer"><a href="/c">Post a Comment</a></p></div></div></div></div>
</div><div class="blog-pager" id="blog-pager"><span id="blog-pager-newer-link"><a class="blog-pager-newer-link" href="/n">Newer Post</a></span><span id="blog-pager-older-link"><a class="blog-pager-older-link" href="/o">Older Post</a></span><a class="home-link" href="/">Home</a></div>
<div class="post-feeds"><div class="feed-links">Subscribe to: <a class="feed-link" href="/feeds/posts/default">Post Comments (Atom)</a></div></div></div></div></div></div>
<div class="column-right-outer"><div class="column-right-inner"><aside><div class="sidebar section" id="sidebar-right-1"><div class="widget Profile" id="Profile1"><h2>About Me</h2><div class="widget-content"><dl class="profile-datablock"><dt class="profile-data"><a class="profile-name-link" href="/profile">{b['author']}</a></dt><dd class="profile-textblock">I spend my weekends building things out of wood, clay and code, and writing about the ones that work. Most of them do not, which is where the best stories come from.</dd></dl></div></div>
<div class="widget BlogArchive" id="BlogArchive1"><h2>Blog Archive</h2><div class="widget-content"><ul class="hierarchy"><li><a href="/2024/">2024</a> (12)</li><li><a href="/2023/">2023</a> (31)</li><li><a href="/2022/">2022</a> (27)</li></ul></div></div></div></aside></div></div></div></div></div>
<footer><div class="footer-outer"><div class="footer-inner"><div class="widget Attribution"><div class="widget-content">Simple theme. Powered by <a href="https://www.blogger.com">Blogger</a>.</div></div></div></div></footer></div></div></body></html>"""


def hugo(b):
    return head(b, '<meta name="generator" content="Hugo 0.121.1">') + f"""
<body><header><nav><a href="/">~/notes</a> <a href="/posts/">posts</a> <a href="/tags/">tags</a> <a href="/about/">about</a> <a href="/index.xml">rss</a></nav></header>
<main><h1>{b['title']}</h1><p class="post-meta"><time>{b['date']}</time> &middot; {b['author']} &middot; 4 minute read</p>
{body_html(b['blocks'])}
<hr><p class="tags"><a href="/tags/notes/">#notes</a> <a href="/tags/practice/">#practice</a></p><p class="reply"><a href="mailto:me@example.org">Reply by email</a></p></main>
<footer><p>&copy; 2024 {b['author']} &middot; Built with Hugo &middot; <a href="/index.xml">RSS</a></p></footer></body></html>"""


def nextjs(b):
    cards = "".join(f'<div class="css-v3xk2o"><a href="/p/{i}" class="css-1ej0y4r"><div class="css-rws1ca">{t}</div><div class="css-p3nq8c">A practical walk through the decisions we made, with the numbers that convinced us and the mistakes we would rather not repeat.</div></a></div>' for i, t in enumerate(OTHER_TITLES[:3]))
    return head(b, '<meta property="og:site_name" content="Hashnode">') + f"""
<body><div id="__next"><div class="css-1dbjc4n r-13awgt0"><div class="css-a9m3hf"><div class="css-1obf64m"><a href="/" class="css-4rbku5">Dev Diaries</a><div class="css-1u3x8t0"><a href="/series">Series</a><a href="/newsletter">Newsletter</a><a href="/about">About</a><button class="css-a2y7dq">Subscribe</button></div></div></div>
<div class="css-1x6bvpn"><div class="css-178v4ou"><div class="css-12xn0cg"><h1 class="css-1y3xr5s">{b['title']}</h1></div>
<div class="css-wcb08b"><a href="/@x" class="css-mkoh9n"><img src="/a.png" alt=""><span>{b['author']}</span></a><span class="css-1xyzuqk">{b['date']}</span><span class="css-1xyzuqk">&middot; 5 min read</span></div>
<div class="css-1s3d3ji"><div class="prose css-0 dark:prose-dark"><div id="post-content-wrapper">
{body_html(b['blocks'])}
</div></div></div>
<div class="css-1k6jpcz"><a href="/tag/a" class="css-1s7bdhv">Programming Blogs</a><a href="/tag/b" class="css-1s7bdhv">Developer</a></div>
<div class="css-18j2c3q"><div class="css-1bqkfw5"><img src="/a.png" alt=""><div><div class="css-1r1cwcr">Written by</div><div class="css-1ypt6tp">{b['author']}</div><p class="css-1yf6pp8">I write about the boring parts of software that keep the exciting parts running. Previously at two startups and one very large bank.</p></div></div></div>
<div class="css-1rkbyjc"><div class="css-n7sy6x">More articles</div><div class="css-1x4g1in">{cards}</div></div>
<div class="css-1ygupj0"><div class="css-1a8m0yd">&copy; 2024 Dev Diaries</div><div class="css-1jgirbv"><a href="/archive">Archive</a> &middot; <a href="/privacy">Privacy policy</a> &middot; <a href="/terms">Terms</a></div><p class="css-b7atbu">Publish with Hashnode. Powered by Hashnode - Home for tech writers and readers.</p></div></div></div></div></div>
<script id="__NEXT_DATA__" type="application/json">{{"props":{{"pageProps":{{"post":{{"slug":"{b['slug']}"}}}}}}}}</script></body></html>"""


def oldschool(b):
    return f"""<html><head><title>{b['title']}</title><meta name="keywords" content="notes, home page"></head>
<body bgcolor="#ffffff"><center><font size="5"><b>Welcome to my home page!</b></font></center>
<table width="100%" border="0" cellpadding="8"><tr><td class="nav" width="180" valign="top" bgcolor="#eeeeee"><font size="2"><a href="/">Home</a><br><a href="/writing.html">Writing</a><br><a href="/photos.html">Photos</a><br><a href="/links.html">Links</a><br><a href="/guestbook.html">Guestbook</a><br><br>This site has been online since 1998. It is hand-written in a text editor and hosted on a very old computer under my desk.</font></td>
<td valign="top"><h2>{b['title']}</h2><font face="Georgia">
{body_html(b['blocks'])}
</font><p><font size="1">Last updated {b['date']}. You are visitor number 48213.</font></p></td></tr></table>
<center><font size="1"><a href="/">Back to the top</a> | <a href="mailto:me@example.net">E-mail me</a></font></center></body></html>"""


def wiki(b):
    body = []
    n = 1
    for kind, value in b["blocks"]:
        if kind == "p":
            body.append(f"<p>{inline(value)}<sup id=\"cite_ref-{n}\" class=\"reference\"><a href=\"#cite_note-{n}\">[{n}]</a></sup></p>")
            n += 1
        elif kind in ("h2", "h3"):
            body.append(f'<div class="mw-heading mw-heading2"><{kind} id="s{n}">{inline(value)}</{kind}><span class="mw-editsection"><span class="mw-editsection-bracket">[</span><a href="/edit">edit</a><span class="mw-editsection-bracket">]</span></span></div>')
        else:
            body.append(block_html(kind, value))
    refs = "".join(f'<li id="cite_note-{i}"><span class="mw-cite-backlink"><a href="#cite_ref-{i}">^</a></span> <span class="reference-text">Smith, J. (2019). <i>A history of practical things</i>. Example Press. p. {i * 12}.</span></li>' for i in range(1, n))
    return head(b) + f"""
<body class="mediawiki ltr sitedir-ltr skin-vector"><div class="vector-header-container"><header class="vector-header mw-header"><div class="vector-header-start"><a href="/wiki/Main_Page" class="mw-logo">Openpedia</a></div><div class="vector-search-box"><form><input type="search" placeholder="Search Openpedia"></form></div><nav class="vector-user-links"><a href="/create">Create account</a><a href="/login">Log in</a></nav></header></div>
<div class="mw-page-container"><div class="mw-page-container-inner"><div class="vector-main-menu-container"><nav id="mw-panel" class="vector-main-menu"><div id="p-navigation" class="vector-menu mw-portlet"><div class="vector-menu-heading">Navigation</div><ul class="vector-menu-content-list"><li><a href="/wiki/Main_Page">Main page</a></li><li><a href="/wiki/Contents">Contents</a></li><li><a href="/wiki/Current_events">Current events</a></li><li><a href="/wiki/Random">Random article</a></li><li><a href="/wiki/About">About Openpedia</a></li></ul></div></nav></div>
<div class="mw-content-container"><main id="content" class="mw-body" role="main"><header class="mw-body-header vector-page-titlebar"><h1 id="firstHeading" class="firstHeading mw-first-heading"><span class="mw-page-title-main">{b['title']}</span></h1></header>
<div id="bodyContent" class="vector-body"><div id="siteSub" class="noprint">From Openpedia, the free encyclopedia</div><div id="contentSub"></div>
<div id="mw-content-text" class="mw-body-content"><div class="mw-content-ltr mw-parser-output" lang="en" dir="ltr">
<div role="note" class="hatnote navigation-not-searchable">For other uses, see <a href="/wiki/Disambiguation">the disambiguation page</a>.</div>
<table class="infobox vcard"><tbody><tr><th colspan="2" class="infobox-above">{b['title']}</th></tr><tr><th class="infobox-label">Author</th><td class="infobox-data">{b['author']}</td></tr><tr><th class="infobox-label">First published</th><td class="infobox-data">{b['date']}</td></tr></tbody></table>
{chr(10).join(body)}
<div class="mw-heading mw-heading2"><h2 id="References">References</h2></div><div class="reflist"><ol class="references">{refs}</ol></div>
<div class="navbox" role="navigation"><table class="nowraplinks"><tr><th>Related articles</th><td>{' · '.join(f'<a href="/wiki/{i}">{t}</a>' for i, t in enumerate(OTHER_TITLES))}</td></tr></table></div>
</div></div><div id="catlinks" class="catlinks" data-mw="interface"><div id="mw-normal-catlinks" class="mw-normal-catlinks"><a href="/wiki/Help:Category">Categories</a>: <ul><li><a href="/wiki/Category:A">Practical guides</a></li><li><a href="/wiki/Category:B">Articles with short description</a></li></ul></div></div></div></main></div></div></div>
<footer id="footer" class="mw-footer" role="contentinfo"><ul id="footer-info"><li id="footer-info-lastmod"> This page was last edited on {b['date']}, at 08:00 (UTC).</li><li id="footer-info-copyright">Text is available under the Creative Commons Attribution-ShareAlike License 4.0; additional terms may apply.</li></ul><ul id="footer-places"><li><a href="/privacy">Privacy policy</a></li><li><a href="/about">About Openpedia</a></li><li><a href="/disclaimers">Disclaimers</a></li></ul></footer></body></html>"""


TEMPLATES = [wordpress, ghost, substack, medium, devto, github, sphinx, mkdocs, docusaurus, nyt, bbc, guardian,
             blogger, hugo, nextjs, oldschool, wiki]


def write_pages(folder, pairs):
    """Empties `folder` and writes each (body, template) pair as NN-template-slug.html with its
    expected text beside it as .txt."""
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
    for count, (body, template) in enumerate(pairs, start=1):
        stem = f"{count:02d}-{template.__name__.replace('_', '-')}-{body['slug']}"
        with open(os.path.join(folder, stem + ".html"), "w") as f:
            f.write(template(body))
        with open(os.path.join(folder, stem + ".txt"), "w") as f:
            f.write(expected(body["blocks"]))
    print(f"wrote {len(pairs)} pages to {folder}")


def main():
    write_pages(PAGES, [(body, TEMPLATES[(index + offset) % len(TEMPLATES)])
                        for index, body in enumerate(BODIES) for offset in (0, 7)])


if __name__ == "__main__":
    main()
