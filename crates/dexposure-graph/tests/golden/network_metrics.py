"""Golden values for the whole-network metrics of dexposure-graph (src/network.rs, DESIGN.md §6),
checked by tests/network_metrics.rs.

Run from this folder with networkx 3.6:  python3 network_metrics.py  (writes network_metrics.json)

Each fixture of ../data/graphs is read as dexposure-snapshot reads it: weeks in date order, nodes
in file order, links whose endpoints are both nodes of the week (others dropped), repeated links
and self-loops kept. Categories come from ../data/graphs/categories.json (id_to_info shape): a
category that is one of the six broad sector names exactly is that sector, anything else and any
id missing from the file is "Unknown". Inline edge cases (empty week, single node, self-loop only,
zero weights, ...) are written into the output in DeXposure file format, so the Rust test loads
exactly the same data.

Graphs built per week:
  M = nx.MultiDiGraph (every link an edge, multi-edges and self-loops kept)  -> degrees, density,
      assortativity;
  D = nx.DiGraph (distinct ordered pairs, self-loops kept)                    -> components,
      harmonic closeness; D without self-loops                                -> reciprocity;
  U = nx.Graph (distinct unordered pairs)                                     -> clustering.

networkx-backed: density (nx.density(M)), assortativity (nx.degree_assortativity_coefficient(M,
x, y) for the four (x, y)), average clustering (nx.average_clustering(U)), harmonic closeness
(mean of nx.harmonic_centrality(D) / (N - 1), stored as the correctly rounded fsum of 1/d over
nx.all_pairs_shortest_path_length(D) after checking the two agree to 1e-13, so that the file does
not depend on PYTHONHASHSEED), reciprocity (nx.reciprocity(D minus self-loops)),
largest weakly / strongly connected component (nx.weakly/strongly_connected_components(D)).
networkx returns NaN for an assortativity whose degree variance is 0 and raises on empty graphs;
the golden value is then 0. Assortativity is stored as the exact Pearson coefficient of
nx.node_degree_xy(M, x, y) (exact integer sums, rounded only in the final sqrt and division),
after checking it against
nx.degree_assortativity_coefficient to 1e-9: numpy's mixing-matrix formula loses ~1e-14.

Written here from the DESIGN.md §6 definitions (independently of the Rust code):
  Gini(x) = (2 sum_i i x_(i) - (n+1) sum x) / (n sum x), x ascending, i from 1;
  HHI = sum share^2; CV = population sigma / mean; entropy of shares = -sum p ln p;
  degree entropy = -sum_k p(k) ln p(k) over distinct degree values;
  top-decile share = share of the max(1, floor(0.1 n)) largest values; top-10 share = 10 largest;
  Freeman centralization: in/out sum(max - d_i) / (N-1)^2, total sum(max - d_i) / (2 (N-1)(N-2));
  sector density = distinct ordered sector pairs (A != B) joined by a link / (K (K-1)), K = number
      of sectors (Unknown included) among the nodes; cross-sector ratio = exposure on links between
      different sectors / total exposure.
Degrees (zeros kept) for degree measures; positive values only for TVL and link sizes; link sizes
one value per link (multi-edges separate). Every metric is 0 when undefined (no nodes, no links,
zero total, ...).
"""
import json
import math
import os
from fractions import Fraction

import networkx as nx

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = os.path.join(HERE, "..", "data", "graphs")
FIXTURES = ["small", "disconnected", "dangling", "loops_multi", "star", "random_sectors"]
SECTORS = ["Asset Management", "Trading & Exchanges", "Lending, Borrowing & Real World Assets",
           "Infrastructure, Services & Financial Products", "Privacy & Security", "Others"]


def node(i, size):
    return {"id": str(i), "size": float(size), "composition": {"TKN%s" % i: float(size)}}


def link(s, t, w):
    return {"source": str(s), "target": str(t), "size": float(w), "composition": {"TKN": float(w)}}


INLINE = {
    "empty": {"2024-01-01": {"nodes": [], "links": []}},
    "single": {"2024-01-01": {"nodes": [node(7, 12)], "links": []}},
    "self_loop_only": {"2024-01-01": {"nodes": [node(1, 3)], "links": [link(1, 1, 3), link(1, 1, 1)]}},
    # every TVL and every link weight 0; 999 is not in categories.json (Unknown sector)
    "zero_weight": {"2024-01-01": {
        "nodes": [node(1, 0), node(2, 0), node(3, 0), node(999, 0)],
        "links": [link(1, 2, 0), link(2, 1, 0), link(2, 3, 0), link(3, 999, 0), link(3, 999, 0)]}},
    # no links at all
    "isolated": {"2024-01-01": {"nodes": [node(1, 1), node(2, 2), node(3, 3)], "links": []}},
    # a reciprocal pair plus a null target (dropped by cleaning) and an unknown endpoint (dropped)
    "pair_with_drops": {"2024-01-01": {
        "nodes": [node(1, 5), node(2, 1)],
        "links": [link(1, 2, 2), link(2, 1, 1),
                  {"source": "1", "target": None, "size": 4.0, "composition": {"TKN": 4.0}},
                  link(1, 77, 3)]}},
}


