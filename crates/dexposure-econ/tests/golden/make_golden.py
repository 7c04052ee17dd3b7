#!/usr/bin/env python3
"""Golden values for dexposure-econ, from statsmodels (0.14+) and numpy.

Run from anywhere:

    python3 crates/dexposure-econ/tests/golden/make_golden.py

It writes, next to itself, one JSON file per data set (`macrodata.json`, `defi.json`,
`pelt.json`, `bootstrap.json`) and, in `../data/`, the input series as CSV with every number
printed with `repr` (17 significant digits), so the Rust tests read exactly the same f64s.

* `macrodata`: statsmodels' bundled US macro data, growth rates (log differences) of realgdp,
  realcons and realinv - the statsmodels VAR tutorial data.
* `defi`: a DeFi-shaped fixture: 283 weekly log-growth rates of six sector TVLs simulated from a
  stable VAR(2) with a common factor and Student-t shocks (numpy seed 20221107).

Quantities statsmodels has (params, stderr, sigma_u, information criteria, select_order,
roots, forecast, mse, Granger / instantaneous causality, irf, orth_irfs, cum_effects, fevd) are
taken from statsmodels. The generalised IRF / FEVD (Pesaran & Shin 1998) and the
Diebold-Yilmaz (2012) connectedness table are not in statsmodels; they are computed here from
statsmodels' `ma_rep` and `sigma_u` with the published formulas, written independently of the
Rust code. PELT is checked against exact optimal partitioning (an O(n^2) dynamic programme with
the same Gaussian cost), which PELT must reproduce. The bootstrap bands re-implement the Rust
residual bootstrap (same SplitMix64 stream, same resampling) with statsmodels doing each refit.
"""

import json
import os

import numpy as np
import statsmodels
import statsmodels.api as sm
from statsmodels.tsa.api import VAR

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
MASK = (1 << 64) - 1


def arr(x):
    return np.asarray(x, dtype=float).tolist()


def write_csv(path, names, rows):
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for row in rows:
            f.write(",".join(repr(float(v)) for v in row) + "\n")


def girf_and_gfevd(res, horizon):
    """Generalised IRF (Pesaran-Shin) and generalised FEVD (Diebold-Yilmaz 2012)."""
    phi = res.ma_rep(horizon)  # (horizon+1, k, k)
    sigma = res.sigma_u
    k = sigma.shape[0]
    sd = np.sqrt(np.diag(sigma))
    # psi_j(h) = Phi_h Sigma e_j / sqrt(sigma_jj)
    girf = np.array([phi[h] @ sigma / sd[None, :] for h in range(horizon + 1)])
    num = np.zeros((k, k))
    den = np.zeros(k)
    for h in range(horizon):
        a = phi[h] @ sigma
        num += a**2 / np.diag(sigma)[None, :]
        den += np.diag(phi[h] @ sigma @ phi[h].T)
    theta = num / den[:, None]
    norm = theta / theta.sum(axis=1, keepdims=True)
    off = norm - np.diag(np.diag(norm))
    to = off.sum(axis=0)
    frm = off.sum(axis=1)
    return {
        "girf": arr(girf),
        "cum_girf": arr(girf.cumsum(axis=0)),
        "gfevd_raw": arr(theta),
        "gfevd": arr(norm),
        "total": float(100.0 * off.sum() / k),
        "to": arr(100.0 * to),
        "from": arr(100.0 * frm),
        "net": arr(100.0 * (to - frm)),
        "pairwise_net": arr(100.0 * (norm.T - norm)),
    }


