"""Golden values for curvature.rs and community/ (tests/curvature_community.rs).

Run from this folder:  python3 curvature_community.py
(deterministic; needs networkx, numpy, POT (`ot`) and the `infomap` package).

It first writes the extra fixtures of ../data/community/ (planted partitions and a hub-heavy
graph), then computes, on every week of every fixture of ../data/graphs/ and ../data/community/:

* Ollivier-Ricci curvature, the definition of curvature.rs: undirected simple view (weights of
  both directions summed, self-loops dropped), m_x = alpha on x and (1 - alpha) spread over x's
  neighbours proportionally to the edge weights ("weighted") or uniformly ("uniform"), ground
  distance = hop-count shortest path, kappa(x, y) = 1 - W1(m_x, m_y) with W1 = ot.emd2 on the full
  supports (no reductions);
* networkx modularity (undirected weighted view, self-loops kept) of networkx's Louvain partition,
  of seeded random partitions and of the planted partition;
* the infomap package's partition and codelength (two-level, directed, default flow model:
  unrecorded teleportation to links, tau = 0.15, self-links included), and the codelength of
  seeded random partitions evaluated with the same flow model re-implemented here (checked
  against the package on its own partition).
Also a few random transportation problems solved with ot.emd2 (the W1 solver on its own).
"""
import glob
import json
import math
import os
import random
import warnings

import networkx as nx
import numpy as np
import ot

warnings.filterwarnings("ignore")
import infomap  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")


# ---------------------------------------------------------------- extra fixtures
def node(i, size):
    return {"id": str(i), "size": float(size), "composition": {"TKN%d" % i: float(size)}}


def link(s, t, w):
    return {"source": str(s), "target": str(t), "size": float(w), "composition": {"TKN": float(w)}}


def write_fixture(name, nodes, links):
    with open(os.path.join(DATA, "community", name), "w") as f:
        json.dump({"data": {"2024-01-01": {"nodes": nodes, "links": links}}}, f, indent=None)


def planted(name, sizes, p_in, n_bridges, seed):
    rng = random.Random(seed)
    ids, block = [], {}
    nid = 1
    for b, size in enumerate(sizes):
        for _ in range(size):
            ids.append(nid)
            block[nid] = b
            nid += 1
    rng.shuffle(ids)  # node order in the file does not follow the blocks
    links = []
    for s in ids:
        for t in ids:
            if s != t and block[s] == block[t] and rng.random() < p_in:
                links.append(link(s, t, round(rng.uniform(1.0, 10.0), 3)))
    for _ in range(n_bridges):
        while True:
            s, t = rng.sample(ids, 2)
            if block[s] != block[t]:
                break
        links.append(link(s, t, round(rng.uniform(0.2, 1.0), 3)))
    nodes = [node(i, 100 + i) for i in ids]
    write_fixture(name, nodes, links)


def hubs(name, seed):
    """Four interlinked hubs with many leaves, shared neighbours, leaf triangles and leaf-leaf
    links across hubs: big neighbourhood supports with many identical rows for the W1 solver."""
    rng = random.Random(seed)
    hub_ids = [1, 2, 3, 4]
    links = []
    for a in hub_ids:
        for b in hub_ids:
            if a < b:
                links.append(link(a, b, round(rng.uniform(50, 500), 2)))
                if rng.random() < 0.5:
                    links.append(link(b, a, round(rng.uniform(5, 50), 2)))
    nid = 10
    leaves = {h: [] for h in hub_ids}
    for h in hub_ids:
        for _ in range(35 + 5 * h):
            leaves[h].append(nid)
            if rng.random() < 0.7:
                links.append(link(h, nid, round(rng.uniform(1, 20), 2)))
            else:
                links.append(link(nid, h, round(rng.uniform(1, 20), 2)))
            nid += 1
    shared = []
    for _ in range(12):
        a, b = rng.sample(hub_ids, 2)
        links.append(link(a, nid, round(rng.uniform(1, 30), 2)))
        links.append(link(nid, b, round(rng.uniform(1, 30), 2)))
        shared.append(nid)
        nid += 1
    for h in hub_ids:  # triangles among a hub's leaves
        for _ in range(6):
            s, t = rng.sample(leaves[h], 2)
            links.append(link(s, t, round(rng.uniform(0.5, 5), 2)))
    for _ in range(10):  # leaf-leaf links across hubs
        a, b = rng.sample(hub_ids, 2)
        links.append(link(rng.choice(leaves[a]), rng.choice(leaves[b]), round(rng.uniform(0.5, 5), 2)))
    for s in shared[:6]:  # a shared node linked to a leaf
        links.append(link(s, rng.choice(leaves[rng.choice(hub_ids)]), 1.0))
    links.append(link(2, 2, 7.0))  # a self-loop on a hub
    all_ids = hub_ids + [i for h in hub_ids for i in leaves[h]] + shared + [nid]  # nid: isolated
    rng.shuffle(all_ids)
    write_fixture(name, [node(i, 10 + i) for i in all_ids], links)


