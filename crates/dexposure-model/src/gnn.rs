//! What the static per-week graph baselines share ([`gcn`](crate::gcn), [`gat`](crate::gat),
//! [`node2vec`](crate::node2vec)): an encoder that maps one week to node embeddings
//! ([`WeekEncoder`]), the Hadamard decoder and node head on top ([`HadamardHeads`]), the
//! training loop ([`StaticGnnTrainer`]) and the trained row of the results table
//! ([`StaticGnnForecaster`]).
//!
//! "Static" means that the embedding of week t is computed from week t alone (its node
//! features and its graph), with no state carried from earlier weeks: the contrast with
//! ROLAND's recurrent memory. The models train on the same week pairs and multi-task loss as
//! the transformer and ROLAND ([`TrainConfig`]): one optimisation step per training anchor (a
//! seeded random subset of `anchors_per_epoch` per epoch, in random order), `lr_encoder` for
//! the encoder, `lr_heads` for the heads, early stopping on validation AUPRC.

use std::time::Instant;

use burn::module::{Module, ModuleDisplay};
use burn::nn::Linear;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use dexposure_graph::linkpred::average_precision;
use dexposure_graph::rng::SplitMix64;

use crate::baselines::check_pairs;
use crate::error::{ModelError, Result};
use crate::features::{FeatureSet, Normalizer};
use crate::forecast::{check_anchor, log_weights_from_residuals, to_f64};
use crate::forecaster::{Forecaster, PairForecast};
use crate::history::{ForecastSplit, SplitPart, WeekGraphs};
use crate::model::{float_matrix, linear, pair_indices};
use crate::pairs::{AnchorPairs, NodeTargets};
use crate::train::{
    EarlyStopping, EpochRecord, LossWeights, TrainConfig, adam, multitask_loss, subsample,
};

/// The decoder of the embedding models: `z_u ⊙ z_v` → (exist logit, log-weight residual), and
/// `z` → Δ ln(1 + TVL). The exist logit is a logistic regression on the Hadamard product.
#[derive(Module, Debug)]
pub struct HadamardHeads {
    decoder: Linear,
    node: Linear,
}

impl HadamardHeads {
    /// Heads for embeddings of width `d`, seeded.
    pub fn init(d: usize, rng: &mut SplitMix64, device: &Device) -> Self {
        Self {
            decoder: linear(rng, d, 2, false, device),
            node: linear(rng, d, 1, false, device),
        }
    }

    /// `[P, 2]`: exist logit and log-weight residual of the pairs.
    pub fn links(
        &self,
        z: Tensor<2>,
        sources: Tensor<1, Int>,
        targets: Tensor<1, Int>,
    ) -> Tensor<2> {
        let zu = z.clone().select(0, sources);
        let zv = z.select(0, targets);
        self.decoder.forward(zu * zv)
    }

    /// `[N]`: Δ ln(1 + TVL) per node.
    pub fn nodes(&self, z: Tensor<2>) -> Tensor<1> {
        let [n, _] = z.dims();
        self.node.forward(z).reshape([n])
    }

    /// The shared multi-task loss ([`multitask_loss`]) of a week's training `pairs` from its
    /// embeddings `z`.
    pub(crate) fn loss(
        &self,
        z: Tensor<2>,
        pairs: &AnchorPairs,
        targets: &NodeTargets,
        weights: LossWeights,
    ) -> Tensor<1> {
        let device = z.device();
        let (src, dst) = pair_indices(&pairs.pairs, &device);
        multitask_loss(
            self.links(z.clone(), src, dst),
            self.nodes(z),
            pairs,
            targets,
            weights,
            &device,
        )
    }

    /// Exist logits of `pairs` from the embeddings `z` (for validation AUPRC).
    pub(crate) fn logits(&self, z: Tensor<2>, pairs: &[(u32, u32)]) -> Result<Vec<f64>> {
        let (src, dst) = pair_indices(pairs, &z.device());
        to_f64(
            self.links(z, src, dst)
                .narrow(1, 0, 1)
                .reshape([pairs.len()]),
        )
    }
}