def load_categories():
    with open(os.path.join(GRAPHS, "categories.json")) as f:
        info = json.load(f)
    return {k: (v.get("category") if v.get("category") in SECTORS else "Unknown") for k, v in info.items()}


def clean_weeks(data):
    """[(date, nodes, links)] in date order; links with a null or unknown endpoint dropped."""
    weeks = []
    for date in sorted(data["data"]):
        week = data["data"][date]
        ids = {n["id"] for n in week["nodes"]}
        links = [l for l in week["links"]
                 if l["source"] is not None and l["target"] is not None
                 and l["source"] in ids and l["target"] in ids]
        weeks.append((date, week["nodes"], links))
    return weeks


def gini(xs):
    x = sorted(xs)
    n, total = len(x), sum(x)
    if n == 0 or total <= 0:
        return 0.0
    weighted = sum((i + 1) * v for i, v in enumerate(x))
    return (2 * weighted - (n + 1) * total) / (n * total)


def hhi(xs):
    total = sum(xs)
    return sum((v / total) ** 2 for v in xs) if total > 0 else 0.0


def cv(xs):
    if not xs:
        return 0.0
    mean = sum(xs) / len(xs)
    if mean == 0:
        return 0.0
    return math.sqrt(sum((v - mean) ** 2 for v in xs) / len(xs)) / mean


def share_entropy(xs):
    total = sum(xs)
    if total <= 0:
        return 0.0
    return -sum((v / total) * math.log(v / total) for v in xs if v > 0)


def value_entropy(xs):
    if not xs:
        return 0.0
    counts = {}
    for v in xs:
        counts[v] = counts.get(v, 0) + 1
    return -sum((c / len(xs)) * math.log(c / len(xs)) for c in sorted(counts.values()))


def top_share(xs, k):
    total = sum(xs)
    if not xs or total <= 0:
        return 0.0
    return sum(sorted(xs, reverse=True)[:k]) / total


def degree_stats(degs, freeman_max):
    d = [float(v) for v in degs]
    spread = sum(max(degs) - v for v in degs) if degs else 0
    return {
        "gini": gini(d),
        "entropy": value_entropy(degs),
        "cv": cv(d),
        "centralization": spread / freeman_max if freeman_max > 0 else 0.0,
        "top_decile_share": top_share(d, max(1, int(math.floor(0.1 * len(d))))),
    }


def exact_pearson(pairs):
    """Pearson r of integer pairs: exact integer sums, then one division and one sqrt."""
    e = len(pairs)
    sx = sum(a for a, _ in pairs)
    sy = sum(b for _, b in pairs)
    cov = e * sum(a * b for a, b in pairs) - sx * sy
    vx = e * sum(a * a for a, _ in pairs) - sx * sx
    vy = e * sum(b * b for _, b in pairs) - sy * sy
    if vx <= 0 or vy <= 0:
        return 0.0
    return float(cov) / math.sqrt(float(vx) * float(vy))


def assortativity(M, x, y):
    pairs = list(nx.node_degree_xy(M, x=x, y=y))
    r = exact_pearson(pairs)
    if M.number_of_edges() > 0:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nxr = nx.degree_assortativity_coefficient(M, x=x, y=y)
        if math.isnan(nxr):
            assert r == 0.0, (x, y, r)
        else:
            assert abs(nxr - r) < 1e-9, (x, y, nxr, r)
            # the exact value, as a fraction, rounds to r within a couple of ulps
            assert abs(r) <= 1.0 + 1e-15
    return r


