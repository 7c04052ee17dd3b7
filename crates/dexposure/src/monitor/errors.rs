//! Forecast errors of network measures: the model's Ĝ_t+h and the persistence forecast G_t
//! against the realised G_t+h ([`ForecastErrorTable`]).

use dexposure_stress::bootstrap::{Interval, PercentileBootstrap};
use serde::Serialize;

use super::format::{cell, mean_sd, multi_seed_horizons, num, with_interval};
use super::measures::{TOP_SIS, measure_names};
use super::run::MeasuredAnchor;

/// Errors of one forecast of one measure over the anchors.
///
/// With forecasts fᵢ and realised values aᵢ over n anchors: MAE = mean |fᵢ − aᵢ|; relative
/// error = mean |fᵢ − aᵢ| / |aᵢ| over anchors with aᵢ ≠ 0; correlation = Pearson(f, a);
/// R² = 1 − Σ(fᵢ − aᵢ)² / Σ(aᵢ − ā)² (can be negative); squared correlation = correlation² (what
/// the DeXposure-FM paper reported as R²); ratio = geometric mean of fᵢ / aᵢ over anchors with
/// both > 0 (1 = unbiased in scale; 2 = twice the realised value).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorStats {
    /// Mean absolute error.
    pub mae: f64,
    /// Bootstrap interval of the MAE (anchors resampled).
    pub mae_interval: Option<Interval>,
    /// Mean relative error (`None` when every realised value is 0).
    pub relative_error: Option<f64>,
    /// Pearson correlation (`None` when either series is constant).
    pub correlation: Option<f64>,
    /// Coefficient of determination (`None` when the realised series is constant).
    pub r2: Option<f64>,
    /// Squared correlation.
    pub squared_correlation: Option<f64>,
    /// Geometric mean of forecast / realised.
    pub ratio: Option<f64>,
}

fn mean(x: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut n, mut s) = (0usize, 0.0);
    for v in x {
        n += 1;
        s += v;
    }
    (n > 0).then(|| s / n as f64)
}

fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let (mx, my) = (mean(x.iter().copied())?, mean(y.iter().copied())?);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    let r = sxy / (sxx * syy).sqrt();
    (sxx > 0.0 && syy > 0.0 && r.is_finite()).then_some(r)
}

impl ErrorStats {
    /// The errors of `forecast` against `realised` (same length, at least one anchor).
    pub fn of(forecast: &[f64], realised: &[f64], bootstrap: &PercentileBootstrap) -> Self {
        let abs: Vec<f64> = forecast
            .iter()
            .zip(realised)
            .map(|(f, a)| (f - a).abs())
            .collect();
        let mae = mean(abs.iter().copied()).unwrap_or(0.0);
        let mae_interval = bootstrap.mean_interval(&abs);
        let relative_error = mean(
            abs.iter()
                .zip(realised)
                .filter(|(_, a)| **a != 0.0)
                .map(|(e, a)| e / a.abs()),
        );
        let correlation = pearson(forecast, realised);
        let r2 = mean(realised.iter().copied()).and_then(|m| {
            let sst: f64 = realised.iter().map(|a| (a - m) * (a - m)).sum();
            let sse: f64 = abs.iter().map(|e| e * e).sum();
            (sst > 0.0).then(|| 1.0 - sse / sst)
        });
        let ratio = mean(
            forecast
                .iter()
                .zip(realised)
                .filter(|(f, a)| **f > 0.0 && **a > 0.0)
                .map(|(f, a)| (f / a).ln()),
        )
        .map(f64::exp);
        Self {
            mae,
            mae_interval,
            relative_error,
            correlation,
            r2,
            squared_correlation: correlation.map(|r| r * r),
            ratio,
        }
    }
}

/// One measure at one horizon and seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasureErrors {
    /// Horizon h (weeks).
    pub horizon: usize,
    /// Training seed of the forecaster.
    pub seed: u64,
    /// Measure name ([`measure_names`]).
    pub measure: String,
    /// Anchors.
    pub anchors: usize,
    /// Mean realised value.
    pub realised_mean: f64,
    /// The model's Ĝ_t+h.
    pub model: ErrorStats,
    /// Persistence G_t.
    pub persistence: ErrorStats,
    /// MAE(persistence) − MAE(model): positive when the model forecasts better.
    pub delta_mae: f64,
    /// Bootstrap interval of `delta_mae` (anchors resampled together).
    pub delta_mae_interval: Option<Interval>,
}

