//! The link-prediction benchmark: every row of DESIGN.md §9's results table — the transformer,
//! ROLAND, GCN, GAT, Node2Vec, the pair-feature logistic model and every heuristic and
//! persistence scorer — trained and scored per (model, horizon, seed[, walk-forward fold]),
//! each such *cell* on the same evaluation pairs as the others of its horizon and seed.
//!
//! A run writes one JSON file per finished cell under `OUT/cells/`, so a run that stops is
//! resumed by running the same plan again: finished cells are read back, not recomputed. The
//! plan is stored in `OUT/plan.json`; a different plan in the same folder is an error. The
//! same folder can be shared by several processes that run disjoint `--models` or
//! `--horizons` (each with its own plan file name), and [`BenchmarkResults::read`] gathers
//! every cell there.
//!
//! A cell's seed is the training seed of its model (pair draws, anchor order), the seed of its
//! initial weights (it replaces the `init_seed` of the model's config; Node2Vec's walks are
//! seeded by its config's seed XOR the cell's) and the seed of the evaluation's pair draws.
//!
//! Training time is wall-clock time of the cell's training (including the validation grid
//! when tuning); prediction time is the time the forecaster spent in
//! [`Forecaster::predict_pairs`] and [`Forecaster::predict_nodes`] over the test anchors (not
//! the evaluation's own pair drawing).

use std::cell::RefCell;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use burn::prelude::Device;
use dexposure_graph::linkpred::Scorer;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::baselines::{HeuristicForecaster, PairLogistic};
use crate::error::{ModelError, Result};
use crate::evaluate::{
    Evaluation, ForecastScores, METRIC_COLUMNS, MetricSummary, PreparedAnchors, ResultsTable,
};
use crate::experiment::DataLabel;
use crate::features::{FeatureSet, Normalizer};
use crate::forecaster::{Forecaster, PairForecast};
use crate::gat::GatConfig;
use crate::gcn::GcnConfig;
use crate::gnn::{StaticGnn, StaticGnnTrainer, WeekEncoder};
use crate::history::{ForecastSplit, SplitPart, WalkForward, WeekGraphs};
use crate::model::ForecasterConfig;
use crate::node2vec::Node2VecConfig;
use crate::roland::{RolandConfig, RolandTrainer};
use crate::train::{TrainConfig, Trainer};

/// A row of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum BenchmarkModel {
    /// The graph-tabular transformer ([`Trainer`]).
    Transformer,
    /// Logistic regression on the pair features ([`PairLogistic`]).
    PairLogistic,
    /// ROLAND ([`crate::roland`]).
    Roland,
    /// Two-layer GCN ([`crate::gcn`]).
    Gcn,
    /// Two-layer GAT ([`crate::gat`]).
    Gat,
    /// Node2Vec + logistic regression ([`crate::node2vec`]).
    Node2Vec,
    /// A heuristic or persistence scorer of `dexposure-graph`, unchanged.
    Heuristic(Scorer),
}

impl BenchmarkModel {
    /// The trained models, in table order.
    pub const TRAINED: [BenchmarkModel; 6] = [
        BenchmarkModel::Transformer,
        BenchmarkModel::Roland,
        BenchmarkModel::Gcn,
        BenchmarkModel::Gat,
        BenchmarkModel::Node2Vec,
        BenchmarkModel::PairLogistic,
    ];

    /// Every row: the trained models, then every scorer of [`Scorer::ALL`].
    pub fn all() -> Vec<Self> {
        Self::TRAINED
            .into_iter()
            .chain(Scorer::ALL.into_iter().map(Self::Heuristic))
            .collect()
    }

    /// The row name ([`Forecaster::name`] of the model).
    pub fn name(&self) -> String {
        match self {
            Self::Transformer => "graph_tabular_transformer".into(),
            Self::PairLogistic => "pair_logistic".into(),
            Self::Roland => "roland".into(),
            Self::Gcn => "gcn".into(),
            Self::Gat => "gat".into(),
            Self::Node2Vec => "node2vec".into(),
            Self::Heuristic(s) => s.name().into(),
        }
    }