/// What an encoder reads of a series: the weeks and the z-scored node features.
#[derive(Debug, Clone, Copy)]
pub struct NodeInputs<'a> {
    /// The weeks.
    pub weeks: &'a WeekGraphs,
    /// Node features.
    pub features: &'a FeatureSet,
    /// Their z-scoring (fitted on training weeks).
    pub normalizer: &'a Normalizer,
}

impl NodeInputs<'_> {
    /// `[N, F]`: the z-scored node features of week t.
    pub fn node_matrix(&self, t: usize, device: &Device) -> Tensor<2> {
        let mut x = self.features.node_features(self.weeks, t);
        self.normalizer.apply(&mut x);
        float_matrix(
            x,
            self.weeks.graph(t).node_count(),
            self.normalizer.dim(),
            device,
        )
    }
}

/// An encoder of one week into node embeddings `[N, width]`, from that week alone.
pub trait WeekEncoder: Module + ModuleDisplay {
    /// What the encoder needs of a week, built once per week outside autodiff.
    type Week;

    /// Row name of the model in tables.
    fn name(&self) -> String;

    /// Embedding width.
    fn width(&self) -> usize;

    /// The week-t input on `device`.
    fn prepare(&self, inputs: &NodeInputs<'_>, t: usize, device: &Device) -> Result<Self::Week>;

    /// `[N, width]`: the node embeddings of a prepared week.
    fn encode(&self, week: &Self::Week) -> Tensor<2>;
}

/// A week encoder with Hadamard heads (two parameter groups, as the transformer).
#[derive(Module, Debug)]
pub struct StaticGnn<E: Module> {
    /// Encoder (trained with `lr_encoder`).
    pub encoder: E,
    /// Decoder and node head (trained with `lr_heads`).
    pub heads: HadamardHeads,
}

impl<E: WeekEncoder> StaticGnn<E> {
    /// `encoder` with fresh heads from `seed`.
    pub fn new(encoder: E, seed: u64, device: &Device) -> Self {
        let heads = HadamardHeads::init(encoder.width(), &mut SplitMix64::new(seed), device);
        Self { encoder, heads }
    }
}

/// A trained static model: weights (without autodiff), the feature z-scoring, the horizon.
#[derive(Debug)]
pub struct StaticGnnForecaster<E: Module> {
    /// Weights.
    pub model: StaticGnn<E>,
    /// Node features.
    pub features: FeatureSet,
    /// Their z-scoring.
    pub normalizer: Normalizer,
    /// Horizon h in weeks.
    pub horizon: usize,
    /// Training history (epoch 1 onwards).
    pub history: Vec<EpochRecord>,
    device: Device,
}

impl<E: WeekEncoder> StaticGnnForecaster<E> {
    /// Best validation AUPRC of training.
    pub fn best_validation_auprc(&self) -> Option<f64> {
        self.history
            .iter()
            .map(|e| e.validation_auprc)
            .max_by(f64::total_cmp)
    }
}

impl<E: WeekEncoder> EmbeddingForecaster for StaticGnnForecaster<E> {
    fn row_name(&self) -> String {
        self.model.encoder.name()
    }

    fn heads(&self) -> &HadamardHeads {
        &self.model.heads
    }

    fn embeddings(&self, weeks: &WeekGraphs, t: usize) -> Result<Tensor<2>> {
        let inputs = NodeInputs {
            weeks,
            features: &self.features,
            normalizer: &self.normalizer,
        };
        let week = self.model.encoder.prepare(&inputs, t, &self.device)?;
        Ok(self.model.encoder.encode(&week))
    }
}

/// A model whose forecasts are [`HadamardHeads`] on its node embeddings of week t (ROLAND, GCN,
/// GAT, Node2Vec). Implementing it implements [`Forecaster`], which checks the week before
/// asking for its embeddings.
pub trait EmbeddingForecaster {
    /// Row name in tables.
    fn row_name(&self) -> String;

