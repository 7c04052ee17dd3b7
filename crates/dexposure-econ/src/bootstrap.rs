//! Residual-bootstrap confidence bands for impulse responses.
//!
//! For each of `reps` replications (Runkle 1987; the `vars` R package's `boot`):
//!
//! 1. draw `nobs` indices uniformly with replacement from the **centred** residuals;
//! 2. rebuild a series: the first `p` observations are the data's, then
//!    `y*_t = D_t + Σ_l A_l y*_{t−l} + û_{idx(t)}` with the estimated coefficients;
//! 3. refit a VAR(`p`) with the same deterministic terms and compute its responses.
//!
//! The bands are the `(1 − level)/2` and `(1 + level)/2` percentiles of the replications,
//! elementwise, with numpy's default (linear) interpolation.
//!
//! Random numbers: a SplitMix64 generator seeded with `seed` draws one 64-bit seed per
//! replication; replication `b` draws its indices from a SplitMix64 seeded with the `b`-th
//! seed (`below(nobs)`, rejection sampling, no modulo bias). Replications run in parallel on
//! rayon's pool and the result does not depend on the number of threads.
//! `tests/golden/make_golden.py` re-implements this with statsmodels doing the refits.

use dexposure_rng::SplitMix64;
use rayon::prelude::*;

use crate::error::{EconError, Result};
use crate::irf::{ImpulseResponse, IrfKind, girf_from};
use crate::matrix::Matrix;
use crate::var::{VarResults, estimate, ma_rep};

/// Options of the residual bootstrap: horizons, replications, confidence level, seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapConfig {
    /// Horizons `0..=periods`.
    pub periods: usize,
    /// Number of replications (default 1,000).
    pub reps: usize,
    /// Coverage of the bands, in (0, 1) (default 0.95).
    pub level: f64,
    /// Seed of the random stream (default 0).
    pub seed: u64,
}

impl BootstrapConfig {
    /// Bands for horizons `0..=periods`, 1,000 replications, 95 %, seed 0.
    pub fn new(periods: usize) -> Self {
        Self {
            periods,
            reps: 1000,
            level: 0.95,
            seed: 0,
        }
    }

    /// Sets the number of replications.
    pub fn reps(mut self, reps: usize) -> Self {
        self.reps = reps;
        self
    }

