//! The evaluation protocols of DESIGN.md §9 and the results table.
//!
//! [`Evaluation::evaluate`] scores one [`Forecaster`] at one horizon, pooled over anchor weeks.
//! Anchor t draws its pairs with `PairSampler::new(seed + t).with_hard_negatives()`, so every
//! forecaster of a run sees the same pairs, and the uniform part of the draw is exactly that of
//! `PairSampler::new(seed + t)` (positives and uniform negatives are drawn first, the hard
//! negatives after them). The protocols:
//!
//! - (a) **uniform**: positives (links of t + h between nodes of t) against 5 uniform negatives
//!   per positive: AUROC, AUPRC and recall@K with K = the number of positives, pooled;
//! - (b) **hard**: positives against the reverse, vanished and degree-biased negatives (the
//!   uniform ones dropped): AUROC, AUPRC;
//! - (c) **new links**: the positives not linked at t in either direction, against the uniform
//!   negatives of (a): AUROC, AUPRC;
//! - (d) **direction accuracy**: over positives (u, v) whose reverse is not a positive, the share
//!   with score(u, v) > score(v, u), ties counted half;
//! - (e) **full ranking** over the leak-free candidate set of week t
//!   ([`CandidateConfig::candidates`]): the K = |E_t+h| highest-scored candidates are the
//!   forecast links, where E_t+h is the set of distinct non-self links of t + h between nodes
//!   of t. Ties at the cut-off are broken at random in expectation (a tie group that straddles
//!   the cut contributes its positive share per remaining slot), so a heuristic does not gain
//!   from the candidates' order. Precision = hits / Σ min(K, |C|), recall = hits / Σ K, summed
//!   over anchors; recall counts every link of E_t+h, in the candidate set or not.
//!
//! Weight errors are on the positives of (a), on the ln(1 + w) scale: MAE, RMSE, and MAE
//! weighted by the actual linear weight. Node errors are on Δ ln(1 + TVL) over the nodes
//! present at both t and t + h. The actual exposure is Σ of the link sizes of t + h between
//! distinct nodes of t (self-loops excluded), summed over anchors; the predicted exposure is
//! left for the caller to fill.

use std::fmt::Write as _;

use dexposure_graph::linkpred::{
    PairKind, PairSampler, RegressionErrors, auroc, average_precision, recall_at_k,
};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::features::ln1p;
use crate::forecaster::Forecaster;
use crate::history::{WeekGraphs, check_anchors};
use crate::pairs::{AnchorPairs, CandidateConfig};

/// Configuration of an evaluation run: the horizon, the seed of the pair draws and the
/// candidate set of the full-ranking protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Horizon h in weeks (≥ 1).
    pub horizon: usize,
    /// Anchor t draws its pairs with seed `seed + t`.
    pub seed: u64,
    /// Candidate set of protocol (e).
    pub candidates: CandidateConfig,
}

impl Evaluation {
    /// An evaluation at horizon `horizon` with seed `seed` and the default candidate set.
    pub fn new(horizon: usize, seed: u64) -> Self {
        Self {
            horizon,
            seed,
            candidates: CandidateConfig::default(),
        }
    }

    /// Scores `forecaster` on `anchors` (each must have week t + h), pooled over anchors.
    /// Errors on a zero horizon, no anchors, an anchor without week t + h, or a forecast of
    /// the wrong length or with non-finite values.
    pub fn evaluate(
        &self,
        forecaster: &dyn Forecaster,
        weeks: &WeekGraphs,
        anchors: &[usize],
    ) -> Result<ForecastScores> {
        let mut scores = self.evaluate_all(&[forecaster], weeks, anchors)?;
        scores
            .pop()
            .ok_or_else(|| ModelError::InvalidArgument("evaluation produced no scores".into()))
    }

    /// Scores several forecasters on the same pairs, drawing each anchor's pairs and
    /// candidates once; the result is in the order of `forecasters` and equals calling
    /// [`Evaluation::evaluate`] on each.
    pub fn evaluate_all(
        &self,
        forecasters: &[&dyn Forecaster],
        weeks: &WeekGraphs,
        anchors: &[usize],
    ) -> Result<Vec<ForecastScores>> {
        self.evaluate_prepared(forecasters, weeks, &self.prepare(weeks, anchors)?)
    }

    /// Draws the pairs, candidates and targets of every anchor once (anchors in parallel), so
    /// that forecasters scored one after the other ([`Evaluation::evaluate_prepared`]) share
    /// them without drawing them again.
    pub fn prepare(&self, weeks: &WeekGraphs, anchors: &[usize]) -> Result<PreparedAnchors> {
        check_anchors(weeks, anchors, self.horizon, "evaluation")?;
        let setups = anchors
            .par_iter()
            .map(|&t| self.setup(weeks, t))
            .collect::<Result<Vec<_>>>()?;
        Ok(PreparedAnchors {
            evaluation: self.clone(),
            setups,
        })
    }

    /// Scores several forecasters on anchors prepared by this evaluation; equals
    /// [`Evaluation::evaluate_all`] on the same anchors.
    pub fn evaluate_prepared(
        &self,
        forecasters: &[&dyn Forecaster],
        weeks: &WeekGraphs,
        prepared: &PreparedAnchors,
    ) -> Result<Vec<ForecastScores>> {
        if prepared.evaluation != *self {
            return Err(ModelError::InvalidArgument(format!(
                "anchors prepared by {:?} cannot be scored by {self:?}",
                prepared.evaluation
            )));
        }
        let h = self.horizon;
        let mut pools: Vec<Pool> = forecasters.iter().map(|_| Pool::default()).collect();
        for setup in &prepared.setups {
            for (forecaster, pool) in forecasters.iter().zip(&mut pools) {
                pool.add(*forecaster, weeks, setup)?;
            }
        }
        let n = prepared.setups.len();
        forecasters
            .iter()
            .zip(pools)
            .map(|(f, pool)| pool.finish(f.name(), h, self.seed, n))
            .collect()
    }