    /// Models named in a comma-separated list: row names, `transformer` for the transformer,
    /// `heuristics` for every scorer, `all` for every row. Order and duplicates follow the
    /// list's first mention.
    pub fn parse_list(list: &str) -> Result<Vec<Self>> {
        let mut models: Vec<Self> = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let expanded = match item {
                "all" => Self::all(),
                "heuristics" => Scorer::ALL.into_iter().map(Self::Heuristic).collect(),
                name => vec![name.parse()?],
            };
            for m in expanded {
                if !models.contains(&m) {
                    models.push(m);
                }
            }
        }
        if models.is_empty() {
            return Err(ModelError::InvalidArgument(format!(
                "no model named in {list:?}"
            )));
        }
        Ok(models)
    }
}

impl std::str::FromStr for BenchmarkModel {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self> {
        if s == "transformer" {
            return Ok(Self::Transformer);
        }
        Self::all()
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let names: Vec<String> = Self::all().iter().map(Self::name).collect();
                ModelError::InvalidArgument(format!(
                    "unknown model {s:?}; expected one of transformer, heuristics, all, {}",
                    names.join(", ")
                ))
            })
    }
}

impl TryFrom<String> for BenchmarkModel {
    type Error = ModelError;

    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<BenchmarkModel> for String {
    fn from(m: BenchmarkModel) -> Self {
        m.name()
    }
}

/// Everything a benchmark run does. Stored in the output folder: a resumed run must use the
/// same plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkPlan {
    /// Horizons h in weeks.
    pub horizons: Vec<usize>,
    /// Seeds: each is the training seed of every trained model and the seed of the
    /// evaluation's pair draws.
    pub seeds: Vec<u64>,
    /// Rows.
    pub models: Vec<BenchmarkModel>,
    /// Walk-forward folds instead of the hold-out split of DESIGN.md §9.
    pub folds: Option<WalkForward>,
    /// Training settings of every trained model (horizon and seed are set per cell).
    pub train: TrainConfig,
    /// Transformer sizes.
    pub transformer: ForecasterConfig,
    /// ROLAND sizes.
    pub roland: RolandConfig,
    /// GCN sizes.
    pub gcn: GcnConfig,
    /// GAT sizes.
    pub gat: GatConfig,
    /// Node2Vec settings.
    pub node2vec: Node2VecConfig,
    /// Every `anchor_stride`-th test anchor is scored (1 for all).
    pub anchor_stride: usize,
    /// Choose the learning rate of ROLAND, GCN and GAT (×1, ×0.1 or ×10 their own: the
    /// transformer's for ROLAND, `learning_rate` of their configs for GCN and GAT) and
    /// Node2Vec's (p, q) ((1, 1), (0.5, 2) or (2, 0.5)) on validation AUPRC; otherwise the
    /// first choice.
    pub tune: bool,
}

impl BenchmarkPlan {
    /// Every row at `horizons` and `seeds`, hold-out split, default settings.
    pub fn new(horizons: Vec<usize>, seeds: Vec<u64>) -> Self {
        Self {
            horizons,
            seeds,
            models: BenchmarkModel::all(),
            folds: None,
            train: TrainConfig::new(1),
            transformer: ForecasterConfig::new(0, 0),
            roland: RolandConfig::new(0),
            gcn: GcnConfig::new(0),
            gat: GatConfig::new(0),
            node2vec: Node2VecConfig::new(),
            anchor_stride: 1,
            tune: false,
        }
    }

    /// An error on an empty list, a zero horizon or stride, or invalid model settings.
    pub fn validate(&self) -> Result<()> {
        if self.horizons.is_empty() || self.seeds.is_empty() || self.models.is_empty() {
            return Err(ModelError::InvalidArgument(
                "a benchmark needs at least one horizon, seed and model".into(),
            ));
        }
        if self.horizons.contains(&0) || self.anchor_stride == 0 {
            return Err(ModelError::InvalidArgument(format!(
                "horizons and the anchor stride must be at least 1: {:?}, stride {}",
                self.horizons, self.anchor_stride
            )));
        }
        // The other models' sizes are checked when they are built (their input widths come
        // from the data).
        self.node2vec.validate()
    }
}

