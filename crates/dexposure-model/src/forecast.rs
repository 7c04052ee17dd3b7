//! Inference with a trained model, and the leak-free forecast graph Ĝ_{t+h} (DESIGN.md §9).

use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use dexposure_graph::ExposureGraph;
use dexposure_snapshot::{Link, NaiveDate, Node, Snapshot, SnapshotSeries};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::features::{FeatureScaling, PairFeaturizer, ln1p};
use crate::forecaster::{Forecaster, PairForecast};
use crate::history::WeekGraphs;
use crate::model::{GraphTabularTransformer, GraphTensors, float_matrix, pair_indices};
use crate::pairs::CandidateConfig;

/// Turns model outputs into a forecast graph; fitted on validation weeks.
///
/// - `threshold` τ: a candidate pair becomes a link when its probability exceeds τ. Chosen so
///   that, pooled over the validation anchors, the number of predicted links equals the
///   number of actual links.
/// - `log_weight_variance` σ²: variance of the log-weight error on validation positives; the
///   expected linear weight is `exp(μ + σ²/2) − 1` for a predicted ln(1 + w) = μ.
/// - `weight_scale`: factor making the total predicted exposure equal the actual total on
///   the validation anchors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Probability threshold τ.
    pub threshold: f64,
    /// Variance of the log-weight error.
    pub log_weight_variance: f64,
    /// Multiplicative weight correction.
    pub weight_scale: f64,
}

impl Default for Calibration {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            log_weight_variance: 0.0,
            weight_scale: 1.0,
        }
    }
}

impl Calibration {
    /// Expected linear weight of a link with predicted ln(1 + w) = `mu`.
    pub fn expected_weight(&self, mu: f64) -> f64 {
        ((mu + 0.5 * self.log_weight_variance).exp() - 1.0).max(0.0) * self.weight_scale
    }
}

/// Raw model outputs for one anchor week.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelOutputs {
    /// Link probability per pair.
    pub probabilities: Vec<f64>,
    /// Predicted ln(1 + w) at t + h per pair (ln(1 + w_t) + residual, at least 0).
    pub log_weights: Vec<f64>,
    /// Predicted Δ ln(1 + TVL) per node of week t.
    pub node_deltas: Vec<f64>,
}

/// Node embeddings of one anchor week and the node head's output.
pub(crate) struct EncodedWeek {
    z: Option<Tensor<2>>,
    node_deltas: Vec<f64>,
}

/// Runs the encoder and the node head of `model` on week t.
pub(crate) fn encode_week(
    model: &GraphTabularTransformer,
    scaling: &FeatureScaling,
    weeks: &WeekGraphs,
    t: usize,
    device: &Device,
) -> Result<EncodedWeek> {
    let g = weeks.graph(t);
    let n = g.node_count();
    if n == 0 {
        return Ok(EncodedWeek {
            z: None,
            node_deltas: Vec::new(),
        });
    }
    let mut node_x = scaling.features.node_features(weeks, t);
    scaling.node.apply(&mut node_x);
    let graph = GraphTensors::new(g, device);
    let z = model.embed(float_matrix(node_x, n, scaling.node.dim(), device), &graph);
    let node_deltas = to_f64(model.heads.nodes(z.clone(), &graph))?;
    Ok(EncodedWeek {
        z: Some(z),
        node_deltas,
    })
}

/// Pairs per link-head call: bounds memory on full-scale candidate sets; the chunks run in
/// parallel.
const PAIR_CHUNK: usize = 32_768;