    /// Draws the pairs, candidates and targets of anchor t.
    fn setup(&self, weeks: &WeekGraphs, t: usize) -> Result<AnchorSetup> {
        let h = self.horizon;
        let sampler = PairSampler::new(self.seed.wrapping_add(t as u64)).with_hard_negatives();
        let drawn = AnchorPairs::sample(weeks, t, h, &sampler)?;
        let (now, later) = (weeks.graph(t), weeks.graph(t + h));
        let later_index = |u: u32| later.index_of(now.protocol(u as usize));
        let later_weight = |(u, v): (u32, u32)| {
            later_index(u)
                .zip(later_index(v))
                .and_then(|(a, b)| later.out_csr().weight(a, b))
        };
        let mut queries = drawn.pairs.clone();
        let sampled = queries.len();
        let index: FxHashMap<(u32, u32), usize> =
            queries.iter().enumerate().map(|(k, &p)| (p, k)).collect();
        let positive_set: FxHashSet<(u32, u32)> = drawn
            .pairs
            .iter()
            .zip(&drawn.labels)
            .filter(|(_, l)| **l)
            .map(|(&p, _)| p)
            .collect();
        let mut positives = Vec::new();
        let mut direction = Vec::new();
        for (k, (&(u, v), &label)) in drawn.pairs.iter().zip(&drawn.labels).enumerate() {
            if !label {
                continue;
            }
            let weight = later_weight((u, v)).unwrap_or(0.0);
            let out = now.out_csr();
            let new_link = out.weight(u as usize, v as usize).is_none()
                && out.weight(v as usize, u as usize).is_none();
            positives.push(PositiveTarget {
                index: k,
                log_weight: ln1p(weight),
                weight,
                new_link,
            });
            if !positive_set.contains(&(v, u)) {
                let reverse = match index.get(&(v, u)) {
                    Some(&r) => r,
                    None => {
                        queries.push((v, u));
                        queries.len() - 1
                    }
                };
                direction.push((k, reverse));
            }
        }
        let candidates = self.candidates.candidates(weeks, t);
        let candidate_start = queries.len();
        let candidate_labels: Vec<bool> = candidates
            .iter()
            .map(|&p| later_weight(p).is_some())
            .collect();
        queries.extend(candidates);
        let nodes: Vec<Option<f64>> = (0..now.node_count())
            .map(|i| later_index(i as u32).map(|j| ln1p(later.tvl()[j]) - ln1p(now.tvl()[i])))
            .collect();
        let mut exposure = 0.0;
        for j in 0..later.node_count() {
            if now.index_of(later.protocol(j)).is_none() {
                continue;
            }
            for (k, w) in later.out_csr().row(j) {
                if k != j && now.index_of(later.protocol(k)).is_some() {
                    exposure += w;
                }
            }
        }
        Ok(AnchorSetup {
            t,
            queries,
            kinds: drawn.kinds[..sampled].to_vec(),
            labels: drawn.labels[..sampled].to_vec(),
            positives,
            direction,
            candidate_start,
            candidate_labels,
            target_links: positive_set.len(),
            nodes,
            exposure,
        })
    }
}

/// A positive of protocol (a) with its regression targets.
struct PositiveTarget {
    /// Position among the anchor's queries.
    index: usize,
    /// ln(1 + w) at t + h.
    log_weight: f64,
    /// w at t + h.
    weight: f64,
    /// Not linked at t in either direction.
    new_link: bool,
}

/// The pairs, candidates and targets of a list of anchors, drawn by one [`Evaluation`].
pub struct PreparedAnchors {
    evaluation: Evaluation,
    setups: Vec<AnchorSetup>,
}

impl PreparedAnchors {
    /// Anchor weeks, in order.
    pub fn anchors(&self) -> Vec<usize> {
        self.setups.iter().map(|s| s.t).collect()
    }
}

impl std::fmt::Debug for PreparedAnchors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedAnchors")
            .field("evaluation", &self.evaluation)
            .field("anchors", &self.anchors())
            .finish()
    }
}

/// Everything one anchor contributes, the same for every forecaster.
struct AnchorSetup {
    t: usize,
    /// Drawn pairs, then reverses of positives that were not drawn, then the candidates.
    queries: Vec<(u32, u32)>,
    /// Kinds of the drawn pairs (the first `kinds.len()` queries).
    kinds: Vec<PairKind>,
    /// Labels of the drawn pairs.
    labels: Vec<bool>,
    positives: Vec<PositiveTarget>,
    /// (positive, its reverse) query positions for direction accuracy.
    direction: Vec<(usize, usize)>,
    /// Position of the first candidate among the queries.
    candidate_start: usize,
    /// Whether each candidate is a link at t + h.
    candidate_labels: Vec<bool>,
    /// |E_t+h|: distinct non-self links of t + h between nodes of t.
    target_links: usize,
    /// Actual Δ ln(1 + TVL) per node of t, None when absent at t + h.
    nodes: Vec<Option<f64>>,
    /// Σ link sizes of t + h between distinct nodes of t.
    exposure: f64,
}

/// Pooled predictions and targets of one forecaster.
#[derive(Default)]
struct Pool {
    uniform: (Vec<f64>, Vec<bool>),
    hard: (Vec<f64>, Vec<bool>),
    new_links: (Vec<f64>, Vec<bool>),
    new_link_positives: usize,
    direction_credit: f64,
    direction_pairs: usize,
    ranking_hits: f64,
    ranking_slots: usize,
    candidates: usize,
    target_links: usize,
    weight_predicted: Vec<f64>,
    weight_actual: Vec<f64>,
    weight_linear: Vec<f64>,
    node_predicted: Vec<f64>,
    node_actual: Vec<f64>,
    exposure: f64,
}

