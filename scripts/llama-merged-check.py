#!/usr/bin/env python3
"""Greedy answers of GGUF models under llama.cpp (llama-cpp-python, built by
../shared/reference/llama_bench.sh into its venv), one line per model and prompt, as JSON, so
they can be set beside GESAL's answers to the same prompts. A measurement aid, run by hand:

    ~/.cache/llama-bench-venv/bin/python scripts/llama-merged-check.py MAX_TOKENS MODEL.gguf... < prompts.txt
"""
import json
import sys

from llama_cpp import Llama

max_tokens = int(sys.argv[1])
prompts = [line.rstrip("\n") for line in sys.stdin if line.strip()]
for path in sys.argv[2:]:
    model = Llama(model_path=path, n_threads=2, n_ctx=512, verbose=False, seed=0)
    for prompt in prompts:
        text = f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"
        tokens = model.tokenize(text.encode(), add_bos=False, special=True)
        model.reset()
        model.eval(tokens)
        out = []
        for _ in range(max_tokens):
            token = model.sample(temp=0.0)
            if token in (model.token_eos(), model.tokenize(b"<|im_end|>", add_bos=False, special=True)[0]):
                break
            out.append(token)
            model.eval([token])
        print(json.dumps({"model": path, "prompt": prompt, "answer": model.detokenize(out).decode("utf-8", "replace")}))
