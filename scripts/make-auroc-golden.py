#!/usr/bin/env python3
"""Writes Tests/TasksTests/Fixtures/auroc.json: score sets with failure labels, and the area
scikit-learn's roc_auc_score gives them (the oracle for Tasks' AUROC). Run once; the fixture
is committed. scikit-learn comes from PyPI at fixture time only:

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn
    /tmp/skl/bin/python scripts/make-auroc-golden.py
"""
import json, os
import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(root, "Tests/TasksTests/Fixtures/auroc.json")
rng = np.random.default_rng(13)
cases = []
def add(name, scores, failed):
    cases.append({"name": name, "scores": [float(s) for s in scores], "failed": [bool(f) for f in failed],
                  "area": float(roc_auc_score(failed, scores))})

add("separable", [0.1, 0.2, 0.3, 0.8, 0.9], [0, 0, 0, 1, 1])
add("reversed", [0.9, 0.8, 0.1], [0, 0, 1])
add("all tied", [0.5] * 6, [0, 1, 0, 1, 1, 0])
labels = rng.random(200) < 0.3
add("noisy, 200", rng.normal(size=200) + labels * 0.8, labels)
labels = rng.random(150) < 0.5
add("rounded ties, 150", np.round(rng.normal(size=150) + labels * 0.3, 1), labels)
labels = rng.random(60) < 0.1
add("rare failures, 60", rng.random(60) + labels * 0.2, labels)

os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
print(out, len(cases), "cases")