/// One unit of work: a model at a horizon and seed (and walk-forward fold).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkCell {
    /// Row.
    pub model: BenchmarkModel,
    /// Horizon h.
    pub horizon: usize,
    /// Seed.
    pub seed: u64,
    /// Walk-forward fold (None for the hold-out split).
    pub fold: Option<usize>,
}

impl BenchmarkCell {
    /// The file name of its result.
    pub fn file_name(&self) -> String {
        let fold = self.fold.map_or_else(String::new, |k| format!("_f{k}"));
        format!(
            "{}_h{}_s{}{fold}.json",
            self.model.name(),
            self.horizon,
            self.seed
        )
    }
}

/// The result of one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    /// The cell.
    pub cell: BenchmarkCell,
    /// Its split (test weeks are those scored).
    pub split: ForecastSplit,
    /// Scores on the test anchors, with train and predict seconds.
    pub scores: ForecastScores,
    /// Best validation AUPRC of training (trained models with early stopping).
    pub validation_auprc: Option<f64>,
    /// The choice made on validation, when tuning.
    pub chosen: Option<String>,
}

/// A benchmark run over a series.
#[derive(Debug)]
pub struct Benchmark<'a> {
    weeks: &'a WeekGraphs,
    device: Device,
    plan: BenchmarkPlan,
    out: PathBuf,
    /// The evaluation pairs of the last (horizon, seed, fold) scored, shared by its models.
    prepared: RefCell<Option<(GroupKey, PreparedAnchors)>>,
}

/// (horizon, seed, fold): the cells that share their evaluation pairs.
type GroupKey = (usize, u64, Option<usize>);

/// The folder of cell results under an output folder.
const CELLS: &str = "cells";

impl<'a> Benchmark<'a> {
    /// A run of `plan` on `weeks` (models on `device`) writing into `out`: creates the folder,
    /// writes the plan to `plan_file` there, or checks that the plan already there is the same.
    pub fn new(
        weeks: &'a WeekGraphs,
        device: Device,
        plan: BenchmarkPlan,
        out: &Path,
        plan_file: &str,
    ) -> Result<Self> {
        plan.validate()?;
        let cells = out.join(CELLS);
        fs::create_dir_all(&cells).map_err(|e| ModelError::io(&cells, e))?;
        let path = out.join(plan_file);
        let text = serde_json::to_string_pretty(&plan)
            .map_err(|e| ModelError::InvalidArgument(format!("cannot serialise the plan: {e}")))?;
        if path.is_file() {
            let stored = fs::read_to_string(&path).map_err(|e| ModelError::io(&path, e))?;
            let stored: BenchmarkPlan = serde_json::from_str(&stored).map_err(|e| {
                ModelError::InvalidArgument(format!(
                    "{}: not a benchmark plan: {e}",
                    path.display()
                ))
            })?;
            if stored != plan {
                return Err(ModelError::InvalidArgument(format!(
                    "{} holds another plan; resume with the same options, or choose another output folder",
                    path.display()
                )));
            }
        } else {
            write_atomically(&path, &text)?;
        }
        Ok(Self {
            weeks,
            device,
            plan,
            out: out.to_path_buf(),
            prepared: RefCell::new(None),
        })
    }

    /// The plan.
    pub fn plan(&self) -> &BenchmarkPlan {
        &self.plan
    }

    /// The split of a horizon and fold.
    fn split(&self, h: usize, fold: Option<usize>) -> Result<ForecastSplit> {
        match (fold, &self.plan.folds) {
            (Some(k), Some(folds)) => folds
                .folds(self.weeks.len(), h)?
                .into_iter()
                .nth(k)
                .ok_or_else(|| ModelError::InvalidArgument(format!("no fold {k} at h = {h}"))),
            _ => ForecastSplit::for_dates(self.weeks.dates(), h),
        }
    }

    /// Every cell of the plan, horizon by horizon, seed by seed, fold by fold, model by model.
    pub fn cells(&self) -> Result<Vec<BenchmarkCell>> {
        let mut cells = Vec::new();
        for &horizon in &self.plan.horizons {
            let folds: Vec<Option<usize>> = match &self.plan.folds {
                Some(f) => (0..f.folds(self.weeks.len(), horizon)?.len())
                    .map(Some)
                    .collect(),
                None => vec![None],
            };
            for &seed in &self.plan.seeds {
                for &fold in &folds {
                    for &model in &self.plan.models {
                        cells.push(BenchmarkCell {
                            model,
                            horizon,
                            seed,
                            fold,
                        });
                    }
                }
            }
        }
        Ok(cells)
    }

