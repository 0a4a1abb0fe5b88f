#!/usr/bin/env python3
"""Drives several `gesal serve` workers of one shared store (tests only, never the product).

Clients ask questions and give feedback on the answers at once, each on a worker of its
own choosing (feedback goes to another worker than the one that answered), and halfway the
last worker is killed with SIGKILL. What a worker acknowledged (HTTP 200) is printed as JSON:
the test then checks that every acknowledged answer and feedback is in the log.

    workers-test.py --kill PID --clients 3 --requests 4 URL1 URL2 URL3
"""
import argparse
import json
import os
import random
import signal
import threading
import urllib.error
import urllib.request


def post(url, path, body):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workers", nargs="+")
    parser.add_argument("--kill", type=int, required=True, help="pid of the last worker, killed halfway")
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--requests", type=int, default=4)
    args = parser.parse_args()

    lock = threading.Lock()
    answers, feedback, refused = [], [], []
    killed = threading.Event()
    halfway = args.clients * args.requests // 2

    def alive():
        return args.workers[:-1] if killed.is_set() else args.workers

    def client(number):
        rng = random.Random(number)
        for k in range(args.requests):
            worker = rng.choice(alive())
            try:
                reply = post(worker, "/v1/chat/completions", {
                    "model": "gesal", "max_tokens": 6,
                    "messages": [{"role": "user", "content": f"Client {number} asks: what is {k} + {number}?"}]})
            except (urllib.error.URLError, ConnectionError, OSError) as error:
                with lock:
                    refused.append(f"ask on {worker}: {error}")
                continue
            interaction = reply["gesal"]["interaction"]
            with lock:
                answers.append({"interaction": interaction, "text": reply["choices"][0]["message"]["content"], "worker": worker})
                if len(answers) == halfway and not killed.is_set():
                    os.kill(args.kill, signal.SIGKILL)
                    killed.set()
            others = [w for w in alive() if w != worker] or alive()
            target, reward = rng.choice(others), rng.choice([-1.0, 1.0])
            try:
                post(target, "/v1/feedback", {"interaction": interaction, "reward": reward})
            except (urllib.error.URLError, ConnectionError, OSError) as error:
                with lock:
                    refused.append(f"feedback on {target}: {error}")
                continue
            with lock:
                feedback.append({"interaction": interaction, "reward": reward})

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"answers": answers, "feedback": feedback, "refused": refused, "killed": killed.is_set()}))


if __name__ == "__main__":
    main()
