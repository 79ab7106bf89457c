"""Held-out pages: bodies and site shapes written after the extractor's rules were frozen, never
used to tune them (the 48 pages of make_pages.py were). Same conventions as make_pages.py.

    python3 Benchmarks/extraction/heldout.py
"""
import os

from make_pages import ANALYTICS, COMMENT, OTHER_TITLES, block_html, body_html, head, inline, write_pages

HERE = os.path.dirname(os.path.abspath(__file__))
PAGES = os.path.join(HERE, "heldout")

BODIES = [
    dict(slug="pottery", title="What the potter's wheel taught me about patience", author="Ines Duarte", date="2024-02-03", blocks=[
        ("p", "The first six weeks on the wheel produced nothing but lopsided bowls and a great deal of wet clay on the floor. My teacher watched, said very little, and made me cut every pot in half to look at the walls."),
        ("p", "Centering is the whole game. If the clay is not perfectly centred before you open it, every later step magnifies the error, and no amount of skill in pulling the walls can rescue it."),
        ("h2", "Small rules that changed everything"),
        ("ul", ["Brace your elbows against your thighs, not the air.",
                "Use less water than you think; a soggy pot collapses.",
                "Stop one pull earlier than you want to."]),
        ("p", "I still make more bad pots than good ones. The difference is that I now know why each bad one went wrong."),
    ]),
    dict(slug="queue-backpressure", title="Backpressure is a feature, not a failure", author="Daniel Berg", date="2024-11-02", blocks=[
        ("p", "When a downstream service slows down, the worst thing an upstream queue can do is keep accepting work without limit. Memory grows, latency grows, and when the process finally dies it takes every queued request with it."),
        ("p", "A bounded queue that rejects or delays new work turns that slow collapse into an honest signal. Callers see the pressure immediately and can retry later, shed load, or degrade gracefully."),
        ("pre", "let queue = BoundedQueue<Job>(capacity: 1_000)\nguard queue.offer(job) else { return .tooManyRequests(retryAfter: .seconds(2)) }"),
        ("h2", "Choosing the bound"),
        ("p", "Start from the latency you can tolerate. If a worker handles fifty jobs a second and a job may wait at most ten seconds, the queue should hold about five hundred jobs per worker, not five hundred thousand."),
    ]),
    dict(slug="allotment-year", title="A year on the allotment", author="Hannah Okafor", date="2023-12-30", blocks=[
        ("p", "We took on plot fourteen in January, when it was a tangle of brambles, couch grass and a collapsed shed. By December it had fed us for most of the summer and given away more courgettes than anyone wanted."),
        ("p", "The brambles took two full weekends and a borrowed mattock. We covered half the plot with cardboard and old carpet to smother the grass, and planted potatoes in the other half because everyone said they would break up the soil, which they did."),
        ("h3", "What grew best"),
        ("ol", ["Potatoes, without any effort at all.",
                "Runner beans, up a frame made from hazel poles.",
                "Courgettes, far too many of them."]),
        ("p", "Next year the shed gets rebuilt, the paths get wood chip, and we plant half as many courgettes."),
    ]),
]


