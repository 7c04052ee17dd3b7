//! Train, evaluate and run the graph-tabular transformer forecaster (DESIGN.md §9).
//!
//! ```text
//! cargo run --release --example forecast -- train    [--data PATH] [--metadata DIR] --horizon H --out DIR [--seeds N] [--seed S] [--device flex|ndarray|wgpu] [--epochs E] [--loss 2,5,0.5,20]
//! cargo run --release --example forecast -- evaluate --checkpoint DIR [--data PATH] [--metadata DIR] [--out FILE_STEM] [--part test|validation] [--anchor-stride N] [--roland]
//! cargo run --release --example forecast -- predict  --checkpoint DIR [--data PATH] [--metadata DIR] --date D --out FILE
//! ```
//! `--data` defaults to the embedded sample (simulated) everywhere. `train --seeds N` trains N
//! models with seeds S, S+1, … into `DIR/seed-S`, …; `evaluate` takes one checkpoint folder or a
//! folder of them (one per seed) and prints the results table of every row over the test weeks
//! (Markdown; CSV and JSON next to `--out`); `--part validation` prints it for the validation
//! weeks instead, to compare configurations without looking at the test weeks. `predict` writes Ĝ for the week D + h in the
//! DeXposure JSON format; the file holds no input path or time, so it is byte-identical whether or
//! not the input holds weeks after D.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use dexposure::model::experiment::{self, DataLabel, EvaluationAnchors, ResultsRun};
use dexposure::model::{
    BackendKind, Checkpoint, Device, FeatureSet, ForecasterConfig, LossWeights, RolandConfig,
    SplitPart, TrainConfig, Trainer, WeekGraphs,
};
use dexposure::snapshot::{NaiveDate, SeriesWriter};
use dexposure::{datasets, report};

