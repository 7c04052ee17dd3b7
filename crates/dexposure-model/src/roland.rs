//! ROLAND, the dynamic-graph baseline of the DeXposure paper, re-built without its memory
//! flaw (DESIGN.md §9, flaw 4): an MLP 128 → 64 on the node features, a GCN layer of 64 with a
//! GRU, a GCN layer of 32 with a GRU, and a Hadamard decoder.
//!
//! The GRU states are carried **per protocol id** from week to week ([`RolandMemory`]): a
//! protocol that appears starts from zero, one that leaves keeps nothing, and every other
//! protocol keeps its state whatever the rest of the node set does (the published code reset
//! every state whenever the node count changed, which is almost every week).
//!
//! It trains on the same week pairs and the same multi-task loss as the transformer
//! ([`TrainConfig`]): the weeks are walked in order, one optimisation step per training anchor,
//! with the states of the previous week as constants (truncated back-propagation of one week).
//! The decoder maps `z_u ⊙ z_v` to the exist logit and the log-weight residual; the node head
//! maps `z` to Δ ln(1 + TVL). `lr_encoder` trains the MLP, GCN and GRU layers, `lr_heads` the
//! decoder and the node head. Evaluation and validation re-run the weeks from the first with
//! the final weights, so a score at week t depends on weeks `0..=t` only.

use std::sync::Mutex;

use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid, tanh};
use dexposure_graph::ExposureGraph;
use dexposure_graph::linkpred::average_precision;
use dexposure_graph::rng::SplitMix64;
use dexposure_snapshot::ProtocolId;
use rustc_hash::FxHashMap;

use crate::error::{ModelError, Result};
use crate::features::{FeatureSet, Normalizer};
use crate::forecast::to_f64;
use crate::gcn::GcnPropagation;
use crate::gnn::{EmbeddingForecaster, GroupOptimizers, HadamardHeads, NodeInputs};
use crate::history::{ForecastSplit, SplitPart, WeekGraphs};
use crate::model::{float_matrix, linear};
use crate::pairs::{AnchorPairs, NodeTargets};
use crate::train::{EarlyStopping, EpochRecord, TrainConfig, subsample};

/// Sizes of ROLAND (the DeXposure paper's: MLP 128 → 64, GCN 64 + GRU, GCN 32 + GRU).
#[derive(Config, Debug, PartialEq)]
pub struct RolandConfig {
    /// Node-feature columns.
    pub node_features: usize,
    /// Hidden width of the input MLP.
    #[config(default = 128)]
    pub mlp_hidden: usize,
    /// Output width of the input MLP.
    #[config(default = 64)]
    pub mlp_out: usize,
    /// Width of the first GCN layer and its GRU state.
    #[config(default = 64)]
    pub gcn1: usize,
    /// Width of the second GCN layer and its GRU state (the embedding width).
    #[config(default = 32)]
    pub gcn2: usize,
    /// Seed of the weight initialisation (identical on every backend).
    #[config(default = 11)]
    pub init_seed: u64,
}

impl RolandConfig {
    /// The model with seeded initial weights on `device`; an error on a zero width.
    pub fn init(&self, device: &Device) -> Result<Roland> {
        if [
            self.node_features,
            self.mlp_hidden,
            self.mlp_out,
            self.gcn1,
            self.gcn2,
        ]
        .contains(&0)
        {
            return Err(ModelError::InvalidArgument(format!(
                "every ROLAND width must be positive: {self:?}"
            )));
        }
        let mut rng = SplitMix64::new(self.init_seed);
        let mut layer = |d_in, d_out| linear(&mut rng, d_in, d_out, false, device);
        let encoder = RolandEncoder {
            mlp1: layer(self.node_features, self.mlp_hidden),
            mlp2: layer(self.mlp_hidden, self.mlp_out),
            gcn1: layer(self.mlp_out, self.gcn1),
            gru1: GruCell {
                input: layer(self.gcn1, 3 * self.gcn1),
                hidden: layer(self.gcn1, 3 * self.gcn1),
            },
            gcn2: layer(self.gcn1, self.gcn2),
            gru2: GruCell {
                input: layer(self.gcn2, 3 * self.gcn2),
                hidden: layer(self.gcn2, 3 * self.gcn2),
            },
        };
        let heads = HadamardHeads::init(self.gcn2, &mut rng, device);
        Ok(Roland { encoder, heads })
    }
}

/// A GRU cell: `h' = (1 − z) ⊙ n + z ⊙ h` with reset gate r, update gate z and candidate
/// `n = tanh(W_n x + r ⊙ (U_n h))`.
#[derive(Module, Debug)]
pub struct GruCell {
    input: Linear,
    hidden: Linear,
}

