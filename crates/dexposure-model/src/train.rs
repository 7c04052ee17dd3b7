//! The training loop (no burn `train` feature): one week pair (t, t + h) per step with a
//! seeded sub-sample of its pairs, the paper's multi-task loss, Adam with separate learning
//! rates for encoder and heads, early stopping on validation AUPRC with the best weights
//! restored, and the calibration of Ĝ on validation weeks.

use std::time::Instant;

use burn::grad_clipping::GradientClippingConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::log_sigmoid;
use dexposure_graph::linkpred::{PairSampler, average_precision};
use dexposure_graph::rng::SplitMix64;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::baselines::PairLogistic;
use crate::error::{ModelError, Result};
use crate::features::{FeatureScaling, FeatureSet, Normalizer, PAIR_FEATURES, PairFeaturizer};
use crate::forecast::{Calibration, TrainedForecaster, run_model};
use crate::history::{ForecastSplit, SplitPart, WeekGraphs};
use crate::model::{
    ForecasterConfig, GraphTabularTransformer, GraphTensors, float_matrix, pair_indices,
};
use crate::pairs::{AnchorPairs, CandidateConfig, NodeTargets};

/// Weights of the multi-task loss `link · BCE(pos_weight) + weight · SmoothL1(log-weight
/// residual, positives) + node · SmoothL1(Δ ln TVL)` (the paper's 2, 5, 0.5, 20).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LossWeights {
    /// Weight of the link-existence BCE.
    pub link: f64,
    /// Weight of the positive class inside the BCE.
    pub pos_weight: f64,
    /// Weight of the log-weight residual loss.
    pub weight: f64,
    /// Weight of the node loss.
    pub node: f64,
}

impl Default for LossWeights {
    fn default() -> Self {
        Self {
            link: 2.0,
            pos_weight: 5.0,
            weight: 0.5,
            node: 20.0,
        }
    }
}

impl std::str::FromStr for LossWeights {
    type Err = ModelError;

    /// Four comma-separated numbers `link,pos_weight,weight,node`, e.g. `2,5,0.5,20`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            ModelError::InvalidArgument(format!(
                "loss weights {s:?}: expected four non-negative numbers link,pos_weight,weight,node"
            ))
        };
        let values: Vec<f64> = s
            .split(',')
            .map(|v| v.trim().parse::<f64>().map_err(|_| bad()))
            .collect::<Result<_>>()?;
        match values[..] {
            [link, pos_weight, weight, node]
                if values.iter().all(|v| v.is_finite() && *v >= 0.0) && pos_weight > 0.0 =>
            {
                Ok(Self {
                    link,
                    pos_weight,
                    weight,
                    node,
                })
            }
            _ => Err(bad()),
        }
    }
}

/// Training settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Horizon h in weeks.
    pub horizon: usize,
    /// Maximum epochs (passes over the training anchors).
    pub epochs: usize,
    /// Epochs without a better validation AUPRC before stopping.
    pub patience: usize,
    /// Adam learning rate of the heads.
    pub lr_heads: f64,
    /// Adam learning rate of the encoder (trained from scratch here, so not the paper's
    /// 5e-5 for a pre-trained encoder).
    pub lr_encoder: f64,
    /// L2 weight decay.
    pub weight_decay: f64,
    /// Gradient-norm clip, per parameter group.
    pub grad_clip: f64,
    /// Training anchors per epoch: a seeded random subset of this many (all when None), to
    /// bound an epoch's time on long full-scale series.
    #[serde(default)]
    pub anchors_per_epoch: Option<usize>,
    /// Pairs per step: a week's pairs are sub-sampled to at most this many (all positives
    /// and negatives alike, seeded).
    pub pairs_per_step: usize,
    /// Loss weights.
    pub loss: LossWeights,
    /// Adds hard negatives (reverses, vanished links, degree-biased pairs) to the uniform 5:1
    /// negatives of training and validation pairs.
    pub hard_negatives: bool,
    /// Keeps the encoder fixed and trains the heads only.
    pub freeze_encoder: bool,
    /// Starts the link head's linear pair path (`ForecasterConfig::pair_skip`, required) at
    /// the pair-feature logistic model fitted on the training anchors (`PairLogistic`), so
    /// a fresh model ranks pairs as that model does; early stopping then keeps those weights
    /// unless an epoch beats them on validation.
    #[serde(default)]
    pub pair_warm_start: bool,
    /// Seed of every random choice of training (pair draws, sub-samples, anchor order).
    pub seed: u64,
    /// Candidate set of Ĝ (also used to fit τ).
    pub candidates: CandidateConfig,
}

