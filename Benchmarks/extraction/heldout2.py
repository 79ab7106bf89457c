"""Second held-out set: four new bodies in seven new site shapes, written after the rules that fixed
the first held-out set (forum replies, wire sign-offs) were frozen, and run once. Same conventions
as make_pages.py: expected text = the body only, never the title, byline, dates, captions,
comments or anything around the body. On the discussion pages (Hacker News-like, Reddit-like) the
submitted post's text is the content and every comment is not.

    python3 Benchmarks/extraction/heldout2.py
"""
import html
import os

from make_pages import ANALYTICS, COOKIE, OTHER_TITLES, block_html, body_html, head, inline, plain, write_pages

HERE = os.path.dirname(os.path.abspath(__file__))
PAGES = os.path.join(HERE, "heldout2")

BODIES = [
    dict(slug="cron-to-queue", title="Moving our cron jobs onto a queue", author="Priya Raman", date="2025-03-11", blocks=[
        ("p", "For six years our billing system ran on forty-one cron entries spread over three servers. Nobody could say with confidence which of them still mattered, and two of them quietly depended on running in a particular order."),
        ("p", "We replaced them with a single scheduler that does nothing except put messages on a queue. Workers pick the messages up, and every job records when it started, when it finished and what it touched."),
        ("h2", "What we had to change first"),
        ("ul", ["Every job became idempotent, so a retry never charges a customer twice.",
                "Jobs that depended on each other now say so explicitly in the message.",
                "The scheduler keeps no state beyond the last time it enqueued each job."]),
        ("pre", "schedule(\"invoice-run\", every: .day(at: \"02:00\")) {\n    queue.enqueue(InvoiceRun(date: $0))\n}"),
        ("p", "The migration took eleven weeks, most of them spent discovering what the old jobs actually did. The new system has missed no run since, and when a worker dies the message simply waits for the next one."),
    ]),
    dict(slug="learning-to-sail", title="Learning to sail on a small lake", author="Tomasz Wierzbicki", date="2024-08-19", blocks=[
        ("p", "I learned to sail at thirty-eight, on a reservoir barely a kilometre long, in a dinghy older than I am. It turned out to be the best possible place to start, because a small lake punishes every mistake quickly and gently."),
        ("p", "The wind on a lake is never steady. It bends around the trees, drops to nothing behind the dam and then arrives all at once in a gust you can see coming as a dark patch on the water."),
        ("h2", "Three things the instructor repeated every lesson"),
        ("ol", ["Look at the water upwind, not at the sail.",
                "Ease the mainsheet before you think you need to.",
                "Keep your weight out, even when it feels dramatic."]),
        ("p", "By the end of the summer I could tack without thinking and capsize without panicking. The second skill has been more useful than the first."),
    ]),
    dict(slug="visible-mending", title="Visible mending and the jumper I refused to throw away", author="Aoife Brennan", date="2023-11-05", blocks=[
        ("p", "The elbows of my favourite jumper wore through two winters ago. Instead of hiding the holes I darned them in bright orange wool, and now strangers on the train ask me about them."),
        ("p", "Visible mending is less about skill than about permission. A darn does not have to be invisible to be good; it has to be strong, and it has to cover the worn area with a margin of healthy fabric around it."),
        ("h3", "What you need to start"),
        ("ul", ["A blunt darning needle with a large eye.",
                "Wool a little thinner than the knit you are repairing.",
                "Something round to stretch the fabric over, even a jam jar."]),
        ("quote", "Mend it before it becomes a hole, and it will take you ten minutes instead of an evening."),
        ("p", "The jumper is now more patch than jumper at the elbows. It is also, by a long way, the warmest thing I own."),
    ]),
    dict(slug="notebooks-in-production", title="Why our notebooks no longer run in production", author="Lena Hoffmann", date="2025-01-27", blocks=[
        ("p", "For a year our weekly forecast was produced by a notebook that someone opened on Monday morning and ran from top to bottom. It worked until the Monday that person was on holiday and a colleague ran the cells in a different order."),
        ("p", "Notebooks are excellent for exploring data and terrible at being programs. Hidden state, out-of-order execution and outputs committed next to code all make the result depend on the history of a session rather than on the source."),
        ("h2", "What we do now"),
        ("p", "The exploration still happens in notebooks. Once a step is settled, it moves into a plain module with a function, a test and a type signature, and the notebook imports it like any other library."),
        ("pre", "from forecast.features import weekly_features\n\nframe = weekly_features(sales, holidays)\nframe.tail()"),
        ("p", "The forecast itself is now a command that a scheduler runs. The notebook that used to be production is still in the repository, but it reads like a lab book, which is what it always was."),
    ]),
]

