#!/usr/bin/env python3
"""Checks the acceptance retrieval questions against pinned snapshots of their two repositories.

Usage:
    python3 check.py /work/.mirror        # MIRRORS: a folder where owner/name lives at MIRRORS/owner+name/repo
    python3 check.py /work/.mirror -v     # also print one line per question

Checks (any failure prints a message and exits with status 1):
- repos.json: a list of {repo, commit (40 hex), nickname_examples (list of strings)}; each pinned
  commit exists in its bare git repository.
- questions.jsonl: every line a JSON object with exactly the keys id, question, answers, facts,
  type, half; ids are a001, a002, ... in order; type is one of config, how, where, comparison,
  nickname, unanswerable; half is tune/score and alternates tune, score, tune, ... within each type
  in id order.
- answerable questions: 1-4 facts and at least one answer; each answer is "owner/name:path" for a
  repository of repos.json, listed once, and exists at the pinned commit; every fact occurs,
  case-insensitively, in at least one of the question's answer files (read with git show);
  comparison questions list files of both repositories; nickname questions do not spell out a
  repository name; no question repeats a run of 8 or more words of one of its answer files.
- unanswerable questions: empty answers and empty facts.
Standard library only.
"""
import collections
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = {"id", "question", "answers", "facts", "type", "half"}
TYPES = ("config", "how", "where", "comparison", "nickname", "unanswerable")
HALVES = ("tune", "score")
MAX_SHARED_RUN = 8


def fail(errors):
    for e in errors:
        print("FAIL:", e)
    print(f"{len(errors)} error(s)")
    sys.exit(1)


def git_dir(mirrors, repo):
    owner, name = repo.split("/", 1)
    return os.path.join(mirrors, f"{owner}+{name}", "repo")


def git(gdir, *args):
    return subprocess.run(["git", f"--git-dir={gdir}", *args], capture_output=True)