def model_golden(res, horizon, steps, causal_pairs, inst_causing):
    k = res.neqs
    out = {
        "k_ar": int(res.k_ar),
        "nobs": int(res.nobs),
        "df_resid": float(res.df_resid),
        "params": arr(res.params),
        "coefs": arr(res.coefs),
        "stderr": arr(res.stderr),
        "tvalues": arr(res.tvalues),
        "pvalues": arr(res.pvalues),
        "sigma_u": arr(res.sigma_u),
        "sigma_u_mle": arr(res.sigma_u_mle),
        "resid_head": arr(np.asarray(res.resid)[:5]),
        "resid_tail": arr(np.asarray(res.resid)[-5:]),
        "llf": float(res.llf),
        "aic": float(res.aic),
        "bic": float(res.bic),
        "hqic": float(res.hqic),
        "fpe": float(res.fpe),
        "roots_modulus": arr(np.abs(res.roots)),
        "eigen_modulus": arr(np.sort(np.abs(1.0 / res.roots))[::-1]),
        "is_stable": bool(res.is_stable()),
        "forecast": arr(res.forecast(np.asarray(res.endog)[-res.k_ar:], steps)),
        "mse": arr(res.mse(steps)),
    }
    lo, up = res.forecast_interval(np.asarray(res.endog)[-res.k_ar:], steps, alpha=0.05)[1:]
    out["forecast_lower"] = arr(lo)
    out["forecast_upper"] = arr(up)
    irf = res.irf(horizon)
    out["irf_periods"] = horizon
    out["irfs"] = arr(irf.irfs)
    out["orth_irfs"] = arr(irf.orth_irfs)
    out["cum_effects"] = arr(irf.cum_effects)
    out["orth_cum_effects"] = arr(irf.orth_cum_effects)
    out["fevd"] = arr(res.fevd(horizon).decomp)
    tests = []
    for caused, causing in causal_pairs:
        for kind in ("f", "wald"):
            t = res.test_causality(caused, causing, kind=kind, signif=0.05)
            df = t.df if isinstance(t.df, (tuple, list)) else (t.df,)
            tests.append(
                {
                    "caused": caused,
                    "causing": causing,
                    "kind": kind,
                    "statistic": float(t.test_statistic),
                    "pvalue": float(t.pvalue),
                    "crit_value": float(t.crit_value),
                    "df": [float(d) for d in df],
                }
            )
    out["causality"] = tests
    inst = []
    for causing in inst_causing:
        t = res.test_inst_causality(causing, signif=0.05)
        inst.append(
            {
                "causing": causing,
                "statistic": float(t.test_statistic),
                "pvalue": float(t.pvalue),
                "crit_value": float(t.crit_value),
                "df": float(t.df),
            }
        )
    out["inst_causality"] = inst
    # pairwise Granger p-values, [caused][causing], diagonal NaN -> null
    gm = [[None] * k for _ in range(k)]
    for i in range(k):
        for j in range(k):
            if i != j:
                gm[i][j] = float(res.test_causality([i], [j], kind="f").pvalue)
    out["granger_pvalues"] = gm
    out["connectedness"] = girf_and_gfevd(res, horizon)
    return out


def select_golden(model, maxlags, trend):
    sel = model.select_order(maxlags=maxlags, trend=trend)
    return {
        "maxlags": maxlags,
        "trend": trend,
        "ics": {k: arr(v) for k, v in sel.ics.items()},
        "selected": {k: int(v) for k, v in sel.selected_orders.items()},
    }


def macrodata():
    md = sm.datasets.macrodata.load_pandas().data
    levels = md[["realgdp", "realcons", "realinv"]].to_numpy()
    growth = np.diff(np.log(levels), axis=0)
    names = ["realgdp", "realcons", "realinv"]
    write_csv(os.path.join(DATA, "macrodata_growth.csv"), names, growth)
    model = VAR(growth)
    out = {"names": names, "nobs_total": int(growth.shape[0]), "models": {}}
    pairs = [([0], [1, 2]), ([2], [0]), ([0, 1], [2])]
    for trend in ("c", "ct", "n"):
        res = model.fit(2, trend=trend)
        out["models"][trend] = model_golden(res, 10, 5, pairs, [[0], [2]])
    out["select"] = {t: select_golden(VAR(growth), 8, t) for t in ("c", "n", "ct")}
    res_aic = VAR(growth).fit(maxlags=8, ic="aic")
    out["fit_aic"] = {"k_ar": int(res_aic.k_ar), "params": arr(res_aic.params)}
    # rolling connectedness: VAR(1), window 80, horizon 10, every window
    window = 80
    totals = []
    nets = []
    for end in range(window, growth.shape[0] + 1):
        r = VAR(growth[end - window : end]).fit(1)
        c = girf_and_gfevd(r, 10)
        totals.append(c["total"])
        nets.append(c["net"])
    out["rolling"] = {"window": window, "lags": 1, "horizon": 10, "total": totals, "net": nets}
    return out