/// Overlap of the top-SIS sets with the realised one, at one horizon and seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopSisOverlap {
    /// Horizon h.
    pub horizon: usize,
    /// Training seed.
    pub seed: u64,
    /// Anchors.
    pub anchors: usize,
    /// Mean Jaccard overlap of Ĝ's top-10 SIS with G_t+h's.
    pub model: f64,
    /// Its bootstrap interval.
    pub model_interval: Option<Interval>,
    /// Mean Jaccard overlap of G_t's top-10 SIS with G_t+h's.
    pub persistence: f64,
    /// Its bootstrap interval.
    pub persistence_interval: Option<Interval>,
}

/// Forecast errors of every measure, per horizon and seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastErrorTable {
    /// One row per (horizon, seed, measure).
    pub rows: Vec<MeasureErrors>,
    /// One row per (horizon, seed).
    pub top_sis: Vec<TopSisOverlap>,
}

/// The measures printed in the Markdown summary (the CSV and JSON have all).
pub const HEADLINE_MEASURES: [&str; 12] = [
    "nodes",
    "links",
    "density",
    "total_tvl",
    "total_exposure",
    "tvl_hhi",
    "link_weight_hhi",
    "in_degree_gini",
    "reciprocity",
    "mean_sis",
    "spillover_total",
    "spillover_index",
];

impl ForecastErrorTable {
    /// The table over measured anchors (grouped by horizon and seed, in first-seen order).
    pub fn from_anchors(anchors: &[MeasuredAnchor], bootstrap: &PercentileBootstrap) -> Self {
        let names = measure_names();
        let mut rows = Vec::new();
        let mut top_sis = Vec::new();
        for group in super::run::groups(anchors) {
            let (horizon, seed) = (group[0].horizon, group[0].seed);
            for (k, name) in names.iter().enumerate() {
                let pick = |f: fn(&MeasuredAnchor) -> &super::WeekMeasures| -> Vec<f64> {
                    group.iter().map(|a| f(a).values[k]).collect()
                };
                let realised = pick(|a| &a.realised);
                let model = pick(|a| &a.model);
                let persistence = pick(|a| &a.persistence);
                let gain: Vec<f64> = (0..group.len())
                    .map(|i| (persistence[i] - realised[i]).abs() - (model[i] - realised[i]).abs())
                    .collect();
                let model_stats = ErrorStats::of(&model, &realised, bootstrap);
                let persistence_stats = ErrorStats::of(&persistence, &realised, bootstrap);
                rows.push(MeasureErrors {
                    horizon,
                    seed,
                    measure: (*name).to_owned(),
                    anchors: group.len(),
                    realised_mean: mean(realised.iter().copied()).unwrap_or(0.0),
                    delta_mae: persistence_stats.mae - model_stats.mae,
                    delta_mae_interval: bootstrap.mean_interval(&gain),
                    model: model_stats,
                    persistence: persistence_stats,
                });
            }
            let overlap = |f: fn(&MeasuredAnchor) -> &super::WeekMeasures| -> Vec<f64> {
                group
                    .iter()
                    .map(|a| f(a).top_sis_overlap(&a.realised))
                    .collect()
            };
            let (m, p) = (overlap(|a| &a.model), overlap(|a| &a.persistence));
            top_sis.push(TopSisOverlap {
                horizon,
                seed,
                anchors: group.len(),
                model: mean(m.iter().copied()).unwrap_or(0.0),
                model_interval: bootstrap.mean_interval(&m),
                persistence: mean(p.iter().copied()).unwrap_or(0.0),
                persistence_interval: bootstrap.mean_interval(&p),
            });
        }
        Self { rows, top_sis }
    }

