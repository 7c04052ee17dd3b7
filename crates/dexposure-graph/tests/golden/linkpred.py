"""Golden values for dexposure-graph's link-prediction tools (tests/linkpred.rs).

Writes linkpred.json:
- "metrics": score/label vectors (with ties) and scikit-learn's roc_auc_score and
  average_precision_score, recall@K as "share of positives among the K first positions of a
  stable sort by decreasing score", and MAE / RMSE / weighted MAE;
- "scores": for every ordered pair u != v of the nodes of week 3 of random_sectors.json, the
  networkx common-neighbour count, Adamic-Adar, Jaccard and preferential-attachment scores on
  the undirected simple graph of week 2 (self-loops removed), directed / undirected persistence
  at week 2, decayed history (decay 0.5, window 3) over weeks 0..2, and the label (link at
  week 3); plus AUROC/AP of each score over all pairs.
Run: python3 linkpred.py  (from this folder; deterministic).
"""
import json
import math

import networkx as nx
import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

rng = np.random.default_rng(12345)
cases = []
for n, levels in [(10, 3), (50, 5), (200, 20), (500, 1000), (37, 2)]:
    scores = rng.integers(0, levels, size=n).astype(float) / levels  # ties on purpose
    labels = rng.random(n) < 0.3
    labels[0], labels[1] = True, False  # both classes
    order = sorted(range(n), key=lambda i: (-scores[i], i))
    k = max(1, n // 5)
    recall_k = sum(labels[i] for i in order[:k]) / labels.sum()
    pred = rng.normal(size=n)
    actual = rng.normal(size=n)
    weights = rng.random(n)
    err = np.abs(pred - actual)
    cases.append({
        "scores": scores.tolist(), "labels": labels.tolist(),
        "auroc": roc_auc_score(labels, scores), "average_precision": average_precision_score(labels, scores),
        "k": k, "recall_at_k": float(recall_k),
        "predicted": pred.tolist(), "actual": actual.tolist(), "weights": weights.tolist(),
        "mae": float(err.mean()), "rmse": float(math.sqrt((err ** 2).mean())),
        "weighted_mae": float((err * weights).sum() / weights.sum()),
    })

data = json.load(open("../data/graphs/random_sectors.json"))["data"]
dates = sorted(data)


def links(d):
    return [(l["source"], l["target"]) for l in data[d]["links"]]


g = nx.Graph()
g.add_nodes_from(n["id"] for n in data[dates[2]]["nodes"])
g.add_edges_from((s, t) for s, t in links(dates[2]) if s != t)
present2 = set(g.nodes)
directed = [set(links(d)) for d in dates[:3]]
later = set(links(dates[3]))
nodes3 = [n["id"] for n in data[dates[3]]["nodes"]]
rows = []
for u in nodes3:
    for v in nodes3:
        if u == v:
            continue
        both = u in present2 and v in present2
        nu = set(g[u]) if u in present2 else set()
        nv = set(g[v]) if v in present2 else set()
        common = nu & nv
        rows.append({
            "u": u, "v": v, "label": (u, v) in later,
            "common_neighbours": float(len(common)),
            "adamic_adar": float(sum(1 / math.log(g.degree(w)) for w in common)),
            "jaccard": float(len(common) / len(nu | nv)) if (nu | nv) else 0.0,
            "preferential_attachment": float(len(nu) * len(nv)),
            "directed_persistence": float((u, v) in directed[2]),
            "undirected_persistence": float((u, v) in directed[2] or (v, u) in directed[2]),
            "decayed_history": float(sum(0.5 ** k for k, e in enumerate(reversed(directed)) if (u, v) in e)),
        })
        if both:  # cross-check networkx's own functions where they apply
            assert abs(rows[-1]["jaccard"] - next(nx.jaccard_coefficient(g, [(u, v)]))[2]) < 1e-15
            assert rows[-1]["preferential_attachment"] == next(nx.preferential_attachment(g, [(u, v)]))[2]
            if common:
                assert abs(rows[-1]["adamic_adar"] - next(nx.adamic_adar_index(g, [(u, v)]))[2]) < 1e-12
labels = [r["label"] for r in rows]
summary = {}
for name in ["common_neighbours", "adamic_adar", "jaccard", "preferential_attachment",
             "directed_persistence", "undirected_persistence", "decayed_history"]:
    s = [r[name] for r in rows]
    summary[name] = {"auroc": roc_auc_score(labels, s), "average_precision": average_precision_score(labels, s)}

with open("linkpred.json", "w") as f:
    json.dump({"metrics": cases, "scores": {"dates": dates, "pairs": rows, "summary": summary}}, f)
print(len(cases), "metric cases,", len(rows), "pairs")
