//! The results table of DESIGN.md §9 for trained checkpoints: every row (the transformer, the
//! heuristic baselines and the pair-feature logistic model) on the same test pairs, one run per
//! checkpoint (= per training seed), aggregated over seeds.

use std::fs;
use std::path::{Path, PathBuf};

use burn::prelude::Device;
use dexposure_graph::linkpred::Scorer;
use indicatif::ProgressBar;

use crate::baselines::{HeuristicForecaster, PairLogistic};
use crate::checkpoint::{Checkpoint, META_FILE, TrainingData};
use crate::error::{ModelError, Result};
use crate::evaluate::{Evaluation, ForecastScores, ResultsTable};
use crate::forecaster::Forecaster;
use crate::history::{ForecastSplit, SplitPart, WeekGraphs};
use crate::roland::{RolandConfig, RolandTrainer};

/// How a dataset is named in checkpoints and printed tables: a description with no file path,
/// and whether it is simulated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DataLabel {
    /// Description, e.g. the file name or the embedded dataset's name.
    pub description: String,
    /// True for simulated data (then every table says so).
    pub simulated: bool,
}

impl DataLabel {
    /// A label.
    pub fn new(description: impl Into<String>, simulated: bool) -> Self {
        Self {
            description: description.into(),
            simulated,
        }
    }

    /// The checkpoint record of training on `weeks` with `split`.
    pub fn training_data(&self, weeks: &WeekGraphs, split: &ForecastSplit) -> TrainingData {
        let dates = weeks.dates();
        TrainingData {
            description: self.description.clone(),
            first_week: dates.first().copied().unwrap_or_default(),
            last_week: dates.last().copied().unwrap_or_default(),
            weeks: dates.len(),
            split: split.clone(),
        }
    }

    /// One line to print above results.
    pub fn banner(&self) -> String {
        if self.simulated {
            format!(
                "Data: {} — SIMULATED data; these numbers say nothing about the real DeXposure network.",
                self.description
            )
        } else {
            format!("Data: {}", self.description)
        }
    }
}

/// The checkpoint folders at `path`: `path` itself when it holds `checkpoint.json`, else its
/// sub-folders that do (sorted by name).
pub fn checkpoint_folders(path: &Path) -> Result<Vec<PathBuf>> {
    if path.join(META_FILE).is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = fs::read_dir(path).map_err(|e| ModelError::io(path, e))?;
    let mut folders: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(META_FILE).is_file())
        .collect();
    folders.sort();
    if folders.is_empty() {
        return Err(ModelError::checkpoint(
            path,
            format!("no {META_FILE} here or in its sub-folders"),
        ));
    }
    Ok(folders)
}

/// The anchors an evaluation reads: one part of the split (the test weeks for the results
/// table; the validation weeks to choose a configuration without looking at the test weeks),
/// every `stride`-th anchor of it (first, first + stride, …; 1 for all) to bound the cost on
/// long full-scale periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvaluationAnchors {
    /// Part of the split.
    pub part: SplitPart,
    /// Keep every so-many anchors.
    pub stride: usize,
}

impl Default for EvaluationAnchors {
    fn default() -> Self {
        Self {
            part: SplitPart::Test,
            stride: 1,
        }
    }
}

impl EvaluationAnchors {
    /// The anchor positions of horizon `h` under `split`.
    pub fn anchors(&self, split: &ForecastSplit, h: usize) -> Vec<usize> {
        split
            .anchors(self.part, h)
            .into_iter()
            .step_by(self.stride.max(1))
            .collect()
    }
}

/// One results-table run over trained checkpoints: the data, the device, the anchors, and
/// whether to train ROLAND as an extra row.
#[derive(Debug, Clone)]
pub struct ResultsRun<'a> {
    /// The weeks.
    pub weeks: &'a WeekGraphs,
    /// Device of every model.
    pub device: Device,
    /// The anchors read.
    pub anchors: EvaluationAnchors,
    /// When set, a ROLAND of these sizes is trained per checkpoint (same horizon, seed, split,
    /// pairs and loss as the checkpoint's training; its initialisation seeded by the
    /// checkpoint's training seed) and scored as a row.
    pub roland: Option<RolandConfig>,
}

impl<'a> ResultsRun<'a> {
    /// A run on the test anchors, without ROLAND.
    pub fn new(weeks: &'a WeekGraphs, device: Device) -> Self {
        Self {
            weeks,
            device,
            anchors: EvaluationAnchors::default(),
            roland: None,
        }
    }