impl TrainConfig {
    /// The defaults for horizon `h`.
    pub fn new(horizon: usize) -> Self {
        Self {
            horizon,
            epochs: 20,
            patience: 3,
            lr_heads: 3e-4,
            lr_encoder: 1.5e-4,
            weight_decay: 1e-4,
            grad_clip: 1.0,
            anchors_per_epoch: None,
            pairs_per_step: 16_384,
            loss: LossWeights::default(),
            hard_negatives: true,
            freeze_encoder: false,
            pair_warm_start: false,
            seed: 42,
            candidates: CandidateConfig::default(),
        }
    }

    fn validate(&self) -> Result<()> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if self.horizon == 0
            || self.epochs == 0
            || self.pairs_per_step == 0
            || !positive(self.lr_heads)
            || !positive(self.lr_encoder)
            || !positive(self.grad_clip)
            || !(self.weight_decay.is_finite() && self.weight_decay >= 0.0)
        {
            return Err(ModelError::InvalidArgument(format!(
                "training needs horizon, epochs, pairs_per_step >= 1 and positive learning rates and clip: {self:?}"
            )));
        }
        Ok(())
    }

    /// The validation pairs of `split`, drawn once with the training sampler (seed fixed by
    /// the config), at most `4 · pairs_per_step` per anchor.
    pub(crate) fn validation_pairs(
        &self,
        weeks: &WeekGraphs,
        split: &ForecastSplit,
    ) -> Result<Vec<AnchorPairs>> {
        split
            .anchors(SplitPart::Validation, self.horizon)
            .into_par_iter()
            .map(|t| {
                let seed = self.seed.wrapping_add(1_000_003 * (t as u64 + 1));
                let pairs = AnchorPairs::sample(weeks, t, self.horizon, &self.sampler(seed))?;
                Ok(pairs.subset(&subsample(pairs.len(), 4 * self.pairs_per_step, seed)))
            })
            .collect()
    }

    pub(crate) fn sampler(&self, seed: u64) -> PairSampler {
        let s = PairSampler::new(seed);
        if self.hard_negatives {
            s.with_hard_negatives()
        } else {
            s
        }
    }
}

/// What one epoch did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch number (from 1, counting epochs of earlier runs of a resumed model; 0 records
    /// the starting weights of a warm-started model, with no steps).
    pub epoch: usize,
    /// Mean training loss over the epoch's steps.
    pub train_loss: f64,
    /// Pooled validation AUPRC.
    pub validation_auprc: f64,
    /// Wall-clock seconds of the epoch (training and validation).
    pub seconds: f64,
    /// Of which the training steps.
    #[serde(default)]
    pub train_seconds: f64,
    /// Training steps (anchors) run.
    #[serde(default)]
    pub steps: usize,
}

/// The state a checkpoint holds and training continues from.
#[derive(Clone)]
pub struct TrainingState {
    /// Model sizes.
    pub model_config: ForecasterConfig,
    /// Training settings.
    pub train_config: TrainConfig,
    /// Features and their z-scoring (fitted on the training split).
    pub scaling: FeatureScaling,
    /// Model weights (best epoch so far).
    pub model: GraphTabularTransformer,
    /// Encoder optimizer state.
    pub encoder_optimizer: ModuleOptimizer,
    /// Heads optimizer state.
    pub heads_optimizer: ModuleOptimizer,
    /// Epochs run so far.
    pub history: Vec<EpochRecord>,
    /// Ĝ calibration (fitted after training).
    pub calibration: Calibration,
}