impl GruCell {
    fn forward(&self, x: Tensor<2>, h: Tensor<2>) -> Tensor<2> {
        let [n, d] = h.dims();
        let gi = self.input.forward(x);
        let gh = self.hidden.forward(h.clone());
        let part = |t: &Tensor<2>, k: usize| t.clone().narrow(1, k * d, d);
        let r = sigmoid(part(&gi, 0) + part(&gh, 0));
        let z = sigmoid(part(&gi, 1) + part(&gh, 1));
        let candidate = tanh(part(&gi, 2) + r * part(&gh, 2));
        let keep = z.clone();
        (z.neg() + 1.0) * candidate + keep * h.reshape([n, d])
    }
}

/// Input MLP, the two GCN layers and their GRUs.
#[derive(Module, Debug)]
pub struct RolandEncoder {
    mlp1: Linear,
    mlp2: Linear,
    gcn1: Linear,
    gru1: GruCell,
    gcn2: Linear,
    gru2: GruCell,
}

/// The whole model (two parameter groups, as the transformer).
#[derive(Module, Debug)]
pub struct Roland {
    /// MLP, GCN and GRU layers.
    pub encoder: RolandEncoder,
    /// Decoder and node head.
    pub heads: HadamardHeads,
}

/// The states of one week, one row per node of that week.
#[derive(Debug, Clone)]
pub struct WeekStates {
    /// State of the first GRU `[N, gcn1]`.
    pub first: Tensor<2>,
    /// State of the second GRU `[N, gcn2]` (the node embeddings).
    pub second: Tensor<2>,
}

impl Roland {
    /// The new states of a week from its z-scored node features `[N, F]`, its propagation
    /// and the previous states of its nodes.
    pub fn step(&self, x: Tensor<2>, graph: &GcnPropagation, previous: WeekStates) -> WeekStates {
        let e = &self.encoder;
        let a = relu(e.mlp2.forward(relu(e.mlp1.forward(x))));
        let g1 = relu(graph.apply(e.gcn1.forward(a)));
        let first = e.gru1.forward(g1, previous.first);
        let g2 = relu(graph.apply(e.gcn2.forward(first.clone())));
        let second = e.gru2.forward(g2, previous.second);
        WeekStates { first, second }
    }
}

/// The GRU states of every protocol present in the last week run, keyed by protocol id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RolandMemory {
    states: FxHashMap<ProtocolId, (Vec<f32>, Vec<f32>)>,
}

impl RolandMemory {
    /// The previous states of the nodes of `g` (zeros for a protocol not in memory).
    pub fn gather(&self, g: &ExposureGraph, config: &RolandConfig, device: &Device) -> WeekStates {
        let n = g.node_count();
        let (mut first, mut second) = (
            Vec::with_capacity(n * config.gcn1),
            Vec::with_capacity(n * config.gcn2),
        );
        for i in 0..n {
            match self.states.get(&g.protocol(i)) {
                Some((a, b)) => {
                    first.extend_from_slice(a);
                    second.extend_from_slice(b);
                }
                None => {
                    first.extend(std::iter::repeat_n(0.0, config.gcn1));
                    second.extend(std::iter::repeat_n(0.0, config.gcn2));
                }
            }
        }
        WeekStates {
            first: float_matrix(first, n, config.gcn1, device),
            second: float_matrix(second, n, config.gcn2, device),
        }
    }

    /// Replaces the memory by the states of the nodes of `g`: protocols absent from `g` are
    /// forgotten.
    pub fn replace(&mut self, g: &ExposureGraph, states: &WeekStates) -> Result<()> {
        let rows = |t: &Tensor<2>| -> Result<(Vec<f32>, usize)> {
            let [_, d] = t.dims();
            let values = to_f64(t.clone())?.into_iter().map(|v| v as f32).collect();
            Ok((values, d))
        };
        let ((first, d1), (second, d2)) = (rows(&states.first)?, rows(&states.second)?);
        self.states.clear();
        for i in 0..g.node_count() {
            self.states.insert(
                g.protocol(i),
                (
                    first[i * d1..(i + 1) * d1].to_vec(),
                    second[i * d2..(i + 1) * d2].to_vec(),
                ),
            );
        }
        Ok(())
    }

    /// The (first, second) GRU states of `protocol`, if it was present in the last week run.
    pub fn state(&self, protocol: ProtocolId) -> Option<(&[f32], &[f32])> {
        self.states
            .get(&protocol)
            .map(|(a, b)| (a.as_slice(), b.as_slice()))
    }

