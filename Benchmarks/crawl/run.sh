#!/usr/bin/env bash
# Crawl throughput of the release `twinlog crawl` on a generated local git repository of 5,000
# source and Markdown files (the same shape as Tests/CrawlerTests/CrawlThroughputBenchmark.swift:
# 40-119 lines of ~85 characters, ~3-10 KB each), into the local broker with crawl state in
# PostgreSQL. Three runs: the first crawl, an unchanged re-crawl, and a re-crawl after a commit
# that changes 50 files. Each time includes process start, connecting and creating the topic.
#
#     swift build -c release --product twinlog
#     source infra/dev/env.sh && Benchmarks/crawl/run.sh
#
# Every run uses its own topic prefix and database schema, so it neither sees nor disturbs other
# crawls. The schema is dropped at the end when psql is installed; the run's topic
# (bench-crawl-<run>.twin.documents) stays in the broker.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${TWINLOG_BIN:-$ROOT/.build/release/twinlog}
RUN=$(date +%s)
WORK=$(mktemp -d)
cleanup() {
    rm -rf "$WORK"
    if command -v psql > /dev/null; then psql "$TWINLOG_DATABASE_URL" -qc "DROP SCHEMA IF EXISTS bench_crawl_$RUN CASCADE" > /dev/null 2>&1 || true; fi
}
trap cleanup EXIT
REPO=$WORK/repo

python3 - "$REPO" <<'EOF'
import os, sys
repo = sys.argv[1]
kinds = ["md", "swift", "py", "go", "ts"]
for index in range(5000):
    folder = os.path.join(repo, f"module{index // 100}")
    os.makedirs(folder, exist_ok=True)
    lines = [f"line {n} of file {index}: the quick brown fox jumps over the lazy dog, again and again." for n in range(40 + index % 80)]
    with open(os.path.join(folder, f"file{index}.{kinds[index % len(kinds)]}"), "w") as f:
        f.write("\n".join(lines) + "\n")
EOF
git -C "$REPO" init -q
git -C "$REPO" add -A
git -C "$REPO" -c user.name=Bench -c user.email=bench@example.com commit -qm "5,000 files"
echo "repository: $(git -C "$REPO" ls-files | wc -l) files, $(du -sk --apparent-size --exclude=.git "$REPO" | cut -f1) KB"

export TWINLOG_TOPIC_PREFIX="bench-crawl-$RUN." TWINLOG_DATABASE_SCHEMA="bench_crawl_$RUN"

crawl() {
    local label=$1 started finished
    started=$EPOCHREALTIME
    "$BIN" crawl --author "Bench Author" --repository-cache "$WORK/cache" "$REPO" > "$WORK/out.txt" 2>&1 || { cat "$WORK/out.txt"; exit 1; }
    finished=$EPOCHREALTIME
    printf '%-34s %8.2f s   %s\n' "$label" "$(awk "BEGIN { print $finished - $started }")" "$(tail -n 3 "$WORK/out.txt" | tr '\n' ' ')"
}

crawl "first crawl (5,000 files)"
crawl "re-crawl, nothing changed"
for index in $(seq 0 100 4999); do
    kinds=(md swift py go ts)
    echo "changed $index" > "$REPO/module$((index / 100))/file$index.${kinds[index % 5]}"
done
git -C "$REPO" -c user.name=Bench -c user.email=bench@example.com commit -qam "50 changed"
crawl "re-crawl after 50 files changed"
