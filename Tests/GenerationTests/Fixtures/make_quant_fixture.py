#!/usr/bin/env python3
"""Generates quant_blocks.json: golden dequantization results for the ggml block formats.

Each entry holds the raw bytes of a few blocks of one ggml type and what gguf-py's reference
dequantizer (gguf.quants.dequantize) makes of them, as float32:

    {"type": "Q4_K", "typeId": 12, "elements": 512, "source": "synthetic",
     "bytes": "<hex of the raw block bytes>",
     "expected": "<hex of the little-endian float32 bit patterns>"}

- "synthetic" entries, one per type among F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K,
  Q5_K, Q6_K: seeded pseudo-random bytes (2 blocks of the 256-element K-quants, 4 blocks of the
  32-element types, 64 elements of F16/BF16) in which every f16 scale field (d, dmin, m) is
  overwritten with a finite value uniform in +-0.05, and the F16/BF16 elements are finite values
  uniform in +-4; so no NaN or infinity appears anywhere.
- "synthetic-edge" entries for F16 and BF16: finite edge values (+-0, subnormals, the largest
  finite values, values near 1).
- real entries, "source" naming the tensor: for each tensor type in the Qwen2.5-Coder 0.5B
  Instruct Q4_K_M GGUF (fetched by infra/dev/models), the first 2 blocks (64 elements for F32)
  of the first tensor of that type in file order, preferring a per-layer (blk.*) tensor.

Regenerate (optional benchmark tooling, not needed by the tests or CI), from the repository root:

    infra/dev/models 0.5b                  # the real model, into .twinlog/models/
    python3 -m venv .twinlog/bench-venv && .twinlog/bench-venv/bin/pip install numpy gguf
    .twinlog/bench-venv/bin/python Tests/GenerationTests/Fixtures/make_quant_fixture.py

It writes Tests/GenerationTests/Fixtures/quant_blocks.json; the output is deterministic for a
given gguf-py version (0.19.0 made the committed file). --model PATH points at another copy of
the 0.5B GGUF; --out PATH writes elsewhere.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader
from gguf.constants import GGML_QUANT_SIZES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
STATE = Path(os.environ.get("TWINLOG_STATE", ROOT / ".twinlog"))
MODEL = STATE / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"

# Byte offsets of the f16 scale fields inside one block (ggml-common.h layouts).
F16_FIELDS: dict[T, tuple[int, ...]] = {
    T.Q4_0: (0,),        # d, qs[16]
    T.Q4_1: (0, 2),      # d, m, qs[16]
    T.Q5_0: (0,),        # d, qh[4], qs[16]
    T.Q5_1: (0, 2),      # d, m, qh[4], qs[16]
    T.Q8_0: (0,),        # d, qs[32]
    T.Q2_K: (80, 82),    # scales[16], qs[64], d, dmin
    T.Q3_K: (108,),      # hmask[32], qs[64], scales[12], d
    T.Q4_K: (0, 2),      # d, dmin, scales[12], qs[128]
    T.Q5_K: (0, 2),      # d, dmin, scales[12], qh[32], qs[128]
    T.Q6_K: (208,),      # ql[128], qh[64], scales[16], d
}
SYNTHETIC = [T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0,
             T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K]


def dequant(raw: bytes, qtype: T) -> np.ndarray:
    out = gguf.quants.dequantize(np.frombuffer(raw, dtype=np.uint8), qtype)
    out = np.asarray(out, dtype=np.float32).reshape(-1)
    if not np.all(np.isfinite(out)):
        raise SystemExit(f"{qtype.name}: the expected values are not all finite")
    return out


def entry(qtype: T, raw: bytes, source: str) -> dict:
    expected = dequant(raw, qtype)
    block, size = GGML_QUANT_SIZES[qtype]
    assert len(raw) % size == 0 and expected.size == len(raw) // size * block
    return {
        "type": qtype.name,
        "typeId": int(qtype),
        "elements": int(expected.size),
        "source": source,
        "bytes": raw.hex(),
        "expected": expected.astype("<f4").tobytes().hex(),
    }


def synthetic(qtype: T, rng: np.random.Generator) -> bytes:
    if qtype == T.F16:
        return rng.uniform(-4, 4, 64).astype("<f2").tobytes()
    if qtype == T.BF16:
        # bf16 = the upper half of a float32 (truncated; any 16-bit pattern of a finite value is valid)
        f = rng.uniform(-4, 4, 64).astype("<f4")
        return (f.view("<u4") >> 16).astype("<u2").tobytes()
    block, size = GGML_QUANT_SIZES[qtype]
    n_blocks = 2 if block == 256 else 4
    raw = bytearray(rng.integers(0, 256, n_blocks * size, dtype=np.uint8).tobytes())
    for b in range(n_blocks):
        for off in F16_FIELDS[qtype]:
            v = np.float16(rng.uniform(-0.05, 0.05))
            raw[b * size + off: b * size + off + 2] = np.array([v], dtype="<f2").tobytes()
    return bytes(raw)


def edge(qtype: T) -> bytes:
    if qtype == T.F16:
        bits = [0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x7BFF, 0xFBFF,
                0x3C00, 0xBC00, 0x3BFF, 0x3C01, 0x3555, 0x0200, 0x5640, 0xC900]
    else:
        bits = [0x0000, 0x8000, 0x0001, 0x8001, 0x007F, 0x0080, 0x7F7F, 0xFF7F,
                0x3F80, 0xBF80, 0x3F7F, 0x3F81, 0x3EAB, 0x0040, 0x42C8, 0xC120]
    return np.array(bits, dtype="<u2").tobytes()


def real_entries(model: Path) -> list[dict]:
    reader = GGUFReader(model)
    chosen: dict[T, object] = {}
    for t in reader.tensors:            # file order
        qt = T(int(t.tensor_type))
        if qt not in chosen or (t.name.startswith("blk.") and not chosen[qt].name.startswith("blk.")):
            chosen[qt] = t
    out = []
    for qt in sorted(chosen, key=int):
        t = chosen[qt]
        block, size = GGML_QUANT_SIZES[qt]
        n_bytes = 64 * size if block == 1 else 2 * size
        raw = np.asarray(t.data).view(np.uint8).reshape(-1)[:n_bytes].tobytes()
        assert len(raw) == n_bytes
        out.append(entry(qt, raw, t.name))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=MODEL)
    ap.add_argument("--out", type=Path, default=HERE / "quant_blocks.json")
    args = ap.parse_args()

    if not args.model.is_file():
        sys.exit(f"{args.model} is missing: run infra/dev/models 0.5b first")
    h = hashlib.sha256()
    with open(args.model, "rb") as f:
        while chunk := f.read(8 << 20):
            h.update(chunk)
    if h.hexdigest() != MODEL_SHA256:
        sys.exit(f"{args.model}: SHA-256 {h.hexdigest()}, expected {MODEL_SHA256}")

    rng = np.random.default_rng(20261205)
    entries = [entry(qt, synthetic(qt, rng), "synthetic") for qt in SYNTHETIC]
    entries += [entry(qt, edge(qt), "synthetic-edge") for qt in (T.F16, T.BF16)]
    entries += real_entries(args.model)

    doc = {
        "description": "ggml block dequantization goldens: raw block bytes (hex) and gguf-py's "
                       "dequantize() output as little-endian float32 bit patterns (hex).",
        "generator": "Tests/GenerationTests/Fixtures/make_quant_fixture.py",
        "ggufPy": version("gguf"),
        "numpy": np.__version__,
        "model": {"file": MODEL.name, "sha256": MODEL_SHA256},
        "entries": entries,
    }
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {args.out}: {len(entries)} entries, {args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