REPLIES = [
    ("mkessler", "This is a really useful write-up. We went through almost exactly the same process last year and the hardest part was also finding out what the old system was really doing."),
    ("oakandash", "How did you convince the rest of the team to spend the time on this? Every time I suggest something similar I am told there are more important things to do first."),
    ("j_ortega", "Saving this for later. The point about doing it gradually instead of all at once matches everything I have learned the hard way over the years."),
]


def wordpress_blocks(b):
    comments = "".join(f'<li id="comment-{n}" class="comment even thread-even depth-1"><div class="wp-block-group"><div class="wp-block-columns"><div class="wp-block-column"><div class="wp-block-avatar"><img alt="" src="/a.png" class="avatar avatar-40 photo"></div></div><div class="wp-block-column"><div class="wp-block-comment-author-name"><a rel="external nofollow ugc" href="/u/{user}">{user}</a></div><div class="wp-block-comment-date"><time datetime="2025-03-12T10:00:00+00:00"><a href="#comment-{n}">March 12, 2025 at 10:0{n} am</a></time></div><div class="wp-block-comment-content"><p>{text}</p></div><div class="wp-block-comment-reply-link"><a rel="nofollow" class="comment-reply-link" href="#respond">Reply</a></div></div></div></div></li>'
                       for n, (user, text) in enumerate(REPLIES[:2]))
    return head(b, '<meta name="generator" content="WordPress.com">') + f"""
<body class="post-template-default single single-post wp-embed-responsive">{COOKIE}<div class="wp-site-blocks">
<header class="wp-block-template-part"><div class="wp-block-group alignwide has-base-background-color"><div class="wp-block-group"><p class="wp-block-site-title"><a href="/" rel="home">Field Notes</a></p><p class="wp-block-site-tagline">Small experiments, written up</p></div><nav class="wp-block-navigation is-layout-flex" aria-label="Header navigation"><ul class="wp-block-navigation__container"><li class="wp-block-navigation-item"><a class="wp-block-navigation-item__content" href="/blog/">Blog</a></li><li class="wp-block-navigation-item"><a class="wp-block-navigation-item__content" href="/about/">About</a></li><li class="wp-block-navigation-item"><a class="wp-block-navigation-item__content" href="/now/">Now</a></li></ul></nav></div></header>
<main class="wp-block-group is-layout-constrained"><div class="wp-block-group alignfull"><h1 class="wp-block-post-title">{b['title']}</h1><div class="wp-block-template-part"><div class="wp-block-group is-layout-flex"><div class="wp-block-post-date"><time datetime="{b['date']}T08:00:00+00:00">{b['date']}</time></div><div class="wp-block-post-author-name"><a href="/author/x/" class="wp-block-post-author-name__link">{b['author']}</a></div><div class="taxonomy-category wp-block-post-terms"><a href="/category/notes/" rel="tag">Notes</a></div></div></div></div>
<div class="entry-content wp-block-post-content has-global-padding is-layout-constrained">
{body_html(b['blocks'])}
<div id="jp-post-flair" class="sharedaddy sd-like-enabled sd-sharing-enabled"><div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social sd-social-icon-text sd-sharing"><h3 class="sd-title">Share this:</h3><div class="sd-content"><ul><li class="share-x"><a class="share-x sd-button" href="?share=x">X</a></li><li class="share-facebook"><a class="share-facebook sd-button" href="?share=facebook">Facebook</a></li></ul></div></div></div><div class="sharedaddy sd-block sd-like jetpack-likes-widget-wrapper"><h3 class="sd-title">Like this:</h3><div class="likes-widget-placeholder post-likes-widget-placeholder"><span class="loading">Loading&hellip;</span></div></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3><div class="jp-relatedposts-items jp-relatedposts-items-visual"><div class="jp-relatedposts-post"><h4 class="jp-relatedposts-post-title"><a href="/p/1">{OTHER_TITLES[0]}</a></h4><p class="jp-relatedposts-post-excerpt">A short list of the lessons that took me longest to learn, in the order I learned them, which was not the order that would have helped.</p></div></div></div></div>
</div>
<nav class="wp-block-group is-layout-flex" aria-label="Posts"><div class="post-navigation-link-previous wp-block-post-navigation-link"><a href="/p/2" rel="prev">{OTHER_TITLES[1]}</a></div><div class="post-navigation-link-next wp-block-post-navigation-link"><a href="/p/3" rel="next">{OTHER_TITLES[2]}</a></div></nav>
<div class="wp-block-comments"><h2 class="wp-block-comments-title">2 responses to &ldquo;{b['title']}&rdquo;</h2><ol class="wp-block-comment-template">{comments}</ol>
<div id="respond" class="comment-respond wp-block-post-comments-form"><h3 id="reply-title" class="comment-reply-title">Leave a comment</h3><form id="commentform" class="comment-form"><p class="comment-notes">Your email address will not be published. Required fields are marked *</p><textarea id="comment" name="comment"></textarea><input type="submit" value="Post Comment"></form></div></div>
</main>
<footer class="wp-block-template-part"><div class="wp-block-group has-global-padding"><div class="wp-block-columns"><div class="wp-block-column"><p class="wp-block-site-title"><a href="/">Field Notes</a></p><p>A personal site about the small experiments that fill my evenings and weekends, from code to carpentry, written down so the next attempt goes better.</p></div><div class="wp-block-column"><nav class="wp-block-navigation" aria-label="Footer"><a href="/privacy/">Privacy</a> <a href="/feed/">RSS</a></nav></div></div><p class="has-small-font-size">Designed with <a href="https://wordpress.org">WordPress</a></p></div></footer>
</div>{ANALYTICS}</body></html>"""


