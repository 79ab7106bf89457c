#!/usr/bin/env python3
"""Checks the real-world retrieval questions against pinned snapshots of their repositories.

Usage:
    python3 check.py --mirrors /work/.mirror
    python3 check.py --repo karpathy/nanoGPT=/path/to/nanoGPT.git --repo ...
    python3 check.py --mirrors DIR -v      # also print per-question details

--mirrors DIR is a folder holding bare git repositories (or clones). For owner/name it tries, in
order: DIR/owner+name/repo, DIR/owner+name, DIR/owner+name.git, DIR/owner/name, DIR/owner/name.git,
DIR/owner__name, DIR/owner__name.git, DIR/name, DIR/name.git. --repo owner/name=DIR names a git
directory explicitly and wins over --mirrors.

Checks (any failure prints a message and exits with status 1):
- repos.json: a list of {repo, commit (40 hex), nickname_examples}; no held-out repository;
  each pinned commit exists in its git directory.
- questions.jsonl: ids unique and of the form q001; type and half valid; answerable questions
  have 1-4 facts and at least one answer, unanswerable ones have neither; every answer is
  "owner/name:path" for a repository of repos.json, is listed once, and exists at the pinned
  commit (git cat-file -e COMMIT:path); every fact occurs, case-insensitively, in at least one
  of the question's answer files; tune/score are balanced within every type (difference <= 1)
  and overall.
Standard library only.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = ("config", "how", "where", "comparison", "shared-name", "nickname", "unanswerable")
HALVES = ("tune", "score")
HELD_OUT = ("decodingml/llm-twin-course", "packtpublishing/llm-engineers-handbook")
MAX_SHARED_RUN = 8


def longest_shared_run(question, text):
    """The most consecutive words (letters and digits, case aside) of `question` found together in `text`."""
    words = re.findall(r"[a-z0-9]+", question.lower())
    haystack = " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "
    best = 0
    for start in range(len(words)):
        for end in range(start + best + 1, len(words) + 1):
            if " " + " ".join(words[start:end]) + " " not in haystack:
                break
            best = end - start
    return best


def is_git_dir(path):
    return os.path.isfile(os.path.join(path, "HEAD")) and os.path.isdir(os.path.join(path, "objects"))


def find_git_dir(mirrors, repo):
    owner, name = repo.split("/", 1)
    candidates = [
        f"{owner}+{name}/repo", f"{owner}+{name}", f"{owner}+{name}.git",
        f"{owner}/{name}", f"{owner}/{name}.git", f"{owner}__{name}", f"{owner}__{name}.git",
        name, f"{name}.git",
    ]
    for c in candidates:
        p = os.path.join(mirrors, c)
        if is_git_dir(p):
            return p
        if is_git_dir(os.path.join(p, ".git")):
            return os.path.join(p, ".git")
    return None


def git(gitdir, *args, binary=False):
    r = subprocess.run(["git", f"--git-dir={gitdir}", *args], capture_output=True)
    if binary:
        return r.returncode, r.stdout
    return r.returncode, r.stdout.decode("utf-8", "replace").strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirrors", help="folder holding the bare git repositories")
    ap.add_argument("--repo", action="append", default=[], metavar="OWNER/NAME=DIR",
                    help="git directory of one repository (repeatable)")
    ap.add_argument("--questions", default=os.path.join(HERE, "questions.jsonl"))
    ap.add_argument("--repos-json", default=os.path.join(HERE, "repos.json"))
    ap.add_argument("--id-prefix", default="q", help="question ids are this letter and three or more digits (q001)")
    ap.add_argument("--refuse", action="append", default=[], metavar="OWNER/NAME",
                    help="a repository this set must not use, besides the acceptance ones (repeatable)")
    ap.add_argument("--strict", action="store_true",
                    help="also: halves alternate tune, score within a type; comparison questions list files of two "
                         "repositories; nickname questions spell out no repository name; no question shares a run of "
                         f"{MAX_SHARED_RUN} words with one of its answer files (for held-out sets)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    refused = HELD_OUT + tuple(repo.lower() for repo in args.refuse)

    errors = []

    def fail(msg):
        errors.append(msg)

    # ---------------------------------------------------------------- repos.json
    with open(args.repos_json, encoding="utf-8") as f:
        repos = json.load(f)
    if not isinstance(repos, list) or not repos:
        print("repos.json: expected a non-empty JSON array")
        return 1
    pinned = {}
    nicknames = {}
    for i, r in enumerate(repos):
        repo, commit = r.get("repo", ""), r.get("commit", "")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo or ""):
            fail(f"repos.json[{i}]: bad repo {repo!r}")
            continue
        if repo.lower() in refused:
            fail(f"repos.json: {repo} is held out (acceptance, or --refuse) and must not be used here")
        if not re.fullmatch(r"[0-9a-f]{40}", commit or ""):
            fail(f"repos.json: {repo}: commit must be 40 lowercase hex digits, got {commit!r}")
        if repo in pinned:
            fail(f"repos.json: {repo} listed twice")
        pinned[repo] = commit
        nk = r.get("nickname_examples")
        if not isinstance(nk, list) or not nk or not all(isinstance(x, str) and x for x in nk):
            fail(f"repos.json: {repo}: nickname_examples must be a non-empty list of strings")
            nk = []
        nicknames[repo] = nk

    # ---------------------------------------------------------------- git directories
    explicit = {}
    for spec in args.repo:
        if "=" not in spec:
            fail(f"--repo {spec!r}: expected OWNER/NAME=DIR")
            continue
        name, d = spec.split("=", 1)
        explicit[name] = d
    gitdirs = {}
    for repo, commit in pinned.items():
        d = explicit.get(repo)
        if d is not None:
            if not is_git_dir(d) and is_git_dir(os.path.join(d, ".git")):
                d = os.path.join(d, ".git")
            if not is_git_dir(d):
                fail(f"{repo}: {d} is not a git directory")
                continue
        elif args.mirrors:
            d = find_git_dir(args.mirrors, repo)
            if d is None:
                fail(f"{repo}: no git directory for it under {args.mirrors}")
                continue
        else:
            fail(f"{repo}: give --mirrors DIR or --repo {repo}=DIR")
            continue
        rc, _ = git(d, "cat-file", "-e", f"{commit}^{{commit}}")
        if rc != 0:
            fail(f"{repo}: pinned commit {commit} is not in {d}")
            continue
        gitdirs[repo] = d
        if args.verbose:
            print(f"{repo}: {d} @ {commit}")

    # ---------------------------------------------------------------- questions
    rows = []
    with open(args.questions, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                fail(f"questions.jsonl line {n}: not JSON ({e})")

    blob_cache = {}

    def blob(repo, path):
        key = (repo, path)
        if key not in blob_cache:
            rc, data = git(gitdirs[repo], "cat-file", "blob", f"{pinned[repo]}:{path}", binary=True)
            blob_cache[key] = data.decode("utf-8", "replace").lower() if rc == 0 else None
        return blob_cache[key]

    seen_ids = set()
    per_type_half = collections.Counter()
    keys = ("id", "question", "answers", "facts", "type", "half")
    for row in rows:
        qid = row.get("id", "?")
        where = f"{qid}"
        if set(row) != set(keys):
            fail(f"{where}: fields must be exactly {', '.join(keys)}; got {', '.join(sorted(row))}")
        if not re.fullmatch(re.escape(args.id_prefix) + r"\d{3,}", str(qid)):
            fail(f"{where}: id must look like {args.id_prefix}001")
        if qid in seen_ids:
            fail(f"{where}: duplicate id")
        seen_ids.add(qid)
        text, answers, facts = row.get("question"), row.get("answers"), row.get("facts")
        qtype, half = row.get("type"), row.get("half")
        if not isinstance(text, str) or len(text.strip()) < 10:
            fail(f"{where}: question text missing or too short")
        if qtype not in TYPES:
            fail(f"{where}: type {qtype!r} not one of {', '.join(TYPES)}")
        if half not in HALVES:
            fail(f"{where}: half {half!r} not tune/score")
        expected = HALVES[(per_type_half[(qtype, "tune")] + per_type_half[(qtype, "score")]) % 2]
        if args.strict and half in HALVES and half != expected:
            fail(f"{where}: half is {half!r}, expected {expected!r} (tune and score alternate within a type)")
        per_type_half[(qtype, half)] += 1
        if not isinstance(answers, list) or not isinstance(facts, list):
            fail(f"{where}: answers and facts must be lists")
            continue
        if qtype == "unanswerable":
            if answers or facts:
                fail(f"{where}: unanswerable question must have empty answers and facts")
            continue
        if not answers:
            fail(f"{where}: answerable question without answers")
        if not 1 <= len(facts) <= 4:
            fail(f"{where}: needs 1-4 facts, has {len(facts)}")
        if len(set(answers)) != len(answers):
            fail(f"{where}: an answer is listed twice")
        texts = []
        for ans in answers:
            if not isinstance(ans, str) or ":" not in ans:
                fail(f"{where}: answer {ans!r} is not owner/name:path")
                continue
            repo, path = ans.split(":", 1)
            if repo not in pinned:
                fail(f"{where}: answer {ans} names a repository not in repos.json")
                continue
            if repo.lower() in refused:
                fail(f"{where}: answer {ans} is in a held-out repository")
            if repo not in gitdirs:
                continue  # already reported
            rc, _ = git(gitdirs[repo], "cat-file", "-e", f"{pinned[repo]}:{path}")
            if rc != 0:
                fail(f"{where}: {ans} does not exist at {pinned[repo][:12]}")
                continue
            content = blob(repo, path)
            if content is None:
                fail(f"{where}: {ans} could not be read")
                continue
            texts.append((ans, content))
        for fact in facts:
            if not isinstance(fact, str) or not fact.strip():
                fail(f"{where}: empty fact")
                continue
            hits = [ans for ans, content in texts if fact.lower() in content]
            if texts and not hits:
                fail(f"{where}: fact {fact!r} occurs in none of its answer files")
            elif args.verbose:
                print(f"{where}: {fact!r} in {len(hits)}/{len(texts)} answer files")
        if args.strict:
            if qtype == "comparison" and len({ans.split(":", 1)[0] for ans, _ in texts}) < 2:
                fail(f"{where}: a comparison question should list files of two repositories")
            if qtype == "nickname":
                for name in (part for repo in pinned for part in (repo, repo.split("/", 1)[1])):
                    if name.lower() in (text or "").lower():
                        fail(f"{where}: a nickname question spells out the repository name {name!r}")
            for ans, content in texts:
                run = longest_shared_run(text or "", content)
                if run >= MAX_SHARED_RUN:
                    fail(f"{where}: the question shares a run of {run} words with {ans}")

    # ---------------------------------------------------------------- balance
    totals = collections.Counter()
    for t in TYPES:
        tune, score = per_type_half[(t, "tune")], per_type_half[(t, "score")]
        totals["tune"] += tune
        totals["score"] += score
        if abs(tune - score) > 1:
            fail(f"type {t}: halves unbalanced (tune {tune}, score {score})")
    if abs(totals["tune"] - totals["score"]) > 1:
        fail(f"halves unbalanced overall (tune {totals['tune']}, score {totals['score']})")

    # ---------------------------------------------------------------- report
    def mentions(text):
        low = text.lower()
        full = any(r.lower() in low for r in pinned)
        nick = any(n.lower() in low for ns in nicknames.values() for n in ns)
        return full, nick

    full_n = nick_only = none = 0
    for row in rows:
        full, nick = mentions(row.get("question", ""))
        if full:
            full_n += 1
        elif nick:
            nick_only += 1
        else:
            none += 1
    print(f"{len(rows)} questions, {len(pinned)} repositories")
    print(f"{'type':<14}{'tune':>6}{'score':>7}{'total':>7}")
    for t in TYPES:
        tune, score = per_type_half[(t, "tune")], per_type_half[(t, "score")]
        print(f"{t:<14}{tune:>6}{score:>7}{tune + score:>7}")
    print(f"{'all':<14}{totals['tune']:>6}{totals['score']:>7}{totals['tune'] + totals['score']:>7}")
    print(f"name a repository by owner/name: {full_n}; by nickname only: {nick_only}; name none: {none}")

    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print(f"  - {e}")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
