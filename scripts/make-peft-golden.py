#!/usr/bin/env python3
"""Writes Tests/EngineTests/Fixtures/peft-lora/: a LoRA in PEFT's format for SmolLM2-135M, made
without PEFT or torch (numpy and the `safetensors` package, as PEFT's save_pretrained lays it
out: `base_model.model.model.layers.L.<module>.lora_A.weight` [r, in] and `lora_B.weight`
[out, r]), and expected.json: the change each matrix gets, ΔW = (lora_alpha / r) · B @ A,
computed by numpy at a few positions. GESAL's import (Sources/Adaptation/PEFTImport.swift)
must give the same ΔW. One matrix is F16 and one uses alpha_pattern. Run once; the fixture is
committed. Needs `pip install numpy safetensors`.

    python3 scripts/make-peft-golden.py
"""
import json
import os

import numpy as np
from safetensors.numpy import save_file

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(root, "Tests/EngineTests/Fixtures/peft-lora")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
r, alpha = 2, 5.0
# (module, outputs, inputs, dtype, alpha): SmolLM2-135M's widths (576, kv 192, hidden 1536).
matrices = [
    ("model.layers.0.self_attn.q_proj", 576, 576, np.float32, alpha),
    ("model.layers.3.self_attn.v_proj", 192, 576, np.float32, alpha),
    ("model.layers.5.mlp.down_proj", 576, 1536, np.float16, 12.0),
]
tensors, expected = {}, []
for module, outputs, inputs, dtype, module_alpha in matrices:
    a = (rng.standard_normal((r, inputs)) * 0.05).astype(dtype)
    b = (rng.standard_normal((outputs, r)) * 0.05).astype(dtype)
    tensors[f"base_model.model.{module}.lora_A.weight"] = a
    tensors[f"base_model.model.{module}.lora_B.weight"] = b
    delta = (module_alpha / r) * (b.astype(np.float64) @ a.astype(np.float64))
    positions = [(0, 0), (1, 2), (outputs - 1, inputs - 1), (outputs // 2, inputs // 3)]
    expected.append({"module": module, "outputs": outputs, "inputs": inputs,
                     "positions": [[i, j] for i, j in positions], "delta": [float(delta[i, j]) for i, j in positions]})
save_file(tensors, os.path.join(out, "adapter_model.safetensors"), metadata={"format": "pt"})
config = {
    "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": r, "lora_alpha": alpha, "lora_dropout": 0.05, "bias": "none",
    "fan_in_fan_out": False, "use_rslora": False, "use_dora": False, "inference_mode": True,
    "base_model_name_or_path": "HuggingFaceTB/SmolLM2-135M-Instruct",
    "target_modules": ["q_proj", "v_proj", "down_proj"], "alpha_pattern": {"model.layers.5.mlp.down_proj": 12.0}, "rank_pattern": {},
}
with open(os.path.join(out, "adapter_config.json"), "w") as f:
    json.dump(config, f, indent=2, sort_keys=True)
with open(os.path.join(root, "Tests/EngineTests/Fixtures/peft-lora-expected.json"), "w") as f:
    json.dump({"alpha": alpha, "r": r, "matrices": expected}, f, indent=1)
print("wrote", out, "and peft-lora-expected.json")
