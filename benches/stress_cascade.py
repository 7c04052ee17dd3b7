"""The DeXposure-FM loss cascade in Python (numpy + networkx), written from DESIGN.md §7 and the
allocation rule documented in crates/dexposure-stress/src/engine.rs, for the timing comparison in
docs/BENCHMARKS.md. Run after `cargo bench --bench stress`, in the same sitting:

    python3 benches/stress_cascade.py target/bench-data/week-70k.json target/bench-data/week-70k-categories.json

Rules: edge c -> d (merged weight w) = creditor c exposed to debtor d; shocked nodes lose f*TVL;
a node with TVL > 0 is distressed when loss > 0.1*TVL; for <= 10 rounds each newly distressed
debtor passes its loss (as at the start of the round) once to its creditors, creditor c getting
min(w, L_d * w / sum of the debtor's in-weights); transfers of a round are applied together;
losses are capped at TVL; self-loops are ignored. Prints each scenario's loss % and the median
time of 5 runs of all six scenarios.
"""
import json
import statistics
import sys
import time

import networkx as nx
import numpy as np

STANDARD = [
    ("top-1 at 50%", 0.5, {"top": 1}),
    ("top-5 at 30%", 0.3, {"top": 5}),
    ("bridges at 100%", 1.0, {"contains": ["bridge"]}),
    ("stablecoin de-peg at 50%", 0.5, {"exact": ["algo-stables", "decentralized stablecoin", "cdp"]}),
    ("lending sector at 30%", 0.3, {"exact": ["lending", "uncollateralized lending", "rwa lending", "nft lending"]}),
    ("top-10 at 20%", 0.2, {"top": 10}),
]


def load(path, categories_path):
    (week,) = json.load(open(path))["data"].values()
    cats = json.load(open(categories_path))
    g = nx.DiGraph()
    for n in week["nodes"]:
        g.add_node(n["id"], tvl=n["size"], detailed=cats.get(n["id"], {}).get("detailed", "").lower())
    for l in week["links"]:
        s, t = l["source"], l["target"]
        if s is None or t is None or s not in g or t not in g or s == t:
            continue
        if g.has_edge(s, t):
            g[s][t]["weight"] += l["size"]
        else:
            g.add_edge(s, t, weight=l["size"])
    return g


def prepare(g):
    nodes = list(g.nodes)
    index = {u: i for i, u in enumerate(nodes)}
    tvl = np.array([max(g.nodes[u]["tvl"], 0.0) for u in nodes])
    creditors = []  # per debtor: (creditor indices, exposures, total)
    for d in nodes:
        preds = [(index[c], w) for c, _, w in g.in_edges(d, data="weight")]
        idx = np.array([p[0] for p in preds], dtype=np.int64)
        wts = np.array([p[1] for p in preds], dtype=float)
        creditors.append((idx, wts, wts.sum()))
    return nodes, tvl, creditors


def select(g, nodes, tvl, spec):
    chosen = set()
    if "top" in spec:
        order = sorted(range(len(nodes)), key=lambda i: (-tvl[i], i))
        chosen.update(order[: spec["top"]])
    for i, u in enumerate(nodes):
        d = g.nodes[u]["detailed"]
        if d and (d in spec.get("exact", []) or any(c in d for c in spec.get("contains", []))):
            chosen.add(i)
    return sorted(chosen)


def cascade(tvl, creditors, hit, fraction, threshold=0.1, max_rounds=10):
    loss = np.zeros(len(tvl))
    loss[hit] = fraction * tvl[hit]
    positive = tvl > 0
    distressed = positive & (loss > threshold * tvl)
    newly = np.flatnonzero(distressed)
    for _ in range(max_rounds):
        if len(newly) == 0:
            break
        start = loss.copy()
        add = np.zeros(len(tvl))
        for d in newly:
            idx, wts, total = creditors[d]
            if total > 0 and start[d] > 0:
                np.add.at(add, idx, np.minimum(wts, start[d] * wts / total))
        loss = np.where(positive, np.minimum(tvl, loss + add), 0.0)
        now = positive & (loss > threshold * tvl)
        newly = np.flatnonzero(now & ~distressed)
        distressed |= now
    return loss.sum()


def main():
    g = load(sys.argv[1], sys.argv[2])
    nodes, tvl, creditors = prepare(g)
    total_tvl = tvl.sum()
    selections = [(name, f, select(g, nodes, tvl, spec)) for name, f, spec in STANDARD]
    for name, f, hit in selections:
        print(f"{name:<28} hit {len(hit):>5}  loss {100 * cascade(tvl, creditors, hit, f) / total_tvl:>8.4f}%")
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _, f, hit in selections:
            cascade(tvl, creditors, hit, f)
        times.append(time.perf_counter() - start)
    print(json.dumps({"nodes": len(nodes), "six_scenarios_s": statistics.median(times), "numpy": np.__version__}))


if __name__ == "__main__":
    main()
