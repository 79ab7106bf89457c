#!/usr/bin/env python3
"""Greedy parity with llama.cpp on real GGUF models: the same chat prompts through `twinlog generate
--chat --greedy --json` and through llama.cpp (llama-cpp-python), compared token by token.

For every model and prompt (chat, code, YAML) it checks that both tokenize the rendered chat prompt
to the same ids, then generates N greedy tokens on each side and reports the first position where
the ids differ, with llama.cpp's top-1/top-2 logit margin there (a small margin means the two
engines' rounding can legitimately pick different tokens).

Run from the project root with the benchmark venv and the models of infra/dev/models:
    .twinlog/bench-venv/bin/python Benchmarks/generator/parity.py [--tokens 32] [MODEL.gguf ...]
Default models: .twinlog/models/qwen2.5-coder-{0.5b,1.5b}-instruct-q4_k_m.gguf. Twinlog is the
release build (TWINLOG_BIN overrides the path).
"""
import argparse, json, os, subprocess, sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PROMPTS = {
    "chat": "What is the capital of France, and what is it famous for?",
    "code": "Write a Python function that checks whether a number is prime.",
    "yaml": "Write a GitHub Actions workflow in YAML that runs pytest on every push.",
}


def twinlog(binary, model, prompt, tokens):
    run = subprocess.run([str(binary), "generate", "--threads", "2", "--chat", "--greedy", "--json",
                          "--max-tokens", str(tokens), "--model-path", str(model), prompt],
                         capture_output=True, text=True, cwd=ROOT)
    if run.returncode != 0:
        sys.exit(f"twinlog failed on {model}: {run.stderr}")
    return json.loads(run.stdout)


def llama_greedy(llm, prompt_ids, tokens):
    import llama_cpp
    llm.reset()
    llm.eval(prompt_ids)
    ids, margins = [], []
    for step in range(tokens):
        ptr = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
        logits = np.ctypeslib.as_array(ptr, shape=(llm.n_vocab(),)).astype(np.float32, copy=True)
        order = np.argsort(-logits, kind="stable")
        ids.append(int(order[0]))
        margins.append(float(logits[order[0]] - logits[order[1]]))
        if step + 1 < tokens:
            llm.eval([ids[-1]])
    return ids, margins


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="*")
    parser.add_argument("--tokens", type=int, default=32)
    args = parser.parse_args()
    import llama_cpp
    binary = Path(os.environ.get("TWINLOG_BIN", ROOT / ".build/release/twinlog"))
    models = [Path(m) for m in args.models] or [ROOT / f".twinlog/models/qwen2.5-coder-{s}-instruct-q4_k_m.gguf" for s in ("0.5b", "1.5b")]
    rows = []
    for model in models:
        if not model.exists():
            sys.exit(f"{model} is missing: run infra/dev/models")
        llm = llama_cpp.Llama(model_path=str(model), n_ctx=2048, n_threads=2, verbose=False)
        for name, prompt in PROMPTS.items():
            ours = twinlog(binary, model, prompt, args.tokens)
            theirs, margins = llama_greedy(llm, ours["prompt_ids"], args.tokens)
            # llama.cpp's own tokenization of our rendered prompt text must give the same ids.
            rendered = llm.detokenize(ours["prompt_ids"], special=True)
            same_prompt = llm.tokenize(rendered, add_bos=False, special=True) == ours["prompt_ids"]
            mine = ours["ids"]
            diverge = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), None)
            if diverge is None and len(mine) < len(theirs):
                diverge = len(mine)  # we stopped at the end of the turn; llama.cpp ran on
            rows.append({"model": model.name, "prompt": name, "same_prompt_ids": same_prompt,
                         "first_difference": diverge, "margin_there": None if diverge is None else round(margins[diverge], 4),
                         "twinlog_text": llm.detokenize(mine).decode("utf-8", "replace"),
                         "llama_cpp_text": llm.detokenize(theirs).decode("utf-8", "replace")})
        del llm
    print(f"{'model':44} {'prompt':6} {'prompt ids':10} {'identical':>10}  first difference (llama.cpp margin)")
    for r in rows:
        same = r["first_difference"] is None or r["first_difference"] >= args.tokens
        where = "-" if same else f"token {r['first_difference']} (margin {r['margin_there']})"
        print(f"{r['model']:44} {r['prompt']:6} {'same' if r['same_prompt_ids'] else 'DIFFER':10} {str(same):>10}  {where}")
    full = sum(1 for r in rows if r["first_difference"] is None or r["first_difference"] >= args.tokens)
    eight = sum(1 for r in rows if r["first_difference"] is None or r["first_difference"] >= 8)
    print(f"identical over {args.tokens} tokens: {full}/{len(rows)}; over the first 8: {eight}/{len(rows)}")
    (Path(__file__).parent / "parity.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
