//! Percentile bootstrap over independent cases (test anchors), seeded.
//!
//! ```
//! use dexposure_stress::bootstrap::PercentileBootstrap;
//! let errors = [1.0, 2.0, 3.0, 4.0, 5.0];
//! let ci = PercentileBootstrap::default().mean_interval(&errors).ok_or("no case")?;
//! assert!(ci.low < 3.0 && 3.0 < ci.high);
//! # Ok::<(), &str>(())
//! ```

use dexposure_graph::rng::SplitMix64;
use serde::{Deserialize, Serialize};

use crate::error::{Result, StressError};

/// A two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Interval {
    /// True when 0 lies outside the interval (the statistic is significantly non-zero).
    pub fn excludes_zero(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }
}

/// Percentile bootstrap: resample the n cases with replacement `replicates` times, compute the
/// statistic on each resample, and take the (1 − level)/2 and (1 + level)/2 quantiles (linear
/// interpolation between order statistics; non-finite replicates dropped).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PercentileBootstrap {
    /// Number of resamples (default 2,000).
    pub replicates: usize,
    /// Coverage (default 0.95).
    pub level: f64,
    /// Seed of the resampling (default 7).
    pub seed: u64,
}

impl Default for PercentileBootstrap {
    fn default() -> Self {
        Self {
            replicates: 2_000,
            level: 0.95,
            seed: 7,
        }
    }
}

impl PercentileBootstrap {
    /// A checked configuration: `replicates` ≥ 1, `level` in (0, 1).
    pub fn new(replicates: usize, level: f64, seed: u64) -> Result<Self> {
        if replicates == 0 || !(level > 0.0 && level < 1.0) {
            return Err(StressError::InvalidParameter(format!(
                "bootstrap needs replicates >= 1 and a level in (0, 1), got {replicates} and {level}"
            )));
        }
        Ok(Self {
            replicates,
            level,
            seed,
        })
    }

    /// The interval of `statistic` (called with the case indices of one resample, repeats
    /// included) over `n` cases; `None` when n = 0 or no replicate is finite.
    pub fn interval(&self, n: usize, statistic: impl Fn(&[usize]) -> f64) -> Option<Interval> {
        if n == 0 {
            return None;
        }
        let mut rng = SplitMix64::new(self.seed);
        let mut idx = vec![0usize; n];
        let mut values: Vec<f64> = (0..self.replicates.max(1))
            .map(|_| {
                idx.iter_mut().for_each(|i| *i = rng.below(n));
                statistic(&idx)
            })
            .filter(|v| v.is_finite())
            .collect();
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let tail = (1.0 - self.level.clamp(0.0, 1.0)) / 2.0;
        Some(Interval {
            low: quantile(&values, tail),
            high: quantile(&values, 1.0 - tail),
        })
    }

    /// The interval of the mean of `values` (one value per case).
    pub fn mean_interval(&self, values: &[f64]) -> Option<Interval> {
        self.interval(values.len(), |idx| {
            idx.iter().map(|&i| values[i]).sum::<f64>() / idx.len() as f64
        })
    }
}

/// Quantile q of sorted `values` with linear interpolation (numpy's default).
fn quantile(values: &[f64], q: f64) -> f64 {
    let pos = q * (values.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn interval_covers_the_mean_and_narrows_with_more_cases() {
        let few: Vec<f64> = (0..10).map(f64::from).collect();
        let many: Vec<f64> = (0..1000).map(|i| f64::from(i % 10)).collect();
        let b = PercentileBootstrap::default();
        let a = b.mean_interval(&few).unwrap();
        let c = b.mean_interval(&many).unwrap();
        assert!(a.low < 4.5 && 4.5 < a.high, "{a:?}");
        assert!(c.low < 4.5 && 4.5 < c.high, "{c:?}");
        assert!(c.high - c.low < (a.high - a.low) / 5.0);
        // Seeded: the same interval twice; a constant statistic gives a point.
        assert_eq!(b.mean_interval(&few), Some(a));
        assert_eq!(
            b.interval(3, |_| 2.0),
            Some(Interval {
                low: 2.0,
                high: 2.0
            })
        );
        assert_eq!(b.interval(0, |_| 2.0), None);
        assert!(PercentileBootstrap::new(10, 1.0, 1).is_err());
    }
}
