"""statsmodels side of the econometrics benchmark (docs/BENCHMARKS.md, issue 6).

    python3 benches/econ_statsmodels.py [repeats]

On the 6-variable, 283-week fixture (crates/dexposure-econ/tests/data/defi_sectors.csv):
select_order(maxlags=8) + fit at the AIC order + irf(20) + 1,000 residual-bootstrap
replications, each refitted by statsmodels - the algorithm of dexposure-econ's `irf_bands`,
re-implemented in tests/golden/make_golden.py (`bootstrap_irf`), which this script imports.
For reference it also times statsmodels' own Monte-Carlo bands, `irf_errband_mc(repl=1000,
steps=20)`, which simulates from the fitted model instead of resampling residuals.
Prints the median wall time of each over `repeats` runs (default 3).
"""
import importlib.util
import os
import statistics
import sys
import time

import numpy as np
import statsmodels
from statsmodels.tsa.api import VAR

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "crates", "dexposure-econ", "tests", "golden", "make_golden.py")
DATA = os.path.join(ROOT, "crates", "dexposure-econ", "tests", "data", "defi_sectors.csv")

spec = importlib.util.spec_from_file_location("make_golden", GOLDEN)
golden = importlib.util.module_from_spec(spec)
spec.loader.exec_module(golden)


def pipeline(y):
    sel = VAR(y).select_order(maxlags=8)
    p = max(int(sel.selected_orders["aic"]), 1)
    res = VAR(y).fit(p)
    irf = res.irf(20)
    bands = golden.bootstrap_irf(y, p, "c", 20, 1000, 42, 0.95)
    return irf.orth_irfs[20][0, 0] + bands["irf_upper"][20][0][0]


def timed(f, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    y = np.loadtxt(DATA, delimiter=",", skiprows=1)
    assert y.shape == (283, 6)
    print(f"statsmodels {statsmodels.__version__}, numpy {np.__version__}, {repeats} runs each")
    res2 = VAR(y).fit(2)
    rows = [
        ("select_order(8) + fit + irf(20) + residual bootstrap 1000", lambda: pipeline(y)),
        ("select_order(8)", lambda: VAR(y).select_order(maxlags=8)),
        ("fit VAR(2)", lambda: VAR(y).fit(2)),
        ("irf(20) + fevd(20)", lambda: (res2.irf(20), res2.fevd(20))),
        (
            "reference: fit + irf_errband_mc(repl=1000, steps=20)",
            lambda: VAR(y).fit(1).irf_errband_mc(orth=False, repl=1000, steps=20, rng=np.random.RandomState(42)),
        ),
    ]
    for name, f in rows:
        print(f"{name:<60} median {timed(f, repeats) * 1e3:10.2f} ms")


if __name__ == "__main__":
    main()