def squarespace(b):
    blocks = "".join(f'<div class="sqs-block html-block sqs-block-html" data-block-type="2"><div class="sqs-block-content">{block_html(k, v)}</div></div>' for k, v in b["blocks"])
    return head(b, '<meta name="generator" content="Squarespace">') + f"""
<body class="collection-type-blog view-item"><div id="siteWrapper" class="clearfix site-wrapper"><header data-test="header" id="header" class="header theme-col--primary"><div class="header-display-desktop"><div class="header-title-nav-wrapper"><div class="header-title"><a href="/" class="header-title-text">Studio Notes</a></div><div class="header-nav"><nav class="header-nav-list"><div class="header-nav-item"><a href="/shop">Shop</a></div><div class="header-nav-item"><a href="/classes">Classes</a></div><div class="header-nav-item"><a href="/journal">Journal</a></div></nav></div></div></div></header>
<main id="page" class="container" role="main"><article class="sections" id="sections"><section class="page-section"><div class="content-wrapper"><div class="content"><div class="blog-item-wrapper"><div class="blog-item-top-wrapper"><h1 class="entry-title entry-title--large p-name" data-content-field="title">{b['title']}</h1><div class="blog-item-meta-wrapper"><span class="blog-author">{b['author']}</span><time class="blog-date">{b['date']}</time></div></div>
<div class="blog-item-content-wrapper"><div class="blog-item-content e-content"><div class="sqs-layout sqs-grid-12 columns-12"><div class="row sqs-row"><div class="col sqs-col-12 span-12">
{blocks}
<div class="sqs-block newsletter-block sqs-block-newsletter"><div class="sqs-block-content"><div class="newsletter-form-wrapper"><h2 class="newsletter-form-header-title">Join the studio list</h2><p>Hear first about new classes, kiln openings and seconds sales. We write about once a month.</p><form><input type="email"><button>Sign up</button></form></div></div></div>
</div></div></div></div></div>
<div class="blog-item-comments"><div class="squarespace-comments">{COMMENT}</div></div>
<section class="item-pagination item-pagination--prev-next"><a href="/p" class="item-pagination-link item-pagination-link--prev"><div class="item-pagination-prev-next">Previous</div><h2 class="item-pagination-title">Glazes for beginners</h2></a><a href="/n" class="item-pagination-link item-pagination-link--next"><div class="item-pagination-prev-next">Next</div><h2 class="item-pagination-title">Open studio days this spring</h2></a></section>
</div></div></div></section></article></main>
<footer class="sections" id="footer-sections"><section class="page-section"><div class="content"><div class="sqs-block html-block"><div class="sqs-block-content"><p>Studio Notes is a small ceramics studio in the old tannery building. Classes run every weekday evening and on Saturday mornings; the shop opens on the first Sunday of every month.</p><p>&copy; 2024 Studio Notes</p></div></div></div></section></footer></div></body></html>"""


def jekyll(b):
    return head(b, '<meta name="generator" content="Jekyll v4.3.2">') + f"""
<body><header class="site-header" role="banner"><div class="wrapper"><a class="site-title" rel="author" href="/">A Working Notebook</a><nav class="site-nav"><input type="checkbox" id="nav-trigger" class="nav-trigger"><label for="nav-trigger"><span class="menu-icon"></span></label><div class="trigger"><a class="page-link" href="/about/">About</a><a class="page-link" href="/archive/">Archive</a></div></nav></div></header>
<main class="page-content" aria-label="Content"><div class="wrapper"><article class="post h-entry" itemscope itemtype="http://schema.org/BlogPosting"><header class="post-header"><h1 class="post-title p-name" itemprop="name headline">{b['title']}</h1><p class="post-meta"><time class="dt-published" datetime="{b['date']}T08:00:00+00:00" itemprop="datePublished">{b['date']}</time> &bull; <span itemprop="author" itemscope itemtype="http://schema.org/Person"><span class="p-author h-card" itemprop="name">{b['author']}</span></span></p></header>
<div class="post-content e-content" itemprop="articleBody">
{body_html(b['blocks'])}
</div><a class="u-url" href="/p/" hidden></a></article></div></main>
<footer class="site-footer h-card"><data class="u-url" href="/"></data><div class="wrapper"><h2 class="footer-heading">A Working Notebook</h2><div class="footer-col-wrapper"><div class="footer-col footer-col-1"><ul class="contact-list"><li class="p-name">{b['author']}</li><li><a class="u-email" href="mailto:me@example.com">me@example.com</a></li></ul></div><div class="footer-col footer-col-3"><p>Notes on making things by hand and by computer, written down so that I remember them next time and so that you might find them useful too.</p></div></div></div></footer></body></html>"""


