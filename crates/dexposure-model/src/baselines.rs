//! Baselines of the results table (DESIGN.md §9): the heuristic link scorers of
//! [`dexposure_graph::linkpred::Scorer`] computed on the week graphs, and a logistic regression
//! on the pair features alone.
//!
//! Every baseline forecasts weights by persistence (ln(1 + w_t(u, v)), 0 for a pair not linked
//! at t) and node sizes by no change (Δ ln(1 + TVL) = 0).

use dexposure_graph::linkpred::{PairSampler, Scorer};
use dexposure_graph::rng::SplitMix64;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::features::{FeatureSet, Neighbourhood, Normalizer, PAIR_FEATURES, PairFeaturizer, ln1p};
use crate::forecaster::{Forecaster, PairForecast};
use crate::history::{WeekGraphs, check_anchors};
use crate::pairs::AnchorPairs;

/// Checks that `t` is a week of `weeks` and that every pair is made of node indices of week t.
pub(crate) fn check_pairs(weeks: &WeekGraphs, t: usize, pairs: &[(u32, u32)]) -> Result<()> {
    if t >= weeks.len() {
        return Err(ModelError::InvalidArgument(format!(
            "anchor week {t} is past the last week ({} weeks)",
            weeks.len()
        )));
    }
    let n = weeks.graph(t).node_count();
    if let Some((k, &(u, v))) = pairs
        .iter()
        .enumerate()
        .find(|&(_, &(u, v))| u as usize >= n || v as usize >= n)
    {
        return Err(ModelError::InvalidArgument(format!(
            "pair {k} = ({u}, {v}) is not a pair of nodes of week {t}, which has {n} nodes"
        )));
    }
    Ok(())
}

/// Persistence log-weights: ln(1 + w_t(u, v)), 0 when u → v is not a link at t. The pairs must
/// have been checked.
fn persistence_log_weights(weeks: &WeekGraphs, t: usize, pairs: &[(u32, u32)]) -> Vec<f64> {
    let out = weeks.graph(t).out_csr();
    pairs
        .iter()
        .map(|&(u, v)| ln1p(out.weight(u as usize, v as usize).unwrap_or(0.0)))
        .collect()
}

/// The no-change node forecast: zeros for every node of week t.
fn no_change(weeks: &WeekGraphs, t: usize) -> Result<Vec<f64>> {
    check_pairs(weeks, t, &[])?;
    Ok(vec![0.0; weeks.graph(t).node_count()])
}

/// A heuristic link scorer as a [`Forecaster`]: scores from week t (and, for the decayed
/// history, the weeks before it), persistence log-weights, no-change node forecast.
///
/// The scores are those of [`Scorer::score`] on the snapshots, computed on the week graphs:
///
/// - directed persistence: 1 if u → v is a link at t, else 0;
/// - undirected persistence: 1 if u → v or v → u is a link at t;
/// - decayed history: Σ_k decay^k · 1[u → v at t − k] over the last `window` weeks (k = 0 is
///   t; a week in which u or v is absent contributes 0);
/// - common neighbours, Adamic–Adar (Σ over common neighbours w of 1 / ln deg w, skipping
///   degree-1 neighbours), Jaccard (|N(u) ∩ N(v)| / |N(u) ∪ N(v)|, 0 for two isolated nodes)
///   and preferential attachment (deg u · deg v) on the undirected simple graph of t
///   (self-loops dropped).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HeuristicForecaster {
    /// Which heuristic.
    pub scorer: Scorer,
}

impl HeuristicForecaster {
    /// The forecaster of one heuristic.
    pub fn new(scorer: Scorer) -> Self {
        Self { scorer }
    }

    /// All seven heuristics, in the order of [`Scorer::ALL`]: directed persistence, undirected
    /// persistence, decayed history (decay 0.5, window 8), common neighbours, Adamic–Adar,
    /// Jaccard, preferential attachment.
    pub fn all() -> Vec<Self> {
        Scorer::ALL.iter().map(|&s| Self::new(s)).collect()
    }

