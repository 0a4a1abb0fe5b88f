#!/usr/bin/env python3
"""Golden pre-tokeniser splits from the published regular expressions, run by Python's
`regex` module (the engine Hugging Face and llama.cpp's converters were checked against).
Writes Tests/ModelTests/Fixtures/pretokenizers.json."""
import json, os, regex

patterns = {
    "gpt2": r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
    "smollm": r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
    "llama3": r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
    "qwen2": r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
}
texts = [
    "Hello world", "  two  spaces  ", "I'm sure you'LL see it's THEIR's", "12345 + 67 = 12412", "x²+y³ ½ Ⅻ",
    "tabs\tand\nnew\r\nlines\n\n\nend", "  \n  indented", "¿Qué tal? ¡Muy bien!", "naïve café", "東京タワー 333m",
    "emoji 😀👍🏽!!", "...!?;", "a\t\tb", "line\n", " ", "\n", "mixed123abc456", "snake_case and kebab-case",
    "$100.00 or €5,50", "won't can't shan't", "Ω≈ç√∫", "\u00a0nbsp\u2003em space", "A.B.C", "x = [1, 2, 3]",
]
out = {name: [{"text": t, "pieces": regex.findall(p, t)} for t in texts] for name, p in patterns.items()}
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
json.dump(out, open(os.path.join(root, "Tests/ModelTests/Fixtures/pretokenizers.json"), "w"), indent=1, ensure_ascii=False)
print("wrote", sum(len(v) for v in out.values()), "cases")