def metrics(date, nodes, links, cats):
    ids = [n["id"] for n in nodes]
    n = len(ids)
    M = nx.MultiDiGraph()
    M.add_nodes_from(ids)
    for l in links:
        M.add_edge(l["source"], l["target"], weight=l["size"])
    D = nx.DiGraph()
    D.add_nodes_from(ids)
    D.add_edges_from((l["source"], l["target"]) for l in links)
    U = nx.Graph()
    U.add_nodes_from(ids)
    U.add_edges_from((l["source"], l["target"]) for l in links)
    R = D.copy()
    R.remove_edges_from(list(nx.selfloop_edges(R)))

    e = M.number_of_edges()
    tvl = [n_["size"] for n_ in nodes]
    sizes = [l["size"] for l in links]
    total_exposure = sum(sizes)
    indeg = [M.in_degree(v) for v in ids]
    outdeg = [M.out_degree(v) for v in ids]
    deg = [M.degree(v) for v in ids]
    assert deg == [a + b for a, b in zip(indeg, outdeg)]
    fm_io = float((n - 1) ** 2) if n > 1 else 0.0
    fm_tot = 2.0 * (n - 1) * (n - 2) if n > 2 else 0.0

    out = {"date": date, "nodes": n, "links": e,
           "density": float(nx.density(M)) if n > 1 else 0.0,
           "total_tvl": sum(tvl), "total_exposure": total_exposure,
           "mean_link_weight": total_exposure / e if e else 0.0}
    for name, degs, fm in [("in_degree", indeg, fm_io), ("out_degree", outdeg, fm_io), ("degree", deg, fm_tot)]:
        for k, v in degree_stats(degs, fm).items():
            out["%s_%s" % (name, k)] = v
    for x, y in [("out", "in"), ("in", "in"), ("out", "out"), ("in", "out")]:
        out["assortativity_%s_%s" % (x, y)] = assortativity(M, x, y)
    out["avg_clustering"] = nx.average_clustering(U) if n > 0 else 0.0
    if n > 1:
        # correctly rounded sum of 1/d over ordered pairs (nx.harmonic_centrality sums in set
        # order, which varies with PYTHONHASHSEED in the last bit), checked against networkx
        terms = [1.0 / d for _, dist in nx.all_pairs_shortest_path_length(D) for d in dist.values() if d > 0]
        out["avg_harmonic_closeness"] = math.fsum(terms) / (n * (n - 1))
        h = nx.harmonic_centrality(D)
        nx_value = sum(h[v] / (n - 1) for v in ids) / n
        assert abs(nx_value - out["avg_harmonic_closeness"]) <= 1e-13 * max(nx_value, 1e-300), (date, nx_value)
    else:
        out["avg_harmonic_closeness"] = 0.0
    out["reciprocity"] = nx.reciprocity(R) if R.number_of_edges() > 0 else 0.0
    out["largest_wcc_share"] = max((len(c) for c in nx.weakly_connected_components(D)), default=0) / n if n else 0.0
    out["largest_scc_share"] = max((len(c) for c in nx.strongly_connected_components(D)), default=0) / n if n else 0.0
    pos_tvl = [v for v in tvl if v > 0]
    pos_sizes = [v for v in sizes if v > 0]
    out["tvl_hhi"] = hhi(pos_tvl)
    out["tvl_gini"] = gini(pos_tvl)
    out["tvl_top10_share"] = top_share(pos_tvl, 10)
    out["link_weight_hhi"] = hhi(pos_sizes)
    out["link_weight_gini"] = gini(pos_sizes)
    out["link_weight_top10_share"] = top_share(pos_sizes, 10)
    cat = {v: cats.get(v, "Unknown") for v in ids}
    k = len(set(cat.values()))
    cross_pairs = {(cat[l["source"]], cat[l["target"]]) for l in links if cat[l["source"]] != cat[l["target"]]}
    out["sector_density"] = len(cross_pairs) / (k * (k - 1)) if k > 1 else 0.0
    cross = sum(l["size"] for l in links if cat[l["source"]] != cat[l["target"]])
    out["cross_sector_ratio"] = cross / total_exposure if total_exposure > 0 else 0.0
    out["network_entropy"] = share_entropy(pos_sizes)
    for key, v in out.items():
        assert not (isinstance(v, float) and (math.isnan(v) or math.isinf(v))), (date, key)
    return out


def overlap(a, b):
    """Shares of week a's nodes / distinct directed links / distinct unordered pairs found in b."""
    _, na, la = a
    _, nb, lb = b
    va, vb = {n["id"] for n in na}, {n["id"] for n in nb}
    da, db = {(l["source"], l["target"]) for l in la}, {(l["source"], l["target"]) for l in lb}
    ua, ub = {frozenset(p) for p in da}, {frozenset(p) for p in db}
    share = lambda part, whole: part / whole if whole else 0.0
    return {"nodes": share(len(va & vb), len(va)),
            "directed_links": share(len(da & db), len(da)),
            "undirected_pairs": share(len(ua & ub), len(ua))}


def main():
    cats = load_categories()
    result = {"fixtures": {}, "inline": INLINE, "overlaps": {}}
    cases = []
    for name in FIXTURES:
        with open(os.path.join(GRAPHS, name + ".json")) as f:
            cases.append((name, json.load(f), True))
    cases.append(("small_no_catalog", None, False))
    for name, data in INLINE.items():
        cases.append((name, {"data": data}, True))
    for name, data, with_catalog in cases:
        if data is None:
            with open(os.path.join(GRAPHS, "small.json")) as f:
                data = json.load(f)
        weeks = clean_weeks(data)
        result["fixtures"][name] = {
            "file": name if name in FIXTURES else ("small" if name == "small_no_catalog" else None),
            "catalog": with_catalog,
            "weeks": [metrics(d, ns, ls, cats if with_catalog else {}) for d, ns, ls in weeks],
        }
        if name == "random_sectors":
            result["overlaps"][name] = {
                str(h): [dict(overlap(weeks[t], weeks[t + h]), **{"from": weeks[t][0], "to": weeks[t + h][0]})
                         for t in range(len(weeks) - h)]
                for h in (1, 2, 3)}
    with open(os.path.join(HERE, "network_metrics.json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