# ---------------------------------------------------------------- graph views
def load_weeks(path):
    with open(path) as f:
        data = json.load(f)["data"]
    for date in sorted(data):
        week = data[date]
        ids = [n["id"] for n in week["nodes"]]
        index = {x: i for i, x in enumerate(ids)}
        directed = {}
        for l in week["links"]:
            if l.get("source") not in index or l.get("target") not in index:
                continue
            key = (index[l["source"]], index[l["target"]])
            directed[key] = directed.get(key, 0.0) + l["size"]
        yield date, len(ids), directed


def undirected(n, directed):
    """Weights of both directions summed; a self-loop once (ExposureGraph::undirected)."""
    und = {}
    for (s, t), w in sorted(directed.items()):
        key = (min(s, t), max(s, t))
        und[key] = und.get(key, 0.0) + w
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for (s, t), w in sorted(und.items()):
        g.add_edge(s, t, weight=w)
    return g


# ---------------------------------------------------------------- curvature
def curvature(g, alpha, weighted):
    simple = nx.Graph()
    simple.add_nodes_from(g.nodes)
    simple.add_edges_from((u, v, d) for u, v, d in g.edges(data=True) if u != v)
    dist = dict(nx.all_pairs_shortest_path_length(simple))

    def measure(x):
        nbrs = sorted(simple[x])
        if weighted:
            ws = [simple[x][z]["weight"] for z in nbrs]
        else:
            ws = [1.0] * len(nbrs)
        total = sum(ws)
        if total > 0:
            probs = [(1.0 - alpha) * w / total for w in ws]
        else:
            probs = [(1.0 - alpha) / len(nbrs)] * len(nbrs)
        return nbrs + [x], probs + [alpha]

    out = []
    for u, v in sorted((min(a, b), max(a, b)) for a, b in simple.edges):
        sa, ma = measure(u)
        sb, mb = measure(v)
        cost = np.array([[float(dist[p][q]) for q in sb] for p in sa])
        w1 = ot.emd2(np.array(ma), np.array(mb), cost, numItermax=10_000_000)
        out.append([u, v, 1.0 - float(w1)])
    return out


# ---------------------------------------------------------------- infomap
def plogp(x):
    return x * math.log2(x) if x > 0 else 0.0


def infomap_flows(n, directed, tau=0.15):
    """Infomap's directed flow model (FlowCalculator::calcDirectedFlow, unrecorded teleportation
    to links), re-implemented; zero-weight links ignored."""
    links = [(s, t, w) for (s, t), w in sorted(directed.items()) if w > 0]
    sum_w = sum(w for _, _, w in links)
    out_w = [0.0] * n
    out_deg = [0] * n
    for s, t, w in links:
        out_w[s] += w
        out_deg[s] += 1
    tele = [0.0] * n
    for s, t, w in links:
        tele[s] += w / sum_w
    step = [(s, t, w / out_w[s]) for s, t, w in links]
    undir = 2 * sum_w - sum(w for s, t, w in links if s == t)
    p = [0.0] * n
    for s, t, w in links:
        p[s] += w / undir
        if s != t:
            p[t] += w / undir
    alpha, beta, err, it = tau, 1.0 - tau, 0.0, 0
    dangling = [i for i in range(n) if out_deg[i] == 0]
    while True:
        old = err
        dr = sum(p[i] for i in dangling)
        tmp = [(alpha + beta * dr) * tele[i] for i in range(n)]
        for s, t, f in step:
            tmp[t] += beta * f * p[s]
        diff = sum(tmp) - 1.0
        err = sum(abs(tmp[i] - p[i]) for i in range(n))
        p = tmp[:]
        if abs(diff) > 1e-10:
            p = [x / (diff + 1.0) for x in p]
        if abs(err - old) < 1e-15:
            alpha += 1e-10
            beta = 1.0 - alpha
        it += 1
        if not (it < 200 and (err > 1e-15 or it < 50)):
            break
    rank = 1.0 - dr
    node_flow = [0.0] * n
    for s, t, f in step:
        node_flow[t] += f * tmp[s] / rank
    link_flow = [(s, t, f * tmp[s] / rank) for s, t, f in step]
    return node_flow, link_flow


def map_codelength(n, node_flow, link_flow, memb):
    k = max(memb) + 1
    P, X, N = [0.0] * k, [0.0] * k, [0.0] * k
    for i in range(n):
        P[memb[i]] += node_flow[i]
    for s, t, f in link_flow:
        if memb[s] != memb[t]:
            X[memb[s]] += f
            N[memb[t]] += f
    return (plogp(sum(N)) - sum(plogp(x) for x in N) - sum(plogp(x) for x in X)
            + sum(plogp(P[m] + X[m]) for m in range(k)) - sum(plogp(x) for x in node_flow))


def canonical(labels):
    seen = {}
    return [seen.setdefault(x, len(seen)) for x in labels]