def defi_fixture():
    rng = np.random.default_rng(20221107)
    k, n = 6, 283
    a1 = np.diag([0.35, 0.25, 0.30, 0.20, 0.15, 0.10])
    a1[1, 0] = 0.15  # asset management -> trading
    a1[2, 0] = 0.10  # asset management -> lending
    a1[2, 1] = 0.12  # trading -> lending
    a1[3, 2] = 0.08
    a1[0, 2] = -0.06
    a2 = np.diag([-0.12, -0.08, -0.10, -0.05, 0.0, 0.05])
    a2[1, 2] = 0.05
    mu = np.array([0.004, 0.003, 0.005, 0.002, 0.001, 0.0])
    vol = np.array([0.06, 0.05, 0.07, 0.04, 0.09, 0.12])
    load = np.array([0.8, 0.9, 1.0, 0.6, 0.3, 0.2])
    y = np.zeros((n + 50, k))
    for t in range(2, n + 50):
        common = rng.standard_t(5) * 0.6
        e = vol * (load * common + rng.standard_t(5, size=k) * 0.7)
        y[t] = mu + a1 @ y[t - 1] + a2 @ y[t - 2] + e
    y = y[50:]
    names = ["asset_mgmt", "trading", "lending", "infrastructure", "privacy", "others"]
    write_csv(os.path.join(DATA, "defi_sectors.csv"), names, y)
    model = VAR(y)
    out = {"names": names, "nobs_total": n, "models": {}}
    sel = model.select_order(maxlags=8)
    out["select"] = {"c": select_golden(VAR(y), 8, "c")}
    p = int(sel.selected_orders["aic"])
    res = VAR(y).fit(maxlags=8, ic="aic")
    out["fit_aic"] = {"k_ar": int(res.k_ar), "params": arr(res.params)}
    pairs = [([1], [0]), ([2], [0, 1]), ([0], [5])]
    out["models"]["c"] = model_golden(VAR(y).fit(2), 20, 8, pairs, [[0], [4]])
    out["models"]["c"]["aic_lags"] = p
    return out, y


# ---- PELT -------------------------------------------------------------------------------------


def seg_cost(cs, cs2, s, e, floor):
    n = e - s
    mean = (cs[e] - cs[s]) / n
    var = max((cs2[e] - cs2[s]) / n - mean * mean, 0.0)
    v = max(var, floor)
    return n * (np.log(2 * np.pi) + np.log(v) + var / v)


def optimal_partition(x, penalty, min_size, floor):
    n = len(x)
    x = x - x.mean()  # centred, as the Rust code does before its running sums
    cs = np.concatenate([[0.0], np.cumsum(x)])
    cs2 = np.concatenate([[0.0], np.cumsum(x * x)])
    f = np.full(n + 1, np.inf)
    f[0] = -penalty
    last = np.zeros(n + 1, dtype=int)
    for t in range(min_size, n + 1):
        for s in range(0, t - min_size + 1):
            if s != 0 and s < min_size:
                continue
            if not np.isfinite(f[s]):
                continue
            v = f[s] + seg_cost(cs, cs2, s, t, floor) + penalty
            if v < f[t]:
                f[t] = v
                last[t] = s
    cps = []
    t = n
    while t > 0:
        s = last[t]
        if s > 0:
            cps.append(int(s))
        t = s
    return sorted(cps), float(f[n])