    /// Runs every cell without a result file (with a progress bar on stderr when `progress`)
    /// and returns all cells' results.
    pub fn run(&self, progress: bool) -> Result<BenchmarkResults> {
        let cells = self.cells()?;
        let done = |c: &BenchmarkCell| self.out.join(CELLS).join(c.file_name()).is_file();
        let bar = if progress {
            ProgressBar::new(cells.len() as u64)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} cells, ETA {eta}: {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_position(cells.iter().filter(|c| done(c)).count() as u64);
        let mut results = Vec::with_capacity(cells.len());
        for cell in &cells {
            let path = self.out.join(CELLS).join(cell.file_name());
            let result = if done(cell) {
                read_cell(&path)?
            } else {
                bar.set_message(cell.file_name());
                let result = self.run_cell(cell)?;
                let text = serde_json::to_string_pretty(&result).map_err(|e| {
                    ModelError::InvalidArgument(format!("cannot serialise a cell result: {e}"))
                })?;
                write_atomically(&path, &text)?;
                bar.inc(1);
                result
            };
            results.push(result);
        }
        bar.finish_and_clear();
        Ok(BenchmarkResults {
            cells: results,
            plan: self.plan.clone(),
        })
    }

    /// Trains (timed) and scores one cell.
    pub fn run_cell(&self, cell: &BenchmarkCell) -> Result<CellResult> {
        let h = cell.horizon;
        let split = self.split(h, cell.fold)?;
        let anchors: Vec<usize> = split
            .anchors(SplitPart::Test, h)
            .into_iter()
            .step_by(self.plan.anchor_stride)
            .collect();
        let config = TrainConfig {
            horizon: h,
            seed: cell.seed,
            ..self.plan.train.clone()
        };
        let started = Instant::now();
        let trained = self.train(cell.model, &split, &config)?;
        let train_seconds = started.elapsed().as_secs_f64();
        let timed = TimedForecaster::new(trained.forecaster.as_ref());
        let evaluation = Evaluation {
            candidates: config.candidates.clone(),
            ..Evaluation::new(h, cell.seed)
        };
        let key = (h, cell.seed, cell.fold);
        let mut prepared = self.prepared.borrow_mut();
        if prepared.as_ref().is_none_or(|(k, _)| *k != key) {
            *prepared = Some((key, evaluation.prepare(self.weeks, &anchors)?));
        }
        let Some((_, anchors)) = prepared.as_ref() else {
            return Err(ModelError::InvalidArgument("no prepared anchors".into()));
        };
        let mut scores = evaluation
            .evaluate_prepared(&[&timed], self.weeks, anchors)?
            .pop()
            .ok_or_else(|| ModelError::InvalidArgument("evaluation produced no scores".into()))?;
        scores.train_seconds = Some(train_seconds);
        scores.predict_seconds = Some(timed.seconds());
        Ok(CellResult {
            cell: *cell,
            split,
            scores,
            validation_auprc: trained.validation_auprc,
            chosen: trained.chosen,
        })
    }

    fn train(
        &self,
        model: BenchmarkModel,
        split: &ForecastSplit,
        config: &TrainConfig,
    ) -> Result<Trained> {
        let (weeks, device) = (self.weeks, &self.device);
        let (h, seed) = (config.horizon, config.seed);
        let features = FeatureSet::default();
        let plan = &self.plan;
        let lr_scales: &[f64] = if plan.tune { &[1.0, 0.1, 10.0] } else { &[1.0] };
        // Both parameter groups at `base · scale` (base: the model's own learning rate).
        let with_lr = |base: Option<f64>, s: f64| TrainConfig {
            lr_encoder: base.unwrap_or(config.lr_encoder) * s,
            lr_heads: base.unwrap_or(config.lr_heads) * s,
            ..config.clone()
        };
        let static_trainer = StaticGnnTrainer::new(weeks, split.clone(), device.clone());
        let ad = device.clone().autodiff();
        match model {
            BenchmarkModel::Heuristic(scorer) => {
                Ok(Trained::fixed(HeuristicForecaster::new(scorer)))
            }
            BenchmarkModel::PairLogistic => Ok(Trained::fixed(PairLogistic::fit(
                weeks,
                &features,
                &split.anchors(SplitPart::Train, h),
                h,
                seed,
            )?)),
            BenchmarkModel::Transformer => {
                let trainer = Trainer::with_split(weeks, split.clone(), h, device.clone())?;
                let state = trainer.init(features, &plan.transformer, config.clone())?;
                let state = trainer.fit(state, config.epochs)?;
                Ok(Trained {
                    validation_auprc: state.best_validation_auprc(),
                    forecaster: Box::new(state.forecaster(device)),
                    chosen: None,
                })
            }
            BenchmarkModel::Roland => choose(lr_scales, plan.tune, lr_label, |&s| {
                let trainer = RolandTrainer::new(weeks, split.clone(), device.clone());
                let sizes = plan.roland.clone().with_init_seed(seed);
                let roland = trainer.fit(&features, &sizes, &with_lr(None, s))?;
                let best = roland
                    .history
                    .iter()
                    .map(|e| e.validation_auprc)
                    .max_by(f64::total_cmp);
                Ok((Box::new(roland) as Box<dyn Forecaster>, best))
            }),
            BenchmarkModel::Gcn => {
                let normalizer = static_trainer.normalizer(&features)?;
                let lr = Some(plan.gcn.learning_rate);
                choose(lr_scales, plan.tune, lr_label, |&s| {
                    let sizes = GcnConfig {
                        node_features: normalizer.dim(),
                        init_seed: seed,
                        ..plan.gcn.clone()
                    };
                    let model = sizes.init(&ad)?;
                    static_fit(&static_trainer, model, &normalizer, &with_lr(lr, s))
                })
            }
            BenchmarkModel::Gat => {
                let normalizer = static_trainer.normalizer(&features)?;
                let lr = Some(plan.gat.learning_rate);
                choose(lr_scales, plan.tune, lr_label, |&s| {
                    let sizes = GatConfig {
                        node_features: normalizer.dim(),
                        init_seed: seed,
                        ..plan.gat.clone()
                    };
                    let model = sizes.init(&ad)?;
                    static_fit(&static_trainer, model, &normalizer, &with_lr(lr, s))
                })
            }
            BenchmarkModel::Node2Vec => {
                // Node2Vec reads no node features, but the trainer's inputs carry them.
                let normalizer = static_trainer.normalizer(&features)?;
                let grid: &[(f64, f64)] = if plan.tune {
                    &[(1.0, 1.0), (0.5, 2.0), (2.0, 0.5)]
                } else {
                    &[(plan.node2vec.p, plan.node2vec.q)]
                };
                choose(
                    grid,
                    plan.tune,
                    |&(p, q)| format!("p={p},q={q}"),
                    |&(p, q)| {
                        let n2v = Node2VecConfig {
                            p,
                            q,
                            seed: plan.node2vec.seed ^ seed,
                            ..plan.node2vec.clone()
                        };
                        let model = n2v.init(seed, &ad)?;
                        let lr = with_lr(Some(n2v.head_learning_rate), 1.0);
                        static_fit(&static_trainer, model, &normalizer, &lr)
                    },
                )
            }
        }
    }
}

/// A trained row and what its training chose.
struct Trained {
    forecaster: Box<dyn Forecaster>,
    validation_auprc: Option<f64>,
    chosen: Option<String>,
}

impl Trained {
    fn fixed(f: impl Forecaster + 'static) -> Self {
        Self {
            forecaster: Box::new(f),
            validation_auprc: None,
            chosen: None,
        }
    }
}

fn lr_label(s: &f64) -> String {
    format!("learning rate x{s}")
}

/// Trains one model per option and keeps the best on validation AUPRC (the first on ties).
fn choose<T>(
    options: &[T],
    record: bool,
    label: impl Fn(&T) -> String,
    mut fit: impl FnMut(&T) -> Result<(Box<dyn Forecaster>, Option<f64>)>,
) -> Result<Trained> {
    let mut best: Option<(f64, Trained)> = None;
    for option in options {
        let (forecaster, auprc) = fit(option)?;
        let score = auprc.unwrap_or(f64::NEG_INFINITY);
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            best = Some((
                score,
                Trained {
                    forecaster,
                    validation_auprc: auprc,
                    chosen: record.then(|| label(option)),
                },
            ));
        }
    }
    best.map(|(_, t)| t)
        .ok_or_else(|| ModelError::InvalidArgument("no option to choose from".into()))
}