def run_infomap(n, directed):
    im = infomap.Infomap("--directed --two-level --silent --seed 1 --num-trials 10")
    for i in range(n):
        im.add_node(i)
    for (s, t), w in sorted(directed.items()):
        if w > 0:
            im.add_link(s, t, w)
    im.run()
    mods = im.get_modules()
    return canonical([mods[i] for i in range(n)]), im.codelength


def random_partitions(n, rng, count=3):
    out = []
    for k in (2, 3, max(2, n // 4))[:count]:
        out.append(canonical([rng.randrange(k) for _ in range(n)]))
    return out


def main():
    planted("planted_a.json", [12, 12, 12, 12], 0.5, 5, 7)
    planted("planted_b.json", [6, 10, 15, 25], 0.45, 6, 11)
    hubs("hubs.json", 3)

    files = sorted(glob.glob(os.path.join(DATA, "graphs", "*.json")))
    files = [f for f in files if not f.endswith("categories.json")]
    files += sorted(glob.glob(os.path.join(DATA, "community", "*.json")))
    rng = random.Random(12345)
    cases = []
    for path in files:
        rel = os.path.relpath(path, DATA)
        for date, n, directed in load_weeks(path):
            g = undirected(n, directed)
            case = {"fixture": rel, "date": date, "nodes": n,
                    "distinct_links": len(directed),
                    "undirected_pairs": g.number_of_edges()}
            case["curvature_alpha"] = 0.5
            case["curvature_weighted"] = curvature(g, 0.5, True)
            case["curvature_uniform"] = curvature(g, 0.5, False)
            case["curvature_weighted_alpha_0_2"] = curvature(g, 0.2, True)

            # Louvain / modularity
            partitions = []
            m = g.size(weight="weight")
            if m > 0:
                comms = nx.community.louvain_communities(g, weight="weight", seed=42)
                lab = [0] * n
                for c, members in enumerate(comms):
                    for v in members:
                        lab[v] = c
                case["nx_louvain_modularity"] = nx.community.modularity(g, comms, weight="weight")
                partitions.append(canonical(lab))
                partitions += random_partitions(n, rng)
                partitions.append([0] * n)
                partitions.append(list(range(n)))
            mods = []
            for p in partitions:
                groups = {}
                for v, c in enumerate(p):
                    groups.setdefault(c, set()).add(v)
                mods.append({"membership": p,
                             "modularity": nx.community.modularity(g, groups.values(), weight="weight")})
            case["modularity"] = mods

            # Infomap
            memb, cl = run_infomap(n, directed)
            node_flow, link_flow = infomap_flows(n, directed)
            ours = map_codelength(n, node_flow, link_flow, memb)
            assert abs(ours - cl) < 1e-7, (rel, date, ours, cl)
            case["infomap_membership"] = memb
            case["infomap_codelength"] = cl
            case["infomap_modules"] = max(memb) + 1
            case["node_flow"] = node_flow
            case["codelengths"] = [{"membership": p, "codelength": map_codelength(n, node_flow, link_flow, p)}
                                   for p in random_partitions(n, rng) + [[0] * n]]
            cases.append(case)

    # planted partitions: the block of each node, from the generator (ids 1.. in block order)
    for name, sizes in (("planted_a.json", [12, 12, 12, 12]), ("planted_b.json", [6, 10, 15, 25])):
        block_of = {}
        nid = 1
        for b, size in enumerate(sizes):
            for _ in range(size):
                block_of[str(nid)] = b
                nid += 1
        with open(os.path.join(DATA, "community", name)) as f:
            week = json.load(f)["data"]["2024-01-01"]
        planted_memb = canonical([block_of[x["id"]] for x in week["nodes"]])
        case = next(c for c in cases if c["fixture"] == "community/" + name)
        case["planted"] = planted_memb
        # both reference implementations recover it
        assert case["infomap_membership"] == planted_memb, name
        assert case["modularity"][0]["membership"] == planted_memb, name

    emd = []
    for k in range(12):
        m, n = rng.randint(1, 9), rng.randint(1, 9)
        if k >= 8:
            m, n = rng.randint(20, 60), rng.randint(20, 60)
        a = np.array([rng.random() + 0.01 for _ in range(m)])
        b = np.array([rng.random() + 0.01 for _ in range(n)])
        a /= a.sum()
        b /= b.sum()
        b *= a.sum() / b.sum()
        cost = [[rng.randint(0, 7) for _ in range(n)] for _ in range(m)]
        value = ot.emd2(a, b, np.array(cost, dtype=float), numItermax=10_000_000)
        emd.append({"supply": a.tolist(), "demand": b.tolist(), "cost": cost, "value": float(value)})

    out = {"generated_by": "curvature_community.py", "networkx": nx.__version__,
           "pot": ot.__version__, "infomap": infomap.__version__, "cases": cases, "emd": emd}
    with open(os.path.join(HERE, "curvature_community.json"), "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