def pelt():
    rng = np.random.default_rng(7)
    x = np.concatenate(
        [
            rng.normal(0.0, 1.0, 60),
            rng.normal(3.0, 1.0, 40),
            rng.normal(3.0, 4.0, 50),
            rng.normal(-1.0, 0.5, 50),
        ]
    )
    write_csv(os.path.join(DATA, "pelt_series.csv"), ["x"], x[:, None])
    var_all = float(np.var(x))
    floor = max(1e-8 * var_all, np.finfo(float).tiny)
    cases = []
    for penalty in (5.0, 2.0 * np.log(len(x)), 50.0):
        for min_size in (2, 5):
            cps, cost = optimal_partition(x, penalty, min_size, floor)
            cases.append({"penalty": penalty, "min_size": min_size, "changepoints": cps, "cost": cost})
    return {"floor": floor, "cases": cases}


# ---- bootstrap (same algorithm and random stream as the Rust code) -----------------------------


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & MASK

    def next_u64(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        zone = MASK - (MASK % n)
        while True:
            x = self.next_u64()
            if x < zone:
                return x % n


def bootstrap_irf(y, lags, trend, periods, reps, seed, level):
    res = VAR(y).fit(lags, trend=trend)
    k = y.shape[1]
    nobs = res.nobs
    resid = np.asarray(res.resid)
    resid = resid - resid.mean(axis=0)
    params = np.asarray(res.params)
    kt = {"n": 0, "c": 1, "ct": 2}[trend]
    master = SplitMix64(seed)
    seeds = [master.next_u64() for _ in range(reps)]
    draws_irf = np.empty((reps, periods + 1, k, k))
    draws_orth = np.empty((reps, periods + 1, k, k))
    for b, s in enumerate(seeds):
        g = SplitMix64(s)
        idx = [g.below(nobs) for _ in range(nobs)]
        ys = np.empty_like(y)
        ys[:lags] = y[:lags]
        for t in range(lags, y.shape[0]):
            v = np.zeros(k)
            if kt >= 1:
                v = v + params[0]
            if kt == 2:
                v = v + params[1] * (t + 1)
            for l in range(1, lags + 1):
                v = v + ys[t - l] @ params[kt + (l - 1) * k : kt + l * k]
            ys[t] = v + resid[idx[t - lags]]
        r = VAR(ys).fit(lags, trend=trend)
        irf = r.irf(periods)
        draws_irf[b] = irf.irfs
        draws_orth[b] = irf.orth_irfs
    a = (1.0 - level) / 2.0
    return {
        "lags": lags,
        "trend": trend,
        "periods": periods,
        "reps": reps,
        "seed": seed,
        "level": level,
        "first_indices": [SplitMix64(seeds[0]).below(nobs) for _ in range(1)],
        "irf_lower": arr(np.quantile(draws_irf, a, axis=0)),
        "irf_upper": arr(np.quantile(draws_irf, 1.0 - a, axis=0)),
        "orth_lower": arr(np.quantile(draws_orth, a, axis=0)),
        "orth_upper": arr(np.quantile(draws_orth, 1.0 - a, axis=0)),
        "irf_mean": arr(draws_irf.mean(axis=0)),
    }


def main():
    os.makedirs(DATA, exist_ok=True)
    meta = {"statsmodels": statsmodels.__version__, "numpy": np.__version__}
    macro = macrodata()
    macro["versions"] = meta
    with open(os.path.join(HERE, "macrodata.json"), "w") as f:
        json.dump(macro, f)
    defi, y = defi_fixture()
    defi["versions"] = meta
    with open(os.path.join(HERE, "defi.json"), "w") as f:
        json.dump(defi, f)
    p = pelt()
    with open(os.path.join(HERE, "pelt.json"), "w") as f:
        json.dump(p, f)
    growth = np.loadtxt(os.path.join(DATA, "macrodata_growth.csv"), delimiter=",", skiprows=1)
    boot = {
        "macro_c": bootstrap_irf(growth, 2, "c", 10, 200, 42, 0.90),
        "defi_ct": bootstrap_irf(y, 1, "ct", 6, 100, 7, 0.95),
    }
    boot["versions"] = meta
    with open(os.path.join(HERE, "bootstrap.json"), "w") as f:
        json.dump(boot, f)
    print("written:", sorted(os.listdir(HERE)))


if __name__ == "__main__":
    main()