def plain_paragraphs(blocks, paragraph):
    """A post body where only paragraphs and preformatted code exist (a discussion site's text box):
    headings become their own paragraph, list items lines starting with "- "."""
    parts = []
    for kind, value in blocks:
        if kind in ("ul", "ol"):
            parts.extend(paragraph("- " + inline(item)) for item in value)
        elif kind == "pre":
            parts.append(f"<pre><code>{html.escape(value, quote=False)}</code></pre>")
        else:
            parts.append(paragraph(inline(value)))
    return parts


def hackernews(b):
    text = plain_paragraphs(b["blocks"], lambda p: "<p>" + p)
    rows = "".join(f'<tr class="athing comtr" id="{4000 + n}"><td><table border="0"><tr><td class="ind" indent="{n % 2}"><img src="s.gif" height="1" width="{n % 2 * 40}"></td><td valign="top" class="votelinks"><center><a id="up_{4000 + n}" href="vote?id={4000 + n}&amp;how=up"><div class="votearrow" title="upvote"></div></a></center></td><td class="default"><div style="margin-top:2px; margin-bottom:-10px;"><span class="comhead"><a href="user?id={user}" class="hnuser">{user}</a> <span class="age" title="2025-03-12T10:00:00"><a href="item?id={4000 + n}">3 hours ago</a></span> <span class="navs"> | <a href="#{4001 + n}" class="clicky">next</a> <a class="togg clicky" href="javascript:void(0)">[&ndash;]</a></span></span></div><br><div class="comment"><div class="commtext c00">{reply}</div><div class="reply"><p><font size="1"><u><a href="reply?id={4000 + n}&amp;goto=item%3Fid%3D4000">reply</a></u></font></p></div></div></td></tr></table></td></tr>'
                   for n, (user, reply) in enumerate(REPLIES))
    return f"""<html lang="en" op="item"><head><meta name="referrer" content="origin"><meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" type="text/css" href="news.css"><title>Ask HN: {b['title']} | Hacker News</title></head>
<body><center><table id="hnmain" border="0" cellpadding="0" cellspacing="0" width="85%" bgcolor="#f6f6ef"><tr><td bgcolor="#ff6600"><table border="0" cellpadding="0" cellspacing="0" width="100%" style="padding:2px"><tr><td style="width:18px;padding-right:4px"><a href="https://news.ycombinator.com"><img src="y18.svg" width="18" height="18"></a></td><td style="line-height:12pt; height:10px;"><span class="pagetop"><b class="hnname"><a href="news">Hacker News</a></b><a href="newest">new</a> | <a href="front">past</a> | <a href="newcomments">comments</a> | <a href="ask">ask</a> | <a href="show">show</a> | <a href="jobs">jobs</a> | <a href="submit">submit</a></span></td><td style="text-align:right;padding-right:4px;"><span class="pagetop"><a href="login?goto=item%3Fid%3D4000">login</a></span></td></tr></table></td></tr>
<tr id="pagespace" title="{b['title']}" style="height:10px"></tr><tr><td><table class="fatitem" border="0"><tr class="athing submission" id="4000"><td align="right" valign="top" class="title"><span class="rank"></span></td><td valign="top" class="votelinks"><center><a id="up_4000" href="vote?id=4000&amp;how=up"><div class="votearrow" title="upvote"></div></a></center></td><td class="title"><span class="titleline"><a href="item?id=4000">Ask HN: {b['title']}</a></span></td></tr><tr><td colspan="2"></td><td class="subtext"><span class="subline"><span class="score" id="score_4000">212 points</span> by <a href="user?id={b['author'].split()[0].lower()}" class="hnuser">{b['author'].split()[0].lower()}</a> <span class="age"><a href="item?id=4000">5 hours ago</a></span> | <a href="hide?id=4000">hide</a> | <a href="fave?id=4000">favorite</a> | <a href="item?id=4000">{len(REPLIES)}&nbsp;comments</a></span></td></tr>
<tr><td colspan="2"></td><td><div class="toptext">{''.join(text)}</div></td></tr><tr><td colspan="2"></td><td><form action="comment" method="post"><textarea name="text" rows="8" cols="80"></textarea><br><input type="submit" value="add comment"></form></td></tr></table><br>
<table border="0" class="comment-tree">{rows}</table><br><br></td></tr>
<tr><td><img src="s.gif" height="10" width="0"><table width="100%" cellspacing="0" cellpadding="1"><tr><td bgcolor="#ff6600"></td></tr></table><br><center><span class="yclinks"><a href="newsguidelines.html">Guidelines</a> | <a href="newsfaq.html">FAQ</a> | <a href="lists">Lists</a> | <a href="security.html">Security</a> | <a href="https://www.ycombinator.com/legal/">Legal</a> | <a href="https://www.ycombinator.com/apply/">Apply to YC</a> | <a href="mailto:hn@ycombinator.com">Contact</a></span><br><br><form method="get" action="//hn.algolia.com/">Search: <input type="text" name="q" size="17"></form></center></td></tr></table></center></body></html>"""


