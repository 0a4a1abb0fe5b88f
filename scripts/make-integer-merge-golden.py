#!/usr/bin/env python3
"""Writes Tests/ModelTests/Fixtures/integer-merge.json: SVF merges W' = U diag(s) Vᵀ computed
by numpy from the definition in Sources/CKernels/include/integer_merge.h, independently of
GESAL's C: each factor's values rounded to 16-bit levels (a scale per row of the left, per
column of the right, halves away from zero), the products summed exactly in int64, then scaled
back in float32. Every kernel of `IntegerMerge` must give these bits. Run once; the fixture is
committed. Needs numpy.

    python3 scripts/make-integer-merge-golden.py
"""
import json
import math
import os

import numpy as np

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INT32_MAX = 2**31 - 1


def limit_for(rank):
    padded = rank + (rank % 2)
    limit = math.isqrt(INT32_MAX // padded)
    while limit * limit * padded > INT32_MAX:
        limit -= 1
    return min(limit, 32767)


def levels(x, scale, limit):
    """x float32 with one scale per slice along the broadcast axis: x * (1 / scale), clamped,
    rounded to nearest with halves away from zero (0 where scale is 0)."""
    inverse = np.where(scale == 0, np.float32(0), np.float32(1) / np.where(scale == 0, np.float32(1), scale)).astype(np.float32)
    v = (x * inverse).astype(np.float32)
    v = np.minimum(np.maximum(v, np.float32(-limit)), np.float32(limit))
    magnitude = np.floor(np.abs(v).astype(np.float64) + 0.5)
    return (np.sign(v) * magnitude).astype(np.int64)


def merge(u, s, vt):
    outputs, rank = u.shape
    inputs = vt.shape[1]
    limit = limit_for(rank)
    scale_left = outputs <= inputs
    left = (u * s[None, :]).astype(np.float32) if scale_left else u
    right = vt if scale_left else (vt * s[:, None]).astype(np.float32)
    row_scales = (np.abs(left).max(axis=1).astype(np.float32) / np.float32(limit)).astype(np.float32)
    column_scales = (np.abs(right).max(axis=0).astype(np.float32) / np.float32(limit)).astype(np.float32)
    a = levels(left, row_scales[:, None], limit)
    b = levels(right, column_scales[None, :], limit)
    assert np.abs(a).max() <= limit and np.abs(b).max() <= limit
    c = a @ b
    assert np.abs(c).max() <= INT32_MAX
    w = (c.astype(np.float64).astype(np.float32) * row_scales[:, None]).astype(np.float32)
    return (w * column_scales[None, :]).astype(np.float32), limit


rng = np.random.default_rng(43)
cases = []
# (outputs, inputs): s on the left with an odd rank and a last block of 6 columns; s on the
# right with 70 rows (the kernels' row tiles and a tail) and one block.
for outputs, inputs in [(13, 70), (70, 21), (64, 128)]:
    rank = min(outputs, inputs)
    u = rng.standard_normal((outputs, rank)).astype(np.float32)
    vt = rng.standard_normal((rank, inputs)).astype(np.float32)
    s = np.abs(rng.standard_normal(rank) * 3).astype(np.float32)
    u[1, :] = 0  # a row of zeros: scale 0
    vt[:, 2] = 0  # a column of zeros
    w, limit = merge(u, s, vt)
    cases.append({
        "outputs": outputs, "inputs": inputs, "rank": rank, "limit": limit,
        "u": [float(x) for x in u.ravel()], "s": [float(x) for x in s], "vt": [float(x) for x in vt.ravel()],
        "w": w.view(np.uint32).ravel().tolist(),
    })
# The largest sums the limit allows: every level at +limit, a row at -limit.
rank = 576
u = np.ones((6, rank), dtype=np.float32)
u[3, :] = -1
vt = np.ones((rank, 64), dtype=np.float32)
s = np.ones(rank, dtype=np.float32)
w, limit = merge(u, s, vt)
cases.append({"outputs": 6, "inputs": 64, "rank": rank, "limit": limit,
              "u": [float(x) for x in u.ravel()], "s": [float(x) for x in s], "vt": [float(x) for x in vt.ravel()],
              "w": w.view(np.uint32).ravel().tolist()})
limits = {str(r): limit_for(r) for r in [1, 2, 3, 576, 577, 2048, 8192]}
with open(os.path.join(root, "Tests/ModelTests/Fixtures/integer-merge.json"), "w") as out:
    json.dump({"cases": cases, "limits": limits}, out)
