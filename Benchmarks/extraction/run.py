"""Main-content extraction quality: Twinlog's extractor (Core/HTML) against trafilatura on the
same pages in the same run. Token-level precision, recall and F1 against hand-written expected
text (bag of lowercase word tokens), micro-averaged over all tokens and macro-averaged per page.

    .twinlog/bench-venv/bin/python Benchmarks/extraction/run.py

The Twinlog side is Core/HTML compiled with swiftc -O together with main.swift (the same source
the crawler and `twinlog extract` use), so no package build is needed.
"""
import collections
import json
import os
import re
import subprocess
import sys
import time

import trafilatura

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PAGES = os.path.join(HERE, "pages")
BINARY = os.path.join(ROOT, ".twinlog", "bench", "twinlog-extract")


def tokens(text):
    return collections.Counter(re.findall(r"\w+", text.lower()))


def score(got, want):
    overlap = sum((got & want).values())
    precision = overlap / max(1, sum(got.values()))
    recall = overlap / max(1, sum(want.values()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return overlap, sum(got.values()), sum(want.values()), precision, recall, f1


def build_twinlog():
    os.makedirs(os.path.dirname(BINARY), exist_ok=True)
    sources = sorted(os.path.join(ROOT, "Core", "HTML", name) for name in os.listdir(os.path.join(ROOT, "Core", "HTML")) if name.endswith(".swift"))
    subprocess.run(["swiftc", "-O", "-swift-version", "6", "-module-name", "TwinlogExtract", "-I", os.path.join(ROOT, "Core", "CLibXML2"),
                    "-Xcc", "-I/usr/include/libxml2", *sources, os.path.join(HERE, "main.swift"), "-lxml2", "-o", BINARY], check=True)


def run_twinlog(files):
    started = time.perf_counter()
    out = subprocess.run([BINARY, *files], check=True, capture_output=True, text=True).stdout
    elapsed = time.perf_counter() - started
    texts = {}
    for line in out.splitlines():
        record = json.loads(line)
        texts[record["file"]] = record["text"]
    return texts, elapsed


def run_trafilatura(files, **options):
    texts = {}
    started = time.perf_counter()
    for path in files:
        with open(path, encoding="utf-8") as f:
            texts[path] = trafilatura.extract(f.read(), include_comments=False, include_tables=True, **options) or ""
    return texts, time.perf_counter() - started


def evaluate(label, folder, verbose):
    files = sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".html"))
    expected = {}
    for path in files:
        with open(path[:-5] + ".txt", encoding="utf-8") as f:
            expected[path] = tokens(f.read())
    systems = {
        "twinlog": run_twinlog(files),
        "trafilatura": run_trafilatura(files),
        "trafilatura (favor_precision)": run_trafilatura(files, favor_precision=True),
        "trafilatura (favor_recall)": run_trafilatura(files, favor_recall=True),
    }
    print(f"\n{label}: {len(files)} pages ({os.path.relpath(folder, ROOT)})")
    print(f"{'system':32} {'micro P':>8} {'micro R':>8} {'micro F1':>8} {'macro F1':>8} {'pages/s':>8}")
    per_page = {}
    for name, (texts, elapsed) in systems.items():
        overlap = got = want = 0
        f1s = []
        for path in files:
            o, g, w, p, r, f1 = score(tokens(texts.get(path, "")), expected[path])
            overlap, got, want = overlap + o, got + g, want + w
            f1s.append(f1)
            per_page.setdefault(path, {})[name] = (p, r, f1)
        precision, recall = overlap / max(1, got), overlap / max(1, want)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0
        print(f"{name:32} {precision:8.3f} {recall:8.3f} {f1:8.3f} {sum(f1s) / len(f1s):8.3f} {len(files) / elapsed:8.1f}")
    if verbose:
        print("per page F1 twinlog / trafilatura (P and R likewise):")
        for path in files:
            scores = per_page[path]
            print(f"  {os.path.basename(path):45} {scores['twinlog'][2]:.3f} / {scores['trafilatura'][2]:.3f}"
                  f"   P {scores['twinlog'][0]:.2f}/{scores['trafilatura'][0]:.2f} R {scores['twinlog'][1]:.2f}/{scores['trafilatura'][1]:.2f}")


def main():
    build_twinlog()
    verbose = "-v" in sys.argv
    print(f"trafilatura {trafilatura.__version__}; token-level scores against hand-written expected text")
    evaluate("Tuning set", PAGES, verbose)
    evaluate("Old held-out set (seen while fixing the rules)", os.path.join(HERE, "heldout"), verbose)
    evaluate("New held-out set", os.path.join(HERE, "heldout2"), verbose)


if __name__ == "__main__":
    main()