    /// Evaluates every checkpoint (its training seed is the evaluation seed) next to all
    /// baselines, with a progress bar on stderr. The transformer's predicted exposure is the
    /// total of its forecast graphs Ĝ; the persistence rows' is the total of G_t. With
    /// `record`, each checkpoint's rows are stored in its `checkpoint.json` (test anchors
    /// only: recorded metrics are the results table's).
    pub fn checkpoints(&self, folders: &[PathBuf], record: bool) -> Result<ResultsTable> {
        if record && self.anchors.part != SplitPart::Test {
            return Err(ModelError::InvalidArgument(format!(
                "only test-week results are recorded in a checkpoint, not {} weeks",
                self.anchors.part
            )));
        }
        let bar = ProgressBar::new(folders.len() as u64);
        let mut runs = Vec::new();
        for folder in folders {
            let checkpoint = Checkpoint::load(folder, &self.device)?;
            let rows = self.checkpoint(&checkpoint)?;
            if record {
                let value = serde_json::to_value(&rows).map_err(|e| {
                    ModelError::checkpoint(folder, format!("cannot serialise the results: {e}"))
                })?;
                Checkpoint::record_metrics(folder, value)?;
            }
            runs.extend(rows);
            bar.inc(1);
        }
        bar.finish_and_clear();
        Ok(ResultsTable::from_runs(runs))
    }

    /// The rows of one checkpoint: transformer, pair logistic, ROLAND when asked, heuristics.
    pub fn checkpoint(&self, checkpoint: &Checkpoint) -> Result<Vec<ForecastScores>> {
        let (weeks, device) = (self.weeks, &self.device);
        let state = &checkpoint.state;
        let h = state.train_config.horizon;
        let seed = state.train_config.seed;
        let split = ForecastSplit::for_dates(weeks.dates(), h)?;
        let selected = self.anchors.anchors(&split, h);
        let model = state.forecaster(device);
        let logistic = PairLogistic::fit(
            weeks,
            &state.scaling.features,
            &split.anchors(SplitPart::Train, h),
            h,
            seed,
        )?;
        let roland = match &self.roland {
            Some(sizes) => Some(
                RolandTrainer::new(weeks, split.clone(), device.clone()).fit(
                    &state.scaling.features,
                    &sizes.clone().with_init_seed(seed),
                    &state.train_config,
                )?,
            ),
            None => None,
        };
        let heuristics = HeuristicForecaster::all();
        let mut rows: Vec<&dyn Forecaster> = vec![&model, &logistic];
        if let Some(r) = &roland {
            rows.push(r);
        }
        rows.extend(heuristics.iter().map(|f| f as &dyn Forecaster));
        let evaluation = Evaluation {
            candidates: state.train_config.candidates.clone(),
            ..Evaluation::new(h, seed)
        };
        let mut scores = evaluation.evaluate_all(&rows, weeks, &selected)?;
        let mut model_total = 0.0;
        for &t in &selected {
            model_total += model.forecast(weeks, t)?.total_exposure();
        }
        let persistence_total: f64 = selected
            .iter()
            .map(|&t| exposure_between_distinct(weeks, t))
            .sum();
        for s in &mut scores {
            if s.name == model.name() {
                s.predicted_exposure = Some(model_total);
            } else if s.name == Scorer::DirectedPersistence.name()
                || s.name == Scorer::UndirectedPersistence.name()
            {
                s.predicted_exposure = Some(persistence_total);
            }
        }
        Ok(scores)
    }
}

/// Total weight of the links of week t between distinct nodes.
fn exposure_between_distinct(weeks: &WeekGraphs, t: usize) -> f64 {
    let g = weeks.graph(t);
    (0..g.node_count())
        .flat_map(|i| {
            g.out_csr()
                .row(i)
                .filter(move |&(j, _)| j != i)
                .map(|(_, w)| w)
        })
        .sum()
}

/// Writes `stem.md`, `stem.csv` and `stem.json`.
pub fn write_table(table: &ResultsTable, stem: &Path) -> Result<()> {
    let with = |ext: &str| stem.with_extension(ext);
    let write =
        |path: PathBuf, text: String| fs::write(&path, text).map_err(|e| ModelError::io(path, e));
    write(with("md"), table.to_markdown())?;
    write(with("csv"), table.to_csv())?;
    write(with("json"), table.to_json()?)
}