    /// Heuristic scores of `pairs` (node indices of week t) from the weeks up to t.
    pub fn scores(&self, weeks: &WeekGraphs, t: usize, pairs: &[(u32, u32)]) -> Result<Vec<f64>> {
        check_pairs(weeks, t, pairs)?;
        let g = weeks.graph(t);
        let out = g.out_csr();
        let linked = |u: u32, v: u32| out.weight(u as usize, v as usize).is_some();
        Ok(match self.scorer {
            Scorer::DirectedPersistence => pairs
                .iter()
                .map(|&(u, v)| f64::from(u8::from(linked(u, v))))
                .collect(),
            Scorer::UndirectedPersistence => pairs
                .iter()
                .map(|&(u, v)| f64::from(u8::from(linked(u, v) || linked(v, u))))
                .collect(),
            Scorer::DecayedHistory { decay, window } => {
                if !(decay > 0.0 && decay <= 1.0) || window == 0 {
                    return Err(ModelError::InvalidArgument(format!(
                        "decayed history needs 0 < decay <= 1 and window >= 1, got decay {decay}, window {window}"
                    )));
                }
                let weeks_back = window.min(t + 1);
                pairs
                    .iter()
                    .map(|&(u, v)| {
                        let (pu, pv) = (g.protocol(u as usize), g.protocol(v as usize));
                        (0..weeks_back)
                            .filter(|&k| {
                                let past = weeks.graph(t - k);
                                past.index_of(pu)
                                    .zip(past.index_of(pv))
                                    .is_some_and(|(a, b)| past.out_csr().weight(a, b).is_some())
                            })
                            .map(|k| decay.powi(k as i32))
                            .sum()
                    })
                    .collect()
            }
            Scorer::CommonNeighbours
            | Scorer::AdamicAdar
            | Scorer::Jaccard
            | Scorer::PreferentialAttachment => {
                let nbrs = Neighbourhood::of(g);
                pairs
                    .iter()
                    .map(|&(u, v)| {
                        let (u, v) = (u as usize, v as usize);
                        let (du, dv) = (nbrs.degree(u), nbrs.degree(v));
                        match self.scorer {
                            Scorer::CommonNeighbours => nbrs.common(u, v).0 as f64,
                            Scorer::AdamicAdar => nbrs.common(u, v).1,
                            Scorer::Jaccard => {
                                let c = nbrs.common(u, v).0;
                                let union = du + dv - c;
                                if union == 0 {
                                    0.0
                                } else {
                                    c as f64 / union as f64
                                }
                            }
                            _ => (du * dv) as f64,
                        }
                    })
                    .collect()
            }
        })
    }
}

impl Forecaster for HeuristicForecaster {
    fn name(&self) -> String {
        self.scorer.name().to_owned()
    }

    fn predict_pairs(
        &self,
        weeks: &WeekGraphs,
        t: usize,
        pairs: &[(u32, u32)],
    ) -> Result<PairForecast> {
        let scores = self.scores(weeks, t, pairs)?;
        Ok(PairForecast {
            scores,
            log_weights: persistence_log_weights(weeks, t, pairs),
        })
    }

    fn predict_nodes(&self, weeks: &WeekGraphs, t: usize) -> Result<Vec<f64>> {
        no_change(weeks, t)
    }
}

/// How [`PairLogistic`] is fitted.
///
/// The objective is the mean log-loss plus `l2 / 2 · ‖β‖²` (the intercept is not penalised),
/// minimised by Newton's method with step halving, in f64, sequentially over fixed-size chunks
/// so that the result does not depend on the thread count. It stops when the largest
/// coefficient change is below `tolerance` or after `max_iterations` steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticConfig {
    /// L2 penalty on the coefficients (> 0 keeps the problem strictly convex).
    pub l2: f64,
    /// Newton steps at most.
    pub max_iterations: usize,
    /// Largest coefficient change that counts as converged.
    pub tolerance: f64,
    /// Training pairs kept per anchor (a seeded uniform subsample of the drawn pairs when
    /// more were drawn), bounding memory on full-scale data; 0 keeps all.
    pub max_pairs_per_anchor: usize,
}

impl Default for LogisticConfig {
    fn default() -> Self {
        Self {
            l2: 1e-4,
            max_iterations: 50,
            tolerance: 1e-8,
            max_pairs_per_anchor: 20_000,
        }
    }
}

