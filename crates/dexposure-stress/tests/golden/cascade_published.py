#!/usr/bin/env python3
"""Golden values for the published DeXposure-FM loss cascade (DESIGN.md §7).

An independent implementation of the rule in `macroprudential_tools.simulate_contagion`
(DeXposure-FM, with its 2026-09 fix), written from the rule's description:
- edge c -> d: creditor c is exposed to debtor d; exposures summed over multi-edges, self-loops
  kept (a debtor can be its own creditor), non-positive weights dropped;
- shocked nodes with TVL > 0 lose f * TVL and are distressed and active;
- each round, every active debtor with loss > 0 passes its whole current loss to its creditors
  pro rata to exposure (no cap at the exposure), one debtor after another in ascending node
  index (the published code uses Python set order, which is not reproducible);
- each loss is capped at max(0, TVL); a creditor with TVL > 0 whose loss exceeds
  threshold * TVL (strict) is distressed and active next round; each node activates once;
- at most `max_rounds` rounds; stop when a round activates nobody.

Cases: small random graphs (multi-edges, self-loops, zero-TVL nodes) and three standard
scenarios on two weeks of the embedded sample. Run from the repository root:

    python3 crates/dexposure-stress/tests/golden/cascade_published.py

writes crates/dexposure-stress/tests/golden/cascade_published.json.
"""

import gzip
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]


def cascade(tvl, links, shocked, fraction, threshold=0.1, max_rounds=10):
    n = len(tvl)
    creditors = [dict() for _ in range(n)]  # debtor -> {creditor: exposure}
    for c, d, w in links:
        if w > 0:
            creditors[d][c] = creditors[d].get(c, 0.0) + w
    loss = [0.0] * n
    distressed = [False] * n
    active = []
    for i in sorted(set(shocked)):
        if tvl[i] > 0:
            loss[i] = fraction * tvl[i]
            distressed[i] = True
            active.append(i)
    rounds = 0
    for _ in range(max_rounds):
        if not active:
            break
        rounds += 1
        newly = []
        for d in sorted(active):
            total = sum(creditors[d].values())
            current = loss[d]
            if total <= 0 or current <= 0:
                continue
            for c in sorted(creditors[d]):
                loss[c] = min(loss[c] + current * creditors[d][c] / total, max(0.0, tvl[c]))
                if tvl[c] > 0 and not distressed[c] and loss[c] > threshold * tvl[c]:
                    distressed[c] = True
                    newly.append(c)
        active = newly
    total_tvl = sum(tvl)
    total = sum(loss)
    return {
        "node_loss": loss,
        "total_loss": total,
        "loss_pct": 100.0 * total / total_tvl if total_tvl > 0 else 0.0,
        "distressed": sum(distressed),
        "rounds": rounds,
    }


def random_cases():
    rng = random.Random(20261201)
    cases = []
    for k in range(40):
        n = rng.randint(2, 25)
        tvl = [0.0 if rng.random() < 0.1 else 10 ** rng.uniform(0, 4) for _ in range(n)]
        links = []
        for _ in range(rng.randint(0, 4 * n)):
            c, d = rng.randrange(n), rng.randrange(n)
            if rng.random() < 0.05:
                d = c  # self-loop
            links.append([c, d, 10 ** rng.uniform(-1, 4)])
        shocked = sorted(rng.sample(range(n), rng.randint(1, max(1, n // 4))))
        fraction = rng.choice([0.2, 0.3, 0.5, 1.0, rng.random()])
        threshold = rng.choice([0.0, 0.1, 0.1, 0.3])
        max_rounds = rng.choice([1, 3, 10, 10])
        expected = cascade(tvl, links, shocked, fraction, threshold, max_rounds)
        cases.append({
            "name": f"random-{k}",
            "tvl": tvl,
            "links": links,
            "shocked": shocked,
            "fraction": fraction,
            "threshold": threshold,
            "max_rounds": max_rounds,
            "expected": expected,
        })
    return cases


def sample_cases():
    with gzip.open(ROOT / "datasets/sample/network.json.gz", "rt") as f:
        data = json.load(f)["data"]
    cases = []
    for date in ["2022-05-09", "2022-12-26"]:
        week = data[date]
        ids = [str(node["id"]) for node in week["nodes"]]
        index = {pid: i for i, pid in enumerate(ids)}
        tvl = [max(float(node["size"]), 0.0) for node in week["nodes"]]
        links = [[index[str(l["source"])], index[str(l["target"])], float(l["size"])]
                 for l in week["links"]]
        order = sorted(range(len(ids)), key=lambda i: (-tvl[i], i))
        for top, fraction in [(1, 0.5), (5, 0.3), (10, 0.2)]:
            shocked = order[:top]
            expected = cascade(tvl, links, shocked, fraction)
            cases.append({
                "name": f"sample {date} top-{top} at {fraction}",
                "date": date,
                "shocked_ids": [ids[i] for i in shocked],
                "fraction": fraction,
                "expected": {
                    "loss_pct": expected["loss_pct"],
                    "total_loss": expected["total_loss"],
                    "distressed": expected["distressed"],
                    "rounds": expected["rounds"],
                    "node_loss": {ids[i]: v for i, v in enumerate(expected["node_loss"]) if v > 0},
                },
            })
    return cases


def main():
    out = {"random": random_cases(), "sample": sample_cases()}
    (HERE / "cascade_published.json").write_text(json.dumps(out, indent=1) + "\n")
    for case in out["sample"]:
        e = case["expected"]
        print(f"{case['name']}: {e['loss_pct']:.4f}% of TVL, {e['distressed']} distressed, "
              f"{e['rounds']} rounds")


if __name__ == "__main__":
    main()