    /// Protocols held.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }
}

/// Runs a model through the weeks in order, carrying its memory.
#[derive(Debug, Clone)]
pub struct RolandRun {
    /// Next week to run.
    pub next_week: usize,
    /// States after the last week run.
    pub memory: RolandMemory,
    /// Node embeddings of the last week run (`None` before the first week).
    pub embeddings: Option<Tensor<2>>,
}

impl RolandRun {
    /// A run that starts at the first week with an empty memory.
    pub fn new() -> Self {
        Self {
            next_week: 0,
            memory: RolandMemory::default(),
            embeddings: None,
        }
    }

    /// Runs weeks up to and including `t` (nothing when `t` was already run; an error when it
    /// lies before the last week run).
    pub fn run_to(
        &mut self,
        model: &Roland,
        inputs: &RolandInputs<'_>,
        t: usize,
        device: &Device,
    ) -> Result<()> {
        if t + 1 < self.next_week {
            return Err(ModelError::InvalidArgument(format!(
                "week {t} lies before the last week run ({}); start a new run",
                self.next_week - 1
            )));
        }
        while self.next_week <= t {
            let s = self.next_week;
            let g = inputs.weeks.graph(s);
            let previous = self.memory.gather(g, inputs.config, device);
            let states = model.step(
                inputs.node_matrix(s, device),
                &GcnPropagation::new(g, device),
                previous,
            );
            self.memory.replace(g, &states)?;
            self.embeddings = Some(states.second);
            self.next_week += 1;
        }
        Ok(())
    }
}

impl Default for RolandRun {
    fn default() -> Self {
        Self::new()
    }
}

/// What ROLAND reads from a series: the weeks, the node features and their z-scoring, and the
/// model sizes.
#[derive(Debug, Clone, Copy)]
pub struct RolandInputs<'a> {
    /// The weeks.
    pub weeks: &'a WeekGraphs,
    /// Node features.
    pub features: &'a FeatureSet,
    /// Their z-scoring (fitted on training weeks).
    pub normalizer: &'a Normalizer,
    /// Model sizes.
    pub config: &'a RolandConfig,
}

impl RolandInputs<'_> {
    fn node_matrix(&self, t: usize, device: &Device) -> Tensor<2> {
        NodeInputs {
            weeks: self.weeks,
            features: self.features,
            normalizer: self.normalizer,
        }
        .node_matrix(t, device)
    }
}

/// A trained ROLAND: weights (without autodiff), feature scaling, horizon. Scores at week t
/// come from a run over weeks `0..=t`; the run is cached, so anchors asked in increasing order
/// cost one pass over the series.
#[derive(Debug)]
pub struct RolandForecaster {
    /// Weights.
    pub model: Roland,
    /// Sizes.
    pub config: RolandConfig,
    /// Node features.
    pub features: FeatureSet,
    /// Their z-scoring.
    pub normalizer: Normalizer,
    /// Horizon h in weeks.
    pub horizon: usize,
    /// Training history (epoch 1 onwards).
    pub history: Vec<EpochRecord>,
    device: Device,
    run: Mutex<RolandRun>,
}

impl RolandForecaster {
    fn inputs<'a>(&'a self, weeks: &'a WeekGraphs) -> RolandInputs<'a> {
        RolandInputs {
            weeks,
            features: &self.features,
            normalizer: &self.normalizer,
            config: &self.config,
        }
    }
}

impl EmbeddingForecaster for RolandForecaster {
    fn row_name(&self) -> String {
        "roland".into()
    }

    fn heads(&self) -> &HadamardHeads {
        &self.model.heads
    }

    /// Node embeddings of week t (from a run over weeks `0..=t`).
    fn embeddings(&self, weeks: &WeekGraphs, t: usize) -> Result<Tensor<2>> {
        let mut run = self
            .run
            .lock()
            .map_err(|_| ModelError::InvalidArgument("a ROLAND run panicked".into()))?;
        if run.next_week > t + 1 {
            *run = RolandRun::new();
        }
        run.run_to(&self.model, &self.inputs(weeks), t, &self.device)?;
        run.embeddings
            .clone()
            .ok_or_else(|| ModelError::InvalidArgument("no week was run".into()))
    }
}

/// Trains ROLAND on a split.
#[derive(Debug, Clone)]
pub struct RolandTrainer<'a> {
    weeks: &'a WeekGraphs,
    split: ForecastSplit,
    device: Device,
}

