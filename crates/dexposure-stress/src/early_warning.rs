//! Early-warning rules over weekly metric series (DESIGN.md §7).
//!
//! - Rolling z-score ([`EarlyWarning::zscore_alerts`]): for each point t with at least `window`
//!   earlier points, μ and σ are the mean and the **population** standard deviation (divide by
//!   `window`) of the `window` points just before t (t excluded); z = (x_t − μ)/σ and an alert
//!   is raised when |z| > `threshold`. When σ is zero (up to rounding: σ ≤ 1e-12 × the largest
//!   |value| of the window) no alert is raised and the point is skipped.
//! - ΔHHI rule ([`EarlyWarning::delta_alerts`]): Δ_t = HHI_t − HHI_{t−1}; for each Δ_t with at
//!   least `window` earlier Δ's, σ is the population standard deviation of the `window` Δ's
//!   just before it; an alert is raised when Δ_t > `threshold` · σ (one-sided: concentration
//!   rising; Δ is compared with 0, not with the mean of the Δ's). The alert's `z` is Δ_t / σ.
//!   σ = 0 (same tolerance) raises no alert.
//!
//! - On a forecast ([`EarlyWarning::forecast_zscore_alert`], [`EarlyWarning::forecast_delta_alert`]):
//!   the forecast x̂ of the point after the last observed one, made from the observed points
//!   only, is tested against the `window` last observed points (z-score: (x̂ − μ)/σ) or the
//!   `window` last observed changes (ΔHHI: (x̂ − x_t)/σ, one-sided); the alert is dated by the
//!   last observed point, when the forecast is made.
//!
//! Every value must be finite, or the call fails with [`StressError::InvalidParameter`].

use dexposure_snapshot::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Result, StressError};

/// One alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Week of the alert.
    pub date: NaiveDate,
    /// Metric name (as given by the caller).
    pub metric: String,
    /// The value tested: x_t for the z-score rule, Δ_t for the ΔHHI rule.
    pub value: f64,
    /// Its z-score: (x_t − μ)/σ, or Δ_t/σ for the ΔHHI rule.
    pub z: f64,
}

/// Early-warning configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EarlyWarning {
    /// Number of earlier points the statistics are taken over (≥ 1; default 26 weeks).
    pub window: usize,
    /// Alert threshold on |z| (finite, ≥ 0; default 2).
    pub threshold: f64,
}

impl Default for EarlyWarning {
    fn default() -> Self {
        Self {
            window: 26,
            threshold: 2.0,
        }
    }
}

/// Population mean and standard deviation; σ is 0 when it is below rounding noise.
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let std = var.max(0.0).sqrt();
    let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if std <= 1e-12 * scale || !std.is_finite() {
        (mean, 0.0)
    } else {
        (mean, std)
    }
}

fn check_finite(metric: &str, series: &[(NaiveDate, f64)]) -> Result<()> {
    match series.iter().find(|(_, v)| !v.is_finite()) {
        Some((date, v)) => Err(StressError::InvalidParameter(format!(
            "{metric} on {date}: value {v} is not finite"
        ))),
        None => Ok(()),
    }
}