impl std::fmt::Debug for TrainingState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrainingState")
            .field("model_config", &self.model_config)
            .field("train_config", &self.train_config)
            .field("epochs", &self.history.len())
            .field("calibration", &self.calibration)
            .finish_non_exhaustive()
    }
}

impl TrainingState {
    /// A forecaster running this state's weights on `device` (without autodiff).
    pub fn forecaster(&self, device: &Device) -> TrainedForecaster {
        TrainedForecaster {
            model: self.model.valid().to_device(device),
            scaling: self.scaling.clone(),
            calibration: self.calibration,
            horizon: self.train_config.horizon,
            candidates: self.train_config.candidates.clone(),
            device: device.clone(),
            links: crate::forecast::LinkRule::default(),
        }
    }

    /// Best validation AUPRC so far.
    pub fn best_validation_auprc(&self) -> Option<f64> {
        self.history
            .iter()
            .map(|e| e.validation_auprc)
            .max_by(f64::total_cmp)
    }
}

/// Trains models on a series.
#[derive(Debug, Clone)]
pub struct Trainer<'a> {
    weeks: &'a WeekGraphs,
    split: ForecastSplit,
    device: Device,
    progress: bool,
}

/// Adam for one parameter group.
pub(crate) fn adam(config: &TrainConfig) -> ModuleOptimizer {
    AdamConfig::new()
        .with_weight_decay(Some(WeightDecayConfig::new(config.weight_decay as f32)))
        .with_grad_clipping(Some(GradientClippingConfig::Norm(config.grad_clip as f32)))
        .init()
}

impl<'a> Trainer<'a> {
    /// A trainer on `weeks`, splitting as DESIGN.md §9 for `horizon`, computing on `device`
    /// (autodiff is enabled on it for training).
    pub fn new(weeks: &'a WeekGraphs, horizon: usize, device: Device) -> Result<Self> {
        Ok(Self {
            weeks,
            split: ForecastSplit::for_dates(weeks.dates(), horizon)?,
            device,
            progress: false,
        })
    }

    /// A trainer on `weeks` with an explicit split (a walk-forward fold, say); an error when
    /// the split reaches past the series or the train or validation part has no anchor for
    /// `horizon` (training never reads the test part, which may be short or empty).
    pub fn with_split(
        weeks: &'a WeekGraphs,
        split: ForecastSplit,
        horizon: usize,
        device: Device,
    ) -> Result<Self> {
        let parts = [SplitPart::Train, SplitPart::Validation];
        if split.test.end > weeks.len() || split.validation.end > weeks.len() {
            return Err(ModelError::NotEnoughWeeks(format!(
                "split {split:?} reaches past the {} weeks of the series",
                weeks.len()
            )));
        }
        if let Some(part) = parts
            .iter()
            .find(|&&p| split.anchors(p, horizon).is_empty())
        {
            return Err(ModelError::NotEnoughWeeks(format!(
                "the {part} part of split {split:?} has no anchor for horizon {horizon}"
            )));
        }
        Ok(Self {
            weeks,
            split,
            device,
            progress: false,
        })
    }