/// Trains a static model with the default node features and `normalizer`.
fn static_fit<E: WeekEncoder + 'static>(
    trainer: &StaticGnnTrainer<'_>,
    model: StaticGnn<E>,
    normalizer: &Normalizer,
    config: &TrainConfig,
) -> Result<(Box<dyn Forecaster>, Option<f64>)> {
    let features = FeatureSet::default();
    let trained = trainer.fit(model, &features, normalizer.clone(), config)?;
    let best = trained.best_validation_auprc();
    Ok((Box::new(trained), best))
}

/// A forecaster that adds up the time spent in its predictions.
struct TimedForecaster<'a> {
    inner: &'a dyn Forecaster,
    seconds: Mutex<f64>,
}

impl<'a> TimedForecaster<'a> {
    fn new(inner: &'a dyn Forecaster) -> Self {
        Self {
            inner,
            seconds: Mutex::new(0.0),
        }
    }

    fn seconds(&self) -> f64 {
        self.seconds.lock().map_or(f64::NAN, |s| *s)
    }

    fn timed<T>(&self, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let out = f();
        if let Ok(mut s) = self.seconds.lock() {
            *s += started.elapsed().as_secs_f64();
        }
        out
    }
}

impl Forecaster for TimedForecaster<'_> {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn predict_pairs(
        &self,
        weeks: &WeekGraphs,
        t: usize,
        pairs: &[(u32, u32)],
    ) -> Result<PairForecast> {
        self.timed(|| self.inner.predict_pairs(weeks, t, pairs))
    }

    fn predict_nodes(&self, weeks: &WeekGraphs, t: usize) -> Result<Vec<f64>> {
        self.timed(|| self.inner.predict_nodes(weeks, t))
    }
}