impl Pool {
    fn add(
        &mut self,
        forecaster: &dyn Forecaster,
        weeks: &WeekGraphs,
        s: &AnchorSetup,
    ) -> Result<()> {
        let name = forecaster.name();
        let t = s.t;
        let forecast = forecaster.predict_pairs(weeks, t, &s.queries)?;
        let n = s.queries.len();
        if forecast.scores.len() != n || forecast.log_weights.len() != n {
            return Err(ModelError::InvalidArgument(format!(
                "{name} returned {} scores and {} log-weights for {n} pairs at anchor week {t}",
                forecast.scores.len(),
                forecast.log_weights.len()
            )));
        }
        if let Some(k) = forecast.scores.iter().position(|x| !x.is_finite()) {
            return Err(ModelError::InvalidArgument(format!(
                "{name} gave the non-finite score {} to pair {k} at anchor week {t}",
                forecast.scores[k]
            )));
        }
        let scores = &forecast.scores;
        for (k, (&kind, &label)) in s.kinds.iter().zip(&s.labels).enumerate() {
            let score = scores[k];
            match kind {
                PairKind::Positive => {
                    self.uniform.0.push(score);
                    self.uniform.1.push(label);
                    self.hard.0.push(score);
                    self.hard.1.push(label);
                }
                PairKind::Uniform => {
                    self.uniform.0.push(score);
                    self.uniform.1.push(label);
                    self.new_links.0.push(score);
                    self.new_links.1.push(label);
                }
                PairKind::Reverse | PairKind::Vanished | PairKind::DegreeBiased => {
                    self.hard.0.push(score);
                    self.hard.1.push(label);
                }
            }
        }
        for p in &s.positives {
            if p.new_link {
                self.new_links.0.push(scores[p.index]);
                self.new_links.1.push(true);
                self.new_link_positives += 1;
            }
            let predicted = forecast.log_weights[p.index];
            if !predicted.is_finite() {
                return Err(ModelError::InvalidArgument(format!(
                    "{name} gave the non-finite log-weight {predicted} to pair {} at anchor week {t}",
                    p.index
                )));
            }
            self.weight_predicted.push(predicted);
            self.weight_actual.push(p.log_weight);
            self.weight_linear.push(p.weight);
        }
        for &(forward, reverse) in &s.direction {
            let (a, b) = (scores[forward], scores[reverse]);
            self.direction_credit += if a > b {
                1.0
            } else if a == b {
                0.5
            } else {
                0.0
            };
        }
        self.direction_pairs += s.direction.len();
        let candidate_scores = &scores[s.candidate_start..];
        let k = s.target_links;
        self.ranking_hits += expected_hits_at_k(candidate_scores, &s.candidate_labels, k);
        self.ranking_slots += k.min(candidate_scores.len());
        self.candidates += candidate_scores.len();
        self.target_links += k;
        let nodes = forecaster.predict_nodes(weeks, t)?;
        if nodes.len() != s.nodes.len() {
            return Err(ModelError::InvalidArgument(format!(
                "{name} returned {} node forecasts for the {} nodes of anchor week {t}",
                nodes.len(),
                s.nodes.len()
            )));
        }
        for (i, (&predicted, actual)) in nodes.iter().zip(&s.nodes).enumerate() {
            if let Some(actual) = actual {
                if !predicted.is_finite() {
                    return Err(ModelError::InvalidArgument(format!(
                        "{name} gave the non-finite node forecast {predicted} to node {i} at anchor week {t}"
                    )));
                }
                self.node_predicted.push(predicted);
                self.node_actual.push(*actual);
            }
        }
        self.exposure += s.exposure;
        Ok(())
    }

    fn finish(
        self,
        name: String,
        horizon: usize,
        seed: u64,
        anchors: usize,
    ) -> Result<ForecastScores> {
        let count = |labels: &[bool], value: bool| labels.iter().filter(|&&l| l == value).count();
        let positives = count(&self.uniform.1, true);
        let weights = RegressionErrors::compute(&self.weight_predicted, &self.weight_actual, None)?;
        let total_weight: f64 = self.weight_linear.iter().sum();
        let weighted = if total_weight > 0.0 && total_weight.is_finite() {
            RegressionErrors::compute(
                &self.weight_predicted,
                &self.weight_actual,
                Some(&self.weight_linear),
            )?
        } else {
            None
        };
        let nodes = RegressionErrors::compute(&self.node_predicted, &self.node_actual, None)?;
        let ratio = |num: f64, den: usize| (den > 0).then(|| num / den as f64);
        Ok(ForecastScores {
            name,
            horizon,
            seed,
            anchors,
            positives,
            uniform_negatives: count(&self.uniform.1, false),
            hard_negatives: count(&self.hard.1, false),
            new_link_positives: self.new_link_positives,
            direction_pairs: self.direction_pairs,
            candidates: self.candidates,
            target_links: self.target_links,
            nodes: self.node_actual.len(),
            uniform_auroc: auroc(&self.uniform.0, &self.uniform.1)?,
            uniform_auprc: average_precision(&self.uniform.0, &self.uniform.1)?,
            uniform_recall_at_k: recall_at_k(&self.uniform.0, &self.uniform.1, positives)?,
            hard_auroc: auroc(&self.hard.0, &self.hard.1)?,
            hard_auprc: average_precision(&self.hard.0, &self.hard.1)?,
            new_link_auroc: auroc(&self.new_links.0, &self.new_links.1)?,
            new_link_auprc: average_precision(&self.new_links.0, &self.new_links.1)?,
            direction_accuracy: ratio(self.direction_credit, self.direction_pairs),
            ranking_precision: ratio(self.ranking_hits, self.ranking_slots),
            ranking_recall: ratio(self.ranking_hits, self.target_links),
            weight_mae: weights.map(|e| e.mae),
            weight_rmse: weights.map(|e| e.rmse),
            weight_weighted_mae: weighted.map(|e| e.weighted_mae),
            node_mae: nodes.map(|e| e.mae),
            node_rmse: nodes.map(|e| e.rmse),
            actual_exposure: self.exposure,
            predicted_exposure: None,
            train_seconds: None,
            predict_seconds: None,
        })
    }
}