    /// Shows a progress bar on stderr.
    pub fn with_progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }

    /// The split in use.
    pub fn split(&self) -> &ForecastSplit {
        &self.split
    }

    /// A fresh state: feature z-scoring fitted on the training split, seeded weights, new
    /// optimizers.
    pub fn init(
        &self,
        features: FeatureSet,
        model_config: &ForecasterConfig,
        train_config: TrainConfig,
    ) -> Result<TrainingState> {
        features.validate()?;
        train_config.validate()?;
        let h = train_config.horizon;
        let anchors = self.split.anchors(SplitPart::Train, h);
        // Pair statistics from up to 32 training anchors spread evenly over the split (4,096
        // pairs each): enough for a mean and a standard deviation, and bounded on long series.
        let spread: Vec<usize> = (0..anchors.len().min(32))
            .map(|k| anchors[k * anchors.len() / anchors.len().min(32)])
            .collect();
        let pair_rows: Vec<f32> = spread
            .par_iter()
            .map(|&t| {
                let sampler = train_config.sampler(train_config.seed ^ t as u64);
                let pairs = AnchorPairs::sample(self.weeks, t, h, &sampler)?;
                let keep = subsample(pairs.len(), 4096, train_config.seed.wrapping_add(t as u64));
                Ok(PairFeaturizer::new(&features, self.weeks, t)
                    .features(&pairs.subset(&keep).pairs))
            })
            .collect::<Result<Vec<_>>>()?
            .concat();
        let scaling = FeatureScaling {
            node_columns: features.node_feature_names(),
            pair_columns: PAIR_FEATURES.iter().map(|s| s.to_string()).collect(),
            node: features.fit_node_normalizer(self.weeks, self.split.range(SplitPart::Train))?,
            pair: Normalizer::fit(&pair_rows, features.pair_dim())?,
            features,
        };
        let model_config = ForecasterConfig {
            node_features: scaling.node.dim(),
            pair_features: scaling.pair.dim(),
            ..model_config.clone()
        };
        model_config.validate()?;
        let mut model = model_config.init(&self.device.clone().autodiff());
        if train_config.pair_warm_start {
            let logistic = PairLogistic::fit(
                self.weeks,
                &scaling.features,
                &anchors,
                h,
                train_config.seed,
            )?;
            let (coefficients, intercept) = logistic.logit_on(&scaling.pair)?;
            model = model.with_pair_path(&coefficients, intercept)?;
        }
        Ok(TrainingState {
            model_config,
            encoder_optimizer: adam(&train_config),
            heads_optimizer: adam(&train_config),
            train_config,
            scaling,
            model,
            history: Vec::new(),
            calibration: Calibration::default(),
        })
    }

    /// Trains `state` for up to `epochs` more epochs (early stop on validation AUPRC with
    /// `patience`), keeps the best weights, then fits the calibration on validation weeks.
    pub fn fit(&self, mut state: TrainingState, epochs: usize) -> Result<TrainingState> {
        let config = state.train_config.clone();
        let h = config.horizon;
        if self.split.anchors(SplitPart::Train, h).is_empty() {
            return Err(ModelError::NotEnoughWeeks("no training anchor".into()));
        }
        let ad_device = self.device.clone().autodiff();
        // The state's model already lives on the autodiff device (`init` and `Checkpoint::load`
        // put it there). Calling `to_device` on it again would record a transfer node in
        // burn's autodiff graph that the first backward pass consumes, and the second step
        // would fail ("graph tape has already been consumed").
        let mut model = state.model.clone();
        let validation = config.validation_pairs(self.weeks, &self.split)?;
        // A warm-started fresh model is already a fitted ranker: it is recorded as epoch 0
        // (no steps), and later epochs must beat it.
        if state.history.is_empty() && config.pair_warm_start {
            let started = Instant::now();
            let auprc = self.validation_auprc(&model, &state.scaling, &validation)?;
            state.history.push(EpochRecord {
                epoch: 0,
                train_loss: 0.0,
                validation_auprc: auprc,
                seconds: started.elapsed().as_secs_f64(),
                train_seconds: 0.0,
                steps: 0,
            });
        }
        let mut stopping = EarlyStopping::new(
            state.best_validation_auprc().unwrap_or(f64::NEG_INFINITY),
            model.clone(),
            config.patience,
        );
        let anchors = self.split.anchors(SplitPart::Train, h);
        let per_epoch = config
            .anchors_per_epoch
            .map_or(anchors.len(), |c| c.clamp(1, anchors.len()));
        let bar = self.progress_bar((epochs * per_epoch) as u64);
        let first_epoch = state.history.last().map_or(1, |e| e.epoch + 1);
        for epoch in first_epoch..first_epoch + epochs {
            let started = Instant::now();
            let mut order = anchors.clone();
            let epoch_seed = config.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            SplitMix64::new(epoch_seed).shuffle(&mut order);
            if let Some(cap) = config.anchors_per_epoch {
                order.truncate(cap.max(1));
            }
            let mut loss_sum = 0.0;
            for (step, &t) in order.iter().enumerate() {
                let (next, loss) =
                    self.step(model, &mut state, &config, t, epoch_seed, &ad_device)?;
                model = next;
                if !loss.is_finite() {
                    return Err(ModelError::Diverged { epoch, step, loss });
                }
                loss_sum += loss;
                if let Some(bar) = &bar {
                    bar.set_message(format!("epoch {epoch} loss {loss:.4}"));
                    bar.inc(1);
                }
            }
            let train_seconds = started.elapsed().as_secs_f64();
            let auprc = self.validation_auprc(&model, &state.scaling, &validation)?;
            let record = EpochRecord {
                epoch,
                train_loss: loss_sum / order.len() as f64,
                validation_auprc: auprc,
                seconds: started.elapsed().as_secs_f64(),
                train_seconds,
                steps: order.len(),
            };
            if let Some(bar) = &bar {
                bar.println(format!(
                    "epoch {epoch}: train loss {:.4}, validation AUPRC {:.4}, {:.1} s",
                    record.train_loss, auprc, record.seconds
                ));
            }
            state.history.push(record);
            if stopping.observe(auprc, &model) {
                break;
            }
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        state.model = stopping.into_best();
        state.calibration = self.calibrate(&state)?;
        Ok(state)
    }

    fn progress_bar(&self, steps: u64) -> Option<ProgressBar> {
        self.progress.then(|| {
            let bar = ProgressBar::new(steps);
            if let Ok(style) = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} steps, ETA {eta} — {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        })
    }

    /// One optimisation step on anchor t.
    fn step(
        &self,
        model: GraphTabularTransformer,
        state: &mut TrainingState,
        config: &TrainConfig,
        t: usize,
        epoch_seed: u64,
        device: &Device,
    ) -> Result<(GraphTabularTransformer, f64)> {
        let h = config.horizon;
        let seed = epoch_seed ^ (t as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        let pairs = AnchorPairs::sample(self.weeks, t, h, &config.sampler(seed))?;
        let pairs = pairs.subset(&subsample(pairs.len(), config.pairs_per_step, seed));
        let g = self.weeks.graph(t);
        let n = g.node_count();
        if pairs.is_empty() || n == 0 {
            return Ok((model, 0.0));
        }
        let scaling = &state.scaling;
        let mut node_x = scaling.features.node_features(self.weeks, t);
        scaling.node.apply(&mut node_x);
        let mut pair_x =
            PairFeaturizer::new(&scaling.features, self.weeks, t).features(&pairs.pairs);
        scaling.pair.apply(&mut pair_x);
        let graph = GraphTensors::new(g, device);
        let mut z = model.embed(float_matrix(node_x, n, scaling.node.dim(), device), &graph);
        if config.freeze_encoder {
            z = z.detach();
        }
        let p = pairs.len();
        let (sources, targets) = pair_indices(&pairs.pairs, device);
        let out = model.heads.links(
            z.clone(),
            sources,
            targets,
            float_matrix(pair_x, p, scaling.pair.dim(), device),
        );
        let targets = NodeTargets::of(self.weeks, t, h);
        let loss = multitask_loss(
            out,
            model.heads.nodes(z, &graph),
            &pairs,
            &targets,
            config.loss,
            device,
        );
        let value = f64::from(loss.clone().into_scalar::<f32>());
        let mut grads = loss.backward();
        let GraphTabularTransformer { encoder, heads } = model;
        let heads_grads = GradientsParams::from_module(&mut grads, &heads);
        let heads = state
            .heads_optimizer
            .step(config.lr_heads, heads, heads_grads);
        let encoder = if config.freeze_encoder {
            encoder
        } else {
            let encoder_grads = GradientsParams::from_module(&mut grads, &encoder);
            state
                .encoder_optimizer
                .step(config.lr_encoder, encoder, encoder_grads)
        };
        Ok((GraphTabularTransformer { encoder, heads }, value))
    }

    fn validation_auprc(
        &self,
        model: &GraphTabularTransformer,
        scaling: &FeatureScaling,
        validation: &[AnchorPairs],
    ) -> Result<f64> {
        let valid = model.valid();
        let (mut scores, mut labels) = (Vec::new(), Vec::new());
        for pairs in validation {
            let featurizer = PairFeaturizer::new(&scaling.features, self.weeks, pairs.anchor);
            let out = run_model(&valid, scaling, &featurizer, &pairs.pairs, &self.device)?;
            scores.extend(out.probabilities);
            labels.extend_from_slice(&pairs.labels);
        }
        Ok(average_precision(&scores, &labels)?.unwrap_or(0.0))
    }

    /// Fits τ, the log-weight variance and the weight scale on the validation anchors.
    fn calibrate(&self, state: &TrainingState) -> Result<Calibration> {
        let h = state.train_config.horizon;
        let device = self.device.clone();
        let model = state.model.valid().to_device(&device);
        let (mut probabilities, mut log_weights) = (Vec::new(), Vec::new());
        let (mut actual_links, mut actual_exposure) = (0usize, 0.0);
        let mut errors = Vec::new();
        for t in self.split.anchors(SplitPart::Validation, h) {
            let (now, later) = (self.weeks.graph(t), self.weeks.graph(t + h));
            let featurizer = PairFeaturizer::new(&state.scaling.features, self.weeks, t);
            let candidates = state.train_config.candidates.candidates_with(
                self.weeks,
                t,
                featurizer.neighbourhood(),
            );
            let out = run_model(&model, &state.scaling, &featurizer, &candidates, &device)?;
            for (k, &(u, v)) in candidates.iter().enumerate() {
                let actual = later
                    .index_of(now.protocol(u as usize))
                    .zip(later.index_of(now.protocol(v as usize)))
                    .and_then(|(a, b)| later.out_csr().weight(a, b));
                if let Some(w) = actual {
                    errors.push(out.log_weights[k] - crate::features::ln1p(w));
                }
            }
            for i in 0..later.node_count() {
                for (j, w) in later.out_csr().row(i) {
                    let inside = now.index_of(later.protocol(i)).is_some()
                        && now.index_of(later.protocol(j)).is_some();
                    if i != j && inside {
                        actual_links += 1;
                        actual_exposure += w;
                    }
                }
            }
            probabilities.extend(out.probabilities);
            log_weights.extend(out.log_weights);
        }
        let mut sorted = probabilities.clone();
        sorted.sort_unstable_by(|a, b| b.total_cmp(a));
        let threshold = match actual_links {
            0 => 1.0,
            k if k >= sorted.len() => 0.0,
            k => 0.5 * (sorted[k - 1] + sorted[k]),
        };
        let mut calibration = Calibration {
            threshold,
            log_weight_variance: variance(&errors),
            weight_scale: 1.0,
        };
        let predicted: f64 = probabilities
            .iter()
            .zip(&log_weights)
            .filter(|(p, _)| **p > threshold)
            .map(|(_, &mu)| calibration.expected_weight(mu))
            .sum();
        if predicted > 0.0 && actual_exposure > 0.0 {
            calibration.weight_scale = actual_exposure / predicted;
        }
        Ok(calibration)
    }
}

/// Variance of `x` around its mean (0 for fewer than two values): the spread of the log-weight
/// error. Its mean (a bias) is left to `weight_scale`, which corrects any constant factor.
fn variance(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (x.len() - 1) as f64
}

/// SmoothL1 (Huber with δ = 1): 0.5 d² for |d| < 1, |d| − 0.5 beyond.
fn smooth_l1(d: Tensor<1>) -> Tensor<1> {
    let a = d.abs();
    let m = a.clone().clamp_max(1.0);
    m.clone() * m.clone() * 0.5 + (a - m)
}

/// Early stopping on validation AUPRC: keeps the best model seen and says when `patience`
/// epochs in a row did not beat it.
pub(crate) struct EarlyStopping<M> {
    best: (f64, M),
    since_best: usize,
    patience: usize,
}

impl<M: Clone> EarlyStopping<M> {
    /// Starts from `model` scored `auprc` (−∞ for a model that must be beaten by any epoch).
    pub(crate) fn new(auprc: f64, model: M, patience: usize) -> Self {
        Self {
            best: (auprc, model),
            since_best: 0,
            patience,
        }
    }

    /// Records an epoch's model and score; true when training should stop.
    pub(crate) fn observe(&mut self, auprc: f64, model: &M) -> bool {
        if auprc > self.best.0 {
            self.best = (auprc, model.clone());
            self.since_best = 0;
        } else {
            self.since_best += 1;
        }
        self.since_best >= self.patience
    }

    /// The best model.
    pub(crate) fn into_best(self) -> M {
        self.best.1
    }
}

/// The multi-task loss of one week pair: `link · BCE(pos_weight)` over the pairs' exist
/// logits (column 0 of `links`), `weight · SmoothL1` of the log-weight residual (column 1) on
/// the positives, and `node · SmoothL1` of the node predictions on the nodes present at t + h.
pub(crate) fn multitask_loss(
    links: Tensor<2>,
    nodes: Tensor<1>,
    pairs: &AnchorPairs,
    targets: &NodeTargets,
    w: LossWeights,
    device: &Device,
) -> Tensor<1> {
    let column = |v: Vec<f32>| {
        let len = v.len();
        Tensor::<1>::from_data(TensorData::new(v, [len]), device)
    };
    let p = pairs.len();
    let labels = column(
        pairs
            .labels
            .iter()
            .map(|&l| f32::from(u8::from(l)))
            .collect(),
    );
    let positives = pairs.labels.iter().filter(|&&l| l).count().max(1) as f64;
    let residual_target = column(
        pairs
            .log_weight_target
            .iter()
            .zip(&pairs.log_weight_now)
            .map(|(a, b)| a - b)
            .collect(),
    );
    let logits = links.clone().narrow(1, 0, 1).reshape([p]);
    let residual = links.narrow(1, 1, 1).reshape([p]);
    let bce = (labels.clone() * log_sigmoid(logits.clone()) * w.pos_weight
        + (labels.clone().neg() + 1.0) * log_sigmoid(logits.neg()))
    .mean()
    .neg();
    let weight_loss = (smooth_l1(residual - residual_target) * labels).sum() / positives;
    let present_count = targets.present.iter().filter(|&&p| p).count().max(1) as f64;
    let present = column(
        targets
            .present
            .iter()
            .map(|&p| f32::from(u8::from(p)))
            .collect(),
    );
    let node_loss =
        (smooth_l1(nodes - column(targets.delta.clone())) * present).sum() / present_count;
    bce * w.link + weight_loss * w.weight + node_loss * w.node
}

/// Positions of a seeded random subset of at most `max` of `len` items, in ascending order.
pub(crate) fn subsample(len: usize, max: usize, seed: u64) -> Vec<usize> {
    let mut all: Vec<usize> = (0..len).collect();
    if len > max {
        SplitMix64::new(seed).shuffle(&mut all);
        all.truncate(max);
        all.sort_unstable();
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_weights_parse_four_non_negative_numbers() {
        let w: LossWeights = "2, 5,0.5,20".parse().expect("weights");
        assert_eq!(w, LossWeights::default());
        let no_node: LossWeights = "1,1,0,0".parse().expect("weights");
        assert_eq!((no_node.weight, no_node.node), (0.0, 0.0));
        for bad in [
            "2,5,0.5",
            "2,5,0.5,20,1",
            "2,0,0.5,20",
            "2,5,-1,20",
            "a,5,0.5,20",
            "2,5,inf,20",
        ] {
            assert!(bad.parse::<LossWeights>().is_err(), "{bad}");
        }
    }
}
