#!/usr/bin/env python3
"""Golden values for the TF-IDF step of the issuer map (src/construct/tfidf.rs).

For each case: fit scikit-learn's TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3)) on the
protocol names, transform each query symbol, and record the cosine similarity with every name and
the argmax (ties -> smallest id string; null when every similarity is 0).

Run from this folder: python3 tfidf.py  (writes tfidf.json next to it).
Checked with scikit-learn 1.9.1, numpy 2.4.6.
"""

import json
import random
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity


def case(ids, names, symbols):
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3))
    docs = vec.fit_transform(names)
    sims = cosine_similarity(vec.transform(symbols), docs)
    queries = []
    for symbol, row in zip(symbols, sims):
        best = None
        top = row.max() if len(row) else 0.0
        if top > 0.0:
            best = min(i for i, s in zip(ids, row) if s == top)
        queries.append({"symbol": symbol, "similarities": [float(s) for s in row], "best": best})
    return {"ids": ids, "names": names, "queries": queries}


def synthetic(seed, n_names, n_queries):
    rng = random.Random(seed)
    syllables = ["ba", "lan", "cer", "cur", "ve", "uni", "swap", "pan", "cake", "lido", "aa", "fi",
                 "nance", "x", "yield", "pro", "to", "col", "dex", "stake", "eth", "btc", "v2", "v3"]
    def word():
        return "".join(rng.choice(syllables) for _ in range(rng.randint(1, 3)))
    names, ids = [], []
    for i in range(n_names):
        words = [word() for _ in range(rng.randint(1, 3))]
        names.append(" ".join(w.capitalize() if rng.random() < 0.5 else w.upper() for w in words))
        ids.append(str(rng.randint(1, 5000)) if rng.random() < 0.8 else word().upper())
    # ids must be unique
    seen = set()
    for i, x in enumerate(ids):
        while ids[i] in seen:
            ids[i] = ids[i] + "x"
        seen.add(ids[i])
    symbols = [word().upper() for _ in range(n_queries)] + ["A", "ZZZZ", "SWAP-LP"]
    return case(ids, names, symbols)


cases = [
    case(
        ["182", "3", "4321", "194", "382", "900", "359", "2221", "2197", "2198", "1599", "2633",
         "118", "319", "2611", "119", "337", "4133", "3882", "3594"],
        ["Lido", "Curve DEX", "Curve LlamaLend", "PancakeSwap AMM", "Pendle", "Rocket Pool",
         "Frax", "Frax Ether", "Uniswap V2", "Uniswap V3", "Aave V3", "Compound V3", "MakerDAO",
         "Convex Finance", "Balancer V2", "SushiSwap", "GMX", "Ethena", "Mantle Staked ETH",
         "Coinbase Wrapped Staked ETH"],
        ["CURVE", "UNI", "SUSHI", "AAVE", "CVX", "ETH", "STETH", "FRAX", "XYZ", "BAL", "CAKE",
         "gmx", "pendle-lpt", "Rocket Pool ETH", "MKR", "ethena usde"],
    ),
    # Ties: identical names; the smallest id *string* wins ("10" < "100" < "9").
    case(["9", "100", "10", "7"], ["Same Name", "Same Name", "Same Name", "Other"],
         ["SAME", "name", "OTHER", "QQQ"]),
    # Unicode, odd whitespace, a one-letter word, an empty name.
    case(["1", "2", "3", "4", "5"],
         ["Ünï  Swap", "a  b\tc", "", "x", "ΣΟΦΙΑ Finance"],
         ["ünï", "UNI", "A B", "x", "σοφια", "FINANCE\u00a0X"]),
    synthetic(7, 150, 25),
]

out = Path(__file__).with_name("tfidf.json")
out.write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
print(f"wrote {out}")
