//! Link-prediction utilities shared by the simulator's calibration and the forecasting model:
//! labelled pairs for a week pair (t, t+h), baseline scorers, and scikit-learn-compatible
//! metrics.
//!
//! ```
//! use dexposure_graph::linkpred::{evaluate_horizon, PairSampler, Scorer};
//! use dexposure_snapshot::SeriesLoader;
//! let json = br#"{"data": {
//!   "2024-01-01": {"nodes": [{"id": "a", "size": 1.0, "composition": {}}, {"id": "b", "size": 1.0, "composition": {}},
//!                            {"id": "c", "size": 1.0, "composition": {}}],
//!                  "links": [{"source": "a", "target": "b", "size": 1.0, "composition": {}}]},
//!   "2024-01-08": {"nodes": [{"id": "a", "size": 1.0, "composition": {}}, {"id": "b", "size": 1.0, "composition": {}},
//!                            {"id": "c", "size": 1.0, "composition": {}}],
//!                  "links": [{"source": "a", "target": "b", "size": 1.0, "composition": {}}]}}}"#;
//! let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
//! let score = evaluate_horizon(&series, 1, Scorer::DirectedPersistence, &PairSampler::new(1))?;
//! assert_eq!(score.pooled_auroc, Some(1.0)); // the only positive persisted
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod metrics;
mod pairs;
mod score;

pub use metrics::{RegressionErrors, auroc, average_precision, recall_at_k};
pub use pairs::{LabeledPair, PairKind, PairSampler, count_by_kind};
pub use score::Scorer;

use dexposure_snapshot::{Snapshot, SnapshotSeries};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// A scorer's link-prediction quality at one horizon, over every anchor week of a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonScore {
    /// Scorer name.
    pub scorer: String,
    /// Horizon h in weeks (series positions).
    pub horizon: usize,
    /// Number of anchor weeks t with at least one positive and one negative.
    pub anchors: usize,
    /// Positives over all anchors.
    pub positives: usize,
    /// Negatives over all anchors.
    pub negatives: usize,
    /// AUROC of all anchors' pairs pooled together.
    pub pooled_auroc: Option<f64>,
    /// Average precision of all anchors' pairs pooled together.
    pub pooled_auprc: Option<f64>,
    /// Mean of the per-anchor AUROC.
    pub mean_auroc: Option<f64>,
    /// Mean of the per-anchor average precision.
    pub mean_auprc: Option<f64>,
}

/// Scores every anchor t of `series` against t+h (in parallel) and pools the pairs. Anchor t
/// draws its pairs with seed `sampler.seed + t`, so results do not depend on thread count.
/// History scorers see the weeks up to t.
pub fn evaluate_horizon(
    series: &SnapshotSeries,
    horizon: usize,
    scorer: Scorer,
    sampler: &PairSampler,
) -> Result<HorizonScore> {
    let weeks: Vec<&Snapshot> = series.iter().collect();
    let anchors: Vec<usize> = (0..weeks.len().saturating_sub(horizon))
        .filter(|_| horizon > 0)
        .collect();
    let per_anchor: Vec<(Vec<f64>, Vec<bool>)> = anchors
        .par_iter()
        .map(|&t| {
            let mut anchor_sampler = sampler.clone();
            anchor_sampler.seed = sampler.seed.wrapping_add(t as u64);
            let pairs = anchor_sampler.sample(weeks[t], weeks[t + horizon])?;
            let scores = scorer.score(&weeks[..=t], &pairs)?;
            Ok((scores, pairs.iter().map(|p| p.label).collect()))
        })
        .collect::<Result<_>>()?;
    let (mut all_scores, mut all_labels) = (Vec::new(), Vec::new());
    let (mut aurocs, mut auprcs) = (Vec::new(), Vec::new());
    for (scores, labels) in &per_anchor {
        if let (Some(a), Some(p)) = (auroc(scores, labels)?, average_precision(scores, labels)?) {
            aurocs.push(a);
            auprcs.push(p);
        }
        all_scores.extend_from_slice(scores);
        all_labels.extend_from_slice(labels);
    }
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let positives = all_labels.iter().filter(|&&l| l).count();
    Ok(HorizonScore {
        scorer: scorer.name().to_owned(),
        horizon,
        anchors: aurocs.len(),
        positives,
        negatives: all_labels.len() - positives,
        pooled_auroc: auroc(&all_scores, &all_labels)?,
        pooled_auprc: average_precision(&all_scores, &all_labels)?,
        mean_auroc: mean(&aurocs),
        mean_auprc: mean(&auprcs),
    })
}