impl LogisticConfig {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if !positive(self.l2) || !positive(self.tolerance) || self.max_iterations == 0 {
            return Err(ModelError::InvalidArgument(format!(
                "logistic regression needs l2 > 0, tolerance > 0 and max_iterations >= 1, got {}, {} and {}",
                self.l2, self.tolerance, self.max_iterations
            )));
        }
        Ok(())
    }
}

/// Logistic regression on the z-scored pair features alone (the "pair features only" baseline
/// of DESIGN.md §9): scores = fitted probability, log-weights by persistence, no-change node
/// forecast. Name `pair_logistic`.
///
/// Fitted on the pairs of the training anchors drawn by `PairSampler::new(seed + t)
/// .with_hard_negatives()` (5 uniform negatives per positive plus reverse, vanished and
/// degree-biased negatives), for horizon h.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairLogistic {
    /// The pair features it reads.
    pub features: FeatureSet,
    /// Z-scoring of the pair features, fitted on the training pairs.
    pub normalizer: Normalizer,
    /// Intercept.
    pub intercept: f64,
    /// One coefficient per column of [`PAIR_FEATURES`] (z-scored).
    pub coefficients: Vec<f64>,
    /// Horizon the model was fitted for.
    pub horizon: usize,
    /// Training pairs used.
    pub training_pairs: usize,
    /// Newton steps taken.
    pub iterations: usize,
    /// True when the tolerance was reached within the step limit.
    pub converged: bool,
}

/// Rows of training pairs per chunk of the Newton sums (fixed, so sums are deterministic).
const CHUNK_ROWS: usize = 8192;

impl PairLogistic {
    /// Fits with the default [`LogisticConfig`]. Errors on an empty anchor list, a zero
    /// horizon, an anchor without week t + h, or training pairs of one class only.
    pub fn fit(
        weeks: &WeekGraphs,
        features: &FeatureSet,
        anchors: &[usize],
        h: usize,
        seed: u64,
    ) -> Result<Self> {
        Self::fit_with(
            weeks,
            features,
            anchors,
            h,
            seed,
            &LogisticConfig::default(),
        )
    }

