#!/usr/bin/env python3
"""Generates the tiny-architecture fixtures: small random GGUF models of the `qwen2` and Llama 3
(`llama` with `rope_freqs.weight` and a separate output) layouts, and llama.cpp's logits for them.

Writes, next to this script (or into --out DIR):
- tiny_qwen2.gguf, tiny_llama3.gguf: 2 blocks, width 64, 4 heads of 16, 2 KV heads, feed-forward 128,
  a byte-level vocabulary (the 256 GPT-2 byte characters, the merges "Ġ t" and "h e" and a few
  control tokens), seeded normal weights (std 0.1; norms near 1), a separate output.weight, F32
  except token_embd (Q8_0) and ffn_down (Q4_0 in qwen2, Q8_0 in llama3), so both the quantized
  lookup and the products are exercised;
- tiny_qwen2_q4k.gguf: the qwen2 layout at width 256 (4 heads of 64, 2 KV heads, feed-forward 256),
  one block and a tied output (no output.weight, as Qwen2.5 0.5B/1.5B), every matrix block-quantized
  with one row per K-quant super-block: token_embd Q6_K, attn_q Q4_K, attn_k Q5_K, attn_v Q3_K,
  attn_output Q2_K, ffn_gate Q4_1, ffn_up Q4_K, ffn_down Q6_K (norms and biases F32). gguf-py 0.19.0
  can quantize only F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (and TQ1_0, TQ2_0, MXFP4), so the
  K-quants come from ggml's own quantizer (ggml_quantize_chunk in llama-cpp-python's libggml-base,
  no importance matrix). One block only, to stay under 300 KB; seeded apart from the two above;
- arch_reference.json: for each model and three token sequences, llama.cpp's logits at the first and
  last positions and 8 greedy ids (argmax, fed one at a time through its KV cache), and the same
  logits and 8 greedy ids (with each step's top-1/top-2 margin) from a float64 numpy forward pass
  over the file's dequantized tensors (`exact…`). It prints llama.cpp's distance from the float64
  pass: up to 0.11 on the two small models, up to 0.54 on tiny_qwen2_q4k (llama.cpp quantizes the
  activations to Q8_K / Q8_1 for those weights; with the same weights stored as F32 it is 0.011);
- pretokenizer_cases.json: the pieces the `regex` module makes of tricky strings with the Llama 3
  (`llama-bpe`) and Qwen2 pre-tokenizer patterns, as llama.cpp and the original tokenizers define them.

Regenerate (optional tooling; the tests only read the outputs), from the repository root:

    .twinlog/bench-venv/bin/python Tests/GenerationTests/Fixtures/make_arch_fixtures.py [--out DIR]

with the benchmark venv of BENCHMARKS.md (numpy, gguf 0.19.0, llama-cpp-python 0.3.36, and
`regex`: `.twinlog/bench-venv/bin/pip install regex`). The output is deterministic for these
versions (a few seconds on one core).
"""
import ctypes
import json
import sys
from pathlib import Path

import numpy as np
import gguf
import llama_cpp
import regex

Q = gguf.GGMLQuantizationType
HERE = Path(__file__).resolve().parent
# The two float models: (width, heads, KV heads, feed-forward, blocks).
SMALL = (64, 4, 2, 128, 2)
# The K-quant model: width 256 (a K-quant super-block per row), one block, tied output.
WIDE = (256, 4, 2, 256, 1)
WIDE_TYPES = {"token_embd": Q.Q6_K, "attn_q": Q.Q4_K, "attn_k": Q.Q5_K, "attn_v": Q.Q3_K, "attn_output": Q.Q2_K,
              "ffn_gate": Q.Q4_1, "ffn_up": Q.Q4_K, "ffn_down": Q.Q6_K}
WIDE_STD, WIDE_EMBEDDING_STD = 0.1, 0.4
SEQUENCES = [[72, 101, 108, 108, 111], [40, 258, 97, 98, 99, 100, 256, 257, 101, 115, 116, 33],
             [84, 104, 101, 32, 113, 117, 105, 99, 107, 32, 98, 114, 111, 119, 110, 32, 102, 111, 120, 46]]
QWEN2_SPECIALS = ["<|im_end|>", "<|im_start|>", "<|endoftext|>"]
QWEN2_TEMPLATE = ("{% for m in messages %}{% if loop.first and m['role'] != 'system' %}"
                  "{{ '<|im_start|>system\\nYou are a tiny test model.<|im_end|>\\n' }}{% endif %}"
                  "{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}")


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


_ggml = ctypes.CDLL(str(Path(llama_cpp.__file__).parent / "lib" / "libggml-base.so"))
_ggml.ggml_row_size.argtypes = [ctypes.c_int, ctypes.c_int64]
_ggml.ggml_row_size.restype = ctypes.c_size_t
_ggml.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                                      ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
_ggml.ggml_quantize_chunk.restype = ctypes.c_size_t


