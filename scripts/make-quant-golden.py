#!/usr/bin/env python3
"""Writes Tests/ModelTests/Fixtures/quantize.json: what llama.cpp's own Python package (`gguf`,
from PyPI: gguf-py, whose quants.py follows ggml's reference quantisers) makes of a fixed set of
floats as F16, Q5_0, Q5_1 and Q8_0. GESAL's quantisers (Sources/Models/GGUF/Quantize.swift) must give the
same bytes. Run once; the fixture is committed. Needs `pip install gguf` (and numpy).

    python3 scripts/make-quant-golden.py
"""
import json
import os

import numpy as np
from gguf import GGMLQuantizationType, quants

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# 4 blocks of 32: smooth values, a block of zeros, tiny values, and exact ties (x * 127 / amax = k + 0.5).
n = np.arange(128, dtype=np.float32)
values = (np.sin(n * 0.37) * 3.5 + np.cos(n * 0.11)).astype(np.float32)
values[32:64] = 0
values[64:96] = (np.arange(32, dtype=np.float32) - 16) * np.float32(1e-6)
values[96:128] = np.array([127, 0.5, -0.5, 1.5, -1.5, 2.5, 63.5, -63.5] * 4, dtype=np.float32)
fixture = {
    "values": [float(v) for v in values],
    "f16": quants.quantize(values.reshape(1, -1), GGMLQuantizationType.F16).tobytes().hex(),
    "q5_0": quants.quantize(values.reshape(1, -1), GGMLQuantizationType.Q5_0).tobytes().hex(),
    "q5_1": quants.quantize(values.reshape(1, -1), GGMLQuantizationType.Q5_1).tobytes().hex(),
    "q8_0": quants.quantize(values.reshape(1, -1), GGMLQuantizationType.Q8_0).tobytes().hex(),
}
with open(os.path.join(root, "Tests/ModelTests/Fixtures/quantize.json"), "w") as out:
    json.dump(fixture, out, indent=1)
print("wrote Tests/ModelTests/Fixtures/quantize.json")