fn read_cell(path: &Path) -> Result<CellResult> {
    let text = fs::read_to_string(path).map_err(|e| ModelError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        ModelError::InvalidArgument(format!(
            "{}: not a benchmark cell result ({e}); delete it to recompute the cell",
            path.display()
        ))
    })
}

/// Writes `text` to a temporary file beside `path`, then renames it: a crash leaves either
/// the old file or the new one, never half of one.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("json.partial");
    fs::write(&tmp, text).map_err(|e| ModelError::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| ModelError::io(path, e))
}

/// The headline columns of the benchmark table, with their short headers.
pub const HEADLINE_COLUMNS: [(&str, &str); 10] = [
    ("uniform_auroc", "AUROC"),
    ("uniform_auprc", "AUPRC"),
    ("hard_auprc", "hard AUPRC"),
    ("new_link_auprc", "new-link AUPRC"),
    ("direction_accuracy", "direction"),
    ("ranking_precision", "P@\\|E\\|"),
    ("weight_mae", "weight MAE"),
    ("node_mae", "node MAE"),
    ("train_seconds", "train s"),
    ("predict_seconds", "predict s"),
];

/// The results of a benchmark: every cell, and the tables made from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkResults {
    /// The plan.
    pub plan: BenchmarkPlan,
    /// Every cell's result, in plan order.
    pub cells: Vec<CellResult>,
}