impl<'a> RolandTrainer<'a> {
    /// A trainer on `weeks` with `split` (`ForecastSplit::for_dates` for the hold-out split,
    /// or a walk-forward fold), computing on `device`.
    pub fn new(weeks: &'a WeekGraphs, split: ForecastSplit, device: Device) -> Self {
        Self {
            weeks,
            split,
            device,
        }
    }

    /// Trains for up to `config.epochs` epochs with early stopping on validation AUPRC
    /// (patience `config.patience`), keeping the best weights. `features` are the node
    /// features, z-scored on the training weeks; `sizes.node_features` is set from them.
    pub fn fit(
        &self,
        features: &FeatureSet,
        sizes: &RolandConfig,
        config: &TrainConfig,
    ) -> Result<RolandForecaster> {
        features.validate()?;
        let h = config.horizon;
        let train = self.split.anchors(SplitPart::Train, h);
        let validation_anchors = self.split.anchors(SplitPart::Validation, h);
        if train.is_empty() || validation_anchors.is_empty() {
            return Err(ModelError::NotEnoughWeeks(format!(
                "ROLAND needs training and validation anchors for horizon {h} in split {:?}",
                self.split
            )));
        }
        let normalizer =
            features.fit_node_normalizer(self.weeks, self.split.range(SplitPart::Train))?;
        let sizes = RolandConfig {
            node_features: normalizer.dim(),
            ..sizes.clone()
        };
        let ad = self.device.clone().autodiff();
        let mut model = sizes.init(&ad)?;
        let mut optimizers = GroupOptimizers::new(config);
        let inputs = RolandInputs {
            weeks: self.weeks,
            features,
            normalizer: &normalizer,
            config: &sizes,
        };
        let validation = config.validation_pairs(self.weeks, &self.split)?;
        let mut stopping = EarlyStopping::new(f64::NEG_INFINITY, model.clone(), config.patience);
        let mut history = Vec::new();
        for epoch in 1..=config.epochs {
            let started = std::time::Instant::now();
            let epoch_seed = config.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut memory = RolandMemory::default();
            let mut loss_sum = 0.0;
            for s in 0..self.split.train.end {
                let g = self.weeks.graph(s);
                let previous = memory.gather(g, &sizes, &ad);
                let graph = GcnPropagation::new(g, &ad);
                let states = model.step(inputs.node_matrix(s, &ad), &graph, previous);
                memory.replace(g, &states)?;
                // Training anchors are the train weeks whose target week is a train week too.
                if s + h >= self.split.train.end || g.node_count() == 0 {
                    continue;
                }
                let seed = epoch_seed ^ (s as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
                let pairs = AnchorPairs::sample(self.weeks, s, h, &config.sampler(seed))?;
                let pairs = pairs.subset(&subsample(pairs.len(), config.pairs_per_step, seed));
                if pairs.is_empty() {
                    continue;
                }
                let targets = NodeTargets::of(self.weeks, s, h);
                let loss = model
                    .heads
                    .loss(states.second, &pairs, &targets, config.loss);
                let groups = (model.encoder, model.heads);
                let (encoder, heads, value) = optimizers.step(loss, groups, config, (epoch, s))?;
                model = Roland { encoder, heads };
                loss_sum += value;
            }
            let train_seconds = started.elapsed().as_secs_f64();
            let auprc = self.validation_auprc(&model.valid(), &inputs, &validation)?;
            history.push(EpochRecord {
                epoch,
                train_loss: loss_sum / train.len() as f64,
                validation_auprc: auprc,
                seconds: started.elapsed().as_secs_f64(),
                train_seconds,
                steps: train.len(),
            });
            if stopping.observe(auprc, &model) {
                break;
            }
        }
        Ok(RolandForecaster {
            model: stopping.into_best().valid(),
            config: sizes,
            features: features.clone(),
            normalizer,
            horizon: h,
            history,
            device: self.device.clone(),
            run: Mutex::new(RolandRun::new()),
        })
    }

    fn validation_auprc(
        &self,
        model: &Roland,
        inputs: &RolandInputs<'_>,
        validation: &[AnchorPairs],
    ) -> Result<f64> {
        let mut run = RolandRun::new();
        let (mut scores, mut labels) = (Vec::new(), Vec::new());
        for pairs in validation {
            run.run_to(model, inputs, pairs.anchor, &self.device)?;
            let Some(z) = run.embeddings.clone() else {
                continue;
            };
            if pairs.is_empty() {
                continue;
            }
            scores.extend(model.heads.logits(z, &pairs.pairs)?);
            labels.extend_from_slice(&pairs.labels);
        }
        Ok(average_precision(&scores, &labels)?.unwrap_or(0.0))
    }
}