/// Expected number of positives among the `k` highest scores when ties are broken uniformly
/// at random.
fn expected_hits_at_k(scores: &[f64], labels: &[bool], k: usize) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let (mut hits, mut taken, mut start) = (0.0, 0usize, 0usize);
    while start < order.len() && taken < k {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        let size = end - start;
        let positives = order[start..end].iter().filter(|&&i| labels[i]).count();
        let slots = (k - taken).min(size);
        hits += positives as f64 * slots as f64 / size as f64;
        taken += slots;
        start = end;
    }
    hits
}

/// The scores of one forecaster at one horizon and seed, pooled over anchors. Metrics are None
/// where undefined (e.g. AUROC with one class only, errors without any target).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastScores {
    /// Forecaster name ([`Forecaster::name`]).
    pub name: String,
    /// Horizon h in weeks.
    pub horizon: usize,
    /// Seed of the pair draws.
    pub seed: u64,
    /// Number of anchor weeks pooled.
    pub anchors: usize,
    /// Positives of protocol (a) (links of t + h between nodes of t), over anchors.
    pub positives: usize,
    /// Uniform negatives of protocol (a).
    pub uniform_negatives: usize,
    /// Hard negatives of protocol (b).
    pub hard_negatives: usize,
    /// Positives of protocol (c) (not linked at t in either direction).
    pub new_link_positives: usize,
    /// Pairs of protocol (d).
    pub direction_pairs: usize,
    /// Candidate pairs of protocol (e), over anchors.
    pub candidates: usize,
    /// Σ over anchors of K = |E_t+h| (protocol (e)).
    pub target_links: usize,
    /// Nodes with a node-error term (present at t and t + h), over anchors.
    pub nodes: usize,
    /// (a) AUROC.
    pub uniform_auroc: Option<f64>,
    /// (a) average precision.
    pub uniform_auprc: Option<f64>,
    /// (a) recall at K = number of positives.
    pub uniform_recall_at_k: Option<f64>,
    /// (b) AUROC.
    pub hard_auroc: Option<f64>,
    /// (b) average precision.
    pub hard_auprc: Option<f64>,
    /// (c) AUROC.
    pub new_link_auroc: Option<f64>,
    /// (c) average precision.
    pub new_link_auprc: Option<f64>,
    /// (d) direction accuracy, ties counted half.
    pub direction_accuracy: Option<f64>,
    /// (e) precision at K = |E_t+h| over the candidate set.
    pub ranking_precision: Option<f64>,
    /// (e) recall at K = |E_t+h| over all links of t + h.
    pub ranking_recall: Option<f64>,
    /// MAE of ln(1 + w) on the positives of (a).
    pub weight_mae: Option<f64>,
    /// RMSE of ln(1 + w) on the positives of (a).
    pub weight_rmse: Option<f64>,
    /// MAE of ln(1 + w) weighted by the actual w.
    pub weight_weighted_mae: Option<f64>,
    /// MAE of Δ ln(1 + TVL) on nodes present at t and t + h.
    pub node_mae: Option<f64>,
    /// RMSE of Δ ln(1 + TVL).
    pub node_rmse: Option<f64>,
    /// Σ over anchors of the link sizes of t + h between distinct nodes of t.
    pub actual_exposure: f64,
    /// Σ over anchors of the forecast graph's link sizes, when the caller fills it.
    pub predicted_exposure: Option<f64>,
    /// Wall-clock seconds to train the forecaster, when the caller measured them.
    #[serde(default)]
    pub train_seconds: Option<f64>,
    /// Wall-clock seconds the forecaster spent predicting the anchors' pairs and nodes, when
    /// the caller measured them.
    #[serde(default)]
    pub predict_seconds: Option<f64>,
}

/// The metric columns of [`ResultsTable`], in order. `exposure_ratio` is predicted / actual
/// exposure; the two time columns are filled by callers that time their rows (the benchmark).
pub const METRIC_COLUMNS: [&str; 20] = [
    "uniform_auroc",
    "uniform_auprc",
    "uniform_recall_at_k",
    "hard_auroc",
    "hard_auprc",
    "new_link_auroc",
    "new_link_auprc",
    "direction_accuracy",
    "ranking_precision",
    "ranking_recall",
    "weight_mae",
    "weight_rmse",
    "weight_weighted_mae",
    "node_mae",
    "node_rmse",
    "actual_exposure",
    "predicted_exposure",
    "exposure_ratio",
    "train_seconds",
    "predict_seconds",
];

impl ForecastScores {
    /// Predicted over actual exposure, when both are known and the actual is positive.
    pub fn exposure_ratio(&self) -> Option<f64> {
        self.predicted_exposure
            .filter(|_| self.actual_exposure > 0.0)
            .map(|p| p / self.actual_exposure)
    }

    /// The values of [`METRIC_COLUMNS`], in order.
    pub fn metric_values(&self) -> [Option<f64>; METRIC_COLUMNS.len()] {
        [
            self.uniform_auroc,
            self.uniform_auprc,
            self.uniform_recall_at_k,
            self.hard_auroc,
            self.hard_auprc,
            self.new_link_auroc,
            self.new_link_auprc,
            self.direction_accuracy,
            self.ranking_precision,
            self.ranking_recall,
            self.weight_mae,
            self.weight_rmse,
            self.weight_weighted_mae,
            self.node_mae,
            self.node_rmse,
            Some(self.actual_exposure),
            self.predicted_exposure,
            self.exposure_ratio(),
            self.train_seconds,
            self.predict_seconds,
        ]
    }
}

