#!/usr/bin/env python3
"""Builds Benchmarks/rag/corpus.jsonl, the document set of the retrieval benchmark.

Real texts that are available offline, attributed to made-up authors on made-up URLs:
  - the Lee news corpus that gensim's wheel ships (lee_background.cor, 300 lines, and lee.cor,
    50 lines; exact duplicate lines dropped): Australian news stories from 2001, split round-robin
    among four journalists; the shortest quarter become LinkedIn posts, the rest articles on the
    "article" platform (a news site) or on Medium;
  - Python's bundled reference documentation (pydoc_data.topics, 79 topics): GitHub repository
    files docs/reference/<topic>.md by one author;
  - docstrings of standard-library modules and of their longest-documented public classes and
    functions: GitHub repository files by a second author, Medium articles and (the short ones)
    LinkedIn posts by a third.

Standard library only and deterministic: the same Python version (3.11) gives the same file.
The Lee files are read from .twinlog/bench-data/lee (where Benchmarks/embedder/run.py keeps them)
and fetched once from gensim's wheel with `pip download` when they are missing.

Usage (from the repository root): python3 Benchmarks/rag/make_corpus.py [--out PATH] [--data DIR]
"""
import argparse
import datetime
import glob
import hashlib
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
import warnings
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

NEWS_AUTHORS = [("maria-chen", "Maria Chen"), ("jonas-okafor", "Jonas Okafor"),
                ("priya-raman", "Priya Raman"), ("keiko-holt", "Keiko Holt")]
REFERENCE_AUTHOR = ("lena-hoffmann", "Lena Hoffmann")   # pydoc topics, GitHub
LIBRARY_AUTHOR = ("raj-patel", "Raj Patel")              # stdlib docstrings, GitHub
BLOG_AUTHOR = ("emily-brooks", "Emily Brooks")           # stdlib docstrings, Medium and LinkedIn

# Modules whose docstrings go to GitHub (Raj Patel) and to Medium/LinkedIn (Emily Brooks).
GITHUB_MODULES = ["json", "csv", "pathlib", "re", "sqlite3", "http.server", "argparse", "unittest",
                  "subprocess", "shutil", "tempfile", "urllib.parse", "configparser", "socketserver",
                  "zipfile", "struct", "xml.etree.ElementTree", "smtplib", "getopt", "doctest",
                  "timeit", "shelve", "fileinput", "wave"]
MEDIUM_MODULES = ["asyncio", "logging", "collections", "itertools", "functools", "heapq", "bisect",
                  "textwrap", "statistics", "difflib", "uuid", "secrets", "random", "hashlib",
                  "string", "copy", "contextlib", "dataclasses", "enum", "traceback", "base64",
                  "pickle", "ipaddress", "sched", "fnmatch", "decimal", "fractions", "threading"]
PER_MODULE = 5          # besides the module docstring: the longest public docstrings
MIN_DOC_CHARS = 200     # shorter class/function docstrings are skipped
MIN_MODULE_DOC_CHARS = 120
POST_MAX_CHARS = 450    # Emily's docstrings up to this length are LinkedIn posts


def collapse(text):
    return " ".join(text.split())


def doc_id(url):
    return "doc_" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


def slug(text, words=8):
    parts = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(parts[:words]) or "untitled"


ABBREVIATION = re.compile(r"(?:\b[A-Z]\.)+$|\b(?:Mr|Mrs|Ms|Dr|St|Sen|Gen|Lt|Col|Capt|Jan|Feb|Aug|Sept|Oct|Nov|Dec)\.$")


def first_sentence(text, limit=80):
    sentence = text
    for match in re.finditer(r"[.!?](?=\s|$)", text):
        end = match.end()
        if ABBREVIATION.search(text[:end]):
            continue  # "U.S.", "U.N.", "Mr." do not end a sentence
        sentence = text[:end]
        break
    if len(sentence) > limit:
        cut = sentence[:limit - 1]
        sentence = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
    return sentence


def lee_files(data):
    """lee_background.cor and lee.cor from gensim's wheel, downloaded once (as in Benchmarks/embedder/run.py)."""
    lee = os.path.join(data, "lee")
    names = ["lee_background.cor", "lee.cor"]
    if not all(os.path.exists(os.path.join(lee, n)) for n in names):
        os.makedirs(lee, exist_ok=True)
        wheels = os.path.join(data, "wheels")
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "gensim", "-d", wheels], check=True)
        wheel = sorted(glob.glob(os.path.join(wheels, "gensim-*.whl")))[-1]
        with zipfile.ZipFile(wheel) as archive:
            for n in names:
                with open(os.path.join(lee, n), "wb") as out:
                    out.write(archive.read("gensim/test/test_data/" + n))
    return [os.path.join(lee, n) for n in names]


