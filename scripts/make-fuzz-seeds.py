#!/usr/bin/env python3
"""Writes the seed inputs of the model-file fuzz targets (gguf, safetensors, tokenizer-json,
wordpiece) into Tests/FuzzCorpusTests/Corpora/TARGET/seed-*: small, valid files written here
from the formats' specifications (struct and json only), independently of GESAL's own writers.
The log and domain targets' seeds come from a real store: `gesal-fuzz extract`.

Usage: python3 scripts/make-fuzz-seeds.py [CORPORA_DIR]
"""
import json, os, random, struct, sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Tests", "FuzzCorpusTests", "Corpora")
rng = random.Random(7)

def write(target, name, data):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    print(f"{target}/{name}: {len(data)} bytes")

# --- GGUF v3 (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md) ---
U32, I32, F32, STR, ARR = 4, 5, 6, 8, 9

def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b

def gvalue(kind, v):
    if kind == U32: return struct.pack("<I", v)
    if kind == F32: return struct.pack("<f", v)
    if kind == STR: return gstr(v)
    raise ValueError(kind)

def garray(kind, values):
    body = b"".join(gstr(v) if kind == STR else struct.pack("<i", v) for v in values)
    return struct.pack("<IQ", kind, len(values)) + body

def half(x): return struct.pack("<e", x)