/// Mean and standard deviation of one metric over the runs of a row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    /// Mean over the runs where the metric is defined; None when it is defined in none.
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1) over those runs; None with fewer than two.
    pub sd: Option<f64>,
    /// Runs where the metric is defined.
    pub count: usize,
}

impl MetricSummary {
    /// Summary of `values`, skipping the undefined ones.
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Self {
        let defined: Vec<f64> = values.into_iter().flatten().collect();
        let n = defined.len();
        let mean = (n > 0).then(|| defined.iter().sum::<f64>() / n as f64);
        let sd = mean.filter(|_| n > 1).map(|m| {
            (defined.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64).sqrt()
        });
        Self { mean, sd, count: n }
    }
}

/// One row of the results table: a model at one horizon, aggregated over its runs (seeds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultsRow {
    /// Model name.
    pub model: String,
    /// Horizon h.
    pub horizon: usize,
    /// Seeds of the runs, in insertion order.
    pub seeds: Vec<u64>,
    /// One summary per column of [`METRIC_COLUMNS`].
    pub metrics: Vec<MetricSummary>,
}

impl ResultsRow {
    /// The summary of metric `column` (a name of [`METRIC_COLUMNS`]).
    pub fn metric(&self, column: &str) -> Option<&MetricSummary> {
        METRIC_COLUMNS
            .iter()
            .position(|c| *c == column)
            .and_then(|k| self.metrics.get(k))
    }
}

/// Every model in one table: mean ± sd over seeds per (model, horizon), rows in the order in
/// which (model, horizon) first appears among the runs.
///
/// Columns, in order: `model`, `horizon`, `runs`, then the [`METRIC_COLUMNS`]
/// (`uniform_auroc`, `uniform_auprc`, `uniform_recall_at_k`, `hard_auroc`, `hard_auprc`,
/// `new_link_auroc`, `new_link_auprc`, `direction_accuracy`, `ranking_precision`,
/// `ranking_recall`, `weight_mae`, `weight_rmse`, `weight_weighted_mae`, `node_mae`,
/// `node_rmse`, `actual_exposure`, `predicted_exposure`, `exposure_ratio`, `train_seconds`,
/// `predict_seconds`). The CSV has a
/// `<metric>_mean` and a `<metric>_sd` column per metric (empty when undefined); Markdown shows
/// `mean ± sd` (just the mean with one run, `–` when undefined).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResultsTable {
    /// Rows, in insertion order.
    pub rows: Vec<ResultsRow>,
}

impl ResultsTable {
    /// Groups `runs` by (name, horizon) and aggregates each group over its runs.
    pub fn from_runs(runs: Vec<ForecastScores>) -> Self {
        let mut groups: Vec<(String, usize, Vec<ForecastScores>)> = Vec::new();
        let mut position: FxHashMap<(String, usize), usize> = FxHashMap::default();
        for run in runs {
            let key = (run.name.clone(), run.horizon);
            match position.get(&key) {
                Some(&k) => groups[k].2.push(run),
                None => {
                    position.insert(key, groups.len());
                    groups.push((run.name.clone(), run.horizon, vec![run]));
                }
            }
        }
        let rows = groups
            .into_iter()
            .map(|(model, horizon, runs)| {
                let values: Vec<_> = runs.iter().map(ForecastScores::metric_values).collect();
                ResultsRow {
                    model,
                    horizon,
                    seeds: runs.iter().map(|r| r.seed).collect(),
                    metrics: (0..METRIC_COLUMNS.len())
                        .map(|c| MetricSummary::of(values.iter().map(|v| v[c])))
                        .collect(),
                }
            })
            .collect();
        Self { rows }
    }

    /// The row of `model` at `horizon`.
    pub fn row(&self, model: &str, horizon: usize) -> Option<&ResultsRow> {
        self.rows
            .iter()
            .find(|r| r.model == model && r.horizon == horizon)
    }

    /// A Markdown table (see the type's documentation for the columns).
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("| model | horizon | runs |");
        for c in METRIC_COLUMNS {
            let _ = write!(out, " {c} |");
        }
        out.push_str("\n|---|---:|---:|");
        for _ in METRIC_COLUMNS {
            out.push_str("---:|");
        }
        out.push('\n');
        for row in &self.rows {
            let _ = write!(
                out,
                "| {} | {} | {} |",
                row.model.replace('|', "\\|"),
                row.horizon,
                row.seeds.len()
            );
            for m in &row.metrics {
                let cell = match (m.mean, m.sd) {
                    (None, _) => "–".to_owned(),
                    (Some(mean), None) => short(mean),
                    (Some(mean), Some(sd)) => format!("{} ± {}", short(mean), short(sd)),
                };
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
        out
    }

    /// A CSV table with a header line (see the type's documentation for the columns); values
    /// at full precision.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("model,horizon,runs");
        for c in METRIC_COLUMNS {
            let _ = write!(out, ",{c}_mean,{c}_sd");
        }
        out.push('\n');
        for row in &self.rows {
            let _ = write!(
                out,
                "{},{},{}",
                csv_field(&row.model),
                row.horizon,
                row.seeds.len()
            );
            for m in &row.metrics {
                let cell = |x: Option<f64>| x.map_or_else(String::new, |x| x.to_string());
                let _ = write!(out, ",{},{}", cell(m.mean), cell(m.sd));
            }
            out.push('\n');
        }
        out
    }

    /// The table as pretty-printed JSON (`{"rows": [{"model", "horizon", "seeds", "metrics":
    /// [{"mean", "sd", "count"}, …]}, …]}`, metrics in [`METRIC_COLUMNS`] order).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| {
            ModelError::InvalidArgument(format!("cannot serialise the results table: {e}"))
        })
    }
}

