#!/usr/bin/env python3
"""Checks Benchmarks/rag/questions.jsonl (or another question file) against corpus.jsonl (standard library only).

For every question: its documentId exists; its answer is 5-30 words and occurs verbatim in that
document's content (both whitespace-collapsed); the answer occurs in no other document. Also reads
which filters a question names the way Core/RAG/SelfQuery.swift does (an author by full name, or by
first name when no other author shares it; a platform or kind by its words) and fails when a named
filter would exclude the question's own document. Reports the content words a question shares with
its answer, and counts per author, platform and kind. Exit status 1 on any error.

Usage (from the repository root): python3 Benchmarks/rag/check_questions.py [-v] [QUESTIONS.jsonl]
"""
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PLATFORM_WORDS = {"linkedin": "linkedin", "medium": "medium", "github": "github", "repository": "github",
                  "repositories": "github", "repo": "github", "repos": "github"}
KIND_WORDS = {"post": "post", "posts": "post", "article": "article", "articles": "article", "blog": "article",
              "essay": "article", "essays": "article", "readme": "repository_file", "readmes": "repository_file"}
STOP = set("""a an the of in on at to for from by with and or but if is are was were be been being do does did
what which who whom whose when where why how can could should would will shall may might must this that these
those it its it's i my me you your we our they their them he his she her as into than then so not no about per
after before over under up down out one two get got gets has have had just also there here s t""".split())


def collapse(text):
    return " ".join(text.split())


def words(text):
    found = []
    for word in re.findall(r"[\w'’]+", text.lower()):
        for suffix in ("'s", "’s"):
            if word.endswith(suffix):
                word = word[:-2]
        word = word.strip("'’")
        if word:
            found.append(word)
    return found


def named_filters(question, author_ids):
    """(author, platform, kind) that SelfQuery would read from the question, None where none."""
    ws = words(question)
    best = None
    for author in author_ids:
        parts = author.split("-")
        first_unique = sum(1 for a in author_ids if a.split("-")[0] == parts[0]) == 1
        for start in range(len(ws)):
            length = 0
            while length < len(parts) and start + length < len(ws) and ws[start + length] == parts[length]:
                length += 1
            if length == len(parts) or (length == 1 and first_unique and len(parts) > 1):
                if best is None or length > best[1]:
                    best = (author, length)
    platform = kind = None
    for w in ws:
        if platform is None and w in PLATFORM_WORDS:
            platform = PLATFORM_WORDS[w]
        elif kind is None and w in KIND_WORDS:
            kind = KIND_WORDS[w]
    if platform == "github" and kind is None:
        kind = "repository_file"
    return (best[0] if best else None), platform, kind


def main():
    verbose = "-v" in sys.argv
    docs = {}
    with open(os.path.join(HERE, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            docs[d["documentId"]] = d
    author_ids = sorted({d["authorId"] for d in docs.values()})
    errors, named = [], 0
    per = collections.Counter()
    covered = set()
    questions = []
    paths = [arg for arg in sys.argv[1:] if arg != "-v"]
    with open(paths[0] if paths else os.path.join(HERE, "questions.jsonl"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            q = json.loads(line)
            questions.append(q)
            if set(q) != {"question", "documentId", "answer"}:
                errors.append(f"line {n}: keys {sorted(q)}")
                continue
            doc = docs.get(q["documentId"])
            if doc is None:
                errors.append(f"line {n}: unknown documentId {q['documentId']}")
                continue
            answer = collapse(q["answer"])
            if not 5 <= len(answer.split()) <= 30:
                errors.append(f"line {n}: answer has {len(answer.split())} words")
            if answer not in collapse(doc["content"]):
                errors.append(f"line {n}: answer not found verbatim in {q['documentId']}")
            others = [i for i, d in docs.items() if i != q["documentId"] and answer in collapse(d["content"])]
            if others:
                errors.append(f"line {n}: answer also occurs in {len(others)} other document(s): {others[:3]}")
            author, platform, kind = named_filters(q["question"], author_ids)
            for name, value in (("authorId", author), ("platform", platform), ("kind", kind)):
                if value is not None and doc[name] != value:
                    errors.append(f"line {n}: question names {name}={value} but the document has {doc[name]}")
            if author or platform or kind:
                named += 1
            covered.add(q["documentId"])
            per[("author", doc["authorId"])] += 1
            per[("platform", doc["platform"])] += 1
            per[("kind", doc["kind"])] += 1
            shared = sorted(set(w for w in words(q["question"]) if w not in STOP) &
                            set(w for w in words(answer) if w not in STOP))
            if verbose:
                filters = ",".join(x for x in (author, platform, kind) if x) or "-"
                print(f"{n:3} [{filters}] shared={shared} :: {q['question']}")
    duplicates = [i for i, c in collections.Counter(q["documentId"] for q in questions).items() if c > 1]
    print(f"{len(questions)} questions over {len(covered)} documents ({len(duplicates)} documents asked twice); "
          f"{named} name an author, platform or kind")
    for key in ("author", "platform", "kind"):
        print(f"  {key}: " + ", ".join(f"{v} {c}" for (k, v), c in sorted(per.items()) if k == key))
    for e in errors:
        print("ERROR", e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