def reddit(b):
    text = plain_paragraphs(b["blocks"], lambda p: f"<p>{p}</p>")
    comments = "".join(f'<shreddit-comment author="{user}" depth="0" permalink="/r/x/comments/1/c/{n}/" score="{40 - n * 7}"><div slot="commentMeta" class="flex items-center"><faceplate-hovercard><a href="/user/{user}/" class="font-bold text-neutral-content-strong">{user}</a></faceplate-hovercard><span class="text-neutral-content-weak">&bull;</span><faceplate-timeago ts="2025-03-12T10:00:00Z"><time>3h ago</time></faceplate-timeago></div><div slot="comment" id="t1_c{n}-comment-rtjson-content" class="md text-14"><p>{reply}</p></div><shreddit-comment-action-row slot="actionRow"><button>Reply</button><button>Share</button></shreddit-comment-action-row></shreddit-comment>'
                       for n, (user, reply) in enumerate(REPLIES))
    return head(b, '<meta property="og:site_name" content="Reddit">') + f"""
<body class="v2"><shreddit-app pagetype="post_detail"><reddit-header-large><header class="v2 flex items-center"><nav class="h-header-large"><a href="/" aria-label="Home">reddit</a><faceplate-search-input placeholder="Search in r/somewhat"></faceplate-search-input><a href="/login/" class="button-primary">Log In</a></nav></header></reddit-header-large>
<div class="grid-container"><flex-left-nav-container><reddit-sidebar-nav><nav aria-label="Primary"><ul><li><a href="/">Home</a></li><li><a href="/r/popular/">Popular</a></li><li><a href="/explore/">Explore</a></li><li><a href="/r/all/">All</a></li></ul></nav></reddit-sidebar-nav></flex-left-nav-container>
<div class="main-container"><main class="main w-full" id="main-content"><shreddit-post author="{b['author'].split()[0].lower()}" post-title="{b['title']}" post-type="text" comment-count="{len(REPLIES)}" score="312" subreddit-prefixed-name="r/somewhat"><div slot="credit-bar" class="flex"><a href="/r/somewhat/" class="subreddit-name">r/somewhat</a><span class="created-separator">&bull;</span><faceplate-timeago><time>5 hr. ago</time></faceplate-timeago><faceplate-hovercard><a href="/user/x/" class="author-name">{b['author'].split()[0].lower()}</a></faceplate-hovercard></div>
<h1 slot="title" id="post-title-t3_1" class="font-semibold text-neutral-content-strong">{b['title']}</h1><shreddit-post-flair slot="post-flair"><span class="flair-content">Discussion</span></shreddit-post-flair>
<div slot="text-body"><div class="text-neutral-content"><div class="md feed-card-text-preview text-14" id="t3_1-post-rtjson-content">{''.join(text)}</div></div></div>
<div slot="post-actions"><button>312</button><button>{len(REPLIES)} comments</button><button>Share</button></div></shreddit-post>
<shreddit-comments-sort-dropdown>Sort by: Best</shreddit-comments-sort-dropdown><div id="comment-tree"><shreddit-comment-tree post-id="t3_1" totalcomments="{len(REPLIES)}">{comments}</shreddit-comment-tree></div></main>
<div id="right-sidebar-container"><aside aria-label="Community information"><h2>r/somewhat</h2><p>A community for long posts about things people have learned slowly, with honest accounts of what went wrong along the way and what they would do differently next time.</p><p>182k members</p></aside></div></div></div>
<footer class="legal-links"><a href="/policies/user-agreement">User Agreement</a> <a href="/policies/privacy-policy">Privacy Policy</a> Reddit, Inc. &copy; 2025. All rights reserved.</footer></shreddit-app></body></html>"""


