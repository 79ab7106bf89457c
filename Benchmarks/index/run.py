#!/usr/bin/env python3
"""Twinlog's HNSW index against hnswlib and FAISS IndexHNSWFlat, side by side in one run.

One run on one machine, one thread each, same data, same M and efConstruction: build time,
memory (resident-set growth during the build), and an efSearch sweep giving recall@k and QPS;
the summary reports QPS at the first sweep point reaching recall 0.95 and 0.99, and the ratios.
With --rounds N every engine runs N times in rotated order and the medians are reported.

Data: until the embedder exists, clustered synthetic vectors stand in for MiniLM embeddings
(see `clustered`); the held-out queries come from the same clusters but are not in the base.

Usage (from the repository root, after `swift build -c release --product twinlog`):
    .twinlog/bench-venv/bin/python Benchmarks/index/run.py --twinlog-bench .build/release/twinlog-bench
Each engine runs in its own process (so memory is measured alone); `--engine` is that inner call.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def clustered(n, dim, clusters, spread, seed):
    """Unit vectors around `clusters` random unit centres; `spread` is the noise norm relative to the
    centre (1.0 gives an expected within-cluster cosine of about 0.5, as for related sentences)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = rng.integers(clusters, size=n)
    noise = rng.standard_normal((n, dim)).astype(np.float32) * (spread / np.sqrt(dim))
    points = centres[labels] + noise
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points.astype(np.float32)


def write_vecs(path, rows, dtype):
    rows = np.ascontiguousarray(rows, dtype=dtype)
    header = np.full((rows.shape[0], 1), rows.shape[1], dtype=np.int32)
    np.hstack([header.view(dtype), rows]).tofile(path)


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    return raw.reshape(-1, dim + 1)[:, 1:].view(np.float32).copy()


def read_ivecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    return raw.reshape(-1, raw[0] + 1)[:, 1:].copy()


def rss_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def recall(found, truth, k):
    return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]))