def f32_tensor(n): return b"".join(struct.pack("<f", rng.uniform(-0.2, 0.2)) for _ in range(n))
def norm_tensor(n): return b"".join(struct.pack("<f", 1 + rng.uniform(0, 0.1)) for _ in range(n))
def q8_0(n):  # per 32 values: f16 scale, 32 int8
    return b"".join(half(0.01) + bytes(rng.randrange(256) for _ in range(32)) for _ in range(n // 32))
def q4_1(n):  # per 32 values: f16 scale, f16 minimum, 16 bytes of nibbles
    return b"".join(half(0.01) + half(-0.05) + bytes(rng.randrange(256) for _ in range(16)) for _ in range(n // 32))

TYPES = {"F32": 0, "Q4_1": 3, "Q8_0": 8}

def gguf(metadata, tensors):
    """metadata: [(key, bytes of type + value)]; tensors: [(name, dims, type name, data)]"""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    for key, value in metadata:
        out += gstr(key) + value
    offset = 0
    for name, dims, kind, data in tensors:
        out += gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", TYPES[kind], offset)
        offset += (len(data) + 31) // 32 * 32
    out += b"\0" * (-len(out) % 32)
    for *_, data in tensors:
        out += data + b"\0" * (-len(data) % 32)
    return out

def llama(width, hidden, heads, kv_heads, vocab, weight, tokenizer):
    kv = width // heads * kv_heads
    meta = [("general.architecture", struct.pack("<I", STR) + gstr("llama")),
            ("llama.embedding_length", struct.pack("<I", U32) + gvalue(U32, width)),
            ("llama.feed_forward_length", struct.pack("<I", U32) + gvalue(U32, hidden)),
            ("llama.block_count", struct.pack("<I", U32) + gvalue(U32, 1)),
            ("llama.attention.head_count", struct.pack("<I", U32) + gvalue(U32, heads)),
            ("llama.attention.head_count_kv", struct.pack("<I", U32) + gvalue(U32, kv_heads)),
            ("llama.attention.layer_norm_rms_epsilon", struct.pack("<I", F32) + gvalue(F32, 1e-5)),
            ("llama.context_length", struct.pack("<I", U32) + gvalue(U32, 64))] + tokenizer
    kind, make = weight
    tensors = [("token_embd.weight", [width, vocab], kind, make(width * vocab)),
               ("blk.0.attn_norm.weight", [width], "F32", norm_tensor(width)),
               ("blk.0.attn_q.weight", [width, width], kind, make(width * width)),
               ("blk.0.attn_k.weight", [width, kv], kind, make(width * kv)),
               ("blk.0.attn_v.weight", [width, kv], kind, make(width * kv)),
               ("blk.0.attn_output.weight", [width, width], kind, make(width * width)),
               ("blk.0.ffn_norm.weight", [width], "F32", norm_tensor(width)),
               ("blk.0.ffn_gate.weight", [width, hidden], kind, make(width * hidden)),
               ("blk.0.ffn_up.weight", [width, hidden], kind, make(width * hidden)),
               ("blk.0.ffn_down.weight", [hidden, width], kind, make(hidden * width)),
               ("output_norm.weight", [width], "F32", norm_tensor(width))]
    return gguf(meta, tensors)

bpe_tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "H", "e", "l", "o", "Ġ", "He", "ll", "Hell", "Ġw"]
bpe = [("tokenizer.ggml.model", struct.pack("<I", STR) + gstr("gpt2")),
       ("tokenizer.ggml.pre", struct.pack("<I", STR) + gstr("smollm")),
       ("tokenizer.ggml.tokens", struct.pack("<I", ARR) + garray(STR, bpe_tokens)),
       ("tokenizer.ggml.merges", struct.pack("<I", ARR) + garray(STR, ["H e", "l l", "He ll", "Ġ w"])),
       ("tokenizer.ggml.token_type", struct.pack("<I", ARR) + garray(I32, [3, 3, 3] + [1] * (len(bpe_tokens) - 3))),
       ("tokenizer.ggml.eos_token_id", struct.pack("<I", U32) + gvalue(U32, 2)),
       ("tokenizer.chat_template", struct.pack("<I", STR) + gstr("{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"))]
write("gguf", "seed-bpe-f32.gguf", llama(4, 8, 2, 1, len(bpe_tokens), ("F32", f32_tensor), bpe))

sp_tokens = ["<unk>", "<s>", "</s>", "▁", "a", "b", "▁a", "<0x41>"]
sp = [("tokenizer.ggml.model", struct.pack("<I", STR) + gstr("llama")),
      ("tokenizer.ggml.tokens", struct.pack("<I", ARR) + garray(STR, sp_tokens)),
      ("tokenizer.ggml.scores", struct.pack("<I", ARR) + struct.pack("<IQ", F32, len(sp_tokens)) + b"".join(struct.pack("<f", -i) for i in range(len(sp_tokens)))),
      ("tokenizer.ggml.token_type", struct.pack("<I", ARR) + garray(I32, [2, 3, 3, 1, 1, 1, 1, 6])),
      ("tokenizer.ggml.eos_token_id", struct.pack("<I", U32) + gvalue(U32, 2))]
write("gguf", "seed-sentencepiece-q8_0.gguf", llama(32, 32, 2, 1, len(sp_tokens), ("Q8_0", q8_0), sp))
write("gguf", "seed-sentencepiece-q4_1.gguf", llama(32, 32, 2, 1, len(sp_tokens), ("Q4_1", q4_1), sp))

# --- safetensors (https://huggingface.co/docs/safetensors) ---
def safetensors(tensors, metadata=None):
    header, data = ({"__metadata__": metadata} if metadata else {}), b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data

write("safetensors", "seed-f32.safetensors", safetensors(
    [("model.embed_tokens.weight", "F32", [3, 4], f32_tensor(12)), ("model.norm.weight", "F32", [4], norm_tensor(4))], {"format": "pt"}))
write("safetensors", "seed-f16-bf16.safetensors", safetensors(
    [("a", "F16", [2, 2], b"".join(half(x) for x in (0.5, -1.0, 2.0, 0.0))),
     ("b", "BF16", [3], b"".join(struct.pack("<f", x)[2:] for x in (1.0, -0.5, 3.0)))]))

# --- tokenizer.json (Hugging Face tokenizers) ---
byte_level = {"version": "1.0", "added_tokens": [{"id": 0, "content": "<|endoftext|>", "special": True}, {"id": 1, "content": "<|im_end|>", "special": True}],
              "normalizer": None, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": True},
                                                   {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
              "model": {"type": "BPE", "vocab": {"<|endoftext|>": 0, "<|im_end|>": 1, "H": 2, "e": 3, "l": 4, "o": 5, "Ġ": 6, "He": 7, "ll": 8, "1": 9},
                        "merges": ["H e", "l l"]}}
write("tokenizer-json", "seed-byte-level.json", json.dumps(byte_level, ensure_ascii=False).encode())
sentencepiece = {"version": "1.0", "added_tokens": [{"id": 1, "content": "<s>", "special": True}],
                 "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
                 "pre_tokenizer": None,
                 "model": {"type": "BPE", "byte_fallback": True, "unk_token": "<unk>",
                           "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<0x48>": 3, "▁": 4, "H": 5, "i": 6, "▁H": 7, "▁Hi": 8},
                           "merges": [["▁", "H"], ["▁H", "i"]]}}
write("tokenizer-json", "seed-sentencepiece.json", json.dumps(sentencepiece, ensure_ascii=False).encode())

# --- WordPiece vocab.txt (BERT) ---
write("wordpiece", "seed-vocab.txt", "\n".join(["[PAD]", "hello", "world", "un", "##aff", "##able", ",", "!", "##s", "the", "café", "日"]).encode() + b"\n")

# --- gesal serve request bodies (OpenAI's API: https://platform.openai.com/docs/api-reference) ---
def request(name, path, body):
    write("server-request", name, path.encode() + b"\n" + json.dumps(body, ensure_ascii=False).encode())

request("seed-chat", "/v1/chat/completions", {
    "model": "gesal", "temperature": 0.7, "top_p": 0.9, "seed": 42, "max_tokens": 32, "stop": ["\n\n", "Q:"], "stream": True,
    "messages": [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "What is 2+2?"},
                 {"role": "assistant", "content": "4"}, {"role": "user", "content": [{"type": "text", "text": "And 3+3? ünï"}]}]})
request("seed-completion", "/v1/completions", {"prompt": "Name a prime number.", "max_completion_tokens": 8, "stop": "."})
request("seed-embedding", "/v1/embeddings", {"model": "all-MiniLM-L6-v2", "input": ["a cat", "a dog"], "encoding_format": "base64"})
request("seed-feedback", "/v1/feedback", {"interaction": 3, "reward": -2, "correction": "Paris", "source": "checker_1"})
