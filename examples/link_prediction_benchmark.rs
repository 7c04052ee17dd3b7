//! The link-prediction benchmark (DESIGN.md §9): the transformer, ROLAND, GCN, GAT, Node2Vec,
//! the pair-feature logistic model and every heuristic and persistence scorer, at every
//! horizon and seed, in one table.
//!
//! ```text
//! cargo run --release --example link_prediction_benchmark -- [--data PATH] [--horizons 1,4,8,12]
//!     [--seeds 3] [--seed 42] [--models all|transformer,roland,gcn,gat,node2vec,pair_logistic,heuristics,…]
//!     [--folds holdout|walk-forward] [--epochs 20] [--anchors-per-epoch N] [--pairs-per-step N]
//!     [--anchor-stride 1] [--tune] [--out DIR] [--shard NAME] [--gather] [--device flex|ndarray|wgpu]
//! ```
//!
//! `--data` defaults to the embedded sample (simulated; horizons 1 and 4 fit its 61 weeks).
//! Every finished (model, horizon, seed[, fold]) cell is written to `DIR/cells/` at once, so
//! running the same command again resumes where a run stopped. To spread a long run over
//! processes, give each a disjoint `--models` (or `--horizons`) and its own `--shard NAME`
//! with the same `--out`; `--gather` then writes the table of every cell in the folder. The
//! table goes to stdout (Markdown) and to `DIR/benchmark.{md,csv,json}`
//! (`DIR/benchmark-folds.md` for walk-forward); progress goes to stderr.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use dexposure::model::benchmark::{Benchmark, BenchmarkModel, BenchmarkPlan, BenchmarkResults};
use dexposure::model::{BackendKind, TrainConfig, WalkForward, WeekGraphs};
use dexposure::{datasets, report};

#[derive(Parser, Debug)]
#[command(about = "Every link-prediction model at every horizon and seed, in one table")]
struct Args {
    /// DeXposure file (JSON or gzip); the embedded sample when absent.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Folder with id_to_info.json / meta_df.csv (categories).
    #[arg(long)]
    metadata: Option<PathBuf>,
    /// Horizons in weeks, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,4,8,12")]
    horizons: Vec<usize>,
    /// Seeds per cell.
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    /// First seed (seeds are S, S+1, …).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Rows: `all`, `heuristics`, `transformer` or row names, comma-separated.
    #[arg(long, default_value = "all")]
    models: String,
    /// Split: the hold-out split of DESIGN.md §9, or its walk-forward folds.
    #[arg(long, value_enum, default_value_t = Folds::Holdout)]
    folds: Folds,
    /// Maximum epochs of every trained model.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// Training anchors per epoch (a seeded random subset; all when absent). ROLAND walks
    /// every training week in order whatever this says.
    #[arg(long)]
    anchors_per_epoch: Option<usize>,
    /// Pairs per training step.
    #[arg(long, default_value_t = 16_384)]
    pairs_per_step: usize,
    /// Score every N-th test anchor only.
    #[arg(long, default_value_t = 1)]
    anchor_stride: usize,
    /// Choose learning rates (ROLAND, GCN, GAT) and Node2Vec's p, q on validation weeks.
    #[arg(long)]
    tune: bool,
    /// Output folder (cell results, plan, tables).
    #[arg(long, default_value = "target/link-prediction-benchmark")]
    out: PathBuf,
    /// Name of this process's part of a sharded run (its plan is `plan-NAME.json`).
    #[arg(long)]
    shard: Option<String>,
    /// Write the table of every cell in the output folder (all shards), not only this run's.
    #[arg(long)]
    gather: bool,
    /// Backend: flex, ndarray or wgpu (default: flex when compiled in).
    #[arg(long)]
    device: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Folds {
    Holdout,
    WalkForward,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let kind = match &args.device {
        Some(n) => n.parse()?,
        None => BackendKind::default_cpu()?,
    };
    let device = kind.device()?;
    let (series, meta) =
        datasets::load_or_embedded(args.data.as_deref(), args.metadata.as_deref())?;
    let weeks = WeekGraphs::new(&series, meta.as_ref().map(|m| &m.catalog))?;
    let label = datasets::data_label(args.data.as_deref());
    let plan = BenchmarkPlan {
        models: BenchmarkModel::parse_list(&args.models)?,
        folds: matches!(args.folds, Folds::WalkForward).then(WalkForward::default),
        train: TrainConfig {
            epochs: args.epochs,
            anchors_per_epoch: args.anchors_per_epoch,
            pairs_per_step: args.pairs_per_step,
            ..TrainConfig::new(1)
        },
        anchor_stride: args.anchor_stride,
        tune: args.tune,
        ..BenchmarkPlan::new(
            args.horizons.clone(),
            (args.seed..args.seed + args.seeds.max(1)).collect(),
        )
    };
    let plan_file = args
        .shard
        .as_ref()
        .map_or_else(|| "plan.json".to_owned(), |s| format!("plan-{s}.json"));
    let benchmark = Benchmark::new(&weeks, device, plan.clone(), &args.out, &plan_file)?;
    eprintln!(
        "{}\n{} cells on {kind} ({} weeks) → {}",
        label.banner(),
        benchmark.cells()?.len(),
        weeks.len(),
        args.out.display()
    );
    let started = std::time::Instant::now();
    let mut results = benchmark.run(true)?;
    eprintln!("done in {:.1} s", started.elapsed().as_secs_f64());
    if args.gather {
        results = BenchmarkResults::read(&args.out, plan)?;
    }
    let stem = args.out.join(match &args.shard {
        Some(s) if !args.gather => format!("benchmark-{s}"),
        _ => "benchmark".to_owned(),
    });
    results.write(&stem, &label)?;
    report::print(&results.to_markdown(&label))?;
    Ok(())
}