def quarto(b):
    sections, current = [], []
    for kind, value in b["blocks"]:
        if kind in ("h2", "h3") and current:
            sections.append(current)
            current = []
        current.append((kind, value))
    sections.append(current)
    rendered = []
    for index, blocks in enumerate(sections):
        parts = []
        for kind, value in blocks:
            if kind == "pre":
                parts.append(f'<div class="cell"><div class="sourceCode cell-code" id="cb{index}"><pre class="sourceCode python code-with-copy"><code class="sourceCode python">{html.escape(value, quote=False)}</code></pre><button title="Copy to Clipboard" class="code-copy-button"><i class="bi"></i></button></div></div>')
            elif kind in ("h2", "h3"):
                parts.append(f'<{kind} class="anchored" data-anchor-id="s{index}">{inline(value)}</{kind}>')
            else:
                parts.append(block_html(kind, value))
        body = "\n".join(parts)
        rendered.append(body if index == 0 else f'<section id="s{index}" class="level2">\n{body}\n</section>')
    toc = "".join(f'<li><a href="#s{i}" class="nav-link" data-scroll-target="#s{i}">{plain(s[0][1])}</a></li>' for i, s in enumerate(sections) if i and s[0][0] in ("h2", "h3"))
    return head(b, '<meta name="generator" content="quarto-1.4.550">') + f"""
<body class="nav-fixed fullcontent"><div id="quarto-search-results"></div><header id="quarto-header" class="headroom fixed-top"><nav class="navbar navbar-expand-lg" data-bs-theme="dark"><div class="navbar-container container-fluid"><div class="navbar-brand-container mx-auto"><a class="navbar-brand" href="../../index.html"><span class="navbar-title">Data Notes</span></a></div><div class="collapse navbar-collapse" id="navbarCollapse"><ul class="navbar-nav navbar-nav-scroll ms-auto"><li class="nav-item"><a class="nav-link" href="../../about.html"><span class="menu-text">About</span></a></li><li class="nav-item"><a class="nav-link" href="../../index.xml"><span class="menu-text">RSS</span></a></li></ul></div></div></nav></header>
<div id="quarto-content" class="quarto-container page-columns page-rows-contents page-layout-article page-navbar"><div id="quarto-margin-sidebar" class="sidebar margin-sidebar"><nav id="TOC" role="doc-toc" class="toc-active"><h2 id="toc-title">On this page</h2><ul>{toc}</ul></nav></div>
<main class="content quarto-banner-title-block" id="quarto-document-content"><header id="title-block-header" class="quarto-title-block default page-columns page-full"><div class="quarto-title-banner page-columns page-full"><div class="quarto-title column-body"><h1 class="title">{b['title']}</h1><div class="quarto-categories"><div class="quarto-category">python</div><div class="quarto-category">practice</div></div></div></div><div class="quarto-title-meta"><div><div class="quarto-title-meta-heading">Author</div><div class="quarto-title-meta-contents"><p>{b['author']}</p></div></div><div><div class="quarto-title-meta-heading">Published</div><div class="quarto-title-meta-contents"><p class="date">{b['date']}</p></div></div></div></header>
{chr(10).join(rendered)}
<div id="quarto-appendix" class="default"><section class="quarto-appendix-contents" id="quarto-reuse"><h2 class="anchored quarto-appendix-heading">Reuse</h2><div class="quarto-appendix-contents"><div><a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a></div></div></section><section class="quarto-appendix-contents" id="quarto-citation"><h2 class="anchored quarto-appendix-heading">Citation</h2><div><div class="quarto-appendix-secondary-label">BibTeX citation:</div><pre class="sourceCode code-with-copy quarto-appendix-bibtex"><code class="sourceCode bibtex">@online{{{b['author'].split()[-1].lower()}2025,
  author = {{{b['author']}}},
  title = {{{b['title']}}},
  date = {{{b['date']}}},
  langid = {{en}}
}}</code></pre><div class="quarto-appendix-secondary-label">For attribution, please cite this work as:</div><div id="ref-quarto-cite" class="csl-entry quarto-appendix-citeas">{b['author']}. 2025. &ldquo;{b['title']}.&rdquo; Data Notes. {b['date']}.</div></div></section></div></main>
<script id="quarto-html-after-body" type="application/javascript">window.document.addEventListener("DOMContentLoaded", function (event) {{ const toggleBodyColorMode = () => {{}} }});</script></div>
<footer class="footer"><div class="nav-footer"><div class="nav-footer-left"><p>&copy; 2025 Data Notes, built with <a href="https://quarto.org/">Quarto</a></p></div></div></footer></body></html>"""


