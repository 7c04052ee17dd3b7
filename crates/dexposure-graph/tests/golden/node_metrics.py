"""Golden values for the node metrics of dexposure-graph: PageRank, strengths, Tail5, SIS and
sector spillovers (DESIGN.md §6), checked by tests/node_metrics.rs.

Run from this folder with networkx 3.6:  python3 node_metrics.py  (writes node_metrics.json)

Each fixture of ../data/graphs is read as dexposure-snapshot reads it: nodes in file order, links
whose endpoints are both nodes of the week, weights of repeated (source, target) links summed
into one DiGraph edge, self-loops kept. Categories come from ../data/graphs/categories.json
(id_to_info shape); ids missing from it are "Unknown".

Besides the shared fixtures, a few inline cases (written into the output in DeXposure file
format, so the Rust test loads exactly the same data) cover edge cases: nodes whose out-edges all
have weight 0, zero-weight edges beside positive ones, a node with only a self-loop, all-zero TVL,
a single node, an empty week and an id missing from the categories (Unknown sector).

PageRank values are networkx.pagerank(G, alpha=0.85, tol=1e-6, max_iter=100, weight="weight").
The script also re-implements networkx's power iteration step by step (same summation orders as
numpy/scipy) and checks it against networkx bit for bit, to record the number of iterations
networkx runs; it then checks that networkx raises PowerIterationFailedConvergence with
max_iter = iterations - 1.

SIS follows DESIGN.md §6: SIS(p) = (1/3)·PR(p)/max PR + (1/3)·Tail5(p) + (1/3)·ln(1+TVL(p))/max
ln(1+TVL), Tail5(p) = share of p's 5 largest outgoing (merged) weights in its outgoing weight
(0 without outgoing weight); a term whose maximum is 0 is 0.
"""
import json
import math
import os

import networkx as nx

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = os.path.join(HERE, "..", "data", "graphs")
FIXTURES = ["small", "disconnected", "dangling", "loops_multi", "star", "random_sectors"]
SECTORS = ["Asset Management", "Trading & Exchanges", "Lending, Borrowing & Real World Assets",
           "Infrastructure, Services & Financial Products", "Privacy & Security", "Others", "Unknown"]
ALPHA, TOL, MAX_ITER = 0.85, 1e-6, 100


def node(i, size):
    return {"id": str(i), "size": float(size), "composition": {"TKN%s" % i: float(size)}}


def link(s, t, w):
    return {"source": str(s), "target": str(t), "size": float(w), "composition": {"TKN": float(w)}}


# Inline edge cases, in DeXposure file format.
INLINE = {
    # 1's out-edges all weigh 0 (networkx: dangling); 2 has a zero-weight edge beside a positive
    # one; 4 has a zero-weight self-loop; 5 has no out-edge; every TVL is 0.
    "zero_weight": {"2024-01-01": {
        "nodes": [node(1, 0), node(2, 0), node(3, 0), node(4, 0), node(5, 0)],
        "links": [link(1, 2, 0), link(1, 3, 0), link(2, 3, 0), link(2, 4, 5), link(3, 1, 2),
                  link(4, 4, 0), link(4, 5, 1), link(3, 2, 0)]}},
    # 1 only points to itself; 999 is not in categories.json (Unknown sector).
    "self_loop_only": {"2024-01-01": {
        "nodes": [node(1, 3), node(2, 1), node(999, 2)],
        "links": [link(1, 1, 3), link(2, 1, 1), link(999, 2, 4), link(2, 999, 0.5)]}},
    "single": {"2024-01-01": {"nodes": [node(7, 12)], "links": []}},
    "empty": {"2024-01-01": {"nodes": [], "links": []}},
}


