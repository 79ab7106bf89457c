#!/usr/bin/env python3
"""Generates the tiny-architecture fixtures: small random GGUF models of the `qwen2` and Llama 3
(`llama` with `rope_freqs.weight` and a separate output) layouts, and llama.cpp's logits for them.

Writes, next to this script:
- tiny_qwen2.gguf, tiny_llama3.gguf: 2 blocks, width 64, 4 heads of 16, 2 KV heads, feed-forward 128,
  a byte-level vocabulary (the 256 GPT-2 byte characters and a few control tokens), seeded normal
  weights (std 0.1; norms near 1), F32 except token_embd (Q8_0) and ffn_down (Q4_0 in qwen2, Q8_0 in
  llama3), so both the quantized lookup and the products are exercised;
- arch_reference.json: for each model and three token sequences, llama.cpp's logits at the first and
  last positions and 8 greedy ids (argmax, fed one at a time through its KV cache), and the same
  logits and 8 greedy ids (with each step's top-1/top-2 margin) from a float64 numpy forward pass
  over the file's dequantized tensors (`exact…`);
- pretokenizer_cases.json: the pieces the `regex` module makes of tricky strings with the Llama 3
  (`llama-bpe`) and Qwen2 pre-tokenizer patterns, as llama.cpp and the original tokenizers define them.

Regenerate (optional tooling; the tests only read the outputs), from the repository root:

    .twinlog/bench-venv/bin/python Tests/GenerationTests/Fixtures/make_arch_fixtures.py

with the benchmark venv of BENCHMARKS.md (numpy, gguf 0.19.0, llama-cpp-python 0.3.36, regex).
"""
import json
from pathlib import Path

import numpy as np
import gguf
import llama_cpp
import regex

HERE = Path(__file__).resolve().parent
WIDTH, HEADS, KV_HEADS, FFN, LAYERS = 64, 4, 2, 128, 2
HEAD_DIM = WIDTH // HEADS
SEQUENCES = [[72, 101, 108, 108, 111], [40, 258, 97, 98, 99, 100, 256, 257, 101, 115, 116, 33],
             [84, 104, 101, 32, 113, 117, 105, 99, 107, 32, 98, 114, 111, 119, 110, 32, 102, 111, 120, 46]]


def byte_alphabet():
    """GPT-2's byte ↔ character table, in byte order."""
    printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    chars, extra = {}, 256
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:
            chars[b] = chr(extra)
            extra += 1
    return [chars[b] for b in range(256)]