def beehiiv(b):
    blocks = []
    for kind, value in b["blocks"]:
        if kind == "p":
            blocks.append(f'<p class="paragraph" style="text-align:left;">{inline(value)}</p>')
        elif kind in ("h2", "h3"):
            blocks.append(f'<h2 class="heading" style="text-align:left;" id="{value[:8].lower().replace(" ", "-")}">{inline(value)}</h2>')
        else:
            blocks.append(block_html(kind, value))
    middle = len(blocks) // 2
    ad = f"""<div class="rounded-wrapper" style="border:1px solid #ddd"><p class="paragraph" style="text-align:center;"><b>Together with Ledgerly</b></p><p class="paragraph" style="text-align:left;">Ledgerly turns receipts, invoices and bank feeds into tidy books without a spreadsheet in sight. Freelancers on Ledgerly spend an average of four fewer hours a month on admin.</p><div class="button-wrapper"><a class="button" href="https://example.com/?utm_source=newsletter">Try it free for 30 days</a></div></div>"""
    return head(b, '<meta name="generator" content="beehiiv">') + f"""
<body><div id="root"><div class="min-h-screen"><nav class="sticky top-0 z-20 w-full bg-white"><div class="mx-auto flex max-w-6xl items-center justify-between px-4 py-2"><a href="/" class="flex items-center"><img src="/logo.png" alt="logo"><span class="font-semibold">The Slow Letter</span></a><div class="flex gap-2"><a href="/archive">Archive</a><a href="/login" class="rounded-wrapper">Login</a><a href="/subscribe" class="rounded-wrapper">Subscribe</a></div></div></nav>
<main class="mx-auto w-full max-w-3xl"><div class="space-y-4 px-4 pt-8"><h1 class="text-3xl font-bold">{b['title']}</h1><h2 class="text-lg text-gray-500">Issue #87 &middot; the one about patience</h2><div class="flex items-center gap-2"><img src="/avatar.png" alt="{b['author']}" class="h-8 w-8 rounded-full"><div><p class="text-sm font-semibold">{b['author']}</p><time class="text-xs text-gray-500" datetime="{b['date']}">{b['date']}</time></div></div>
<div class="flex gap-2 border-y py-2"><a href="https://x.com/intent/tweet">X</a><a href="https://www.linkedin.com/sharing">LinkedIn</a><a href="#">Copy link</a></div></div>
<div class="px-4"><div id="content-blocks"><div class="dream-post-content-doc">{''.join(blocks[:middle])}{ad}{''.join(blocks[middle:])}</div></div></div>
<div class="mx-auto max-w-xl px-4 py-8"><div class="rounded-wrapper bg-gray-50 p-6 text-center"><h3 class="text-xl font-semibold">Keep reading The Slow Letter</h3><p class="text-sm">One long letter every other Sunday about doing things slowly and properly. Join eight thousand readers; unsubscribe whenever you like.</p><form><input type="email" placeholder="Enter your email"><button>Subscribe</button></form></div></div></main>
<footer class="border-t py-8"><div class="mx-auto max-w-6xl px-4 text-sm text-gray-500"><p>&copy; 2025 The Slow Letter.</p><a href="/privacy">Privacy policy</a> <a href="/terms">Terms of use</a> <a href="https://www.beehiiv.com/?utm_source=footer">Powered by beehiiv</a></div></footer></div></div>{ANALYTICS}</body></html>"""