/// A number for Markdown: 4 decimals, scientific notation for large or tiny magnitudes.
fn short(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baselines::HeuristicForecaster;
    use crate::forecaster::PairForecast;
    use dexposure_graph::linkpred::Scorer;

    use crate::test_series::{Week, series};

    fn weeks(spec: &[Week<'_>]) -> WeekGraphs {
        WeekGraphs::new(&series(spec), None).expect("weeks")
    }

    /// Two weeks: a→b persists, b→c vanishes, c→a appears, d leaves, e arrives (and its link
    /// e→a is not a target: e is not a node of t).
    fn hand_series() -> WeekGraphs {
        weeks(&[
            (
                "2024-01-01",
                &[("a", 10.0), ("b", 20.0), ("c", 30.0), ("d", 5.0)],
                &[("a", "b", 1.0), ("b", "c", 3.0)],
            ),
            (
                "2024-01-08",
                &[("a", 10.0), ("b", 20.0), ("c", 62.0), ("e", 4.0)],
                &[("a", "b", 1.0), ("c", "a", 7.0), ("e", "a", 100.0)],
            ),
        ])
    }

    fn no_sampled_candidates(h: usize, seed: u64) -> Evaluation {
        Evaluation {
            horizon: h,
            seed,
            candidates: CandidateConfig {
                two_hop_per_node: 20,
                sampled_per_node: 0,
                seed: 1,
            },
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn directed_persistence_hand_checked() {
        let w = hand_series();
        let eval = no_sampled_candidates(1, 3);
        let f = HeuristicForecaster::new(Scorer::DirectedPersistence);
        let s = eval.evaluate(&f, &w, &[0]).expect("evaluate");
        assert_eq!(s.name, "directed_persistence");
        assert_eq!((s.positives, s.uniform_negatives), (2, 10)); // all 12 − 2 ordered pairs
        // Positives score 1 (a→b) and 0 (c→a); negatives: b→c scores 1, nine score 0.
        assert!(close(s.uniform_auroc, 14.0 / 20.0), "{:?}", s.uniform_auroc);
        assert!(
            close(s.uniform_auprc, 0.25 + 0.5 / 6.0),
            "{:?}",
            s.uniform_auprc
        );
        assert!(close(s.uniform_recall_at_k, 0.5));
        // Every hard negative was already drawn as a uniform one: no negatives left.
        assert_eq!(s.hard_negatives, 0);
        assert_eq!(s.hard_auroc, None);
        assert!(close(s.hard_auprc, 1.0));
        // c→a is the only new link: it ties with nine negatives and loses to b→c.
        assert_eq!(s.new_link_positives, 1);
        assert!(close(s.new_link_auroc, 0.45));
        assert!(close(s.new_link_auprc, 1.0 / 11.0));
        // a→b beats b→a; c→a ties with a→c.
        assert_eq!(s.direction_pairs, 2);
        assert!(close(s.direction_accuracy, 0.75));
        // Candidates: ab, ba, bc, cb (linked) and ac, ca (two hops); K = 2; top 2 = ab, bc.
        assert_eq!((s.candidates, s.target_links), (6, 2));
        assert!(close(s.ranking_precision, 0.5));
        assert!(close(s.ranking_recall, 0.5));
        let ln8 = 8.0f64.ln();
        assert!(close(s.weight_mae, ln8 / 2.0));
        assert!(close(s.weight_rmse, ln8 / 2.0f64.sqrt()));
        assert!(close(s.weight_weighted_mae, 7.0 * ln8 / 8.0));
        let dc = 63.0f64.ln() - 31.0f64.ln();
        assert_eq!(s.nodes, 3);
        assert!(close(s.node_mae, dc / 3.0));
        assert!(close(s.node_rmse, dc / 3.0f64.sqrt()));
        assert_eq!(s.actual_exposure, 8.0);
        assert_eq!(s.predicted_exposure, None);
    }

    #[test]
    fn ranking_ties_count_in_expectation() {
        let w = hand_series();
        let eval = no_sampled_candidates(1, 3);
        let f = HeuristicForecaster::new(Scorer::UndirectedPersistence);
        let s = eval.evaluate(&f, &w, &[0]).expect("evaluate");
        // ab, ba, bc, cb tie at 1 with one link of t + 1 among them; two slots.
        assert!(close(s.ranking_recall, 0.25));
        assert!(close(s.ranking_precision, 0.25));
        assert_eq!(
            expected_hits_at_k(&[1.0, 1.0, 0.5], &[false, true, true], 3),
            2.0
        );
        assert_eq!(
            expected_hits_at_k(&[1.0, 1.0, 0.5], &[false, true, true], 1),
            0.5
        );
        assert_eq!(expected_hits_at_k(&[], &[], 4), 0.0);
    }

    /// Reads the future: scores 1 for the links of t + h, exact weights and sizes.
    struct Oracle {
        h: usize,
    }

    impl Forecaster for Oracle {
        fn name(&self) -> String {
            "oracle".into()
        }

        fn predict_pairs(
            &self,
            weeks: &WeekGraphs,
            t: usize,
            pairs: &[(u32, u32)],
        ) -> Result<PairForecast> {
            let (now, later) = (weeks.graph(t), weeks.graph(t + self.h));
            let weight = |u: u32, v: u32| {
                later
                    .index_of(now.protocol(u as usize))
                    .zip(later.index_of(now.protocol(v as usize)))
                    .and_then(|(a, b)| later.out_csr().weight(a, b))
            };
            Ok(PairForecast {
                scores: pairs
                    .iter()
                    .map(|&(u, v)| f64::from(u8::from(weight(u, v).is_some())))
                    .collect(),
                log_weights: pairs
                    .iter()
                    .map(|&(u, v)| ln1p(weight(u, v).unwrap_or(0.0)))
                    .collect(),
            })
        }

        fn predict_nodes(&self, weeks: &WeekGraphs, t: usize) -> Result<Vec<f64>> {
            let (now, later) = (weeks.graph(t), weeks.graph(t + self.h));
            Ok((0..now.node_count())
                .map(|i| {
                    later
                        .index_of(now.protocol(i))
                        .map_or(0.0, |j| ln1p(later.tvl()[j]) - ln1p(now.tvl()[i]))
                })
                .collect())
        }
    }

    /// Twenty nodes over five weeks with churn of nodes, links and sizes: a persistent ring
    /// plus links that move every week.
    fn churn_series() -> WeekGraphs {
        let ids: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
        let dates: Vec<String> = (0..5)
            .map(|w| {
                (chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")
                    + chrono::Days::new(7 * w as u64))
                .to_string()
            })
            .collect();
        let nodes: Vec<Vec<(&str, f64)>> = (0..5)
            .map(|w| {
                ids.iter()
                    .enumerate()
                    .filter(|(i, _)| (i + w) % 7 != 0)
                    .map(|(i, s)| (s.as_str(), (10 * (i + 1) + 3 * w) as f64))
                    .collect()
            })
            .collect();
        let links: Vec<Vec<(&str, &str, f64)>> = (0..5)
            .map(|w| {
                let mut l = Vec::new();
                for i in 0..20usize {
                    for j in 0..20usize {
                        let present = |k: usize| !(k + w).is_multiple_of(7);
                        let ring = j == (i + 1) % 20;
                        if i != j
                            && present(i)
                            && present(j)
                            && (ring || (i * 3 + j * 5 + w) % 17 == 0)
                        {
                            l.push((ids[i].as_str(), ids[j].as_str(), (1 + i + j + w) as f64));
                        }
                    }
                }
                l
            })
            .collect();
        let spec: Vec<Week<'_>> = (0..5)
            .map(|w| (dates[w].as_str(), &nodes[w][..], &links[w][..]))
            .collect();
        weeks(&spec)
    }

    #[test]
    fn oracle_is_perfect() {
        let w = churn_series();
        for h in [1, 2] {
            let eval = Evaluation::new(h, 11);
            let anchors: Vec<usize> = (0..w.len() - h).collect();
            let s = eval
                .evaluate(&Oracle { h }, &w, &anchors)
                .expect("evaluate");
            assert!(s.positives > 0 && s.hard_negatives > 0 && s.new_link_positives > 0);
            assert_eq!(s.uniform_auroc, Some(1.0));
            assert_eq!(s.uniform_auprc, Some(1.0));
            assert_eq!(s.uniform_recall_at_k, Some(1.0));
            assert_eq!(s.hard_auroc, Some(1.0));
            assert_eq!(s.new_link_auroc, Some(1.0));
            assert_eq!(s.direction_accuracy, Some(1.0));
            assert_eq!(s.weight_mae, Some(0.0));
            assert_eq!(s.node_mae, Some(0.0));
            // Recall = share of the links of t + h that are candidates.
            let (mut in_candidates, mut links, mut slots) = (0usize, 0usize, 0usize);
            for &t in &anchors {
                let (now, later) = (w.graph(t), w.graph(t + h));
                let cands: FxHashSet<(u32, u32)> =
                    eval.candidates.candidates(&w, t).into_iter().collect();
                let links_before = links;
                for i in 0..later.node_count() {
                    for &j in later.out_csr().neighbours(i) {
                        let (a, b) = (
                            now.index_of(later.protocol(i)),
                            now.index_of(later.protocol(j as usize)),
                        );
                        if let (Some(a), Some(b)) = (a, b)
                            && a != b
                        {
                            links += 1;
                            in_candidates += usize::from(cands.contains(&(a as u32, b as u32)));
                        }
                    }
                }
                slots += (links - links_before).min(cands.len());
            }
            assert_eq!(s.target_links, links);
            // The oracle ranks every candidate link first.
            assert!(close(
                s.ranking_precision,
                in_candidates as f64 / slots as f64
            ));
            assert!(close(s.ranking_recall, in_candidates as f64 / links as f64));
        }
    }

    #[test]
    fn persistence_on_a_repeated_week_is_exact() {
        let nodes = [
            ("a", 1.0),
            ("b", 2.0),
            ("c", 3.0),
            ("d", 4.0),
            ("e", 5.0),
            ("f", 6.0),
            ("g", 7.0),
            ("h", 8.0),
            ("i", 9.0),
            ("j", 10.0),
        ];
        let links = [
            ("a", "b", 2.0),
            ("b", "c", 1.0),
            ("c", "a", 5.0),
            ("d", "e", 1.0),
        ];
        let w = weeks(&[
            ("2024-01-01", &nodes, &links),
            ("2024-01-08", &nodes, &links),
        ]);
        let eval = Evaluation::new(1, 5);
        let f = HeuristicForecaster::new(Scorer::DirectedPersistence);
        let s = eval.evaluate(&f, &w, &[0]).expect("evaluate");
        assert_eq!(s.uniform_auroc, Some(1.0));
        assert_eq!(s.hard_auroc, Some(1.0));
        assert_eq!(s.direction_accuracy, Some(1.0));
        assert_eq!(s.direction_pairs, 4);
        assert_eq!(s.ranking_precision, Some(1.0));
        assert_eq!(s.ranking_recall, Some(1.0));
        assert_eq!(s.weight_mae, Some(0.0));
        assert_eq!(s.node_mae, Some(0.0));
        assert_eq!(s.new_link_positives, 0);
        assert_eq!(s.new_link_auroc, None);
        assert_eq!(s.actual_exposure, 9.0);
    }

    #[test]
    fn forecasters_see_the_same_pairs() {
        let w = churn_series();
        let eval = Evaluation::new(1, 2);
        let anchors = [0, 1, 2, 3];
        let all = HeuristicForecaster::all();
        let refs: Vec<&dyn Forecaster> = all.iter().map(|f| f as &dyn Forecaster).collect();
        let together = eval.evaluate_all(&refs, &w, &anchors).expect("evaluate");
        for (f, s) in all.iter().zip(&together) {
            assert_eq!(&eval.evaluate(f, &w, &anchors).expect("evaluate"), s);
        }
        let counts = |s: &ForecastScores| (s.positives, s.uniform_negatives, s.hard_negatives);
        assert!(together.iter().all(|s| counts(s) == counts(&together[0])));
        // Undirected persistence cannot order a pair's two directions.
        let undirected = &together[1];
        assert_eq!(undirected.name, "undirected_persistence");
        assert!(close(undirected.direction_accuracy, 0.5));
    }

    #[test]
    fn bad_arguments_and_forecasts_are_errors() {
        let w = hand_series();
        let f = HeuristicForecaster::new(Scorer::DirectedPersistence);
        assert!(Evaluation::new(0, 1).evaluate(&f, &w, &[0]).is_err());
        assert!(Evaluation::new(1, 1).evaluate(&f, &w, &[]).is_err());
        assert!(Evaluation::new(1, 1).evaluate(&f, &w, &[1]).is_err());

        struct Short;
        impl Forecaster for Short {
            fn name(&self) -> String {
                "short".into()
            }
            fn predict_pairs(
                &self,
                _: &WeekGraphs,
                _: usize,
                pairs: &[(u32, u32)],
            ) -> Result<PairForecast> {
                Ok(PairForecast {
                    scores: vec![f64::NAN; pairs.len()],
                    log_weights: vec![0.0; pairs.len().saturating_sub(1)],
                })
            }
            fn predict_nodes(&self, _: &WeekGraphs, _: usize) -> Result<Vec<f64>> {
                Ok(Vec::new())
            }
        }
        assert!(Evaluation::new(1, 1).evaluate(&Short, &w, &[0]).is_err());

        // Anchors prepared once score like a fresh evaluation, and only by their evaluation.
        let prepared = Evaluation::new(1, 1).prepare(&w, &[0]).expect("prepare");
        assert_eq!(prepared.anchors(), vec![0]);
        assert_eq!(
            Evaluation::new(1, 1)
                .evaluate_prepared(&[&f], &w, &prepared)
                .expect("scores")[0],
            Evaluation::new(1, 1)
                .evaluate(&f, &w, &[0])
                .expect("scores")
        );
        assert!(
            Evaluation::new(1, 2)
                .evaluate_prepared(&[&f], &w, &prepared)
                .is_err()
        );
    }

    fn run(name: &str, horizon: usize, seed: u64, auroc: Option<f64>) -> ForecastScores {
        ForecastScores {
            name: name.into(),
            horizon,
            seed,
            anchors: 1,
            positives: 0,
            uniform_negatives: 0,
            hard_negatives: 0,
            new_link_positives: 0,
            direction_pairs: 0,
            candidates: 0,
            target_links: 0,
            nodes: 0,
            uniform_auroc: auroc,
            uniform_auprc: None,
            uniform_recall_at_k: None,
            hard_auroc: None,
            hard_auprc: None,
            new_link_auroc: None,
            new_link_auprc: None,
            direction_accuracy: None,
            ranking_precision: None,
            ranking_recall: None,
            weight_mae: None,
            weight_rmse: None,
            weight_weighted_mae: None,
            node_mae: None,
            node_rmse: None,
            actual_exposure: 100.0,
            predicted_exposure: Some(50.0 * seed as f64),
            train_seconds: None,
            predict_seconds: None,
        }
    }

    #[test]
    fn results_table_aggregates_over_seeds() {
        let table = ResultsTable::from_runs(vec![
            run("model", 4, 1, Some(0.7)),
            run("persistence", 4, 1, Some(0.6)),
            run("model", 4, 2, Some(0.8)),
            run("model", 1, 1, None),
            run("model", 4, 3, Some(0.9)),
        ]);
        let keys: Vec<(&str, usize)> = table
            .rows
            .iter()
            .map(|r| (r.model.as_str(), r.horizon))
            .collect();
        assert_eq!(keys, [("model", 4), ("persistence", 4), ("model", 1)]);
        let row = table.row("model", 4).expect("row");
        assert_eq!(row.seeds, [1, 2, 3]);
        let auroc = row.metric("uniform_auroc").expect("column");
        assert!(close(auroc.mean, 0.8));
        assert!(close(auroc.sd, 0.1));
        assert_eq!(auroc.count, 3);
        let ratio = row.metric("exposure_ratio").expect("column");
        assert!(close(ratio.mean, 1.0)); // 0.5, 1.0, 1.5
        assert!(close(ratio.sd, 0.5));
        let single = table.row("persistence", 4).expect("row");
        let m = single.metric("uniform_auroc").expect("column");
        assert!(close(m.mean, 0.6) && m.sd.is_none());
        let undefined = table.row("model", 1).expect("row");
        assert_eq!(
            undefined.metric("uniform_auroc").expect("column").mean,
            None
        );

        let md = table.to_markdown();
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines.len(), 2 + 3);
        assert!(lines[0].starts_with("| model | horizon | runs | uniform_auroc |"));
        assert!(
            lines[2].starts_with("| model | 4 | 3 | 0.8000 ± 0.1000 |"),
            "{}",
            lines[2]
        );
        assert!(
            lines[3].starts_with("| persistence | 4 | 1 | 0.6000 | – |"),
            "{}",
            lines[3]
        );
        let csv = table.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("model,horizon,runs,uniform_auroc_mean,uniform_auroc_sd,"));
        assert_eq!(lines[0].split(',').count(), 3 + 2 * METRIC_COLUMNS.len());
        assert!(lines[3].starts_with("model,1,1,,,"), "{}", lines[3]);
        assert!(
            lines
                .iter()
                .all(|l| l.split(',').count() == 3 + 2 * METRIC_COLUMNS.len())
        );
        let json = table.to_json().expect("json");
        let back: ResultsTable = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, table);
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
