"""Writes the fixture graphs shared by the golden-value tests of dexposure-graph.

Each fixture is a DeXposure file (snapshot JSON) so the tests read it through
dexposure-snapshot like real data. `categories.json` has the shape of id_to_info.json.
Run from this folder: python3 make_fixtures.py  (deterministic; seeds fixed)
"""
import json
import random

SECTORS = ["Asset Management", "Trading & Exchanges", "Lending, Borrowing & Real World Assets",
           "Infrastructure, Services & Financial Products", "Privacy & Security", "Others"]


def node(i, size, comp=None):
    return {"id": str(i), "size": float(size), "composition": comp or {"TKN%d" % i: float(size)}}


def link(s, t, w, tok="TKN"):
    return {"source": str(s), "target": str(t), "size": float(w), "composition": {tok: float(w)}}


def write(name, weeks):
    with open(name, "w") as f:
        json.dump({"data": weeks}, f, indent=None)


# 1. small: 8 nodes, reciprocal edges, a triangle, varied weights, multi-token compositions.
small_nodes = [node(1, 100, {"A": 60.0, "B": 40.0}), node(2, 50), node(3, 80, {"A": 10.0, "C": 70.0}),
               node(4, 20), node(5, 5), node(6, 300, {"A": 100.0, "B": 100.0, "C": 100.0}), node(7, 1), node(8, 0)]
small_links = [link(1, 2, 10), link(2, 1, 4), link(2, 3, 7), link(3, 1, 2), link(1, 3, 1.5), link(4, 1, 9),
               link(5, 4, 3), link(6, 1, 25), link(6, 2, 5), link(6, 3, 12), link(6, 4, 1), link(6, 5, 0.5),
               link(6, 7, 2), link(7, 6, 1), link(3, 6, 6), link(8, 6, 0.25)]
write("small.json", {"2024-01-01": {"nodes": small_nodes, "links": small_links}})

# 2. disconnected: two components and an isolated node.
dis_nodes = [node(i, 10 * i) for i in range(1, 10)]
dis_links = [link(1, 2, 1), link(2, 3, 2), link(3, 1, 3), link(4, 5, 5), link(5, 6, 1), link(6, 4, 2),
             link(6, 7, 4), link(7, 8, 1)]  # node 9 isolated
write("disconnected.json", {"2024-01-01": {"nodes": dis_nodes, "links": dis_links}})

# 3. dangling: several nodes without outgoing edges.
dan_nodes = [node(i, 5 + i) for i in range(1, 8)]
dan_links = [link(1, 2, 3), link(1, 3, 1), link(2, 4, 2), link(3, 4, 1), link(5, 4, 6), link(6, 5, 2), link(6, 7, 1)]
write("dangling.json", {"2024-01-01": {"nodes": dan_nodes, "links": dan_links}})

# 4. loops and multi-edges: self-loops, repeated links (summed for weights, counted for degrees).
lm_nodes = [node(i, 7 * i) for i in range(1, 7)]
lm_links = [link(1, 2, 1), link(1, 2, 2), link(1, 2, 0.5), link(2, 2, 4), link(2, 3, 1), link(3, 1, 2),
            link(3, 3, 1), link(3, 4, 3), link(4, 5, 1), link(5, 4, 1), link(5, 4, 2), link(6, 1, 1), link(4, 4, 0.1)]
write("loops_multi.json", {"2024-01-01": {"nodes": lm_nodes, "links": lm_links}})

# 5. random, with sectors: 60 nodes, ~300 links, heavy-tailed sizes, 4 weeks with persistence
#    (temporal and link-prediction tests use the weeks).
rng = random.Random(20240101)
ids = list(range(100, 160))
sector = {i: SECTORS[rng.choices(range(6), weights=[26, 42, 15, 15, 1, 1])[0]] for i in ids}
weeks = {}
edges = set()
while len(edges) < 300:
    s, t = rng.sample(ids, 2)
    edges.add((s, t))
edges = sorted(edges)
for w, date in enumerate(["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22"]):
    present = [i for i in ids if rng.random() < 0.97 or w == 0]
    pset = set(present)
    nodes = [node(i, round(rng.lognormvariate(15, 2), 2)) for i in present]
    links = []
    for (s, t) in edges:
        if s in pset and t in pset and rng.random() < 0.8:
            if rng.random() < 0.25:
                s, t = t, s  # direction flips, as holdings changes do
            links.append(link(s, t, round(rng.lognormvariate(10, 2), 2)))
    for _ in range(15):  # fresh links each week
        s, t = rng.sample(present, 2)
        links.append(link(s, t, round(rng.lognormvariate(8, 2), 2)))
    weeks[date] = {"nodes": nodes, "links": links}
write("random_sectors.json", weeks)

# 6. star: one hub lending to everybody (centralization and tail extremes).
star_nodes = [node(i, 1000 if i == 1 else i) for i in range(1, 12)]
star_links = [link(1, i, i) for i in range(2, 12)] + [link(2, 3, 1)]
write("star.json", {"2024-01-01": {"nodes": star_nodes, "links": star_links}})

cats = {str(i): {"name": "Protocol %d" % i, "category": sector[i]} for i in ids}
for i in range(1, 12):
    cats[str(i)] = {"name": "Fixture %d" % i, "category": SECTORS[i % 4]}
with open("categories.json", "w") as f:
    json.dump(cats, f, indent=1, sort_keys=True)