def helpcenter(b):
    return head(b, '<meta name="generator" content="Zendesk Help Center">') + f"""
<body class=""><a class="skip-navigation" tabindex="1" href="#main-content">Skip to main content</a>
<header class="header"><div class="logo"><a title="Home" href="/hc/en-us"><img src="/logo.png" alt="Help Center home page"></a></div><div class="nav-wrapper-desktop"><nav class="user-nav" id="user-nav" aria-label="User navigation"><ul class="user-nav-list"><li><a class="submit-a-request" href="/hc/en-us/requests/new">Submit a request</a></li><li><a class="sign-in" href="/hc/en-us/signin">Sign in</a></li></ul></nav></div></header>
<main role="main"><div class="container-divider"></div><div class="container"><div class="sub-nav"><nav aria-label="Current location"><ol class="breadcrumbs"><li title="Help Center"><a href="/hc/en-us">Help Center</a></li><li title="Guides"><a href="/hc/en-us/categories/1">Guides</a></li><li title="Getting started"><a href="/hc/en-us/sections/2">Getting started</a></li></ol></nav><div class="search-container"><form role="search" class="search" action="/hc/en-us/search"><input type="search" name="query" placeholder="Search"></form></div></div>
<div class="article-container" id="article-container"><aside class="article-sidebar" aria-labelledby="section-articles-title"><div class="collapsible-sidebar"><button type="button" class="collapsible-sidebar-toggle"></button><h2 id="section-articles-title" class="collapsible-sidebar-title sidenav-title">Articles in this section</h2><div class="collapsible-sidebar-body"><ul><li><a href="/a/1" class="sidenav-item">{OTHER_TITLES[2]}</a></li><li><a href="/a/2" class="sidenav-item current-article">{b['title']}</a></li><li><a href="/a/3" class="sidenav-item">{OTHER_TITLES[3]}</a></li></ul><a href="/hc/en-us/sections/2" class="article-sidebar-item">See more</a></div></div></aside>
<article id="main-content" class="article"><header class="article-header"><h1 title="{b['title']}" class="article-title">{b['title']}</h1><div class="article-author"><div class="avatar article-avatar"><img src="/a.png" alt="" class="user-avatar"></div><div class="article-meta"><a href="/hc/en-us/profiles/1">{b['author']}</a><ul class="meta-group"><li class="meta-data"><time datetime="{b['date']}T08:00:00Z" title="{b['date']}">Updated</time></li></ul></div></div><a class="article-subscribe button" title="Opens a sign-in dialog" rel="nofollow" role="button" href="/hc/en-us/articles/2/subscription.html">Follow</a></header>
<section class="article-info"><div class="article-content"><div class="article-body">
{body_html(b['blocks'])}
</div><div class="article-attachments"></div></div></section>
<footer><div class="article-footer"><div class="article-share"><ul class="share"><li><a href="https://www.facebook.com/share.php" class="share-facebook">Facebook</a></li><li><a href="https://twitter.com/share" class="share-twitter">Twitter</a></li></ul></div><a href="#article-comments" class="article-comment-count"><span class="icon-comments"></span>0 comments</a></div>
<div class="article-votes"><h2 class="article-votes-question" id="article-votes-label">Was this article helpful?</h2><div class="article-votes-controls" role="group"><button type="button" class="button article-vote article-vote-up" aria-pressed="false">Yes</button><button type="button" class="button article-vote article-vote-down" aria-pressed="false">No</button></div><small class="article-votes-count"><span class="article-vote-label">12 out of 15 found this helpful</span></small></div>
<div class="article-more-questions">Have more questions? <a href="/hc/en-us/requests/new">Submit a request</a></div><div class="article-return-to-top"><a href="#article-container">Return to top<svg></svg></a></div></footer>
<div class="article-relatives"><section class="related-articles"><h2 class="related-articles-title">Related articles</h2><ul><li><a href="/a/4">{OTHER_TITLES[0]}</a></li><li><a href="/a/5">{OTHER_TITLES[1]}</a></li></ul></section></div>
<div class="article-comments" id="article-comments"><section class="comment-overview"><h2 class="comment-heading">Comments</h2><p class="comment-callout">0 comments</p><p class="comment-callout">Please <a href="/hc/en-us/signin">sign in</a> to leave a comment.</p></section></div></article></div></div></main>
<footer class="footer"><div class="footer-inner"><a title="Home" href="/hc/en-us">Support</a><div class="footer-language-selector"><button class="dropdown-toggle">English (US)</button></div></div></footer>{ANALYTICS}</body></html>"""