/// Link probabilities and predicted ln(1 + w) of `pairs` (node indices of the featurizer's
/// week) from the embeddings of that week.
pub(crate) fn score_pairs(
    model: &GraphTabularTransformer,
    scaling: &FeatureScaling,
    featurizer: &PairFeaturizer<'_>,
    encoded: &EncodedWeek,
    pairs: &[(u32, u32)],
    device: &Device,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let Some(z) = &encoded.z else {
        return Ok((Vec::new(), Vec::new()));
    };
    let g = featurizer.weeks().graph(featurizer.anchor());
    let chunks = pairs
        .par_chunks(PAIR_CHUNK)
        .map(|chunk| {
            let mut pair_x = featurizer.features(chunk);
            scaling.pair.apply(&mut pair_x);
            let p = chunk.len();
            let (src, dst) = pair_indices(chunk, device);
            let out = model.heads.links(
                z.clone(),
                src,
                dst,
                float_matrix(pair_x, p, scaling.pair.dim(), device),
            );
            let logits = out.clone().narrow(1, 0, 1).reshape([p]);
            let residual = to_f64(out.narrow(1, 1, 1).reshape([p]))?;
            let probabilities = to_f64(sigmoid(logits))?;
            Ok((
                probabilities,
                log_weights_from_residuals(g, chunk, residual),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let (mut probabilities, mut log_weights) = (Vec::new(), Vec::new());
    for (p, w) in chunks {
        probabilities.extend(p);
        log_weights.extend(w);
    }
    Ok((probabilities, log_weights))
}

/// Predicted ln(1 + w) at t + h of `pairs` of week `g`: ln(1 + w_t) plus the predicted
/// residual, at least 0.
pub(crate) fn log_weights_from_residuals(
    g: &ExposureGraph,
    pairs: &[(u32, u32)],
    residuals: Vec<f64>,
) -> Vec<f64> {
    pairs
        .iter()
        .zip(residuals)
        .map(|(&(u, v), r)| {
            let now = ln1p(g.out_csr().weight(u as usize, v as usize).unwrap_or(0.0));
            (now + r).max(0.0)
        })
        .collect()
}

/// Runs `model` on the anchor week of `featurizer` for `pairs` (node indices of that week).
/// The featurizer (and the neighbourhood it holds) is built once per week by the caller.
pub(crate) fn run_model(
    model: &GraphTabularTransformer,
    scaling: &FeatureScaling,
    featurizer: &PairFeaturizer<'_>,
    pairs: &[(u32, u32)],
    device: &Device,
) -> Result<ModelOutputs> {
    let encoded = encode_week(
        model,
        scaling,
        featurizer.weeks(),
        featurizer.anchor(),
        device,
    )?;
    let (probabilities, log_weights) =
        score_pairs(model, scaling, featurizer, &encoded, pairs, device)?;
    Ok(ModelOutputs {
        probabilities,
        log_weights,
        node_deltas: encoded.node_deltas,
    })
}

pub(crate) fn to_f64<const D: usize>(t: Tensor<D>) -> Result<Vec<f64>> {
    t.into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .map(|v| v.into_iter().map(f64::from).collect())
        .map_err(|e| ModelError::InvalidArgument(format!("reading a tensor back: {e:?}")))
}

/// Which scored candidate pairs become links of Ĝ_{t+h}.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkRule {
    /// Every candidate with probability above the calibrated threshold τ (DESIGN.md §9).
    #[default]
    Threshold,
    /// For each protocol u of week t, its k_u most probable candidates as source, k_u = u's
    /// out-degree at t (distinct targets, self-loops excluded): the degree sequence of G_t is
    /// kept and the model chooses the targets.
    OutDegree,
}

impl LinkRule {
    /// Name on the command line: `threshold` or `out-degree`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Threshold => "threshold",
            Self::OutDegree => "out-degree",
        }
    }
}

impl std::str::FromStr for LinkRule {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "threshold" => Ok(Self::Threshold),
            "out-degree" | "out_degree" => Ok(Self::OutDegree),
            other => Err(ModelError::InvalidArgument(format!(
                "unknown link rule {other:?} (expected threshold or out-degree)"
            ))),
        }
    }
}

/// A trained model ready to forecast one horizon: weights on an inference device, the feature
/// scaling it was trained with, and its calibration.
#[derive(Debug, Clone)]
pub struct TrainedForecaster {
    /// The model (on `device`, without autodiff).
    pub model: GraphTabularTransformer,
    /// Features and their z-scoring.
    pub scaling: FeatureScaling,
    /// Ĝ calibration.
    pub calibration: Calibration,
    /// Horizon h in weeks.
    pub horizon: usize,
    /// Leak-free candidate set.
    pub candidates: CandidateConfig,
    /// Device it runs on.
    pub device: Device,
    /// Which candidates become links of Ĝ (default: the calibrated threshold).
    pub links: LinkRule,
}

/// The forecast Ĝ_{t+h}: an exposure graph built from week t alone, with the scores behind it.
#[derive(Debug, Clone)]
pub struct ForecastGraph {
    /// Date of the anchor week t.
    pub anchor: NaiveDate,
    /// Date forecast, t + 7h days.
    pub target: NaiveDate,
    /// Ĝ as a week of the DeXposure format (nodes of t with predicted sizes; predicted links
    /// with expected weights; compositions empty).
    pub snapshot: Snapshot,
    /// Ĝ as a graph, for every metric and stress tool.
    pub graph: ExposureGraph,
    /// Every candidate pair scored (node indices of week t).
    pub candidates: Vec<(u32, u32)>,
    /// Probability of each candidate.
    pub probabilities: Vec<f64>,
    /// Predicted ln(1 + w) of each candidate.
    pub log_weights: Vec<f64>,
}

impl ForecastGraph {
    /// Ĝ as a one-week series in the DeXposure format (`symbols` from `weeks`).
    pub fn to_series(&self, weeks: &WeekGraphs) -> Result<SnapshotSeries> {
        Ok(SnapshotSeries::new(
            weeks.symbols().clone(),
            vec![self.snapshot.clone()],
        )?)
    }

    /// Total predicted exposure (sum of link weights).
    pub fn total_exposure(&self) -> f64 {
        self.snapshot.links.iter().map(|l| l.size).sum()
    }
}