    /// The heads.
    fn heads(&self) -> &HadamardHeads;

    /// Node embeddings `[N_t, width]` of week t (a week of `weeks`), from weeks `0..=t` only.
    fn embeddings(&self, weeks: &WeekGraphs, t: usize) -> Result<Tensor<2>>;
}

impl<T: EmbeddingForecaster> Forecaster for T {
    fn name(&self) -> String {
        self.row_name()
    }

    fn predict_pairs(
        &self,
        weeks: &WeekGraphs,
        t: usize,
        pairs: &[(u32, u32)],
    ) -> Result<PairForecast> {
        check_anchor(weeks, t)?;
        check_pairs(weeks, t, pairs)?;
        if pairs.is_empty() {
            return Ok(PairForecast::default());
        }
        let z = self.embeddings(weeks, t)?;
        let heads = self.heads();
        let p = pairs.len();
        let (src, dst) = pair_indices(pairs, &z.device());
        let out = heads.links(z, src, dst);
        let scores = to_f64(sigmoid(out.clone().narrow(1, 0, 1).reshape([p])))?;
        let residual = to_f64(out.narrow(1, 1, 1).reshape([p]))?;
        Ok(PairForecast {
            scores,
            log_weights: log_weights_from_residuals(weeks.graph(t), pairs, residual),
        })
    }

    fn predict_nodes(&self, weeks: &WeekGraphs, t: usize) -> Result<Vec<f64>> {
        check_anchor(weeks, t)?;
        to_f64(self.heads().nodes(self.embeddings(weeks, t)?))
    }
}

/// Adam for the two parameter groups of an embedding model: `lr_encoder` for the encoder,
/// `lr_heads` for the heads.
pub(crate) struct GroupOptimizers {
    encoder: ModuleOptimizer,
    heads: ModuleOptimizer,
}

impl GroupOptimizers {
    pub(crate) fn new(config: &TrainConfig) -> Self {
        Self {
            encoder: adam(config),
            heads: adam(config),
        }
    }

    /// Back-propagates `loss` and steps both groups; returns them with the loss value. An
    /// error (`Diverged`, naming `epoch` and `step`) on a non-finite loss.
    pub(crate) fn step<E: Module, H: Module>(
        &mut self,
        loss: Tensor<1>,
        (encoder, heads): (E, H),
        config: &TrainConfig,
        (epoch, step): (usize, usize),
    ) -> Result<(E, H, f64)> {
        let value = f64::from(loss.clone().into_scalar::<f32>());
        if !value.is_finite() {
            return Err(ModelError::Diverged {
                epoch,
                step,
                loss: value,
            });
        }
        let mut grads = loss.backward();
        let heads_grads = GradientsParams::from_module(&mut grads, &heads);
        let encoder_grads = GradientsParams::from_module(&mut grads, &encoder);
        Ok((
            self.encoder.step(config.lr_encoder, encoder, encoder_grads),
            self.heads.step(config.lr_heads, heads, heads_grads),
            value,
        ))
    }
}

/// Trains a [`StaticGnn`] on a split.
#[derive(Debug, Clone)]
pub struct StaticGnnTrainer<'a> {
    weeks: &'a WeekGraphs,
    split: ForecastSplit,
    device: Device,
}

impl<'a> StaticGnnTrainer<'a> {
    /// A trainer on `weeks` with `split` (the hold-out split or a walk-forward fold),
    /// computing on `device`.
    pub fn new(weeks: &'a WeekGraphs, split: ForecastSplit, device: Device) -> Self {
        Self {
            weeks,
            split,
            device,
        }
    }

    /// The node-feature z-scoring of `features` on the training weeks.
    pub fn normalizer(&self, features: &FeatureSet) -> Result<Normalizer> {
        features.validate()?;
        features.fit_node_normalizer(self.weeks, self.split.range(SplitPart::Train))
    }