impl BenchmarkResults {
    /// Every cell result in `out/cells` (of any plan: to gather the cells of processes that
    /// ran parts of one benchmark), ordered by horizon, seed, fold and the order of
    /// `plan.models`; models not in `plan.models` come after, by name.
    pub fn read(out: &Path, plan: BenchmarkPlan) -> Result<Self> {
        let dir = out.join(CELLS);
        let entries = fs::read_dir(&dir).map_err(|e| ModelError::io(&dir, e))?;
        let mut cells = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| ModelError::io(&dir, e))?.path();
            if path.extension().is_some_and(|e| e == "json") {
                cells.push(read_cell(&path)?);
            }
        }
        let rank = |m: &BenchmarkModel| {
            plan.models
                .iter()
                .position(|x| x == m)
                .unwrap_or(plan.models.len())
        };
        cells.sort_by(|a, b| {
            let key = |c: &CellResult| {
                (
                    c.cell.horizon,
                    c.cell.seed,
                    c.cell.fold,
                    rank(&c.cell.model),
                )
            };
            key(a)
                .cmp(&key(b))
                .then_with(|| a.cell.model.name().cmp(&b.cell.model.name()))
        });
        Ok(Self { plan, cells })
    }

    /// Mean ± sd over seeds (and folds) per (model, horizon), every metric.
    pub fn table(&self) -> ResultsTable {
        ResultsTable::from_runs(self.cells.iter().map(|c| c.scores.clone()).collect())
    }

    /// Horizons present, ascending.
    fn horizons(&self) -> Vec<usize> {
        let mut h: Vec<usize> = self.cells.iter().map(|c| c.cell.horizon).collect();
        h.sort_unstable();
        h.dedup();
        h
    }

    /// Model names in table order.
    fn models(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for c in &self.cells {
            let name = c.cell.model.name();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// The table in Markdown: `label`'s banner, then per horizon one table with a row per
    /// model and the [`HEADLINE_COLUMNS`] (mean ± sd over seeds and folds), and the number of
    /// runs and test anchors.
    pub fn to_markdown(&self, label: &DataLabel) -> String {
        let table = self.table();
        let mut out = format!("{}\n\n", label.banner());
        let split = if self.plan.folds.is_some() {
            "walk-forward folds, pooled"
        } else {
            "hold-out test weeks"
        };
        for h in self.horizons() {
            let anchors: Vec<usize> = self
                .cells
                .iter()
                .filter(|c| c.cell.horizon == h)
                .map(|c| c.scores.anchors)
                .collect();
            let (fewest, most) = (
                anchors.iter().min().copied().unwrap_or(0),
                anchors.iter().max().copied().unwrap_or(0),
            );
            let count = if fewest == most {
                fewest.to_string()
            } else {
                format!("{fewest}–{most}")
            };
            let _ = writeln!(out, "### h = {h} ({split}; {count} test anchors per run)\n");
            out.push_str("| model | runs |");
            for (_, header) in HEADLINE_COLUMNS {
                let _ = write!(out, " {header} |");
            }
            out.push_str("\n|---|---:|");
            out.push_str(&"---:|".repeat(HEADLINE_COLUMNS.len()));
            out.push('\n');
            for model in self.models() {
                let Some(row) = table.row(&model, h) else {
                    continue;
                };
                let _ = write!(out, "| {model} | {} |", row.seeds.len());
                for (column, _) in HEADLINE_COLUMNS {
                    let _ = write!(out, " {} |", markdown_cell(row.metric(column)));
                }
                out.push('\n');
            }
            out.push('\n');
        }
        out
    }

    /// The table in CSV: one line per model; per horizon h and headline column c, the columns
    /// `h<h>_<c>_mean` and `h<h>_<c>_sd` (empty when undefined), full precision.
    pub fn to_csv(&self) -> String {
        let table = self.table();
        let horizons = self.horizons();
        let mut out = String::from("model");
        for h in &horizons {
            let _ = write!(out, ",h{h}_runs");
            for (c, _) in HEADLINE_COLUMNS {
                let _ = write!(out, ",h{h}_{c}_mean,h{h}_{c}_sd");
            }
        }
        out.push('\n');
        for model in self.models() {
            out.push_str(&model);
            for &h in &horizons {
                let row = table.row(&model, h);
                let _ = write!(out, ",{}", row.map_or(0, |r| r.seeds.len()));
                for (c, _) in HEADLINE_COLUMNS {
                    let m = row.and_then(|r| r.metric(c));
                    let cell = |x: Option<f64>| x.map_or_else(String::new, |x| x.to_string());
                    let _ = write!(
                        out,
                        ",{},{}",
                        cell(m.and_then(|m| m.mean)),
                        cell(m.and_then(|m| m.sd))
                    );
                }
            }
            out.push('\n');
        }
        out
    }

    /// Everything as pretty JSON: the plan, the aggregated table (every metric of
    /// [`METRIC_COLUMNS`]) and every cell.
    pub fn to_json(&self) -> Result<String> {
        #[derive(Serialize)]
        struct Json<'a> {
            plan: &'a BenchmarkPlan,
            columns: &'a [&'a str],
            table: ResultsTable,
            cells: &'a [CellResult],
        }
        serde_json::to_string_pretty(&Json {
            plan: &self.plan,
            columns: &METRIC_COLUMNS,
            table: self.table(),
            cells: &self.cells,
        })
        .map_err(|e| ModelError::InvalidArgument(format!("cannot serialise the benchmark: {e}")))
    }

    /// The per-fold table of a walk-forward run in Markdown (None for a hold-out run): a row
    /// per (model, fold) with its test weeks and, per horizon, uniform, hard-negative and
    /// new-link AUPRC (mean over seeds).
    pub fn folds_markdown(&self) -> Option<String> {
        self.plan.folds?;
        let horizons = self.horizons();
        let mut folds: Vec<usize> = self.cells.iter().filter_map(|c| c.cell.fold).collect();
        folds.sort_unstable();
        folds.dedup();
        let columns = [
            ("uniform_auprc", "AUPRC"),
            ("hard_auprc", "hard"),
            ("new_link_auprc", "new-link"),
        ];
        let mut out = String::from("| model | fold | first test anchor |");
        for h in &horizons {
            for (_, header) in columns {
                let _ = write!(out, " h{h} {header} |");
            }
        }
        out.push_str("\n|---|---:|---|");
        out.push_str(&"---:|".repeat(horizons.len() * columns.len()));
        out.push('\n');
        let dates = |c: &CellResult| c.split.test.start;
        for model in self.models() {
            for &fold in &folds {
                let of = |h: usize| -> Vec<&CellResult> {
                    self.cells
                        .iter()
                        .filter(|c| {
                            c.cell.model.name() == model
                                && c.cell.fold == Some(fold)
                                && c.cell.horizon == h
                        })
                        .collect()
                };
                let first = horizons.iter().flat_map(|&h| of(h)).next();
                let Some(first) = first else { continue };
                let _ = write!(out, "| {model} | {fold} | week {} |", dates(first));
                for &h in &horizons {
                    let cells = of(h);
                    for (c, _) in columns {
                        let k = METRIC_COLUMNS.iter().position(|x| *x == c).unwrap_or(0);
                        let summary =
                            MetricSummary::of(cells.iter().map(|r| r.scores.metric_values()[k]));
                        let _ = write!(out, " {} |", markdown_cell(Some(&summary)));
                    }
                }
                out.push('\n');
            }
        }
        Some(out)
    }

    /// Writes `stem.md`, `stem.csv`, `stem.json` (and `stem-folds.md` for walk-forward).
    pub fn write(&self, stem: &Path, label: &DataLabel) -> Result<()> {
        let write = |path: PathBuf, text: String| {
            fs::write(&path, text).map_err(|e| ModelError::io(path, e))
        };
        write(stem.with_extension("md"), self.to_markdown(label))?;
        write(stem.with_extension("csv"), self.to_csv())?;
        write(stem.with_extension("json"), self.to_json()?)?;
        if let Some(folds) = self.folds_markdown() {
            let name = format!(
                "{}-folds.md",
                stem.file_name()
                    .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
            );
            write(stem.with_file_name(name), folds)?;
        }
        Ok(())
    }
}

/// `mean ± sd` with 4 significant decimals, `mean` with one run, `–` when undefined.
fn markdown_cell(m: Option<&MetricSummary>) -> String {
    match m.map(|m| (m.mean, m.sd)) {
        None | Some((None, _)) => "–".into(),
        Some((Some(mean), None)) => format!("{mean:.4}"),
        Some((Some(mean), Some(sd))) => format!("{mean:.4} ± {sd:.4}"),
    }
}