impl TrainedForecaster {
    /// Which of `candidates` (with `probabilities`) of week graph `g` become links.
    fn kept_links(
        &self,
        g: &ExposureGraph,
        candidates: &[(u32, u32)],
        probabilities: &[f64],
    ) -> Vec<bool> {
        match self.links {
            LinkRule::Threshold => probabilities
                .iter()
                .map(|&p| p > self.calibration.threshold)
                .collect(),
            LinkRule::OutDegree => {
                let mut by_source: Vec<Vec<usize>> = vec![Vec::new(); g.node_count()];
                for (k, &(u, _)) in candidates.iter().enumerate() {
                    if let Some(list) = by_source.get_mut(u as usize) {
                        list.push(k);
                    }
                }
                let mut keep = vec![false; candidates.len()];
                for (u, list) in by_source.iter_mut().enumerate() {
                    let degree = g.out_csr().row(u).filter(|&(j, _)| j != u).count();
                    list.sort_by(|&a, &b| {
                        probabilities[b]
                            .total_cmp(&probabilities[a])
                            .then(a.cmp(&b))
                    });
                    for &k in list.iter().take(degree) {
                        keep[k] = true;
                    }
                }
                keep
            }
        }
    }

    /// Raw outputs for `pairs` of week t.
    pub fn outputs(
        &self,
        weeks: &WeekGraphs,
        t: usize,
        pairs: &[(u32, u32)],
    ) -> Result<ModelOutputs> {
        check_anchor(weeks, t)?;
        let featurizer = PairFeaturizer::new(&self.scaling.features, weeks, t);
        run_model(&self.model, &self.scaling, &featurizer, pairs, &self.device)
    }

    /// The leak-free forecast Ĝ_{t+h} from week t: node set V_t, candidates from week t
    /// ([`CandidateConfig`]), links where p > τ with calibrated expected weights, node sizes
    /// expm1(max(ln(1 + TVL_t) + Δ̂, 0)).
    pub fn forecast(&self, weeks: &WeekGraphs, t: usize) -> Result<ForecastGraph> {
        check_anchor(weeks, t)?;
        let g = weeks.graph(t);
        let featurizer = PairFeaturizer::new(&self.scaling.features, weeks, t);
        // The candidate set (CPU) and the encoder (backend) are independent: run them together.
        let (candidates, encoded) = rayon::join(
            || {
                self.candidates
                    .candidates_with(weeks, t, featurizer.neighbourhood())
            },
            || encode_week(&self.model, &self.scaling, weeks, t, &self.device),
        );
        let encoded = encoded?;
        let (probabilities, log_weights) = score_pairs(
            &self.model,
            &self.scaling,
            &featurizer,
            &encoded,
            &candidates,
            &self.device,
        )?;
        let out = ModelOutputs {
            probabilities,
            log_weights,
            node_deltas: encoded.node_deltas,
        };
        let anchor = weeks.dates()[t];
        let target = anchor + chrono::Days::new(7 * self.horizon as u64);
        let mut snapshot = Snapshot::new(target);
        for i in 0..g.node_count() {
            let size = (ln1p(g.tvl()[i]) + out.node_deltas[i]).max(0.0).exp_m1();
            let composition = snapshot.push_composition([]);
            snapshot.nodes.push(Node {
                id: g.protocol(i),
                size,
                composition,
            });
        }
        let keep = self.kept_links(g, &candidates, &out.probabilities);
        for (k, &(u, v)) in candidates.iter().enumerate() {
            if keep[k] {
                let composition = snapshot.push_composition([]);
                snapshot.links.push(Link {
                    source: g.protocol(u as usize),
                    target: g.protocol(v as usize),
                    size: self.calibration.expected_weight(out.log_weights[k]),
                    composition,
                });
            }
        }
        let graph = ExposureGraph::from_snapshot(&snapshot, weeks.symbols(), None)?;
        Ok(ForecastGraph {
            anchor,
            target,
            snapshot,
            graph,
            candidates,
            probabilities: out.probabilities,
            log_weights: out.log_weights,
        })
    }
}

/// An error (`ModelError::Date`) when week t is not in `weeks`.
pub(crate) fn check_anchor(weeks: &WeekGraphs, t: usize) -> Result<()> {
    if t >= weeks.len() {
        return Err(ModelError::Date(format!(
            "anchor position {t} is past the last week ({} weeks)",
            weeks.len()
        )));
    }
    Ok(())
}

impl Forecaster for TrainedForecaster {
    fn name(&self) -> String {
        "graph_tabular_transformer".into()
    }

    fn predict_pairs(
        &self,
        weeks: &WeekGraphs,
        t: usize,
        pairs: &[(u32, u32)],
    ) -> Result<PairForecast> {
        let out = self.outputs(weeks, t, pairs)?;
        Ok(PairForecast {
            scores: out.probabilities,
            log_weights: out.log_weights,
        })
    }

    fn predict_nodes(&self, weeks: &WeekGraphs, t: usize) -> Result<Vec<f64>> {
        Ok(self.outputs(weeks, t, &[])?.node_deltas)
    }
}
