"""networkx timings of the metrics benched in benches/graph_metrics.rs, on the same week.

The Rust bench writes the week (`target/bench-data/week-70k.json`, DeXposure format) and its
synthetic sector table (`target/bench-data/week-70k-categories.json`, id_to_info format).
Run after it, in the same sitting:

    python3 benches/networkx_metrics.py target/bench-data/week-70k.json target/bench-data/week-70k-categories.json

Prints the median of 3 runs (seconds) for: PageRank, SIS (PageRank + Tail5 + TVL term),
sector spillovers, and the cheap network-metric set, written from DESIGN.md §6 with networkx
where networkx has the metric. With a third argument `--communities`, also one run each of
networkx's Louvain and the `infomap` package (10 trials), for reference.
"""
import json
import math
import statistics
import sys
import time

import networkx as nx


def load(path, categories_path):
    data = json.load(open(path))["data"]
    (date, week), = data.items()
    cats = json.load(open(categories_path))
    g = nx.DiGraph()
    m = nx.MultiDiGraph()
    for n in week["nodes"]:
        g.add_node(n["id"], tvl=n["size"], sector=cats.get(n["id"], {}).get("category", "Unknown"))
        m.add_node(n["id"])
    for l in week["links"]:
        s, t, w = l["source"], l["target"], l["size"]
        if s is None or t is None or s not in g or t not in g:
            continue
        m.add_edge(s, t, weight=w)
        if g.has_edge(s, t):
            g[s][t]["weight"] += w
        else:
            g.add_edge(s, t, weight=w)
    return g, m


def gini(x):
    x = sorted(v for v in x)
    n, total = len(x), sum(x)
    if n == 0 or total <= 0:
        return 0.0
    return (2 * sum((i + 1) * v for i, v in enumerate(x)) - (n + 1) * total) / (n * total)


def hhi(x):
    total = sum(x)
    return sum((v / total) ** 2 for v in x) if total > 0 else 0.0


def sis(g):
    pr = nx.pagerank(g, alpha=0.85, tol=1e-6, weight="weight")
    max_pr = max(pr.values())
    tvl = nx.get_node_attributes(g, "tvl")
    max_log = max(math.log1p(v) for v in tvl.values())
    out = {}
    for u in g:
        ws = sorted((d["weight"] for _, _, d in g.out_edges(u, data=True)), reverse=True)
        total = sum(ws)
        tail5 = sum(ws[:5]) / total if total > 0 else 0.0
        out[u] = (pr[u] / max_pr + tail5 + (math.log1p(tvl[u]) / max_log if max_log > 0 else 0.0)) / 3
    return out


def spillovers(g):
    sector = nx.get_node_attributes(g, "sector")
    matrix = {}
    for s, t, d in g.edges(data=True):
        key = (sector[s], sector[t])
        matrix[key] = matrix.get(key, 0.0) + d["weight"]
    off = [v for (a, b), v in matrix.items() if a != b]
    total = sum(off)
    return matrix, total, hhi(off)


def cheap_metrics(g, m):
    n, e = m.number_of_nodes(), m.number_of_edges()
    out = {"density": e / (n * (n - 1)) if n > 1 else 0.0}
    for name, deg in [("in", m.in_degree()), ("out", m.out_degree()), ("total", m.degree())]:
        d = [v for _, v in deg]
        out[name + "_gini"] = gini(d)
        mean = sum(d) / n
        out[name + "_cv"] = statistics.pstdev(d) / mean if mean else 0.0
    out["assortativity_out_in"] = nx.degree_assortativity_coefficient(m, x="out", y="in")
    out["reciprocity"] = nx.reciprocity(g)
    out["clustering"] = nx.average_clustering(g.to_undirected())
    out["wcc"] = max(len(c) for c in nx.weakly_connected_components(g)) / n
    out["scc"] = max(len(c) for c in nx.strongly_connected_components(g)) / n
    tvl = [v for v in nx.get_node_attributes(g, "tvl").values() if v > 0]
    out["tvl_hhi"], out["tvl_gini"] = hhi(tvl), gini(tvl)
    w = [d["weight"] for _, _, d in m.edges(data=True) if d["weight"] > 0]
    out["weight_hhi"], out["weight_gini"] = hhi(w), gini(w)
    return out


def median_time(f, runs=3):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def communities(g):
    """Reference timings for community detection (not the same implementations)."""
    out = {"networkx_louvain_s": median_time(lambda: nx.community.louvain_communities(
        g.to_undirected(), weight="weight", seed=1), runs=1)}
    try:
        import infomap
    except ImportError:
        return out

    def run_infomap():
        im = infomap.Infomap("--directed --two-level --silent --seed 1 --num-trials 10")
        index = {u: i for i, u in enumerate(g)}
        for s, t, d in g.edges(data=True):
            im.add_link(index[s], index[t], d["weight"])
        return im.run().codelength

    out["infomap_package_10_trials_s"] = median_time(run_infomap, runs=1)
    return out


def main():
    g, m = load(sys.argv[1], sys.argv[2])
    extra = communities(g) if "--communities" in sys.argv else {}
    print(json.dumps({**extra,
        "nodes": g.number_of_nodes(), "links": m.number_of_edges(), "networkx": nx.__version__,
        "pagerank_s": median_time(lambda: nx.pagerank(g, alpha=0.85, tol=1e-6, weight="weight")),
        "sis_s": median_time(lambda: sis(g)),
        "spillovers_s": median_time(lambda: spillovers(g)),
        "cheap_metrics_s": median_time(lambda: cheap_metrics(g, m), runs=1),
    }, indent=1))


if __name__ == "__main__":
    main()
