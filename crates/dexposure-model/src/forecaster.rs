//! The [`Forecaster`] trait: what every row of the results table implements.

use crate::error::Result;
use crate::history::WeekGraphs;

/// Predictions for ordered pairs of nodes of week t.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairForecast {
    /// Link score per pair (higher = more likely to exist at t + h). A probability for models
    /// that give one, a heuristic score otherwise.
    pub scores: Vec<f64>,
    /// Predicted ln(1 + w) of the pair at t + h, assuming the link exists.
    pub log_weights: Vec<f64>,
}

/// A link and node forecaster for one horizon h. Every method sees the weeks `0..=t` of
/// `weeks` only: implementations must not read week t + 1 or later.
pub trait Forecaster {
    /// Row name in tables.
    fn name(&self) -> String;

    /// Scores and log-weights of `pairs` (node indices of week t) at t + h.
    fn predict_pairs(
        &self,
        weeks: &WeekGraphs,
        t: usize,
        pairs: &[(u32, u32)],
    ) -> Result<PairForecast>;

    /// Predicted Δ ln(1 + TVL) from t to t + h for every node of week t.
    fn predict_nodes(&self, weeks: &WeekGraphs, t: usize) -> Result<Vec<f64>>;
}