def write(path, arch, specials, pre, template, rng, extra_tensors):
    # Two merges, whose results are tokens too, then the control tokens.
    tokens = byte_alphabet() + ["Ġt", "he"] + specials
    types = [gguf.TokenType.NORMAL] * 258 + [gguf.TokenType.CONTROL] * len(specials)
    vocab = len(tokens)
    w = gguf.GGUFWriter(str(path), arch)
    w.add_block_count(LAYERS)
    w.add_context_length(256)
    w.add_embedding_length(WIDTH)
    w.add_feed_forward_length(FFN)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(1_000_000.0 if arch == "qwen2" else 500_000.0)
    w.add_rope_dimension_count(HEAD_DIM)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(pre)
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(["Ġ t", "h e"])
    w.add_eos_token_id(258)
    w.add_bos_token_id(259 if arch == "llama" else 258)
    w.add_add_bos_token(arch == "llama")
    w.add_chat_template(template)

    def normal(*shape, std=0.1):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    def quantized(name, array, qtype):
        w.add_tensor(name, gguf.quants.quantize(array, qtype), raw_dtype=qtype)

    kv = KV_HEADS * HEAD_DIM
    quantized("token_embd.weight", normal(vocab, WIDTH, std=0.5), gguf.GGMLQuantizationType.Q8_0)
    for l in range(LAYERS):
        w.add_tensor(f"blk.{l}.attn_norm.weight", (1 + normal(WIDTH)).astype(np.float32))
        w.add_tensor(f"blk.{l}.attn_q.weight", normal(WIDTH, WIDTH))
        w.add_tensor(f"blk.{l}.attn_k.weight", normal(kv, WIDTH))
        w.add_tensor(f"blk.{l}.attn_v.weight", normal(kv, WIDTH))
        if arch == "qwen2":
            w.add_tensor(f"blk.{l}.attn_q.bias", normal(WIDTH, std=0.3))
            w.add_tensor(f"blk.{l}.attn_k.bias", normal(kv, std=0.3))
            w.add_tensor(f"blk.{l}.attn_v.bias", normal(kv, std=0.3))
        w.add_tensor(f"blk.{l}.attn_output.weight", normal(WIDTH, WIDTH))
        w.add_tensor(f"blk.{l}.ffn_norm.weight", (1 + normal(WIDTH)).astype(np.float32))
        w.add_tensor(f"blk.{l}.ffn_gate.weight", normal(FFN, WIDTH))
        w.add_tensor(f"blk.{l}.ffn_up.weight", normal(FFN, WIDTH))
        down = normal(WIDTH, FFN)
        quantized(f"blk.{l}.ffn_down.weight", down,
                  gguf.GGMLQuantizationType.Q4_0 if arch == "qwen2" else gguf.GGMLQuantizationType.Q8_0)
    w.add_tensor("output_norm.weight", (1 + normal(WIDTH)).astype(np.float32))
    w.add_tensor("output.weight", normal(vocab, WIDTH, std=0.5))
    for name, array in extra_tensors:
        w.add_tensor(name, array)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def float64_logits(path, ids):
    """The same forward pass in float64 numpy from the file's (dequantized) tensors: the exact
    answer both engines approximate."""
    reader = gguf.GGUFReader(str(path))
    t = {}
    for tensor in reader.tensors:
        values = gguf.quants.dequantize(tensor.data, tensor.tensor_type).astype(np.float64)
        t[tensor.name] = values.reshape([int(d) for d in reversed(tensor.shape)]) if len(tensor.shape) > 1 else values.reshape(-1)
    arch = str(bytes(reader.fields["general.architecture"].parts[-1]), "utf-8")
    base = float(reader.fields[f"{arch}.rope.freq_base"].parts[-1][0])
    eps = float(reader.fields[f"{arch}.attention.layer_norm_rms_epsilon"].parts[-1][0])
    n, group = len(ids), HEADS // KV_HEADS
    inverse = base ** (-np.arange(0, HEAD_DIM, 2) / HEAD_DIM)
    if "rope_freqs.weight" in t:
        inverse = inverse / t["rope_freqs.weight"]
    angles = np.arange(n)[:, None] * inverse[None, :]
    cos, sin = np.cos(angles), np.sin(angles)

    def rope(x, heads):
        x = x.reshape(n, heads, HEAD_DIM).copy()
        if arch == "qwen2":
            a, b = x[..., : HEAD_DIM // 2].copy(), x[..., HEAD_DIM // 2:].copy()
            x[..., : HEAD_DIM // 2] = a * cos[:, None] - b * sin[:, None]
            x[..., HEAD_DIM // 2:] = a * sin[:, None] + b * cos[:, None]
        else:
            a, b = x[..., 0::2].copy(), x[..., 1::2].copy()
            x[..., 0::2] = a * cos[:, None] - b * sin[:, None]
            x[..., 1::2] = a * sin[:, None] + b * cos[:, None]
        return x

    def norm(x, weight):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * weight

    x = t["token_embd.weight"][ids]
    for l in range(LAYERS):
        p = f"blk.{l}."
        h = norm(x, t[p + "attn_norm.weight"])
        q, k, v = h @ t[p + "attn_q.weight"].T, h @ t[p + "attn_k.weight"].T, h @ t[p + "attn_v.weight"].T
        if arch == "qwen2":
            q, k, v = q + t[p + "attn_q.bias"], k + t[p + "attn_k.bias"], v + t[p + "attn_v.bias"]
        q, k, v = rope(q, HEADS), rope(k, KV_HEADS), v.reshape(n, KV_HEADS, HEAD_DIM)
        out = np.zeros((n, HEADS, HEAD_DIM))
        for head in range(HEADS):
            scores = q[:, head] @ k[:, head // group].T / np.sqrt(HEAD_DIM)
            scores = np.where(np.tril(np.ones((n, n))) > 0, scores, -np.inf)
            weights = np.exp(scores - scores.max(-1, keepdims=True))
            out[:, head] = (weights / weights.sum(-1, keepdims=True)) @ v[:, head // group]
        x = x + out.reshape(n, WIDTH) @ t[p + "attn_output.weight"].T
        h = norm(x, t[p + "ffn_norm.weight"])
        gate, up = h @ t[p + "ffn_gate.weight"].T, h @ t[p + "ffn_up.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ t[p + "ffn_down.weight"].T
    return norm(x, t["output_norm.weight"]) @ t["output.weight"].T


def reference(path):
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=256, n_threads=1, n_batch=64, logits_all=True, verbose=False)
    vocab = llm.n_vocab()
    out = []
    for ids in SEQUENCES:
        llm.reset()
        llm.eval(ids)
        scores = np.array(llm.scores[: len(ids)], dtype=np.float32)
        greedy = []
        last = scores[-1]
        for _ in range(8):
            greedy.append(int(np.argmax(last)))
            llm.eval([greedy[-1]])
            last = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        exact = float64_logits(path, ids)
        exact_greedy, margins, context = [], [], list(ids)
        for _ in range(8):
            row = np.sort(float64_logits(path, context)[-1])
            exact_greedy.append(int(np.argmax(float64_logits(path, context)[-1])))
            margins.append(round(float(row[-1] - row[-2]), 6))
            context.append(exact_greedy[-1])
        out.append({"ids": ids, "firstLogits": [round(float(v), 5) for v in scores[0][:vocab]],
                    "lastLogits": [round(float(v), 5) for v in scores[-1][:vocab]], "greedy": greedy,
                    "exactFirstLogits": [round(float(v), 6) for v in exact[0]],
                    "exactLastLogits": [round(float(v), 6) for v in exact[-1]],
                    "exactGreedy": exact_greedy, "exactGreedyMargins": margins})
    return out


PATTERNS = {
    "llama3": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    "qwen2": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
}
TEXTS = [
    "", "Hello world", "I'M here, they'LL go, don't stop, it's OK", "THEY'RE WE'VE", "1234567", "3.14159",
    "v2.0.1 and 42 apples", "(hello) [world] {x}", ".Hello", "foo.bar", "#include <stdio.h>", "a   b", "x  12",
    "\tindented\ttabs", "a\n\nb", "  \n  x", "end.\n\n", "line\r\nnext", "trailing   ", "def f(x):\n    return x**2\n",
    "lora_alpha: 16\nlora_dropout: 0.05", "key=value;other=2", "- name: test\n  run: pytest -q", "héllo wörld",
    "日本語のテキスト", "١٢٣ and ٤٥", "Ⅻ chapters", "hi 👋 there", "emoji👋👋x", "__init__.py", "a's b'T c'Re",
    "  leading spaces", "mixed123abc456", "$100,000.00", "https://github.com/karpathy/nanoGPT", "x\u00a0y",
    "...!!!???", " \n", "\n\n\n", "it's 2024-01-31T10:00:00Z",
]


def pretokenizer_cases():
    cases = []
    for text in TEXTS:
        case = {"text": text}
        for name, pattern in PATTERNS.items():
            pieces = regex.findall(pattern, text)
            assert "".join(pieces) == text, (name, text, pieces)
            case[name] = pieces
        cases.append(case)
    (HERE / "pretokenizer_cases.json").write_text(json.dumps({"patterns": PATTERNS, "cases": cases},
                                                             ensure_ascii=False, indent=1) + "\n")


def main():
    pretokenizer_cases()
    rng = np.random.default_rng(19)
    qwen = HERE / "tiny_qwen2.gguf"
    write(qwen, "qwen2", ["<|im_end|>", "<|im_start|>", "<|endoftext|>"], "qwen2",
          "{% for m in messages %}{% if loop.first and m['role'] != 'system' %}"
          "{{ '<|im_start|>system\\nYou are a tiny test model.<|im_end|>\\n' }}{% endif %}"
          "{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}", rng, [])
    llama = HERE / "tiny_llama3.gguf"
    factors = np.linspace(1, 8, HEAD_DIM // 2).astype(np.float32)
    write(llama, "llama", ["<|eot_id|>", "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>"], "llama-bpe",
          "{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + m['content'] + '<|eot_id|>' }}{% endfor %}",
          rng, [("rope_freqs.weight", factors)])
    models = [{"file": p.name, "sequences": reference(p)} for p in (qwen, llama)]
    for m in models:
        for s in m["sequences"]:
            assert len(set(s["greedy"])) > 1, f"{m['file']}: degenerate greedy ids {s['greedy']}"
    (HERE / "arch_reference.json").write_text(json.dumps(
        {"llamaCppPython": llama_cpp.__version__, "models": models}, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
