#!/usr/bin/env python3
"""Drives a running `gesal serve` with OpenAI's own Python client: models, chat, streaming,
embeddings, errors, feedback, and a bounded load test. Every check is an assert; the last
line printed is a JSON summary the calling test compares with `gesal-log replay`.

    python3 scripts/openai-client-test.py http://127.0.0.1:PORT [--clients 4 --requests 3]
"""
import argparse
import concurrent.futures
import json
import math
import time
import urllib.request

import openai
from openai import OpenAI

parser = argparse.ArgumentParser()
parser.add_argument("base")
parser.add_argument("--clients", type=int, default=4)
parser.add_argument("--requests", type=int, default=3)
args = parser.parse_args()

client = OpenAI(base_url=args.base + "/v1", api_key="not-needed-on-loopback", max_retries=0, timeout=600)
SUM = "What is 12 + 7? Answer with a number."
asked = 0

# Models: the chat model and the embedder.
ids = [model.id for model in client.models.list()]
assert len(ids) == 2 and "minilm" in ids, ids
chat_model = next(i for i in ids if i != "minilm")

# Chat: OpenAI's shape, GESAL's interaction in the body and the header.
raw = client.chat.completions.with_raw_response.create(model=chat_model, messages=[{"role": "user", "content": SUM}])
completion = raw.parse()
asked += 1
interaction = completion.model_extra["gesal"]["interaction"]
assert raw.headers["x-gesal-interaction"] == str(interaction), raw.headers
assert completion.id == f"chatcmpl-gesal-{interaction}", completion.id
answer = completion.choices[0].message.content
assert answer, completion
assert completion.usage.completion_tokens > 0

# Streaming: the chunks add up to the same greedy answer (same prompt, same node, no feedback yet).
stream = client.chat.completions.create(model="gesal", messages=[{"role": "user", "content": SUM}], stream=True)
streamed = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
asked += 1
assert streamed == answer, (streamed, answer)

# Embeddings: the client asks for base64 by default; float must give the same numbers.
both = client.embeddings.create(model="minilm", input=["hello", "world"])
assert [d.index for d in both.data] == [0, 1]
vector = both.data[0].embedding
assert len(vector) == 384, len(vector)
assert abs(math.sqrt(sum(v * v for v in vector)) - 1) < 1e-4
plain = client.embeddings.create(model="minilm", input="hello", encoding_format="float")
assert max(abs(a - b) for a, b in zip(plain.data[0].embedding, vector)) < 1e-6

# Errors arrive as the client's own exceptions, with OpenAI's error object.
try:
    client.chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": "hi"}])
    raise AssertionError("an unknown model was served")
except openai.NotFoundError as error:
    assert error.code == "model_not_found", error.body
try:
    client.chat.completions.create(model="gesal", messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}])
    raise AssertionError("a conversation ending in an answer was accepted")
except openai.BadRequestError as error:
    assert "does not end in a user message" in error.message, error.message

# A conversation: the last user message is the interaction's prompt, the earlier turns are
# recorded with it (the audit names them).
talk = client.chat.completions.create(model="gesal", messages=[{"role": "system", "content": "Be brief."},
                                                               {"role": "user", "content": "My name is Ada."},
                                                               {"role": "assistant", "content": "Hello Ada."},
                                                               {"role": "user", "content": "What is my name?"}])
asked += 1
talked = talk.model_extra["gesal"]["interaction"]
with urllib.request.urlopen(f"{args.base}/v1/interactions/{talked}", timeout=60) as reply:
    assert json.loads(reply.read())["prompt"] == "What is my name?"
with urllib.request.urlopen(f"{args.base}/v1/audit/interaction/{talked}", timeout=60) as reply:
    audit = json.loads(reply.read())
assert any("2 earlier turns" in entry["text"] for entry in audit["entries"]), audit


def post(path, body):
    request = urllib.request.Request(args.base + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


# Hostile requests over the wire: a malformed body is a 400 and a body over the limit a 413,
# each with OpenAI's error object.
import http.client
import urllib.error
from urllib.parse import urlparse

def status_of(path, body):
    request = urllib.request.Request(args.base + path, data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())

status, body = status_of("/v1/chat/completions", b'{"messages": [')
assert status == 400 and "message" in body["error"], (status, body)
status, body = status_of("/v1/chat/completions", b'{"messages":"' + b"a" * (10 << 20) + b'"}')
assert status == 413 and body["error"]["code"] == "request_too_large", (status, body)

# A client that goes away mid-stream: its interaction is still recorded, whole.
host = urlparse(args.base)
connection = http.client.HTTPConnection(host.hostname, host.port, timeout=600)
connection.request("POST", "/v1/chat/completions", body=json.dumps({"model": "gesal", "stream": True,
                   "messages": [{"role": "user", "content": "Name three colours of the rainbow."}]}), headers={"content-type": "application/json"})
response = connection.getresponse()
dropped = int(response.getheader("x-gesal-interaction"))
response.fp.readline()
connection.close()
asked += 1
for _ in range(600):
    try:
        with urllib.request.urlopen(f"{args.base}/v1/interactions/{dropped}", timeout=600) as reply:
            recorded = json.loads(reply.read())
        break
    except urllib.error.HTTPError:
        time.sleep(0.5)
assert recorded["response"], recorded

# Feedback with a correction: the node learns, and the next answer uses its adapter.
taught = post("/v1/feedback", {"interaction": interaction, "reward": -2, "correction": "19"})
assert taught["outcome"] == "learned", taught
again = client.chat.completions.create(model="gesal", messages=[{"role": "user", "content": SUM}])
asked += 1
assert again.model_extra["gesal"]["adapter"] == taught["adapter"], (again.model_extra, taught)

# Load: N clients at once, each asking a few questions; none may fail.
def session(k):
    mine = OpenAI(base_url=args.base + "/v1", api_key="x", max_retries=0, timeout=600)
    ids = []
    for j in range(args.requests):
        reply = mine.chat.completions.create(model="gesal", messages=[{"role": "user", "content": f"What is {k} + {j}? Answer with a number."}])
        ids.append(reply.model_extra["gesal"]["interaction"])
    return ids


with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
    loads = [i for ids in pool.map(session, range(args.clients)) for i in ids]
asked += len(loads)
assert len(set(loads)) == args.clients * args.requests, loads

with urllib.request.urlopen(args.base + "/health", timeout=60) as response:
    health = json.loads(response.read())
assert health["interactions"] == asked, (health, asked)
print(json.dumps({"interactions": asked, "state_hash": health["state_hash"], "head": health["head"]}))