def quantize(array, qtype):
    """gguf-py's quantizer where it has one (Q4_0 … Q8_0); otherwise (the K-quants) ggml's own
    reference quantizer from llama-cpp-python's libggml-base, without an importance matrix."""
    try:
        return gguf.quants.quantize(array, qtype)
    except NotImplementedError:
        rows, cols = array.shape
        src = np.ascontiguousarray(array, dtype=np.float32)
        out = np.zeros((rows, _ggml.ggml_row_size(int(qtype), cols)), dtype=np.uint8)
        written = _ggml.ggml_quantize_chunk(int(qtype), src.ctypes.data, out.ctypes.data, 0, rows, cols, None)
        assert written == out.size, (qtype, written, out.size)
        return out


def write(path, arch, specials, pre, template, rng, extra_tensors, shape=SMALL, types={},
          std=0.1, embedding_std=0.5, tied=False):
    width, heads, kv_heads, ffn, layers = shape
    head_dim = width // heads
    # Two merges, whose results are tokens too, then the control tokens.
    tokens = byte_alphabet() + ["Ġt", "he"] + specials
    token_types = [gguf.TokenType.NORMAL] * 258 + [gguf.TokenType.CONTROL] * len(specials)
    vocab = len(tokens)
    w = gguf.GGUFWriter(str(path), arch)
    w.add_block_count(layers)
    w.add_context_length(256)
    w.add_embedding_length(width)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(1_000_000.0 if arch == "qwen2" else 500_000.0)
    w.add_rope_dimension_count(head_dim)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(pre)
    w.add_token_list(tokens)
    w.add_token_types(token_types)
    w.add_token_merges(["Ġ t", "h e"])
    w.add_eos_token_id(258)
    w.add_bos_token_id(259 if arch == "llama" else 258)
    w.add_add_bos_token(arch == "llama")
    w.add_chat_template(template)

    def normal(*shape, std=std):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    def matrix(name, array):
        role = name.split(".")[-2]
        qtype = types.get(role, Q.F32)
        if qtype == Q.F32:
            w.add_tensor(name, array)
        else:
            w.add_tensor(name, quantize(array, qtype), raw_dtype=qtype)

    kv = kv_heads * head_dim
    matrix("token_embd.weight", normal(vocab, width, std=embedding_std))
    for l in range(layers):
        w.add_tensor(f"blk.{l}.attn_norm.weight", (1 + normal(width)).astype(np.float32))
        matrix(f"blk.{l}.attn_q.weight", normal(width, width))
        matrix(f"blk.{l}.attn_k.weight", normal(kv, width))
        matrix(f"blk.{l}.attn_v.weight", normal(kv, width))
        if arch == "qwen2":
            w.add_tensor(f"blk.{l}.attn_q.bias", normal(width, std=0.3))
            w.add_tensor(f"blk.{l}.attn_k.bias", normal(kv, std=0.3))
            w.add_tensor(f"blk.{l}.attn_v.bias", normal(kv, std=0.3))
        matrix(f"blk.{l}.attn_output.weight", normal(width, width))
        w.add_tensor(f"blk.{l}.ffn_norm.weight", (1 + normal(width)).astype(np.float32))
        matrix(f"blk.{l}.ffn_gate.weight", normal(ffn, width))
        matrix(f"blk.{l}.ffn_up.weight", normal(ffn, width))
        matrix(f"blk.{l}.ffn_down.weight", normal(width, ffn))
    w.add_tensor("output_norm.weight", (1 + normal(width)).astype(np.float32))
    if not tied:
        matrix("output.weight", normal(vocab, width, std=embedding_std))
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

    def field(key):
        return reader.fields[key].parts[-1][0]

    arch = str(bytes(reader.fields["general.architecture"].parts[-1]), "utf-8")
    base = float(field(f"{arch}.rope.freq_base"))
    eps = float(field(f"{arch}.attention.layer_norm_rms_epsilon"))
    width, heads = int(field(f"{arch}.embedding_length")), int(field(f"{arch}.attention.head_count"))
    kv_heads, layers = int(field(f"{arch}.attention.head_count_kv")), int(field(f"{arch}.block_count"))
    head_dim = width // heads
    n, group = len(ids), heads // kv_heads
    inverse = base ** (-np.arange(0, head_dim, 2) / head_dim)
    if "rope_freqs.weight" in t:
        inverse = inverse / t["rope_freqs.weight"]
    angles = np.arange(n)[:, None] * inverse[None, :]
    cos, sin = np.cos(angles), np.sin(angles)

    def rope(x, heads):
        x = x.reshape(n, heads, head_dim).copy()
        if arch == "qwen2":
            a, b = x[..., : head_dim // 2].copy(), x[..., head_dim // 2:].copy()
            x[..., : head_dim // 2] = a * cos[:, None] - b * sin[:, None]
            x[..., head_dim // 2:] = a * sin[:, None] + b * cos[:, None]
        else:
            a, b = x[..., 0::2].copy(), x[..., 1::2].copy()
            x[..., 0::2] = a * cos[:, None] - b * sin[:, None]
            x[..., 1::2] = a * sin[:, None] + b * cos[:, None]
        return x

    def norm(x, weight):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * weight

    x = t["token_embd.weight"][ids]
    for l in range(layers):
        p = f"blk.{l}."
        h = norm(x, t[p + "attn_norm.weight"])
        q, k, v = h @ t[p + "attn_q.weight"].T, h @ t[p + "attn_k.weight"].T, h @ t[p + "attn_v.weight"].T
        if arch == "qwen2":
            q, k, v = q + t[p + "attn_q.bias"], k + t[p + "attn_k.bias"], v + t[p + "attn_v.bias"]
        q, k, v = rope(q, heads), rope(k, kv_heads), v.reshape(n, kv_heads, head_dim)
        out = np.zeros((n, heads, head_dim))
        for head in range(heads):
            scores = q[:, head] @ k[:, head // group].T / np.sqrt(head_dim)
            scores = np.where(np.tril(np.ones((n, n))) > 0, scores, -np.inf)
            weights = np.exp(scores - scores.max(-1, keepdims=True))
            out[:, head] = (weights / weights.sum(-1, keepdims=True)) @ v[:, head // group]
        x = x + out.reshape(n, width) @ t[p + "attn_output.weight"].T
        h = norm(x, t[p + "ffn_norm.weight"])
        gate, up = h @ t[p + "ffn_gate.weight"].T, h @ t[p + "ffn_up.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ t[p + "ffn_down.weight"].T
    return norm(x, t["output_norm.weight"]) @ t.get("output.weight", t["token_embd.weight"]).T


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
            logits = float64_logits(path, context)[-1]
            row = np.sort(logits)
            exact_greedy.append(int(np.argmax(logits)))
            margins.append(round(float(row[-1] - row[-2]), 6))
            context.append(exact_greedy[-1])
        print(f"{path.name}, {len(ids)} ids: llama.cpp - float64 max |diff| first "
              f"{np.abs(scores[0][:vocab] - exact[0]).max():.4f}, last {np.abs(scores[-1][:vocab] - exact[-1]).max():.4f}; "
              f"greedy llama.cpp {greedy}, float64 {exact_greedy}, smallest margin {min(margins):.3f}")
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


def pretokenizer_cases(out):
    cases = []
    for text in TEXTS:
        case = {"text": text}
        for name, pattern in PATTERNS.items():
            pieces = regex.findall(pattern, text)
            assert "".join(pieces) == text, (name, text, pieces)
            case[name] = pieces
        cases.append(case)
    (out / "pretokenizer_cases.json").write_text(json.dumps({"patterns": PATTERNS, "cases": cases},
                                                            ensure_ascii=False, indent=1) + "\n")


def main():
    out = Path(sys.argv[sys.argv.index("--out") + 1]).resolve() if "--out" in sys.argv else HERE
    out.mkdir(parents=True, exist_ok=True)
    pretokenizer_cases(out)
    rng = np.random.default_rng(19)
    qwen = out / "tiny_qwen2.gguf"
    write(qwen, "qwen2", QWEN2_SPECIALS, "qwen2", QWEN2_TEMPLATE, rng, [],
          types={"token_embd": Q.Q8_0, "ffn_down": Q.Q4_0})
    llama = out / "tiny_llama3.gguf"
    factors = np.linspace(1, 8, SMALL[0] // SMALL[1] // 2).astype(np.float32)
    write(llama, "llama", ["<|eot_id|>", "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>"], "llama-bpe",
          "{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + m['content'] + '<|eot_id|>' }}{% endfor %}",
          rng, [("rope_freqs.weight", factors)], types={"token_embd": Q.Q8_0, "ffn_down": Q.Q8_0})
    # Its own generator, so the two models above stay as they were.
    wide = out / "tiny_qwen2_q4k.gguf"
    write(wide, "qwen2", QWEN2_SPECIALS, "qwen2", QWEN2_TEMPLATE, np.random.default_rng(22), [],
          shape=WIDE, types=WIDE_TYPES, std=WIDE_STD, embedding_std=WIDE_EMBEDDING_STD, tied=True)
    models = [{"file": p.name, "sequences": reference(p)} for p in (qwen, llama, wide)]
    for m in models:
        for s in m["sequences"]:
            assert len(set(s["greedy"])) > 1, f"{m['file']}: degenerate greedy ids {s['greedy']}"
    (out / "arch_reference.json").write_text(json.dumps(
        {"llamaCppPython": llama_cpp.__version__, "models": models}, separators=(",", ":")) + "\n")
    for p in (qwen, llama, wide):
        print(f"{p.name}: {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