    /// Markdown: per (horizon, seed), the headline measures, then the top-SIS overlap.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        for overlap in &self.top_sis {
            let (h, seed) = (overlap.horizon, overlap.seed);
            out.push_str(&format!(
                "### h = {h}, seed {seed} ({} anchors)\n\n\
                 | measure | realised mean | MAE model [95% CI] | MAE persistence [95% CI] | ΔMAE (pers. − model) [95% CI] | rel. err. model / pers. | corr. model / pers. | R² model / pers. | corr.² model / pers. | ratio model / pers. |\n\
                 |---|---|---|---|---|---|---|---|---|---|\n",
                overlap.anchors
            ));
            for row in self.rows.iter().filter(|r| {
                r.horizon == h && r.seed == seed && HEADLINE_MEASURES.contains(&r.measure.as_str())
            }) {
                let pair = |f: fn(&ErrorStats) -> Option<f64>| {
                    format!("{} / {}", num(f(&row.model)), num(f(&row.persistence)))
                };
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    row.measure,
                    num(Some(row.realised_mean)),
                    with_interval(row.model.mae, row.model.mae_interval),
                    with_interval(row.persistence.mae, row.persistence.mae_interval),
                    with_interval(row.delta_mae, row.delta_mae_interval),
                    pair(|s| s.relative_error),
                    pair(|s| s.correlation),
                    pair(|s| s.r2),
                    pair(|s| s.squared_correlation),
                    pair(|s| s.ratio),
                ));
            }
            out.push_str(&format!(
                "\nTop-{TOP_SIS} SIS overlap with the realised top {TOP_SIS} (Jaccard): model {}, persistence {}\n\n",
                with_interval(overlap.model, overlap.model_interval),
                with_interval(overlap.persistence, overlap.persistence_interval),
            ));
        }
        out
    }

    /// Markdown summary over seeds, for horizons with at least two: per headline measure, the
    /// model's MAE and ΔMAE as mean ± sd over seeds, persistence's MAE, and in how many seeds
    /// the model's MAE is below persistence's. Empty when every horizon has one seed.
    pub fn seeds_markdown(&self) -> String {
        let mut out = String::new();
        for (h, seeds) in multi_seed_horizons(self.top_sis.iter().map(|o| (o.horizon, o.seed))) {
            out.push_str(&format!(
                "### h = {h}, over {seeds} seeds\n\n\
                 | measure | MAE model (mean ± sd) | MAE persistence | ΔMAE (mean ± sd) | seeds where the model is better |\n\
                 |---|---|---|---|---|\n"
            ));
            for measure in HEADLINE_MEASURES {
                let rows: Vec<&MeasureErrors> = self
                    .rows
                    .iter()
                    .filter(|r| r.horizon == h && r.measure == measure)
                    .collect();
                let model: Vec<f64> = rows.iter().map(|r| r.model.mae).collect();
                let delta: Vec<f64> = rows.iter().map(|r| r.delta_mae).collect();
                out.push_str(&format!(
                    "| {measure} | {} | {} | {} | {}/{} |\n",
                    mean_sd(&model),
                    num(rows.first().map(|r| r.persistence.mae)),
                    mean_sd(&delta),
                    delta.iter().filter(|d| **d > 0.0).count(),
                    rows.len()
                ));
            }
            out.push('\n');
        }
        out
    }

    /// CSV: one line per (horizon, seed, measure), every statistic.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "horizon,seed,measure,anchors,realised_mean,delta_mae,delta_mae_low,delta_mae_high",
        );
        for who in ["model", "persistence"] {
            for col in [
                "mae",
                "mae_low",
                "mae_high",
                "relative_error",
                "correlation",
                "r2",
                "squared_correlation",
                "ratio",
            ] {
                out.push_str(&format!(",{who}_{col}"));
            }
        }
        out.push('\n');
        for r in &self.rows {
            let mut cells = vec![
                r.horizon.to_string(),
                r.seed.to_string(),
                r.measure.clone(),
                r.anchors.to_string(),
                cell(Some(r.realised_mean)),
                cell(Some(r.delta_mae)),
                cell(r.delta_mae_interval.map(|i| i.low)),
                cell(r.delta_mae_interval.map(|i| i.high)),
            ];
            for s in [&r.model, &r.persistence] {
                cells.extend([
                    cell(Some(s.mae)),
                    cell(s.mae_interval.map(|i| i.low)),
                    cell(s.mae_interval.map(|i| i.high)),
                    cell(s.relative_error),
                    cell(s.correlation),
                    cell(s.r2),
                    cell(s.squared_correlation),
                    cell(s.ratio),
                ]);
            }
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }
}