    /// Sets the coverage level.
    pub fn level(mut self, level: f64) -> Self {
        self.level = level;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// Lower and upper percentile bands of one kind of response, one `K × K` matrix per horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct IrfBand {
    /// Lower band.
    pub lower: Vec<Matrix>,
    /// Upper band.
    pub upper: Vec<Matrix>,
}

/// Bootstrap bands around the impulse responses of a fitted VAR.
#[derive(Debug, Clone, PartialEq)]
pub struct IrfBands {
    /// The options used.
    pub config: BootstrapConfig,
    /// The point estimates of the original fit.
    pub point: ImpulseResponse,
    /// Bands of the plain responses `Φ_h`.
    pub irf: IrfBand,
    /// Bands of the orthogonalised responses.
    pub orth: IrfBand,
    /// Bands of the generalised responses.
    pub girf: IrfBand,
    /// Mean of the bootstrap plain responses (for a bias check).
    pub irf_mean: Vec<Matrix>,
}

impl IrfBands {
    /// The band of one kind.
    pub fn band(&self, kind: IrfKind) -> &IrfBand {
        match kind {
            IrfKind::Plain => &self.irf,
            IrfKind::Orthogonalised => &self.orth,
            IrfKind::Generalised => &self.girf,
        }
    }
}

struct Draw {
    irf: Vec<Matrix>,
    orth: Vec<Matrix>,
    girf: Vec<Matrix>,
}

impl VarResults {
    /// Residual-bootstrap bands for the impulse responses (see the [module docs](crate::bootstrap)).
    pub fn irf_bands(&self, config: &BootstrapConfig) -> Result<IrfBands> {
        if config.reps < 2 {
            return Err(EconError::InvalidArgument(format!(
                "bootstrap needs at least 2 replications, got {}",
                config.reps
            )));
        }
        if !(config.level > 0.0 && config.level < 1.0) {
            return Err(EconError::InvalidArgument(format!(
                "level {} is not in (0, 1)",
                config.level
            )));
        }
        let k = self.neqs();
        let p = self.k_ar();
        let kt = self.k_trend();
        let n = self.endog().nrows();
        let nobs = self.nobs();
        let params = self.params();
        // centred residuals
        let resid = self.resid();
        let mut centred = resid.clone();
        for j in 0..k {
            let mean = resid.column(j).iter().sum::<f64>() / nobs as f64;
            for i in 0..nobs {
                centred[(i, j)] -= mean;
            }
        }
        let mut master = SplitMix64::new(config.seed);
        let seeds: Vec<u64> = (0..config.reps).map(|_| master.next_u64()).collect();
        let draws = seeds
            .par_iter()
            .enumerate()
            .map(|(rep, &s)| {
                let mut g = SplitMix64::new(s);
                let idx: Vec<usize> = (0..nobs).map(|_| g.below(nobs)).collect();
                let mut ys = Matrix::zeros(n, k);
                for t in 0..p {
                    for j in 0..k {
                        ys[(t, j)] = self.endog()[(t, j)];
                    }
                }
                for t in p..n {
                    for i in 0..k {
                        let mut v = 0.0;
                        if kt >= 1 {
                            v += params[(0, i)];
                        }
                        if kt == 2 {
                            v += params[(1, i)] * (t + 1) as f64;
                        }
                        for l in 1..=p {
                            let mut dot = 0.0;
                            for j in 0..k {
                                dot += ys[(t - l, j)] * params[(kt + (l - 1) * k + j, i)];
                            }
                            v += dot;
                        }
                        ys[(t, i)] = v + centred[(idx[t - p], i)];
                    }
                }
                let wrap = |e| EconError::Replication {
                    rep,
                    source: Box::new(e),
                };
                let est = estimate(&ys, p, 0, self.trend()).map_err(wrap)?;
                let res = VarResults::from_parts(self.names().to_vec(), ys, est).map_err(wrap)?;
                let irf = ma_rep(res.coefs(), k, config.periods);
                let orth = irf
                    .iter()
                    .map(|phi| phi.mul_unchecked(res.sigma_u_cholesky()))
                    .collect();
                let girf = girf_from(&irf, res.sigma_u());
                Ok(Draw { irf, orth, girf })
            })
            .collect::<Result<Vec<Draw>>>()?;
        let lo = (1.0 - config.level) / 2.0;
        let hi = 1.0 - lo;
        let band = |pick: fn(&Draw) -> &Vec<Matrix>| {
            percentile_band(&draws, pick, lo, hi, config.periods, k)
        };
        let mut irf_mean = vec![Matrix::zeros(k, k); config.periods + 1];
        for d in &draws {
            for (m, x) in irf_mean.iter_mut().zip(&d.irf) {
                *m = m.add_unchecked(x);
            }
        }
        let reps = draws.len() as f64;
        let irf_mean = irf_mean.into_iter().map(|m| m.map(|v| v / reps)).collect();
        Ok(IrfBands {
            config: *config,
            point: self.irf(config.periods),
            irf: band(|d| &d.irf),
            orth: band(|d| &d.orth),
            girf: band(|d| &d.girf),
            irf_mean,
        })
    }
}

fn percentile_band(
    draws: &[Draw],
    pick: fn(&Draw) -> &Vec<Matrix>,
    lo: f64,
    hi: f64,
    periods: usize,
    k: usize,
) -> IrfBand {
    let mut buf = Vec::with_capacity(draws.len());
    let mut lower = vec![Matrix::zeros(k, k); periods + 1];
    let mut upper = lower.clone();
    for h in 0..=periods {
        for i in 0..k {
            for j in 0..k {
                buf.clear();
                buf.extend(draws.iter().map(|d| pick(d)[h][(i, j)]));
                buf.sort_unstable_by(f64::total_cmp);
                lower[h][(i, j)] = quantile_sorted(&buf, lo);
                upper[h][(i, j)] = quantile_sorted(&buf, hi);
            }
        }
    }
    IrfBand { lower, upper }
}

/// numpy's default quantile (linear interpolation between order statistics).
/// `values` must be sorted and non-empty (the caller guarantees at least two replications).
fn quantile_sorted(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let pos = q * (values.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(values.len() - 1);
    let t = pos - lo as f64;
    let (a, b) = (values[lo], values[hi]);
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}