    /// Trains `model` (built on the autodiff version of this trainer's device, its input
    /// width that of `normalizer`) for up to `config.epochs` epochs with early stopping on
    /// validation AUPRC, and returns the best weights as a forecaster.
    pub fn fit<E: WeekEncoder>(
        &self,
        model: StaticGnn<E>,
        features: &FeatureSet,
        normalizer: Normalizer,
        config: &TrainConfig,
    ) -> Result<StaticGnnForecaster<E>> {
        let h = config.horizon;
        let train = self.split.anchors(SplitPart::Train, h);
        if train.is_empty() || self.split.anchors(SplitPart::Validation, h).is_empty() {
            return Err(ModelError::NotEnoughWeeks(format!(
                "{} needs training and validation anchors for horizon {h} in split {:?}",
                model.encoder.name(),
                self.split
            )));
        }
        let ad = self.device.clone().autodiff();
        let inputs = NodeInputs {
            weeks: self.weeks,
            features,
            normalizer: &normalizer,
        };
        let validation = config.validation_pairs(self.weeks, &self.split)?;
        let mut model = model;
        let mut optimizers = GroupOptimizers::new(config);
        let mut stopping = EarlyStopping::new(f64::NEG_INFINITY, model.clone(), config.patience);
        let mut history = Vec::new();
        for epoch in 1..=config.epochs {
            let started = Instant::now();
            let epoch_seed = config.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut anchors = train.clone();
            SplitMix64::new(epoch_seed).shuffle(&mut anchors);
            anchors.truncate(config.anchors_per_epoch.unwrap_or(usize::MAX).max(1));
            let (mut loss_sum, mut steps) = (0.0, 0);
            for &s in &anchors {
                let seed = epoch_seed ^ (s as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
                let pairs = AnchorPairs::sample(self.weeks, s, h, &config.sampler(seed))?;
                let pairs = pairs.subset(&subsample(pairs.len(), config.pairs_per_step, seed));
                if pairs.is_empty() {
                    continue;
                }
                let week = model.encoder.prepare(&inputs, s, &ad)?;
                let z = model.encoder.encode(&week);
                let targets = NodeTargets::of(self.weeks, s, h);
                let loss = model.heads.loss(z, &pairs, &targets, config.loss);
                let groups = (model.encoder, model.heads);
                let (encoder, heads, value) = optimizers.step(loss, groups, config, (epoch, s))?;
                model = StaticGnn { encoder, heads };
                loss_sum += value;
                steps += 1;
            }
            let train_seconds = started.elapsed().as_secs_f64();
            let auprc = self.validation_auprc(&model.valid(), &inputs, &validation)?;
            history.push(EpochRecord {
                epoch,
                train_loss: loss_sum / steps.max(1) as f64,
                validation_auprc: auprc,
                seconds: started.elapsed().as_secs_f64(),
                train_seconds,
                steps,
            });
            if stopping.observe(auprc, &model) {
                break;
            }
        }
        Ok(StaticGnnForecaster {
            model: stopping.into_best().valid(),
            features: features.clone(),
            normalizer,
            horizon: h,
            history,
            device: self.device.clone(),
        })
    }

    fn validation_auprc<E: WeekEncoder>(
        &self,
        model: &StaticGnn<E>,
        inputs: &NodeInputs<'_>,
        validation: &[AnchorPairs],
    ) -> Result<f64> {
        let (mut scores, mut labels) = (Vec::new(), Vec::new());
        for pairs in validation.iter().filter(|p| !p.is_empty()) {
            let week = model.encoder.prepare(inputs, pairs.anchor, &self.device)?;
            scores.extend(
                model
                    .heads
                    .logits(model.encoder.encode(&week), &pairs.pairs)?,
            );
            labels.extend_from_slice(&pairs.labels);
        }
        Ok(average_precision(&scores, &labels)?.unwrap_or(0.0))
    }
}
