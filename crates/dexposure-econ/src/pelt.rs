//! Change points of a univariate series by PELT (Killick, Fearnhead & Eckley 2012) with a
//! Gaussian mean-and-variance cost — the "phase transitions" of network-metric series.
//!
//! The segmentation minimises `Σ_segments C(segment) + β · (number of change points)` exactly.
//! The cost of a segment of `n` points with sample mean `μ̂` and maximum-likelihood variance
//! `σ̂²` is its minimised negative Gaussian log-likelihood (×2),
//!
//! ```text
//! C = n · (ln 2π + ln v + σ̂² / v),   v = max(σ̂², floor),
//! ```
//!
//! which is `n (ln 2π + ln σ̂² + 1)` (changepoint's `meanvar` normal cost) unless the variance
//! hits the floor. The floor (`1e-8 ×` the variance of the whole series) keeps segments of
//! (nearly) equal values finite; because `C` stays a minimum over parameters, splitting a
//! segment never raises its cost, which is what makes PELT's pruning exact (`K = 0`). Segments
//! have at least `min_size ≥ 2` points. The series is centred before the running sums, so
//! levels like 10⁹ USD lose no precision.
//!
//! ```
//! use dexposure_econ::Pelt;
//!
//! let mut x: Vec<f64> = (0..50).map(|i| (i as f64 * 1.7).sin()).collect();
//! x.extend((0..50).map(|i| 8.0 + 3.0 * (i as f64 * 2.3).cos()));
//! let found = Pelt::new(Pelt::bic_penalty(x.len())).fit(&x)?;
//! assert_eq!(found.changepoints, vec![50]);
//! assert_eq!(found.segments.len(), 2);
//! # Ok::<(), dexposure_econ::EconError>(())
//! ```

use crate::error::{EconError, Result};

/// PELT change-point search with the Gaussian mean/variance cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pelt {
    /// Penalty `β` per change point (≥ 0).
    pub penalty: f64,
    /// Minimum number of points per segment (≥ 2; default 2).
    pub min_size: usize,
}

/// One segment of a segmentation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// First index.
    pub start: usize,
    /// One past the last index.
    pub end: usize,
    /// Sample mean.
    pub mean: f64,
    /// Maximum-likelihood variance.
    pub variance: f64,
}

/// The segmentation found by [`Pelt::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct ChangePoints {
    /// Start index of every segment after the first, ascending.
    pub changepoints: Vec<usize>,
    /// The segments, in order.
    pub segments: Vec<Segment>,
    /// Minimised objective: segment costs plus `β` per change point.
    pub cost: f64,
    /// The variance floor used.
    pub floor: f64,
}

impl Pelt {
    /// A search with penalty `β` per change point and segments of at least 2 points.
    pub fn new(penalty: f64) -> Self {
        Self {
            penalty,
            min_size: 2,
        }
    }

    /// Sets the minimum segment length (at least 2).
    pub fn min_size(mut self, min_size: usize) -> Self {
        self.min_size = min_size;
        self
    }

    /// The BIC-type penalty of changepoint's `meanvar` cost, `2 ln n` (two parameters per new
    /// segment).
    pub fn bic_penalty(n: usize) -> f64 {
        2.0 * (n.max(1) as f64).ln()
    }

    /// Finds the optimal segmentation of `x`.
    ///
    /// Errors: fewer than `min_size` points, `min_size < 2`, a negative or non-finite penalty,
    /// a non-finite value, a constant series.
    pub fn fit(&self, x: &[f64]) -> Result<ChangePoints> {
        let n = x.len();
        let m = self.min_size;
        if m < 2 {
            return Err(EconError::InvalidArgument(format!(
                "min_size {m} < 2 (a one-point segment has no variance)"
            )));
        }
        if !(self.penalty >= 0.0 && self.penalty.is_finite()) {
            return Err(EconError::InvalidArgument(format!(
                "penalty {} must be finite and ≥ 0",
                self.penalty
            )));
        }
        if n < m {
            return Err(EconError::Shape(format!(
                "{n} points, fewer than min_size {m}"
            )));
        }
        if let Some((i, &v)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(EconError::NonFinite {
                what: "series",
                row: i,
                column: 0,
                value: v,
            });
        }
        let mean_all = x.iter().sum::<f64>() / n as f64;
        let mut cs = Vec::with_capacity(n + 1);
        let mut cs2 = Vec::with_capacity(n + 1);
        cs.push(0.0);
        cs2.push(0.0);
        let (mut a, mut b) = (0.0, 0.0);
        for &v in x {
            let c = v - mean_all;
            a += c;
            b += c * c;
            cs.push(a);
            cs2.push(b);
        }
        let var_all = b / n as f64;
        if var_all <= 0.0 || x.iter().all(|&v| v == x[0]) {
            return Err(EconError::ConstantSeries {
                name: "series".into(),
                column: 0,
            });
        }
        let floor = (1e-8 * var_all).max(f64::MIN_POSITIVE);
        let cost = |s: usize, e: usize| -> f64 {
            let len = (e - s) as f64;
            let mean = (cs[e] - cs[s]) / len;
            let var = ((cs2[e] - cs2[s]) / len - mean * mean).max(0.0);
            let v = var.max(floor);
            len * ((2.0 * std::f64::consts::PI).ln() + v.ln() + var / v)
        };
        let beta = self.penalty;
        let mut f = vec![f64::INFINITY; n + 1];
        let mut last = vec![0usize; n + 1];
        f[0] = -beta;
        // candidates: (start, time from which it is pruned)
        let mut cands: Vec<(usize, usize)> = vec![(0, usize::MAX)];
        let mut values: Vec<(usize, f64)> = Vec::new();
        for t in m..=n {
            values.clear();
            let mut best = f64::INFINITY;
            let mut arg = 0;
            for (idx, &(s, dead)) in cands.iter().enumerate() {
                if t < s + m || t >= dead {
                    continue;
                }
                let v = f[s] + cost(s, t) + beta;
                values.push((idx, v - beta));
                if v < best {
                    best = v;
                    arg = s;
                }
            }
            f[t] = best;
            last[t] = arg;
            // prune: s with F(s) + C(s, t) > F(t) can never be the last change point of any
            // T ≥ t + min_size
            for &(idx, v) in &values {
                if v > best
                    && let Some(c) = cands.get_mut(idx)
                    && c.1 == usize::MAX
                {
                    c.1 = t + m;
                }
            }
            cands.retain(|&(_, dead)| dead > t);
            if best.is_finite() {
                cands.push((t, usize::MAX));
            }
        }
        let mut cps = Vec::new();
        let mut t = n;
        while t > 0 {
            let s = last[t];
            if s > 0 {
                cps.push(s);
            }
            t = s;
        }
        cps.reverse();
        let mut bounds = vec![0];
        bounds.extend(&cps);
        bounds.push(n);
        let segments = bounds
            .windows(2)
            .map(|w| {
                let (s, e) = (w[0], w[1]);
                let len = (e - s) as f64;
                let mean_c = (cs[e] - cs[s]) / len;
                Segment {
                    start: s,
                    end: e,
                    mean: mean_c + mean_all,
                    variance: ((cs2[e] - cs2[s]) / len - mean_c * mean_c).max(0.0),
                }
            })
            .collect();
        Ok(ChangePoints {
            changepoints: cps,
            segments,
            cost: f[n],
            floor,
        })
    }
}