def news_documents(data):
    texts, seen = [], set()
    for path in lee_files(data):
        with open(path, encoding="latin-1") as f:
            for line in f:
                text = collapse(line)
                if text and text not in seen:
                    seen.add(text)
                    texts.append(text)
    # The shortest quarter (by words; ties by position) are LinkedIn posts.
    by_length = sorted(range(len(texts)), key=lambda i: (len(texts[i].split()), i))
    posts = set(by_length[:len(texts) // 4])
    docs = []
    for i, text in enumerate(texts):
        author, name = NEWS_AUTHORS[i % len(NEWS_AUTHORS)]
        title = first_sentence(text)
        s = slug(title)
        if i in posts:
            platform, kind = "linkedin", "post"
            url = f"https://www.linkedin.com/posts/{author}_{s}-activity-{7000000 + i}"
        elif (i // len(NEWS_AUTHORS)) % 3 == 0:
            platform, kind = "medium", "article"
            url = f"https://medium.com/@{author}/{s}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"
        else:
            platform, kind = "article", "article"
            url = f"https://news.example.com/2001/{author}/{s}-{i}"
        docs.append(dict(author=author, name=name, platform=platform, kind=kind, title=title, url=url, content=text))
    return docs


def reference_documents():
    from pydoc_data.topics import topics
    author, name = REFERENCE_AUTHOR
    docs = []
    for topic in sorted(topics):
        path = f"docs/reference/{topic}.md"
        url = f"https://github.com/{author}/python-reference-notes/blob/main/{path}"
        docs.append(dict(author=author, name=name, platform="github", kind="repository_file", title=path,
                         url=url, content=collapse(topics[topic])))
    return docs


def docstrings(module_name):
    """(qualified name, docstring) of the module and of its PER_MODULE longest-documented public members."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = importlib.import_module(module_name)
    found = []
    if module.__doc__ and len(module.__doc__.strip()) >= MIN_MODULE_DOC_CHARS:
        found.append((module_name, inspect.cleandoc(module.__doc__)))
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    members = []
    for member in sorted(set(names)):
        obj = getattr(module, member, None)
        if obj is None or not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj)):
            continue
        # Only what the module defines (or its C accelerator, e.g. _heapq): not re-exported names.
        home = getattr(obj, "__module__", None) or ""
        if not (home == module_name or home.startswith(module_name + ".") or home == "_" + module_name):
            continue
        doc = obj.__doc__
        if isinstance(doc, str) and len(doc.strip()) >= MIN_DOC_CHARS:
            members.append((f"{module_name}.{member}", inspect.cleandoc(doc)))
    members.sort(key=lambda m: (-len(m[1]), m[0]))
    return found + members[:PER_MODULE]


def library_documents():
    docs, seen = [], set()
    for modules, (author, name) in ((GITHUB_MODULES, LIBRARY_AUTHOR), (MEDIUM_MODULES, BLOG_AUTHOR)):
        for module_name in modules:
            for qualname, doc in docstrings(module_name):
                content = collapse(f"{qualname}\n\n{doc}")
                if doc in seen:
                    continue
                seen.add(doc)
                if author == LIBRARY_AUTHOR[0]:
                    path = "docs/library/" + qualname.replace(".", "/") + ".md"
                    platform, kind, title = "github", "repository_file", path
                    url = f"https://github.com/{author}/stdlib-field-notes/blob/main/{path}"
                elif len(content) <= POST_MAX_CHARS:
                    platform, kind, title = "linkedin", "post", f"TIL: {qualname}"
                    url = f"https://www.linkedin.com/posts/{author}_{slug(qualname)}-activity-{int(hashlib.sha256(qualname.encode()).hexdigest()[:8], 16)}"
                else:
                    platform, kind, title = "medium", "article", f"Python's {qualname}, explained"
                    url = f"https://medium.com/@{author}/pythons-{slug(qualname)}-explained"
                docs.append(dict(author=author, name=name, platform=platform, kind=kind, title=title,
                                 url=url, content=content))
    return docs


def published_at(document_id):
    """A made-up publication date, spread evenly over 2021-01-01 .. 2026-10-31 and fixed by the id
    (so regenerating the corpus keeps every date): RFC 3339 at noon UTC."""
    first = datetime.date(2021, 1, 1)
    days = (datetime.date(2026, 11, 1) - first).days
    offset = int(hashlib.sha256(document_id.encode()).hexdigest()[:8], 16) % days
    return (first + datetime.timedelta(days=offset)).isoformat() + "T12:00:00Z"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(HERE, "corpus.jsonl"))
    parser.add_argument("--data", default=os.path.join(ROOT, ".twinlog", "bench-data"),
                        help="where the Lee files are kept (default: .twinlog/bench-data)")
    args = parser.parse_args()
    if sys.version_info[:2] != (3, 11):
        print(f"warning: corpus.jsonl was made with Python 3.11; Python {sys.version_info[0]}.{sys.version_info[1]} "
              "has other docstrings, so the Python documents and some answers in questions.jsonl may change",
              file=sys.stderr)

    docs = news_documents(args.data) + reference_documents() + library_documents()
    ids = set()
    with open(args.out, "w", encoding="utf-8") as out:
        for d in docs:
            record = {"documentId": doc_id(d["url"]), "authorId": d["author"], "authorName": d["name"],
                      "platform": d["platform"], "kind": d["kind"], "title": d["title"], "url": d["url"],
                      "content": d["content"]}
            record["publishedAt"] = published_at(record["documentId"])
            assert record["documentId"] not in ids, d["url"]
            assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", record["authorId"])
            assert len(record["content"]) >= 80, d["url"]
            ids.add(record["documentId"])
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    counts = {}
    for d in docs:
        key = (d["author"], d["platform"], d["kind"])
        counts[key] = counts.get(key, 0) + 1
    print(f"{len(docs)} documents -> {os.path.relpath(args.out)} ({os.path.getsize(args.out) / 1e6:.2f} MB)")
    for (author, platform, kind), n in sorted(counts.items()):
        print(f"  {author:15} {platform:9} {kind:16} {n}")


if __name__ == "__main__":
    main()