def discourse(b):
    replies = "".join(f'<div class="topic-post clearfix regular"><article id="post_{n}" aria-label="post #{n} by @user{n}" role="region" data-post-id="{n}" class="boxed onscreen-post"><div class="row"><div class="topic-avatar"><a class="trigger-user-card main-avatar" href="/u/user{n}"><img alt="" src="/a.png"></a></div><div class="topic-body clearfix"><div role="heading" class="topic-meta-data"><div class="names trigger-user-card"><span class="first username"><a href="/u/user{n}">user{n}</a></span></div><div class="post-infos"><a class="post-date" href="/t/1/{n}">Mar {n}</a></div></div><div class="regular contents"><div class="cooked"><p>{text}</p></div><section class="post-menu-area clearfix"><nav class="post-controls"><button>Like</button><button>Reply</button></nav></section></div></div></div></article></div>'
                      for n, text in [(2, "This matches my experience almost exactly. I would add that it took me far longer than I expected to stop fighting the material and start listening to it instead."),
                                      (3, "Thanks for writing this up. Do you have any recommendations for books or videos that explain the basics for someone who is just getting started?"),
                                      (4, "Great thread. I printed the list and stuck it on the wall next to my workbench, where I will see it every single day.")])
    return head(b, '<meta name="generator" content="Discourse 3.2.0">') + f"""
<body class="crawler"><header class="d-header"><div class="wrap"><div class="contents"><div class="title"><a href="/">Makers Forum</a></div><div class="panel"><a href="/login" class="btn">Log In</a></div></div></div></header>
<div id="main-outlet" class="wrap" role="main"><div id="topic-title"><h1><a href="/t/1">{b['title']}</a></h1><div class="topic-category"><span class="badge-category">Workshop</span></div></div>
<div class="post-stream"><div class="topic-post clearfix regular"><article id="post_1" aria-label="post #1 by @{b['author']}" role="region" data-post-id="1" class="boxed onscreen-post"><div class="row"><div class="topic-avatar"><a class="trigger-user-card main-avatar" href="/u/x"><img alt="" src="/a.png"></a></div><div class="topic-body clearfix"><div role="heading" class="topic-meta-data"><div class="names trigger-user-card"><span class="first username"><a href="/u/x">{b['author']}</a></span></div><div class="post-infos"><a class="post-date" href="/t/1/1">{b['date']}</a></div></div>
<div class="regular contents"><div class="cooked">
{body_html(b['blocks'])}
</div><section class="post-menu-area clearfix"><nav class="post-controls"><button>Like</button><button>Reply</button></nav></section></div></div></div></article></div>
{replies}</div>
<div class="more-topics__container"><h3>Suggested Topics</h3><table class="topic-list"><tbody>{''.join(f'<tr><td><a href="/t/{i}">{t}</a></td><td>12</td></tr>' for i, t in enumerate(OTHER_TITLES[:3]))}</tbody></table></div></div>
<footer class="noscript-footer-nav"><nav itemscope itemtype="http://schema.org/SiteNavigationElement"><a href="/">Home</a><a href="/categories">Categories</a><a href="/guidelines">Guidelines</a><a href="/tos">Terms of Service</a><a href="/privacy">Privacy Policy</a></nav></footer><p class="powered-by-link">Powered by <a href="https://www.discourse.org">Discourse</a>, best viewed with JavaScript enabled</p></body></html>"""