impl EarlyWarning {
    /// A checked configuration: `window` ≥ 1, `threshold` finite and ≥ 0.
    pub fn new(window: usize, threshold: f64) -> Result<Self> {
        let config = Self { window, threshold };
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<()> {
        if self.window == 0 {
            return Err(StressError::InvalidParameter(
                "early-warning window must be at least 1".to_owned(),
            ));
        }
        if !self.threshold.is_finite() || self.threshold < 0.0 {
            return Err(StressError::InvalidParameter(format!(
                "early-warning threshold {} must be finite and >= 0",
                self.threshold
            )));
        }
        Ok(())
    }

    /// Rolling z-score alerts over `series` (date, value), in series order.
    pub fn zscore_alerts(&self, metric: &str, series: &[(NaiveDate, f64)]) -> Result<Vec<Alert>> {
        self.check()?;
        check_finite(metric, series)?;
        let values: Vec<f64> = series.iter().map(|(_, v)| *v).collect();
        let mut alerts = Vec::new();
        for t in self.window..series.len() {
            let (mean, std) = mean_std(&values[t - self.window..t]);
            if std == 0.0 {
                continue;
            }
            let z = (values[t] - mean) / std;
            if z.is_finite() && z.abs() > self.threshold {
                alerts.push(Alert {
                    date: series[t].0,
                    metric: metric.to_owned(),
                    value: values[t],
                    z,
                });
            }
        }
        Ok(alerts)
    }

    /// The z-score alert raised, at the last date of `observed`, by a forecast `value` of the
    /// next point; `None` with fewer than `window` observed points, σ = 0 or |z| ≤ threshold.
    pub fn forecast_zscore_alert(
        &self,
        metric: &str,
        observed: &[(NaiveDate, f64)],
        value: f64,
    ) -> Result<Option<Alert>> {
        let Some(recent) = self.recent(metric, observed, self.window)? else {
            return Ok(None);
        };
        let window: Vec<f64> = recent.iter().map(|(_, v)| *v).collect();
        let (mean, std) = mean_std(&window);
        Ok(self.forecast_alert(metric, recent, value, (value - mean) / std, false))
    }

    /// The ΔHHI alert raised, at the last date of `observed`, by a forecast `value` of the next
    /// point: Δ = value − last observed, σ over the `window` last observed changes; `None` with
    /// fewer than `window` + 1 observed points, σ = 0 or Δ/σ ≤ threshold.
    pub fn forecast_delta_alert(
        &self,
        metric: &str,
        observed: &[(NaiveDate, f64)],
        value: f64,
    ) -> Result<Option<Alert>> {
        let Some(recent) = self.recent(metric, observed, self.window + 1)? else {
            return Ok(None);
        };
        let deltas: Vec<f64> = recent.windows(2).map(|w| w[1].1 - w[0].1).collect();
        let (_, std) = mean_std(&deltas);
        let delta = value - recent[recent.len() - 1].1;
        Ok(self.forecast_alert(metric, recent, delta, delta / std, true))
    }

    /// The last `n` points of `observed` (checked finite), or `None` when there are fewer.
    fn recent<'a>(
        &self,
        metric: &str,
        observed: &'a [(NaiveDate, f64)],
        n: usize,
    ) -> Result<Option<&'a [(NaiveDate, f64)]>> {
        self.check()?;
        let Some(start) = observed.len().checked_sub(n) else {
            return Ok(None);
        };
        check_finite(metric, &observed[start..])?;
        Ok(Some(&observed[start..]))
    }

    /// The alert for a tested value and its z (one-sided for ΔHHI), dated by the last observed
    /// point; none when z is not finite (σ = 0).
    fn forecast_alert(
        &self,
        metric: &str,
        recent: &[(NaiveDate, f64)],
        value: f64,
        z: f64,
        one_sided: bool,
    ) -> Option<Alert> {
        let fires = if one_sided {
            z > self.threshold
        } else {
            z.abs() > self.threshold
        };
        let (date, _) = *recent.last()?;
        (value.is_finite() && z.is_finite() && fires).then(|| Alert {
            date,
            metric: metric.to_owned(),
            value,
            z,
        })
    }

    /// ΔHHI alerts over a series of HHI values (date, HHI), in series order.
    pub fn delta_alerts(&self, metric: &str, series: &[(NaiveDate, f64)]) -> Result<Vec<Alert>> {
        self.check()?;
        check_finite(metric, series)?;
        let deltas: Vec<f64> = series.windows(2).map(|w| w[1].1 - w[0].1).collect();
        let mut alerts = Vec::new();
        for k in self.window..deltas.len() {
            let (_, std) = mean_std(&deltas[k - self.window..k]);
            if std == 0.0 {
                continue;
            }
            let delta = deltas[k];
            let z = delta / std;
            if z.is_finite() && z > self.threshold {
                alerts.push(Alert {
                    date: series[k + 1].0,
                    metric: metric.to_owned(),
                    value: delta,
                    z,
                });
            }
        }
        Ok(alerts)
    }
}