def words(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def longest_shared_run(question, text):
    qw = words(question)
    tw = " " + " ".join(words(text)) + " "
    best = 0
    for i in range(len(qw)):
        for j in range(i + best + 1, len(qw) + 1):
            if " " + " ".join(qw[i:j]) + " " in tw:
                best = j - i
            else:
                break
    return best


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv[1:]
    if len(args) != 1:
        print(__doc__)
        sys.exit(2)
    mirrors = args[0]
    errors = []

    # ---- repos.json ----
    try:
        with open(os.path.join(HERE, "repos.json")) as f:
            repos = json.load(f)
    except (OSError, ValueError) as e:
        fail([f"repos.json: {e}"])
    commits, gdirs = {}, {}
    if not isinstance(repos, list) or not repos:
        fail(["repos.json: expected a non-empty list"])
    for r in repos:
        if not isinstance(r, dict) or set(r) != {"repo", "commit", "nickname_examples"}:
            errors.append(f"repos.json: bad entry {r!r}")
            continue
        repo, commit = r["repo"], r["commit"]
        if not re.fullmatch(r"[0-9a-f]{40}", commit):
            errors.append(f"repos.json: {repo}: commit is not 40 hex digits")
        nick = r["nickname_examples"]
        if not isinstance(nick, list) or not nick or not all(isinstance(n, str) and n for n in nick):
            errors.append(f"repos.json: {repo}: nickname_examples must be a non-empty list of strings")
        gdir = git_dir(mirrors, repo)
        if not os.path.isdir(gdir):
            errors.append(f"repos.json: {repo}: no git directory at {gdir}")
            continue
        if git(gdir, "cat-file", "-e", f"{commit}^{{commit}}").returncode != 0:
            errors.append(f"repos.json: {repo}: commit {commit} not found in {gdir}")
            continue
        commits[repo], gdirs[repo] = commit, gdir
    if errors:
        fail(errors)

    # ---- questions.jsonl ----
    questions = []
    with open(os.path.join(HERE, "questions.jsonl")) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                errors.append(f"questions.jsonl line {n}: empty line")
                continue
            try:
                q = json.loads(line)
            except ValueError as e:
                errors.append(f"questions.jsonl line {n}: bad JSON: {e}")
                continue
            if not isinstance(q, dict) or set(q) != KEYS:
                errors.append(f"questions.jsonl line {n}: keys must be exactly {sorted(KEYS)}")
                continue
            questions.append(q)
    if errors:
        fail(errors)

    file_cache = {}

    def read(repo, path):
        key = (repo, path)
        if key not in file_cache:
            r = git(gdirs[repo], "show", f"{commits[repo]}:{path}")
            file_cache[key] = r.stdout.decode("utf-8", "replace") if r.returncode == 0 else None
        return file_cache[key]

    seen_per_type = collections.Counter()
    per_type_repo = collections.Counter()
    for i, q in enumerate(questions, 1):
        qid = q["id"]
        where = f"{qid!r}"
        if qid != f"a{i:03d}":
            errors.append(f"{where}: expected id a{i:03d} (ids must be unique and sequential)")
        if not isinstance(q["question"], str) or not q["question"].strip():
            errors.append(f"{where}: empty question")
        t, half = q["type"], q["half"]
        if t not in TYPES:
            errors.append(f"{where}: bad type {t!r}")
            continue
        expected_half = HALVES[seen_per_type[t] % 2]
        seen_per_type[t] += 1
        if half not in HALVES:
            errors.append(f"{where}: bad half {half!r}")
        elif half != expected_half:
            errors.append(f"{where}: half is {half!r}, expected {expected_half!r} (tune/score alternate within a type)")
        answers, facts = q["answers"], q["facts"]
        if not isinstance(answers, list) or not isinstance(facts, list):
            errors.append(f"{where}: answers and facts must be lists")
            continue
        if t == "unanswerable":
            if answers or facts:
                errors.append(f"{where}: unanswerable question must have empty answers and facts")
            per_type_repo[(t, "-")] += 1
            continue
        if not answers:
            errors.append(f"{where}: answerable question without answers")
        if not 1 <= len(facts) <= 4:
            errors.append(f"{where}: needs 1-4 facts, has {len(facts)}")
        if len(set(answers)) != len(answers):
            errors.append(f"{where}: an answer is listed twice")
        texts, repos_used = [], set()
        for a in answers:
            if not isinstance(a, str) or ":" not in a:
                errors.append(f"{where}: bad answer {a!r}")
                continue
            repo, path = a.split(":", 1)
            if repo not in commits:
                errors.append(f"{where}: answer {a!r} names a repository not in repos.json")
                continue
            if git(gdirs[repo], "cat-file", "-e", f"{commits[repo]}:{path}").returncode != 0:
                errors.append(f"{where}: answer {a!r} does not exist at {commits[repo][:12]}")
                continue
            text = read(repo, path)
            if text is None:
                errors.append(f"{where}: cannot read {a!r}")
                continue
            texts.append((a, text))
            repos_used.add(repo)
        for fact in facts:
            if not isinstance(fact, str) or not fact.strip():
                errors.append(f"{where}: empty fact")
                continue
            if not any(fact.lower() in text.lower() for _, text in texts):
                errors.append(f"{where}: fact {fact!r} occurs in none of its answer files")
        if t == "comparison" and len(repos_used) < 2 and len(commits) > 1:
            errors.append(f"{where}: comparison question should list files of both repositories")
        if t == "nickname":
            for repo in commits:
                for part in (repo, repo.split("/", 1)[1]):
                    if part.lower() in q["question"].lower():
                        errors.append(f"{where}: nickname question spells out the repository name {part!r}")
        for a, text in texts:
            run = longest_shared_run(q["question"], text)
            if run >= MAX_SHARED_RUN:
                errors.append(f"{where}: question shares a run of {run} words with {a}")
        per_type_repo[(t, ",".join(sorted(r.split("/")[0] for r in repos_used)))] += 1
        if verbose:
            print(f"{qid} {t:<12} {half:<5} answers={len(answers)} facts={len(facts)} ok")

    if errors:
        fail(errors)
    print(f"OK: {len(questions)} questions checked against {len(commits)} repositories")
    for t in TYPES:
        parts = ", ".join(f"{k[1]}={v}" for k, v in sorted(per_type_repo.items()) if k[0] == t)
        print(f"  {t:<12} {seen_per_type[t]:>2}  ({parts})")


if __name__ == "__main__":
    main()