def notion(b):
    parts = []
    for kind, value in b["blocks"]:
        if kind == "p":
            parts.append(f'<div class="notion-text-block"><div class="notranslate" spellcheck="true" placeholder=" " data-content-editable-leaf="true">{inline(value)}</div></div>')
        elif kind in ("h2", "h3"):
            parts.append(f'<div class="notion-sub_header-block"><h3 class="notranslate">{inline(value)}</h3></div>')
        elif kind in ("ul", "ol"):
            for item in value:
                parts.append(f'<div class="notion-{"bulleted" if kind == "ul" else "numbered"}_list-block"><div class="pseudo-before"></div><div class="notranslate">{inline(item)}</div></div>')
        else:
            parts.append(f'<div class="notion-code-block">{block_html(kind, value)}</div>')
    return head(b) + f"""
<body><div id="notion-app"><div class="notion-app-inner notion-light-theme"><div class="notion-cursor-listener"><div class="notion-sidebar-container"><div class="notion-sidebar"><div class="notion-outliner-workspace"><div class="notion-outliner-item"><a href="/home">Home</a></div><div class="notion-outliner-item"><a href="/journal">Journal</a></div><div class="notion-outliner-item"><a href="/reading">Reading list</a></div><div class="notion-outliner-item"><a href="/recipes">Recipes I keep coming back to</a></div></div></div></div>
<div class="notion-frame"><div class="notion-topbar"><div class="notion-topbar-breadcrumb"><a href="/journal">Journal</a> / <span>{b['title']}</span></div><div class="notion-topbar-share-menu">Share</div></div>
<div class="notion-scroller vertical"><div class="notion-page-controls"><div>Add icon</div><div>Add cover</div><div>Add comment</div></div><div class="notion-page-block"><h1 class="notranslate">{b['title']}</h1></div>
<div class="notion-page-content">
{chr(10).join(parts)}
</div><div class="notion-page-footer">Last edited by {b['author']} on {b['date']}</div></div></div></div></div></div></body></html>"""


def reuters(b):
    paragraphs = []
    for index, (kind, value) in enumerate(b["blocks"]):
        if kind == "p":
            paragraphs.append(f'<div data-testid="paragraph-{index}" class="text__text__1FZLe text__dark-grey__3Ml43 text__regular__2N1Xr text__small__1kGq2 body__full_width__ekUdw body__small_body__2vQyf article-body__paragraph__2-BtD">{inline(value)}</div>')
        else:
            paragraphs.append(block_html(kind, value))
    return head(b, '<meta property="og:site_name" content="Wire Service">') + f"""
<body><div id="fusion-app"><div class="regular-article-layout__container__2pnpc"><header class="site-header__container__2y2iK"><nav aria-label="main"><ul><li><a href="/world/">World</a></li><li><a href="/business/">Business</a></li><li><a href="/markets/">Markets</a></li><li><a href="/technology/">Technology</a></li></ul></nav></header>
<main id="main-content" class="regular-article-layout__main__1tanz"><article class="article__container__2tYVU"><div class="article__main__33WV2"><div class="article__content__6hMn9"><header class="article-header__container__3v4WX"><nav aria-label="Tags" class="article-header__tags__3Z4jG"><a href="/lifestyle/">Lifestyle</a></nav><h1 data-testid="Heading" class="text__text__1FZLe text__heading_3__1kDhc">{b['title']}</h1><div class="article-header__meta-info__3NRP6"><time class="date-line__date__23Ge-">{b['date']}</time><div class="article-header__author-date__2XT4O">By <a rel="author" href="/authors/x/">{b['author']}</a></div></div></header>
<div class="article-body__container__3ypuX"><div class="article-body__content__17Yit paywall-article">
{chr(10).join(paragraphs)}
<p data-testid="Body" class="text__text__1FZLe sign-off__text__PU2KB">Reporting by {b['author']}; Editing by Jane Merriman</p></div>
<div class="trust-badge__container"><p><a href="/info-pages/standards/">Our Standards: The Wire Service Trust Principles.</a></p></div></div></div></div>
<aside class="regular-article-layout__right-rail"><div data-testid="ReadNext" class="read-next-panel"><h2>Read Next</h2><ul><li><a href="/a">{OTHER_TITLES[3]}</a></li><li><a href="/b">{OTHER_TITLES[4]}</a></li></ul></div></aside></article></main>
<footer class="site-footer__container"><p>All quotes delayed a minimum of 15 minutes. See here for a complete list of exchanges and delays.</p><p>&copy; 2024 Wire Service. All rights reserved</p></footer></div></div>{ANALYTICS}</body></html>"""


TEMPLATES = [squarespace, jekyll, discourse, notion, reuters]


def main():
    write_pages(PAGES, [(body, template) for body in BODIES for template in TEMPLATES])


if __name__ == "__main__":
    main()