def sweep(search, queries, truth, k, efs, passes):
    points = []
    for ef in efs:
        timings = []
        for _ in range(passes):
            start = time.perf_counter()
            found = search(ef)
            timings.append(time.perf_counter() - start)
        points.append({"ef_search": ef, "recall": recall(found, truth, k),
                       "qps": len(queries) / sorted(timings)[len(timings) // 2]})
    return points


def run_engine(args):
    base, queries, truth = read_fvecs(args.base), read_fvecs(args.queries), read_ivecs(args.ground_truth)
    n, dim = base.shape
    efs = [int(e) for e in args.ef_search.split(",")]
    before = rss_bytes()
    if args.engine == "hnswlib":
        import hnswlib
        index = hnswlib.Index(space="ip", dim=dim)
        index.init_index(max_elements=n, ef_construction=args.ef_construction, M=args.m, random_seed=100)
        index.set_num_threads(1)
        start = time.perf_counter()
        index.add_items(base, np.arange(n), num_threads=1)
        build = time.perf_counter() - start

        def search(ef):
            index.set_ef(ef)
            return index.knn_query(queries, k=args.k, num_threads=1)[0]
    else:
        import faiss
        faiss.omp_set_num_threads(1)
        index = faiss.IndexHNSWFlat(dim, args.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = args.ef_construction
        start = time.perf_counter()
        index.add(base)
        build = time.perf_counter() - start

        def search(ef):
            index.hnsw.efSearch = ef
            return index.search(queries, args.k)[1]
    memory = rss_bytes() - before
    print(json.dumps({"engine": args.engine, "vectors": n, "dimension": int(dim), "m": args.m,
                      "ef_construction": args.ef_construction, "build_seconds": build,
                      "memory_bytes": memory,
                      "sweep": sweep(search, queries, truth, args.k, efs, args.passes)}))


def at_recall(report, target):
    """QPS at the first (smallest) efSearch whose recall reaches the target, or None."""
    for point in report["sweep"]:
        if point["recall"] >= target:
            return point
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--twinlog-bench", default=".build/release/twinlog-bench", help="the twinlog-bench executable")
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--queries-count", type=int, default=1_000)
    parser.add_argument("--dimension", type=int, default=384)
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--spread", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=200)
    parser.add_argument("--ef-search", default="10,12,16,20,24,32,40,48,64,80,96,128,160,192,256,320,384,512")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--passes", type=int, default=3, help="timed passes per efSearch (median)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of every engine, order rotated (median)")
    parser.add_argument("--data-dir", help="keep the generated data here (default: a temporary folder)")
    parser.add_argument("--engines", default="twinlog,hnswlib,faiss")
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--queries", help=argparse.SUPPRESS)
    parser.add_argument("--ground-truth", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        return run_engine(args)

    folder = Path(args.data_dir or tempfile.mkdtemp(prefix="twinlog-bench-index-"))
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: folder / f"{name}.{ext}" for name, ext in
             [("base", "fvecs"), ("queries", "fvecs"), ("ground_truth", "ivecs")]}
    data = clustered(args.vectors + args.queries_count, args.dimension, args.clusters, args.spread, args.seed)
    base, queries = data[:args.vectors], data[args.vectors:]
    truth = np.argsort(-(queries @ base.T), axis=1)[:, :args.k].astype(np.int32)
    write_vecs(files["base"], base, np.float32)
    write_vecs(files["queries"], queries, np.float32)
    write_vecs(files["ground_truth"], truth, np.int32)
    print(f"data: {args.vectors} x {args.dimension}-d clustered synthetic ({args.clusters} clusters, "
          f"spread {args.spread}, seed {args.seed}), {args.queries_count} held-out queries, k={args.k}",
          file=sys.stderr)

    common = ["--base", str(files["base"]), "--queries", str(files["queries"]),
              "--ground-truth", str(files["ground_truth"]), "--m", str(args.m),
              "--ef-construction", str(args.ef_construction), "--ef-search", args.ef_search,
              "--k", str(args.k), "--passes", str(args.passes)]
    env = {**os.environ, **ONE_THREAD}
    engines = args.engines.split(",")
    runs = {engine: [] for engine in engines}
    # Rounds rotate the engine order, so a change in the machine's load does not favour one engine.
    for round_index in range(args.rounds):
        order = engines[round_index % len(engines):] + engines[:round_index % len(engines)]
        for engine in order:
            if engine == "twinlog":
                command = [args.twinlog_bench, "index", *common]
            else:
                command = [sys.executable, __file__, "--engine", engine, *common]
            print(f"round {round_index + 1}: running {engine} …", file=sys.stderr)
            output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
            runs[engine].append(json.loads(output.strip().splitlines()[-1]))

    print(json.dumps(runs, indent=1))
    summarize({engine: median_report(reports) for engine, reports in runs.items()})


def median_report(reports):
    """One report per engine: the median build time, memory and QPS per efSearch over the rounds."""
    def median(values):
        ordered, middle = sorted(values), len(values) // 2
        return ordered[middle] if len(values) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    merged = dict(reports[0])
    merged["build_seconds"] = median([r["build_seconds"] for r in reports])
    merged["memory_bytes"] = median([r["memory_bytes"] for r in reports])
    merged["sweep"] = [dict(point, qps=median([r["sweep"][i]["qps"] for r in reports]))
                       for i, point in enumerate(reports[0]["sweep"])]
    return merged


def summarize(reports):
    engines = list(reports)
    print("\n| engine | build s | memory MiB | QPS @0.95 (ef, recall) | QPS @0.99 (ef, recall) |")
    print("|---|---|---|---|---|")
    for engine in engines:
        r = reports[engine]
        cells = []
        for target in (0.95, 0.99):
            p = at_recall(r, target)
            cells.append(f"{p['qps']:.0f} (ef {p['ef_search']}, {p['recall']:.4f})" if p else "not reached")
        print(f"| {engine} | {r['build_seconds']:.1f} | {r['memory_bytes'] / 2**20:.0f} | {cells[0]} | {cells[1]} |")
    if "twinlog" not in reports:
        return
    ours = reports["twinlog"]
    print("\n| twinlog vs | build time ratio (lower is better) | QPS ratio @0.95 | QPS ratio @0.99 | memory ratio |")
    print("|---|---|---|---|---|")
    for engine in engines:
        if engine == "twinlog":
            continue
        other = reports[engine]
        ratios = []
        for target in (0.95, 0.99):
            a, b = at_recall(ours, target), at_recall(other, target)
            ratios.append(f"{a['qps'] / b['qps']:.2f}" if a and b else "n/a")
        print(f"| {engine} | {ours['build_seconds'] / other['build_seconds']:.2f} | {ratios[0]} | {ratios[1]} | "
              f"{ours['memory_bytes'] / max(other['memory_bytes'], 1):.2f} |")


if __name__ == "__main__":
    main()