def pairwise_sum(a):
    """numpy's pairwise summation (np.sum / np.add.reduce over a contiguous float64 array)."""
    n = len(a)
    if n < 8:
        r = 0.0
        for v in a:
            r += v
        return r
    if n <= 128:
        r = list(a[:8])
        i = 8
        while i < n - (n % 8):
            for j in range(8):
                r[j] += a[i + j]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            res += a[i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return pairwise_sum(a[:n2]) + pairwise_sum(a[n2:])


def pagerank_steps(G):
    """networkx's _pagerank_scipy, written out: returns (scores in node order, iterations)."""
    nodes = list(G)
    n = len(nodes)
    if n == 0:
        return [], 0
    index = {u: i for i, u in enumerate(nodes)}
    # S = A.sum(axis=1): np.add.reduceat over each CSR row (columns ascending): first value,
    # then numpy's pairwise sum of the rest.
    inv = []
    for u in nodes:
        row = [G[u][v]["weight"] for v in sorted(G[u], key=index.get)]
        s = (row[0] + pairwise_sum(row[1:])) if row else 0.0
        inv.append(1.0 / s if s != 0 else 0.0)
    # x @ A with A = diag(inv) @ W: for each target, sources ascending, accumulated from 0.
    incoming = [[] for _ in range(n)]
    for u in nodes:
        for v in G[u]:
            incoming[index[v]].append((index[u], inv[index[u]] * G[u][v]["weight"]))
    for lst in incoming:
        lst.sort()
    dangling = [i for i in range(n) if inv[i] == 0.0]
    p = 1.0 / n
    x = [1.0 / n] * n
    for it in range(1, MAX_ITER + 1):
        dsum = 0
        for i in dangling:
            dsum += x[i]
        new = []
        for i in range(n):
            acc = 0.0
            for j, c in incoming[i]:
                acc += c * x[j]
            new.append(ALPHA * (acc + dsum * p) + (1 - ALPHA) * p)
        err = pairwise_sum([abs(a - b) for a, b in zip(new, x)])
        x = new
        if err < n * TOL:
            return x, it
    raise RuntimeError("no convergence")


def load_week(week, categories):
    ids = [n["id"] for n in week["nodes"]]
    present = set(ids)
    G = nx.DiGraph()
    for i in ids:
        G.add_node(i)
    for l in week["links"]:
        s, t = l.get("source"), l.get("target")
        if s not in present or t not in present:
            continue
        if G.has_edge(s, t):
            G[s][t]["weight"] += l["size"]
        else:
            G.add_edge(s, t, weight=l["size"])
    tvl = {n["id"]: n["size"] for n in week["nodes"]}
    sector = {i: categories.get(i, "Unknown") for i in ids}
    return G, tvl, sector


def metrics(G, tvl, sector):
    nodes = list(G)
    pr = nx.pagerank(G, alpha=ALPHA, tol=TOL, max_iter=MAX_ITER, weight="weight")
    mine, iterations = pagerank_steps(G)
    assert [pr[u] for u in nodes] == mine, "the step-by-step PageRank differs from networkx"
    if iterations > 0:
        try:
            nx.pagerank(G, alpha=ALPHA, tol=TOL, max_iter=iterations - 1, weight="weight")
            raise AssertionError("networkx converged with fewer iterations")
        except nx.PowerIterationFailedConvergence:
            pass

    out_s = dict(G.out_degree(weight="weight"))
    in_s = dict(G.in_degree(weight="weight"))
    tail5 = {}
    for u in nodes:
        ws = sorted((d["weight"] for _, _, d in G.out_edges(u, data=True)), reverse=True)
        total = sum(ws)
        tail5[u] = sum(ws[:5]) / total if total > 0 else 0.0
    max_pr = max(pr.values(), default=0.0)
    ln_tvl = {u: math.log1p(max(tvl[u], 0.0)) for u in nodes}
    max_ln = max(ln_tvl.values(), default=0.0)
    sis = {}
    for u in nodes:
        a = pr[u] / max_pr if max_pr > 0 else 0.0
        c = ln_tvl[u] / max_ln if max_ln > 0 else 0.0
        sis[u] = (1 / 3) * a + (1 / 3) * tail5[u] + (1 / 3) * c

    k = len(SECTORS)
    S = [[0.0] * k for _ in range(k)]
    for u, v, d in G.edges(data=True):
        S[SECTORS.index(sector[u])][SECTORS.index(sector[v])] += d["weight"]
    off = [S[i][j] for i in range(k) for j in range(k) if i != j]
    total = sum(off)
    everything = sum(sum(row) for row in S)
    return {
        "nodes": nodes,
        "pagerank": pr,
        "pagerank_iterations": iterations,
        "in_strength": in_s,
        "out_strength": out_s,
        "tail5": tail5,
        "sis": sis,
        "spillover": {
            "labels": SECTORS,
            "matrix": S,
            "total": total,
            "index": sum((c / total) ** 2 for c in off) if total > 0 else 0.0,
            "ratio": total / everything if everything > 0 else 0.0,
        },
    }


def main():
    with open(os.path.join(GRAPHS, "categories.json")) as f:
        categories = {i: info["category"] for i, info in json.load(f).items()}
    out = {"networkx": nx.__version__, "alpha": ALPHA, "tol": TOL, "max_iter": MAX_ITER,
           "fixtures": {}, "inline": {}}
    for name in FIXTURES:
        with open(os.path.join(GRAPHS, name + ".json")) as f:
            data = json.load(f)["data"]
        out["fixtures"][name] = {date: metrics(*load_week(week, categories))
                                 for date, week in sorted(data.items())}
    for name, data in INLINE.items():
        out["inline"][name] = {
            "file": {"data": data},
            "weeks": {date: metrics(*load_week(week, categories)) for date, week in sorted(data.items())},
        }
    with open(os.path.join(HERE, "node_metrics.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