def wix(b):
    blocks = []
    for kind, value in b["blocks"]:
        if kind == "p":
            blocks.append(f'<p class="mm8Nw _1j-51 roLFQS _1FoOD ljnIA" dir="auto"><span class="_2PHJq public-DraftStyleDefault-ltr">{inline(value)}</span></p>')
        elif kind in ("h2", "h3"):
            blocks.append(f'<h2 class="eSWI6 _1j-51 roLFQS _1FoOD" dir="auto"><span class="_2PHJq">{inline(value)}</span></h2>')
        elif kind in ("ul", "ol"):
            items = "".join(f'<li class="_2wCqI"><p class="mm8Nw _1j-51 roLFQS" dir="auto"><span>{inline(item)}</span></p></li>' for item in value)
            blocks.append(f'<{kind} class="_1c4Aq">{items}</{kind}>')
        elif kind == "pre":
            blocks.append(f'<div data-hook="code-block"><pre class="ZqQCs" data-hook="codeblock"><code>{html.escape(value, quote=False)}</code></pre></div>')
        else:
            blocks.append(f'<blockquote class="_3qmKw" data-hook="blockquote"><span class="_2PHJq">{inline(value)}</span></blockquote>')
    recent = "".join(f'<div class="UqmlR" data-hook="post-list-item"><a href="/post/{i}" class="O16KGI"><div class="bD0vt9" data-hook="post-title"><p class="lhLJS">{t}</p></div></a><div data-hook="post-footer"><span>{i + 2} min read</span></div></div>' for i, t in enumerate(OTHER_TITLES[:3]))
    return head(b, '<meta name="generator" content="Wix.com Website Builder">') + f"""
<body><div id="SITE_CONTAINER"><div id="main_MF" class="main_MF"><div id="site-root"><div id="masterPage" class="mesh-layout"><header id="SITE_HEADER" class="xU8fqS SITE_HEADER wixui-header" tabindex="-1"><div class="_C0cVf"><div id="comp-kq1" class="comp-kq1 wixui-rich-text" data-testid="richTextElement"><p class="font_6 wixui-rich-text__text"><span class="wixui-rich-text__text"><a href="/">Hollow Tree Studio</a></span></p></div><nav id="comp-kq2" aria-label="Site" class="comp-kq2 wixui-horizontal-menu"><ul class="ITHSdb"><li><a href="/">Home</a></li><li><a href="/blog">Blog</a></li><li><a href="/workshops">Workshops</a></li><li><a href="/contact">Contact</a></li></ul></nav></div></header>
<main id="PAGES_CONTAINER" class="PAGES_CONTAINER" tabindex="-1"><div id="SITE_PAGES"><div class="dBAkHi"><section id="comp-blog" class="comp-blog wixui-section"><div data-testid="columns" class="comp-blog-container"><div id="TPASection_blog" class="TPASection_blog"><div data-hook="post-page" class="post-page">
<article data-hook="post" class="blog-post-page-font"><div class="_3ng2Y" data-hook="post-header"><div data-hook="avatar-image"><img src="/a.png" alt=""></div><div class="tQ0Q1"><span data-hook="user-name" class="_3fOuh">{b['author']}</span><span data-hook="time-ago" class="post-metadata__date">{b['date']}</span><span data-hook="time-to-read" class="post-metadata__readTime">3 min read</span></div><button data-hook="more-button" aria-label="More actions"></button></div>
<div class="_1S2jZ"><h1 class="UbhFJ7 blog-post-title-font" data-hook="post-title"><span class="post-title__text">{b['title']}</span></h1><div class="_2uy8q" data-hook="post-description"><div class="rich-content-viewer" data-id="rich-content-viewer"><div class="_1hN1O" data-hook="rcv-block-first">{''.join(blocks)}</div></div></div></div>
<div data-hook="post-footer" class="post-footer"><div data-hook="post-main-actions"><div class="social-share"><a aria-label="Share on Facebook" href="#"></a><a aria-label="Share on X" href="#"></a><a aria-label="Copy link" href="#"></a></div></div><div data-hook="post-categories-list"><a href="/blog/categories/making">Making</a></div><div data-hook="post-stats"><span data-hook="view-count">214 views</span><span data-hook="comment-count">0 comments</span><button data-hook="like-button"><span>9</span></button></div></div></article>
<div data-hook="recent-posts" class="recent-posts"><div class="_1Czo1"><h2 data-hook="recent-posts-title">Recent Posts</h2><a href="/blog">See All</a></div><div class="_3-pqM">{recent}</div></div>
<div data-hook="comments-root" class="comments-root"><div data-hook="comments-header">Comments</div><div data-hook="comments-empty-state"><p>Share your thoughts</p><p>Be the first to write a comment.</p></div></div></div></div></div></section></div></div></main>
<footer id="SITE_FOOTER" class="SITE_FOOTER wixui-footer"><div id="comp-ft1" class="wixui-rich-text" data-testid="richTextElement"><p class="font_8">Hollow Tree Studio runs small workshops in making and mending for adults who never got to learn these things at school. We are in the old schoolhouse by the green, and the kettle is always on.</p><p class="font_8">&copy; 2025 by Hollow Tree Studio. Proudly created with Wix.com</p></div></footer></div></div></div></div>{ANALYTICS}</body></html>"""


TEMPLATES = [wordpress_blocks, hackernews, reddit, quarto, beehiiv, helpcenter, wix]


def main():
    write_pages(PAGES, [(body, template) for body in BODIES for template in TEMPLATES])


if __name__ == "__main__":
    main()
