#!/usr/bin/env python3
"""Retrieval quality on real repositories, through the real pipeline.

Clones the pinned repositories of repos.json from local bare mirrors, crawls them with
`twinlog crawl`, materializes them with `twinlog run` (warehouse, CDC, features, index) in a
namespace of their own per chunking scheme, then asks every question of questions.jsonl with
`twinlog ask --questions … --retrieval-only` over the topics while `twinlog run --only inference`
serves with one set of retrieval steps after another. Prints recall@5 and MRR per step, for the
tune and the score half, and writes the raw replies next to the work folder.

A question is found when a file listed as its answer is among the top 5 sources; its reciprocal
rank is 1 / the rank of the first such source. Unanswerable questions are left out of both.

Needs the local broker and PostgreSQL (infra/dev/up) and a built twinlog (release by default).

    python3 Benchmarks/rag/realworld/run.py --mirrors /work/.mirror
    python3 Benchmarks/rag/realworld/run.py --mirrors /work/.mirror --rows full --sweep semantic-weight=0.5,0.7,0.9
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# name, chunking scheme, retrieval steps switched off
ROWS = [
    ("dense only", "plain", "self-query,source-boost,bm25,diversity,name-coverage,source-coverage"),
    ("+ structure-aware chunks", "structured", "self-query,source-boost,bm25,diversity,name-coverage,source-coverage"),
    ("+ headers", "structured-headers", "self-query,source-boost,bm25,diversity,name-coverage,source-coverage"),
    ("+ BM25 fusion", "structured-headers", "self-query,source-boost,diversity,name-coverage,source-coverage"),
    ("+ source-aware self-query", "structured-headers", "diversity,name-coverage,source-coverage"),
    ("+ diversity", "structured-headers", "name-coverage,source-coverage"),
    ("+ a chunk for every name of the question", "structured-headers", "source-coverage"),
    ("+ a chunk of every source compared (defaults)", "structured-headers", ""),
]


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(command, env, **kwargs):
    return subprocess.run(command, env=env, check=True, text=True, **kwargs)


def mirror_of(mirrors, repo):
    """The bare git directory of `owner/name` under the mirrors folder (owner+name/repo or owner+name)."""
    base = os.path.join(mirrors, repo.replace("/", "+"))
    for candidate in (os.path.join(base, "repo"), base):
        if os.path.isfile(os.path.join(candidate, "HEAD")):
            return candidate
    sys.exit(f"no bare mirror of {repo} under {mirrors} (fetch it with the search tool's fetch)")


def prepare_clones(repos, mirrors, work):
    """Clones each pinned commit to work/repos/owner/name (the crawler reads a local repository's HEAD)."""
    paths = {}
    for entry in repos:
        repo, commit = entry["repo"], entry["commit"]
        path = os.path.join(work, "repos", repo)
        if not os.path.isdir(os.path.join(path, ".git")):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            subprocess.run(["git", "clone", "-q", "--no-checkout", mirror_of(mirrors, repo), path], check=True)
        subprocess.run(["git", "-C", path, "checkout", "-q", "--detach", commit], check=True)
        paths[repo] = path
    return paths


def psql(env, sql):
    out = subprocess.run(["psql", env["TWINLOG_DATABASE_URL"], "-Atq", "-c", sql], env=env, check=True, text=True,
                         stdout=subprocess.PIPE).stdout.strip()
    return out


# How long the index snapshot may stay unchanged while it holds more chunks than the warehouse.
STALE_SNAPSHOT_SECONDS = 120


def namespace_env(base_env, namespace):
    env = dict(base_env)
    env["TWINLOG_TOPIC_PREFIX"] = namespace + "."
    env["TWINLOG_DATABASE_SCHEMA"] = namespace
    return env


def start(twinlog, args, env, log_path):
    handle = open(log_path, "w")
    return subprocess.Popen([twinlog] + args, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def build_namespace(twinlog, scheme, namespace, clones, env, work):
    """Crawls every clone into a fresh namespace and runs the pipeline until the index snapshot
    holds every chunk of every document; returns the snapshot path."""
    env = namespace_env(env, namespace)
    psql(env, f'DROP SCHEMA IF EXISTS "{namespace}" CASCADE')
    slot = f"twinlog_cdc_{namespace}"
    psql(env, f"SELECT pg_drop_replication_slot('{slot}') FROM pg_replication_slots WHERE slot_name = '{slot}'")
    run([twinlog, "topics", "create"], env, stdout=subprocess.DEVNULL)
    for repo, path in clones.items():
        run([twinlog, "crawl", path, "--author", repo.split("/")[0]], env, stdout=subprocess.DEVNULL)
    snapshot = os.path.join(work, namespace + ".hnsw")
    if os.path.exists(snapshot):
        os.remove(snapshot)
    started = time.time()
    process = start(twinlog, ["run", "--only", "warehouse,cdc,features,index", "--chunking", scheme, "--index-snapshot", snapshot,
                              "--snapshot-interval", "3"], env, os.path.join(work, namespace + ".pipeline.log"))
    try:
        while True:
            time.sleep(3)
            if process.poll() is not None:
                sys.exit(f"the pipeline stopped early; see {work}/{namespace}.pipeline.log")
            try:
                documents = int(psql(env, f'SELECT count(*) FROM "{namespace}".documents'))
                settled = psql(env, f'''SELECT count(*), coalesce(sum(cardinality(f.chunk_ids)), 0)
                    FROM "{namespace}".documents d JOIN "{namespace}".feature_chunk_sets f USING (document_id)
                    WHERE f.content_hash = d.content_hash AND cardinality(f.unsettled_ids) = 0''').split("|")
            except subprocess.CalledProcessError:
                continue
            if documents == 0 or int(settled[0]) < documents or not os.path.exists(snapshot):
                continue
            stats = json.loads(subprocess.run([twinlog, "index", "stats", "--json", snapshot], env=env, check=True, text=True,
                                              stdout=subprocess.PIPE).stdout)
            live = stats["statistics"]["live_count"]
            if live == int(settled[1]):
                log(f"{namespace} ({scheme}): {documents} documents, {live} chunks in {time.time() - started:.0f} s, "
                    f"BM25 {stats['statistics']['lexical_memory_bytes'] / max(live, 1):.0f} B/chunk")
                return snapshot, documents, live
            # The schema is dropped above but the topics are kept: chunks a run before this one
            # published (under another chunker) are replayed into the index and never deleted.
            if live > int(settled[1]) and time.time() - os.path.getmtime(snapshot) > STALE_SNAPSHOT_SECONDS:
                sys.exit(f"{namespace}: the index holds {live} chunks, the warehouse {settled[1]}, and the snapshot has not "
                         f"changed for {STALE_SNAPSHOT_SECONDS} s: the namespace's topics hold chunks of an earlier run; "
                         "use another --namespace-prefix")
    finally:
        stop(process)
        # The snapshot is what the questions are asked over; an unread replication slot would keep
        # PostgreSQL's WAL forever (answer rows build a namespace too, without the retrieval rows).
        psql(env, f"SELECT pg_drop_replication_slot('{slot}') FROM pg_replication_slots WHERE slot_name = '{slot}'")


def ask_all(twinlog, namespace, snapshot, without, extra, questions_path, env, work, label, answers=None):
    """Serves with `twinlog run --only inference` and the given steps off; returns id → reply.
    With `answers` (a list of extra `ask` flags), asks for generated answers one at a time (so their
    timings are those of a lone asker) instead of sources only."""
    env = namespace_env(env, namespace)
    run([twinlog, "topics", "create"], env, stdout=subprocess.DEVNULL)
    args = ["run", "--only", "inference", "--index-snapshot", snapshot]
    if without:
        args += ["--retrieval-without", without]
    args += extra
    safe = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    process = start(twinlog, args, env, os.path.join(work, f"{namespace}.{safe}.inference.log"))
    try:
        time.sleep(2)
        mode = ["--concurrency", "1", "--stream"] + answers if answers is not None else ["--retrieval-only", "--concurrency", "4"]
        out = subprocess.run([twinlog, "ask", "--questions", questions_path, "--k", "5", "--timeout", "120"] + mode,
                             env=env, check=True, text=True, stdout=subprocess.PIPE).stdout
    finally:
        stop(process)
    replies = {}
    for line in out.splitlines():
        record = json.loads(line)
        replies[record["id"]] = record if answers is not None else record.get("reply")
    kind = "answers" if answers is not None else "replies"
    with open(os.path.join(work, f"{namespace}.{safe}.{kind}.jsonl"), "w") as handle:
        for key in sorted(replies):
            handle.write(json.dumps(replies[key] if answers is not None else {"id": key, "reply": replies[key]}) + "\n")
    return replies


SOURCE_URL = re.compile(r"/repos/([^/]+)/([^/]+)/blob/[0-9a-f]+/(.+)$")


def source_file(source):
    match = SOURCE_URL.search(source.get("url", ""))
    return f"{match.group(1)}/{match.group(2)}:{match.group(3)}" if match else None


def score(questions, replies):
    """recall@5, MRR, answerable questions with no source, and the ids missed, per half."""
    result = {}
    for half in ("tune", "score"):
        found = reciprocal = empty = 0.0
        missed = []
        subset = [q for q in questions if q["half"] == half and q["answers"]]
        for question in subset:
            reply = replies.get(question["id"]) or {}
            files = [source_file(s) for s in reply.get("sources", [])]
            if not files:
                empty += 1
            ranks = [rank for rank, file in enumerate(files[:5], start=1) if file in question["answers"]]
            if ranks:
                found += 1
                reciprocal += 1 / ranks[0]
            else:
                missed.append(question["id"])
        count = max(len(subset), 1)
        result[half] = {"recall": found / count, "mrr": reciprocal / count, "empty": int(empty), "count": len(subset), "missed": missed}
    return result


def normalized(text):
    return " ".join(text.lower().split())


def word_ngram_repeats(text, n=4):
    """The most times any word n-gram occurs in `text`."""
    words = re.findall(r"\w+", text.lower())
    counts = {}
    for i in range(len(words) - n + 1):
        key = tuple(words[i:i + n])
        counts[key] = counts.get(key, 0) + 1
    return max(counts.values(), default=0)


def median(values):
    values = sorted(values)
    if not values:
        return float("nan")
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def answer_score(questions, asked):
    """Per half: the share of expected facts in the answer, in the answer or its evidence; loops
    (a word 4-gram more than twice in the answer or in the streamed text); unanswerable questions
    admitted (`unsupported`); answerable ones refused. Also the asker's milliseconds to the first
    streamed piece and to the reply, for the medians."""
    result = {"first_token": [], "total": []}
    for half in ("tune", "score"):
        subset = [q for q in questions if q["half"] == half]
        facts = in_answer = in_either = loops = refused = answerable = admitted = unanswerable = failed = 0
        first, total, notes = result["first_token"], result["total"], []
        for question in subset:
            entry = asked.get(question["id"]) or {}
            reply = entry.get("reply") or {"error": entry.get("error")}
            if reply.get("status") != "ok":
                failed += 1
                notes.append(f"{question['id']} failed: {reply.get('error') or 'no reply'}")
                continue
            answer = reply.get("answer") or ""
            evidence = " ".join(quote["text"] for quote in reply.get("evidence") or [])
            flagged = "unsupported" in reply.get("flags", [])
            if max(word_ngram_repeats(answer), word_ngram_repeats(entry.get("streamed") or "")) > 2:
                loops += 1
                notes.append(f"{question['id']} loops")
            if entry.get("firstPieceMs") is not None:
                first.append(entry["firstPieceMs"])
            total.append(entry["replyMs"])
            if question["answers"]:
                answerable += 1
                refused += flagged
                for fact in question["facts"]:
                    facts += 1
                    hit_answer = normalized(fact) in normalized(answer)
                    in_answer += hit_answer
                    in_either += hit_answer or normalized(fact) in normalized(evidence)
                if flagged:
                    notes.append(f"{question['id']} refused")
            else:
                unanswerable += 1
                admitted += flagged
                if not flagged:
                    notes.append(f"{question['id']} answered: {answer[:100]!r}")
        result[half] = {"facts_answer": in_answer / max(facts, 1), "facts_either": in_either / max(facts, 1), "loops": loops,
                        "admitted": admitted / max(unanswerable, 1), "refused": refused / max(answerable, 1),
                        "failed": failed, "notes": notes}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirrors", required=True, help="folder of bare mirrors, owner+name/repo (the search tool's fetch)")
    parser.add_argument("--twinlog", default=os.path.join(ROOT, ".build", "release", "twinlog"))
    parser.add_argument("--work", default=os.path.join(ROOT, ".twinlog", "realworld"))
    parser.add_argument("--questions", default=os.path.join(HERE, "questions.jsonl"))
    parser.add_argument("--repos", default=os.path.join(HERE, "repos.json"))
    parser.add_argument("--rows", default="all", help="all (the ablation), full (only the defaults row), or none (sweeps only)")
    parser.add_argument("--sweep", action="append", default=[],
                        help="extra rows on the full pipeline: FLAG=V1,V2 (a run flag: semantic-weight, source-boost, fusion; "
                             "FLAG= for a flag without a value, such as no-name-check=)")
    parser.add_argument("--verbose", action="store_true", help="list the missed question ids per row")
    parser.add_argument("--answers", action="append", nargs="?", const="", default=None, metavar="ASK_FLAGS",
                        help="score generated answers instead of sources (facts, loops, abstention, timings), one row per use; "
                             "the value is extra `twinlog ask` flags, such as '--repetition-penalty 1.2'")
    parser.add_argument("--namespace-prefix", default="rw_", help="namespaces are <prefix><scheme> (topics, schema, snapshot)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the namespaces a previous run with the same prefix built, when their snapshots exist; for sweeps")
    args = parser.parse_args()

    env = dict(os.environ)
    env_file = os.path.join(ROOT, "infra", "dev", "env.sh")
    exported = subprocess.run(["bash", "-c", f"source {env_file} && env -0"], check=True, stdout=subprocess.PIPE).stdout
    for entry in exported.split(b"\0"):
        if b"=" in entry:
            key, value = entry.decode().split("=", 1)
            env.setdefault(key, value)
    os.makedirs(args.work, exist_ok=True)
    twinlog = os.path.abspath(args.twinlog)
    repos = json.load(open(args.repos))
    questions = [json.loads(line) for line in open(args.questions) if line.strip()]
    clones = prepare_clones(repos, args.mirrors, args.work)

    rows = {"all": ROWS, "full": [ROWS[-1]], "none": []}[args.rows]
    for sweep in args.sweep:
        flag, values = sweep.split("=", 1)
        for value in values.split(","):
            rows = rows + [(f"defaults, --{flag} {value}".strip(), "structured-headers", "", run_flag(flag, value))]
    namespaces = {}
    if args.answers is not None:
        answer_rows(args, twinlog, questions, clones, env)
        return
    print("| step | recall@5 (tune) | MRR (tune) | recall@5 (score) | MRR (score) | no source (score) |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        name, scheme, without = row[0], row[1], row[2]
        extra = row[3] if len(row) > 3 else []
        if scheme not in namespaces:
            namespace = args.namespace_prefix + scheme.replace("-", "_")
            snapshot = os.path.join(args.work, namespace + ".hnsw")
            if args.reuse and os.path.exists(snapshot):
                namespaces[scheme] = (namespace, snapshot, "?", "?")
            else:
                namespaces[scheme] = (namespace,) + build_namespace(twinlog, scheme, namespace, clones, env, args.work)
        namespace, snapshot = namespaces[scheme][0], namespaces[scheme][1]
        replies = ask_all(twinlog, namespace, snapshot, without, extra, args.questions, env, args.work, name)
        result = score(questions, replies)
        tune, scored = result["tune"], result["score"]
        print(f"| {name} | {tune['recall']:.3f} | {tune['mrr']:.3f} | {scored['recall']:.3f} | {scored['mrr']:.3f} | {scored['empty']} |",
              flush=True)
        if args.verbose:
            log(f"  missed (tune): {' '.join(tune['missed'])}")
            log(f"  missed (score): {' '.join(scored['missed'])}")
    for scheme, (namespace, _, documents, chunks) in namespaces.items():
        log(f"{scheme}: {documents} documents, {chunks} chunks (namespace {namespace})")


def run_flag(flag, value):
    """`--flag value`, or the bare `--flag` for an empty value (`--sweep no-name-check=`)."""
    return ["--" + flag] + ([value] if value else [])


def answer_rows(args, twinlog, questions, clones, env):
    """One row per --answers value (and per --sweep value) on the full pipeline's namespace."""
    namespace = args.namespace_prefix + "structured_headers"
    snapshot = os.path.join(args.work, namespace + ".hnsw")
    if not (args.reuse and os.path.exists(snapshot)):
        snapshot = build_namespace(twinlog, "structured-headers", namespace, clones, env, args.work)[0]
    rows = [(f"ask {flags}".strip(), flags.split(), []) for flags in args.answers]
    for sweep in args.sweep:
        flag, values = sweep.split("=", 1)
        rows += [(f"run --{flag} {value}".strip(), [], run_flag(flag, value)) for value in values.split(",")]
    print("| answers | facts in answer (tune) | facts in answer or evidence (tune) | unanswerable admitted (tune) "
          "| answerable refused (tune) | facts in answer (score) | facts in answer or evidence (score) "
          "| unanswerable admitted (score) | answerable refused (score) | loops | first token p50 | answer p50 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, ask_flags, run_flags in rows:
        replies = ask_all(twinlog, namespace, snapshot, "", run_flags, args.questions, env, args.work, "answers " + name, answers=ask_flags)
        result = answer_score(questions, replies)
        tune, scored = result["tune"], result["score"]
        print(f"| {name} | {tune['facts_answer']:.2f} | {tune['facts_either']:.2f} | {tune['admitted']:.2f} | {tune['refused']:.2f} "
              f"| {scored['facts_answer']:.2f} | {scored['facts_either']:.2f} | {scored['admitted']:.2f} | {scored['refused']:.2f} "
              f"| {tune['loops'] + scored['loops']} | {seconds(median(result['first_token']))} | {seconds(median(result['total']))} |", flush=True)
        if args.verbose:
            for half in ("tune", "score"):
                for note in result[half]["notes"]:
                    log(f"  {half}: {note}")


def seconds(milliseconds):
    return "—" if milliseconds != milliseconds else f"{milliseconds / 1000:.1f} s"


if __name__ == "__main__":
    main()