#[derive(Parser, Debug)]
#[command(about = "Train, evaluate and run the exposure-network forecaster")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train one model per seed for one horizon and write checkpoints.
    Train {
        #[command(flatten)]
        input: Input,
        /// Horizon in weeks.
        #[arg(long)]
        horizon: usize,
        /// Output folder (one sub-folder per seed when --seeds > 1).
        #[arg(long)]
        out: PathBuf,
        /// Number of seeds.
        #[arg(long, default_value_t = 1)]
        seeds: u64,
        /// First seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Maximum epochs.
        #[arg(long, default_value_t = 20)]
        epochs: usize,
        /// Pairs per training step.
        #[arg(long, default_value_t = 16_384)]
        pairs_per_step: usize,
        /// Training anchors per epoch (a seeded random subset; all when absent).
        #[arg(long)]
        anchors_per_epoch: Option<usize>,
        /// Learning rate of the heads.
        #[arg(long, default_value_t = 3e-4)]
        lr_heads: f64,
        /// Learning rate of the encoder.
        #[arg(long, default_value_t = 1.5e-4)]
        lr_encoder: f64,
        /// Loss weights link,pos_weight,weight,node (the paper's 2,5,0.5,20 by default).
        #[arg(long, default_value = "2,5,0.5,20")]
        loss: LossWeights,
        /// Train on uniform negatives only (no reverse, vanished or degree-biased negatives).
        #[arg(long)]
        no_hard_negatives: bool,
        /// Add a linear pair-feature path to the link head (ForecasterConfig::pair_skip).
        #[arg(long)]
        pair_skip: bool,
        /// Start the linear pair path at the fitted pair-feature logistic model (implies
        /// --pair-skip).
        #[arg(long)]
        pair_warm_start: bool,
        /// Train the heads only (frozen encoder).
        #[arg(long)]
        freeze_encoder: bool,
        /// Continue training the checkpoint in --out instead of starting afresh.
        #[arg(long)]
        resume: bool,
    },
    /// Evaluate checkpoints and every baseline on the test weeks.
    Evaluate {
        /// A checkpoint folder, or a folder of checkpoint folders (one per seed).
        #[arg(long)]
        checkpoint: PathBuf,
        #[command(flatten)]
        input: Input,
        /// Writes FILE_STEM.md, .csv and .json.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Store each checkpoint's rows in its checkpoint.json (`recorded_metrics`).
        #[arg(long)]
        record: bool,
        /// Evaluate every N-th anchor only (bounds the cost at full scale).
        #[arg(long, default_value_t = 1)]
        anchor_stride: usize,
        /// Weeks to evaluate on: test (the results table) or validation (to choose a
        /// configuration without looking at the test weeks).
        #[arg(long, default_value = "test")]
        part: SplitPart,
        /// Also train ROLAND (the DeXposure paper's sizes) per checkpoint, with the
        /// checkpoint's horizon, seed, split, pairs and loss, and score it as a row.
        #[arg(long)]
        roland: bool,
    },
    /// Write the forecast graph Ĝ made at week D.
    Predict {
        /// Checkpoint folder.
        #[arg(long)]
        checkpoint: PathBuf,
        #[command(flatten)]
        input: Input,
        /// Anchor week D (a Monday of the series).
        #[arg(long)]
        date: NaiveDate,
        /// Output file (.json, or .json.gz for gzip).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Data and backend, shared by every subcommand.
#[derive(clap::Args, Debug)]
struct Input {
    /// DeXposure file (JSON or gzip); the embedded sample when absent.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Folder with id_to_info.json / meta_df.csv (categories).
    #[arg(long)]
    metadata: Option<PathBuf>,
    /// Backend: flex, ndarray or wgpu (default: flex when compiled in).
    #[arg(long)]
    device: Option<String>,
}

impl Input {
    fn device(&self) -> anyhow::Result<(BackendKind, Device)> {
        let kind = match &self.device {
            Some(n) => n.parse()?,
            None => BackendKind::default_cpu()?,
        };
        Ok((kind, kind.device()?))
    }

    fn weeks(&self) -> anyhow::Result<(WeekGraphs, DataLabel)> {
        load(self.data.as_deref(), self.metadata.as_deref())
    }
}

fn load(data: Option<&Path>, metadata: Option<&Path>) -> anyhow::Result<(WeekGraphs, DataLabel)> {
    let (series, meta) = datasets::load_or_embedded(data, metadata)?;
    let weeks = WeekGraphs::new(&series, meta.as_ref().map(|m| &m.catalog))?;
    let label = datasets::data_label(data);
    Ok((weeks, label))
}

fn main() -> anyhow::Result<()> {
    match Args::parse().command {
        Command::Train {
            input,
            horizon,
            out,
            seeds,
            seed,
            epochs,
            pairs_per_step,
            anchors_per_epoch,
            lr_heads,
            lr_encoder,
            loss,
            no_hard_negatives,
            pair_skip,
            pair_warm_start,
            freeze_encoder,
            resume,
        } => {
            let (kind, device) = input.device()?;
            let (weeks, label) = input.weeks()?;
            for s in seed..seed + seeds.max(1) {
                let dir = if seeds > 1 {
                    out.join(format!("seed-{s}"))
                } else {
                    out.clone()
                };
                let trainer = Trainer::new(&weeks, horizon, device.clone())?.with_progress(true);
                let state = if resume {
                    Checkpoint::load(&dir, &device)
                        .with_context(|| format!("resuming {}", dir.display()))?
                        .state
                } else {
                    let config = TrainConfig {
                        seed: s,
                        epochs,
                        pairs_per_step,
                        anchors_per_epoch,
                        lr_heads,
                        lr_encoder,
                        loss,
                        hard_negatives: !no_hard_negatives,
                        freeze_encoder,
                        pair_warm_start,
                        ..TrainConfig::new(horizon)
                    };
                    trainer.init(
                        FeatureSet::default(),
                        &ForecasterConfig::new(0, 0)
                            .with_init_seed(s)
                            .with_pair_skip(pair_skip || pair_warm_start),
                        config,
                    )?
                };
                let started = std::time::Instant::now();
                let state = trainer.fit(state, epochs)?;
                let checkpoint = Checkpoint {
                    data: label.training_data(&weeks, trainer.split()),
                    state,
                    recorded_metrics: None,
                };
                checkpoint.save(&dir)?;
                eprintln!(
                    "seed {s}: {} epochs on {kind} in {:.1} s, best validation AUPRC {:.4}, τ = {:.4} → {}",
                    checkpoint
                        .state
                        .history
                        .iter()
                        .filter(|e| e.epoch > 0)
                        .count(),
                    started.elapsed().as_secs_f64(),
                    checkpoint.state.best_validation_auprc().unwrap_or(f64::NAN),
                    checkpoint.state.calibration.threshold,
                    dir.display()
                );
            }
        }
        Command::Evaluate {
            checkpoint,
            input,
            out,
            record,
            anchor_stride,
            part,
            roland,
        } => {
            let (_, device) = input.device()?;
            let (weeks, label) = input.weeks()?;
            let checkpoints = experiment::checkpoint_folders(&checkpoint)?;
            let run = ResultsRun {
                anchors: EvaluationAnchors {
                    part,
                    stride: anchor_stride,
                },
                roland: roland.then(|| RolandConfig::new(0)),
                ..ResultsRun::new(&weeks, device)
            };
            let table = run.checkpoints(&checkpoints, record)?;
            report::print(&format!("{}\n{}", label.banner(), table.to_markdown()))?;
            if let Some(stem) = out {
                experiment::write_table(&table, &stem)?;
            }
        }
        Command::Predict {
            checkpoint,
            input,
            date,
            out,
        } => {
            let (_, device) = input.device()?;
            let (weeks, _) = input.weeks()?;
            let forecaster = Checkpoint::load(&checkpoint, &device)?
                .state
                .forecaster(&device);
            let t = weeks.position(date)?;
            let started = std::time::Instant::now();
            let forecast = forecaster.forecast(&weeks, t)?;
            let seconds = started.elapsed().as_secs_f64();
            let gzip = out.extension().is_some_and(|e| e == "gz");
            SeriesWriter::new()
                .gzip(gzip)
                .write(&forecast.to_series(&weeks)?, &out)?;
            eprintln!(
                "Ĝ for {} (made at {date}, h = {}) in {seconds:.2} s: {} nodes, {} links, total exposure {:.4e} → {}",
                forecast.target,
                forecaster.horizon,
                forecast.graph.node_count(),
                forecast.graph.edge_count(),
                forecast.total_exposure(),
                out.display()
            );
        }
    }
    Ok(())
}