    /// Fits with an explicit configuration (see [`PairLogistic::fit`]).
    pub fn fit_with(
        weeks: &WeekGraphs,
        features: &FeatureSet,
        anchors: &[usize],
        h: usize,
        seed: u64,
        config: &LogisticConfig,
    ) -> Result<Self> {
        features.validate()?;
        config.validate()?;
        check_anchors(weeks, anchors, h, "pair_logistic training")?;
        let dim = PAIR_FEATURES.len();
        let per_anchor: Vec<(Vec<f32>, Vec<bool>)> = anchors
            .par_iter()
            .map(|&t| {
                let sampler = PairSampler::new(seed.wrapping_add(t as u64)).with_hard_negatives();
                let mut drawn = AnchorPairs::sample(weeks, t, h, &sampler)?;
                let cap = config.max_pairs_per_anchor;
                if cap > 0 && drawn.len() > cap {
                    let mut keep: Vec<usize> = (0..drawn.len()).collect();
                    SplitMix64::new(seed ^ (t as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
                        .shuffle(&mut keep);
                    keep.truncate(cap);
                    keep.sort_unstable();
                    drawn = drawn.subset(&keep);
                }
                let rows = PairFeaturizer::new(features, weeks, t).features(&drawn.pairs);
                Ok((rows, drawn.labels))
            })
            .collect::<Result<_>>()?;
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for (r, l) in per_anchor {
            rows.extend(r);
            labels.extend(l);
        }
        let positives = labels.iter().filter(|&&l| l).count();
        if positives == 0 || positives == labels.len() {
            return Err(ModelError::InvalidArgument(format!(
                "pair_logistic needs positive and negative training pairs, got {positives} positives among {} pairs over {} anchors",
                labels.len(),
                anchors.len()
            )));
        }
        let normalizer = Normalizer::fit(&rows, dim)?;
        normalizer.apply(&mut rows);
        let fit = newton(&rows, &labels, dim, config)?;
        Ok(Self {
            features: features.clone(),
            normalizer,
            intercept: fit.beta[0],
            coefficients: fit.beta[1..].to_vec(),
            horizon: h,
            training_pairs: labels.len(),
            iterations: fit.iterations,
            converged: fit.converged,
        })
    }

    /// The fitted logit on another z-scoring of the same pair columns: `(coefficients,
    /// intercept)` with `intercept + Σ coefficients[k] · z'_k` equal to this model's logit
    /// when `z'_k = (x_k − other.mean[k]) / other.std[k]`.
    pub fn logit_on(&self, other: &Normalizer) -> Result<(Vec<f64>, f64)> {
        let dim = self.coefficients.len();
        if other.dim() != dim || self.normalizer.dim() != dim {
            return Err(ModelError::InvalidArgument(format!(
                "pair_logistic has {dim} coefficients, its normalizer {} columns and the target normalizer {}",
                self.normalizer.dim(),
                other.dim()
            )));
        }
        let mut intercept = self.intercept;
        let mut coefficients = Vec::with_capacity(dim);
        for k in 0..dim {
            let (mean, std) = (
                f64::from(self.normalizer.mean[k]),
                f64::from(self.normalizer.std[k]),
            );
            let (mean2, std2) = (f64::from(other.mean[k]), f64::from(other.std[k]));
            intercept += self.coefficients[k] * (mean2 - mean) / std;
            coefficients.push(self.coefficients[k] * std2 / std);
        }
        Ok((coefficients, intercept))
    }

    /// Fitted probabilities of `pairs` (node indices of week t).
    pub fn probabilities(
        &self,
        weeks: &WeekGraphs,
        t: usize,
        pairs: &[(u32, u32)],
    ) -> Result<Vec<f64>> {
        check_pairs(weeks, t, pairs)?;
        let dim = PAIR_FEATURES.len();
        if self.normalizer.dim() != dim || self.coefficients.len() != dim {
            return Err(ModelError::InvalidArgument(format!(
                "pair_logistic has {} coefficients and a normalizer of width {} for {dim} pair features",
                self.coefficients.len(),
                self.normalizer.dim()
            )));
        }
        let mut rows = PairFeaturizer::new(&self.features, weeks, t).features(pairs);
        self.normalizer.apply(&mut rows);
        Ok(rows
            .chunks_exact(dim)
            .map(|row| sigmoid(self.intercept + dot(&self.coefficients, row)))
            .collect())
    }
}

impl Forecaster for PairLogistic {
    fn name(&self) -> String {
        "pair_logistic".to_owned()
    }

    fn predict_pairs(
        &self,
        weeks: &WeekGraphs,
        t: usize,
        pairs: &[(u32, u32)],
    ) -> Result<PairForecast> {
        let scores = self.probabilities(weeks, t, pairs)?;
        Ok(PairForecast {
            scores,
            log_weights: persistence_log_weights(weeks, t, pairs),
        })
    }

    fn predict_nodes(&self, weeks: &WeekGraphs, t: usize) -> Result<Vec<f64>> {
        no_change(weeks, t)
    }
}

fn dot(beta: &[f64], row: &[f32]) -> f64 {
    beta.iter().zip(row).map(|(b, &x)| b * f64::from(x)).sum()
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// ln(1 + e^z), without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

struct NewtonFit {
    /// Intercept first, then one coefficient per column.
    beta: Vec<f64>,
    iterations: usize,
    converged: bool,
}

/// Penalised objective of coefficients `beta` (intercept first).
fn objective(rows: &[f32], labels: &[bool], dim: usize, beta: &[f64], l2: f64) -> f64 {
    let chunks: Vec<f64> = rows
        .par_chunks(CHUNK_ROWS * dim)
        .zip(labels.par_chunks(CHUNK_ROWS))
        .map(|(rows, labels)| {
            rows.chunks_exact(dim)
                .zip(labels)
                .map(|(row, &y)| {
                    let z = beta[0] + dot(&beta[1..], row);
                    softplus(z) - if y { z } else { 0.0 }
                })
                .sum::<f64>()
        })
        .collect();
    let n = labels.len() as f64;
    chunks.iter().sum::<f64>() / n + 0.5 * l2 * beta[1..].iter().map(|b| b * b).sum::<f64>()
}

/// Newton's method with step halving on the penalised mean log-loss.
fn newton(rows: &[f32], labels: &[bool], dim: usize, config: &LogisticConfig) -> Result<NewtonFit> {
    let p = dim + 1;
    let n = labels.len() as f64;
    let mut beta = vec![0.0; p];
    let mut current = objective(rows, labels, dim, &beta, config.l2);
    let mut iterations = 0;
    let mut converged = false;
    while iterations < config.max_iterations {
        iterations += 1;
        // Gradient and Hessian (upper triangle) per chunk, summed in chunk order.
        let chunks: Vec<(Vec<f64>, Vec<f64>)> = rows
            .par_chunks(CHUNK_ROWS * dim)
            .zip(labels.par_chunks(CHUNK_ROWS))
            .map(|(rows, labels)| {
                let mut grad = vec![0.0; p];
                let mut hess = vec![0.0; p * p];
                let mut x = vec![0.0; p];
                for (row, &y) in rows.chunks_exact(dim).zip(labels) {
                    x[0] = 1.0;
                    for (xi, &r) in x[1..].iter_mut().zip(row) {
                        *xi = f64::from(r);
                    }
                    let prob = sigmoid(beta[0] + dot(&beta[1..], row));
                    let residual = prob - f64::from(u8::from(y));
                    let curvature = prob * (1.0 - prob);
                    for i in 0..p {
                        grad[i] += residual * x[i];
                        let cx = curvature * x[i];
                        for j in i..p {
                            hess[i * p + j] += cx * x[j];
                        }
                    }
                }
                (grad, hess)
            })
            .collect();
        let mut grad = vec![0.0; p];
        let mut hess = vec![0.0; p * p];
        for (g, h) in &chunks {
            for (a, b) in grad.iter_mut().zip(g) {
                *a += b;
            }
            for (a, b) in hess.iter_mut().zip(h) {
                *a += b;
            }
        }
        for i in 0..p {
            grad[i] /= n;
            for j in i..p {
                hess[i * p + j] /= n;
                hess[j * p + i] = hess[i * p + j];
            }
            if i > 0 {
                grad[i] += config.l2 * beta[i];
                hess[i * p + i] += config.l2;
            }
            // Keeps the intercept's row positive definite when every probability saturates.
            hess[i * p + i] += 1e-12;
        }
        let Some(step) = cholesky_solve(&hess, &grad, p) else {
            return Err(ModelError::InvalidArgument(
                "pair_logistic: the Newton system is not positive definite".into(),
            ));
        };
        let mut scale = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            let candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - scale * s).collect();
            let value = objective(rows, labels, dim, &candidate, config.l2);
            if value.is_finite() && value <= current {
                beta = candidate;
                current = value;
                accepted = true;
                break;
            }
            scale *= 0.5;
        }
        let change = step.iter().map(|s| (scale * s).abs()).fold(0.0, f64::max);
        if !accepted || change < config.tolerance {
            converged = true;
            break;
        }
    }
    if beta.iter().any(|b| !b.is_finite()) {
        return Err(ModelError::InvalidArgument(
            "pair_logistic: coefficients are not finite".into(),
        ));
    }
    Ok(NewtonFit {
        beta,
        iterations,
        converged,
    })
}

/// Solves `a x = b` for a symmetric positive definite `p × p` matrix; None when it is not.
fn cholesky_solve(a: &[f64], b: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut sum = a[i * p + j];
            for k in 0..j {
                sum -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if !(sum.is_finite() && sum > 0.0) {
                    return None;
                }
                l[i * p + i] = sum.sqrt();
            } else {
                l[i * p + j] = sum / l[j * p + j];
            }
        }
    }
    let mut y = vec![0.0; p];
    for i in 0..p {
        let mut sum = b[i];
        for k in 0..i {
            sum -= l[i * p + k] * y[k];
        }
        y[i] = sum / l[i * p + i];
    }
    let mut x = vec![0.0; p];
    for i in (0..p).rev() {
        let mut sum = y[i];
        for k in i + 1..p {
            sum -= l[k * p + i] * x[k];
        }
        x[i] = sum / l[i * p + i];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dexposure_graph::linkpred::{LabeledPair, PairKind};
    use dexposure_snapshot::SnapshotSeries;

    use crate::test_series::{Week, series};

    /// Four weeks with appearing and vanishing nodes, multi-links and a self-loop.
    fn small_series() -> SnapshotSeries {
        let n5 = [
            ("a", 10.0),
            ("b", 20.0),
            ("c", 30.0),
            ("d", 5.0),
            ("e", 1.0),
        ];
        let n6 = [
            ("a", 10.0),
            ("b", 20.0),
            ("c", 30.0),
            ("d", 5.0),
            ("e", 1.0),
            ("f", 2.0),
        ];
        series(&[
            (
                "2024-01-01",
                &n5[..4],
                &[("a", "b", 1.0), ("b", "c", 2.0), ("c", "d", 1.0)],
            ),
            (
                "2024-01-08",
                &n5,
                &[
                    ("a", "b", 1.0),
                    ("a", "b", 2.0),
                    ("c", "a", 3.0),
                    ("e", "d", 1.0),
                ],
            ),
            (
                "2024-01-15",
                &n6,
                &[
                    ("a", "b", 4.0),
                    ("b", "c", 2.0),
                    ("c", "c", 1.0),
                    ("d", "a", 1.0),
                    ("e", "a", 2.0),
                    ("f", "b", 1.0),
                    ("b", "e", 1.0),
                ],
            ),
            (
                "2024-01-22",
                &n6,
                &[
                    ("a", "b", 4.0),
                    ("b", "a", 1.0),
                    ("c", "d", 1.0),
                    ("e", "f", 2.0),
                ],
            ),
        ])
    }

    #[test]
    fn heuristics_match_scorer_on_snapshots() {
        let series = small_series();
        let weeks = WeekGraphs::new(&series, None).expect("weeks");
        let snapshots: Vec<_> = series.iter().collect();
        let scorers = Scorer::ALL.into_iter().chain([Scorer::DecayedHistory {
            decay: 0.7,
            window: 2,
        }]);
        for scorer in scorers {
            let forecaster = HeuristicForecaster::new(scorer);
            for t in 0..weeks.len() {
                let g = weeks.graph(t);
                let n = g.node_count() as u32;
                let pairs: Vec<(u32, u32)> =
                    (0..n).flat_map(|u| (0..n).map(move |v| (u, v))).collect();
                let labeled: Vec<LabeledPair> = pairs
                    .iter()
                    .map(|&(u, v)| LabeledPair {
                        source: g.protocol(u as usize),
                        target: g.protocol(v as usize),
                        label: false,
                        kind: PairKind::Uniform,
                    })
                    .collect();
                let expected = scorer.score(&snapshots[..=t], &labeled).expect("scorer");
                let got = forecaster
                    .predict_pairs(&weeks, t, &pairs)
                    .expect("forecast");
                assert_eq!(got.scores.len(), expected.len());
                for (k, (a, b)) in got.scores.iter().zip(&expected).enumerate() {
                    assert!(
                        (a - b).abs() < 1e-12,
                        "{} at week {t}, pair {:?}: {a} != {b}",
                        scorer.name(),
                        pairs[k]
                    );
                }
            }
        }
    }

    #[test]
    fn heuristic_forecaster_persists_weights_and_sizes() {
        let series = small_series();
        let weeks = WeekGraphs::new(&series, None).expect("weeks");
        let names: Vec<String> = HeuristicForecaster::all()
            .iter()
            .map(|f| f.name())
            .collect();
        assert_eq!(
            names,
            [
                "directed_persistence",
                "undirected_persistence",
                "decayed_history",
                "common_neighbours",
                "adamic_adar",
                "jaccard",
                "preferential_attachment"
            ]
        );
        let g = weeks.graph(1);
        let a = g.index_of_name("a").expect("a") as u32;
        let b = g.index_of_name("b").expect("b") as u32;
        let f = HeuristicForecaster::new(Scorer::DirectedPersistence);
        let out = f
            .predict_pairs(&weeks, 1, &[(a, b), (b, a)])
            .expect("forecast");
        assert_eq!(out.scores, vec![1.0, 0.0]);
        assert!((out.log_weights[0] - 4.0f64.ln()).abs() < 1e-12); // 1 + 2 merged
        assert_eq!(out.log_weights[1], 0.0);
        assert_eq!(f.predict_nodes(&weeks, 1).expect("nodes"), vec![0.0; 5]);
        assert!(f.predict_pairs(&weeks, 1, &[(0, 9)]).is_err());
        assert!(f.predict_pairs(&weeks, 4, &[]).is_err());
        assert!(f.predict_nodes(&weeks, 4).is_err());
        let bad = HeuristicForecaster::new(Scorer::DecayedHistory {
            decay: 0.0,
            window: 3,
        });
        assert!(bad.predict_pairs(&weeks, 1, &[(a, b)]).is_err());
    }

    /// A series in which a link exists at t + 1 exactly when it exists at t (with some churn),
    /// so that the persistence features separate the classes.
    fn persistent_series(weeks: usize) -> SnapshotSeries {
        let ids: Vec<String> = (0..12).map(|i| format!("p{i}")).collect();
        let nodes: Vec<(&str, f64)> = ids.iter().map(|s| (s.as_str(), 100.0)).collect();
        let mut all_links = Vec::new();
        for w in 0..weeks {
            let mut links = Vec::new();
            for i in 0..12usize {
                links.push((ids[i].as_str(), ids[(i + 1) % 12].as_str(), 5.0));
                if (i + w) % 5 == 0 {
                    links.push((ids[i].as_str(), ids[(i + 4) % 12].as_str(), 1.0));
                }
            }
            all_links.push(links);
        }
        let dates: Vec<String> = (0..weeks)
            .map(|w| {
                (chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")
                    + chrono::Days::new(7 * w as u64))
                .to_string()
            })
            .collect();
        let spec: Vec<Week<'_>> = (0..weeks)
            .map(|w| (dates[w].as_str(), &nodes[..], &all_links[w][..]))
            .collect();
        series(&spec)
    }

    #[test]
    fn pair_logistic_is_deterministic_and_learns_persistence() {
        let series = persistent_series(8);
        let weeks = WeekGraphs::new(&series, None).expect("weeks");
        let features = FeatureSet::default();
        let model = PairLogistic::fit(&weeks, &features, &[0, 1, 2, 3, 4], 1, 7).expect("fit");
        let again = PairLogistic::fit(&weeks, &features, &[0, 1, 2, 3, 4], 1, 7).expect("fit");
        assert_eq!(model, again);
        assert_eq!(model.name(), "pair_logistic");
        assert!(model.converged, "{} iterations", model.iterations);
        assert!(model.training_pairs > 0);
        // The ring links persist; a pair that was never linked should score lower.
        let g = weeks.graph(5);
        let p = |s: &str| g.index_of_name(s).expect("node") as u32;
        let out = model
            .predict_pairs(&weeks, 5, &[(p("p0"), p("p1")), (p("p0"), p("p6"))])
            .expect("forecast");
        assert!(out.scores.iter().all(|s| (0.0..=1.0).contains(s)));
        assert!(
            out.scores[0] > 0.9 && out.scores[1] < 0.1,
            "{:?}",
            out.scores
        );
        assert!((out.log_weights[0] - 6.0f64.ln()).abs() < 1e-12);
        assert_eq!(out.log_weights[1], 0.0);
        assert_eq!(
            model.predict_nodes(&weeks, 5).expect("nodes"),
            vec![0.0; 12]
        );
    }

    #[test]
    fn pair_logistic_rejects_empty_input() {
        let series = persistent_series(4);
        let weeks = WeekGraphs::new(&series, None).expect("weeks");
        let features = FeatureSet::default();
        assert!(PairLogistic::fit(&weeks, &features, &[], 1, 7).is_err());
        assert!(PairLogistic::fit(&weeks, &features, &[0], 0, 7).is_err());
        assert!(PairLogistic::fit(&weeks, &features, &[3], 1, 7).is_err());
        let empty = series_without_links();
        let weeks = WeekGraphs::new(&empty, None).expect("weeks");
        assert!(PairLogistic::fit(&weeks, &features, &[0], 1, 7).is_err());
    }

    fn series_without_links() -> SnapshotSeries {
        let nodes = [("a", 1.0), ("b", 1.0)];
        series(&[("2024-01-01", &nodes, &[]), ("2024-01-08", &nodes, &[])])
    }

    #[test]
    fn cholesky_solves_a_small_system() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let x = cholesky_solve(&a, &[2.0, 1.0], 2).expect("solve");
        assert!((4.0 * x[0] + 2.0 * x[1] - 2.0).abs() < 1e-12);
        assert!((2.0 * x[0] + 3.0 * x[1] - 1.0).abs() < 1e-12);
        assert!(cholesky_solve(&[0.0, 0.0, 0.0, 0.0], &[1.0, 1.0], 2).is_none());
    }
}
