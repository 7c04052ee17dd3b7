//! Forecast-then-measure (DESIGN.md §7, §9): the macroprudential tools on leak-free forecasts
//! Ĝ_t+h next to the persistence forecast G_t, judged on the realised G_t+h, over every test
//! anchor of every checkpoint; and early-warning event studies around Terra
//! and FTX with forecasters trained only on weeks before each event (skip them with
//! `--no-events`).
//!
//! ```text
//! cargo run --release --example forecast_then_measure -- [--data PATH --metadata DIR] \
//!     [--checkpoint DIR ...] [--horizons 1,4] [--part test|validation] [--links threshold|out-degree] \
//!     [--allocation published|capped] \
//!     [--no-events | --event-epochs 4 --event-anchors-per-epoch 30] [--out DIR]
//! ```
//! Without `--data` it runs on the embedded sample with the shipped h = 1 checkpoint (about a
//! minute, most of it training the two event forecasters). `--checkpoint` takes checkpoint folders or folders of them (one per seed), trained
//! on the same data (`forecast train`); horizons default to every horizon they serve. Writes
//! `forecast-errors`, `predictive-stress` and `early-warning` as `.md`, `.csv` and `.json`,
//! and every measured anchor as `anchors.json`, into `--out` (default
//! `target/forecast-then-measure`); prints the headline tables. Progress goes to stderr.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use dexposure::model::experiment::checkpoint_folders;
use dexposure::model::{
    BackendKind, Checkpoint, FeatureSet, ForecasterConfig, LinkRule, SplitPart, TrainConfig,
    WeekGraphs,
};
use dexposure::monitor::{
    EarlyWarningStudy, ForecastErrorTable, ForecastThenMeasure, MarketEvent, MonitorData,
    PredictiveStressTable, StudyTraining, standard_engines,
};
use dexposure::stress::CascadeAllocation;
use dexposure::stress::bootstrap::PercentileBootstrap;
use dexposure::{datasets, report};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser, Debug)]
#[command(about = "Forecast the network, then measure and stress the forecast")]
struct Args {
    /// DeXposure file (JSON or gzip); the embedded sample when absent.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Folder with id_to_info.json / meta_df.csv (categories).
    #[arg(long)]
    metadata: Option<PathBuf>,
    /// Checkpoint folder, or a folder of checkpoint folders; repeatable. Default: the shipped
    /// sample checkpoint (only without --data).
    #[arg(long)]
    checkpoint: Vec<PathBuf>,
    /// Horizons to run (default: every horizon the checkpoints serve).
    #[arg(long, value_delimiter = ',')]
    horizons: Option<Vec<usize>>,
    /// Weeks measured: test (the results) or validation (to compare configurations without
    /// looking at the test weeks).
    #[arg(long, default_value = "test")]
    part: SplitPart,
    /// Which candidates become links of Ĝ: out-degree (each protocol keeps its out-degree at
    /// t and the model chooses the targets; chosen on validation weeks) or threshold (the
    /// calibrated τ of DESIGN.md §9).
    #[arg(long, default_value = "out-degree")]
    links: LinkRule,
    /// Cascade allocation: published (the paper's rule) or capped (at exposure).
    #[arg(long, default_value = "published")]
    allocation: CascadeAllocation,
    /// Skip the Terra and FTX early-warning studies (each trains its own forecaster).
    #[arg(long)]
    no_events: bool,
    /// Epochs of each event forecaster.
    #[arg(long, default_value_t = 4)]
    event_epochs: usize,
    /// Training anchors per epoch of each event forecaster (all when 0).
    #[arg(long, default_value_t = 30)]
    event_anchors_per_epoch: usize,
    /// Seed of the event forecasters.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Bootstrap resamples of every interval.
    #[arg(long, default_value_t = 2000)]
    bootstrap: usize,
    /// Backend: flex, ndarray or wgpu (default: flex when compiled in).
    #[arg(long)]
    device: Option<String>,
    /// Output folder.
    #[arg(long, default_value = "target/forecast-then-measure")]
    out: PathBuf,
}

fn write(dir: &Path, name: &str, text: &str) -> anyhow::Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn bar(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{elapsed_precise}} [{{bar:30}}] {{pos}}/{{len}} {what}, ETA {{eta}}: {{msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let kind = match &args.device {
        Some(n) => n.parse()?,
        None => BackendKind::default_cpu()?,
    };
    let device = kind.device()?;
    let (series, metadata) =
        datasets::load_or_embedded(args.data.as_deref(), args.metadata.as_deref())?;
    let catalog = metadata.as_ref().map(|m| &m.catalog);
    let weeks = WeekGraphs::new(&series, catalog)?;
    let data = MonitorData::new(&series, &weeks, catalog)?;
    let label = datasets::data_label(args.data.as_deref());

    let mut run = ForecastThenMeasure::new(data);
    run.engines = standard_engines(args.allocation);
    run.part = args.part;
    run.links = args.links;
    let mut checkpoints = Vec::new();
    if args.checkpoint.is_empty() {
        anyhow::ensure!(
            args.data.is_none(),
            "--checkpoint is required with --data (train one with `forecast train --data ...`)"
        );
        checkpoints.push(datasets::embedded_checkpoint(&device)?);
    }
    for path in &args.checkpoint {
        for folder in checkpoint_folders(path)? {
            checkpoints.push(
                Checkpoint::load(&folder, &device)
                    .with_context(|| format!("loading {}", folder.display()))?,
            );
        }
    }
    for checkpoint in &checkpoints {
        let h = checkpoint.state.train_config.horizon;
        if args.horizons.as_ref().is_none_or(|hs| hs.contains(&h)) {
            run.add_checkpoint(checkpoint, &device)?;
        }
    }
    anyhow::ensure!(
        !run.forecasters.is_empty(),
        "no checkpoint serves the horizons asked for ({:?})",
        args.horizons
    );
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;

    let jobs = run.jobs();
    let progress = bar(jobs.len(), "anchors");
    let mut anchors = Vec::with_capacity(jobs.len());
    for job in jobs {
        let f = &run.forecasters[job.forecaster];
        progress.set_message(format!(
            "h = {}, seed {}, week {}",
            f.forecaster.horizon,
            f.seed,
            weeks.dates()[job.t]
        ));
        anchors.push(run.measure(job)?);
        progress.inc(1);
    }
    progress.finish_and_clear();
    let measured_in = started.elapsed().as_secs_f64();

    let bootstrap = PercentileBootstrap {
        replicates: args.bootstrap,
        ..PercentileBootstrap::default()
    };
    let errors = ForecastErrorTable::from_anchors(&anchors, &bootstrap);
    let stress = PredictiveStressTable::from_anchors(&anchors, &bootstrap)?;
    let header = format!(
        "{}\nHorizons {:?}, {} forecaster(s), {} {} anchors in all; Ĝ links: {}; cascade: {}; intervals: {} bootstrap resamples of the anchors, 95%.\n",
        label.banner(),
        run.horizons(),
        run.forecasters.len(),
        anchors.len(),
        args.part,
        args.links.name(),
        args.allocation.describe(),
        bootstrap.replicates
    );
    let errors_md = format!(
        "# Forecast errors of network measures: model Ĝ_t+h and persistence G_t against G_t+h\n\n{header}\n{}{}",
        errors.seeds_markdown(),
        errors.to_markdown()
    );
    let stress_md = format!(
        "# Predictive stress evaluation (paper Task II) on every test anchor\n\n{header}{}{}",
        stress.seeds_markdown(),
        stress.to_markdown()
    );
    write(&args.out, "forecast-errors.md", &errors_md)?;
    write(&args.out, "forecast-errors.csv", &errors.to_csv())?;
    write(
        &args.out,
        "forecast-errors.json",
        &serde_json::to_string_pretty(&errors)?,
    )?;
    write(&args.out, "predictive-stress.md", &stress_md)?;
    write(&args.out, "predictive-stress.csv", &stress.to_csv())?;
    write(
        &args.out,
        "predictive-stress.json",
        &serde_json::to_string_pretty(&stress)?,
    )?;
    write(&args.out, "anchors.json", &serde_json::to_string(&anchors)?)?;
    report::print(&format!("{errors_md}\n{stress_md}\n"))?;

    if !args.no_events {
        let training = StudyTraining {
            features: FeatureSet::default(),
            model: ForecasterConfig::new(0, 0).with_init_seed(args.seed),
            train: TrainConfig {
                seed: args.seed,
                epochs: args.event_epochs,
                anchors_per_epoch: (args.event_anchors_per_epoch > 0)
                    .then_some(args.event_anchors_per_epoch),
                ..TrainConfig::new(1)
            },
        };
        let events = [MarketEvent::terra(), MarketEvent::ftx()];
        let progress = bar(events.len(), "event studies");
        let mut studies = Vec::new();
        for event in events {
            progress.set_message(format!(
                "{} (training, then forecasting the span)",
                event.name
            ));
            let study = EarlyWarningStudy {
                links: args.links,
                ..EarlyWarningStudy::new(event)
            };
            studies.push(study.run(data, &training, &device)?);
            progress.inc(1);
        }
        progress.finish_and_clear();
        let md = format!(
            "# Early-warning event studies\n\n{}\n\n{}\n\n{}",
            label.banner(),
            "Calm weeks: weeks of the study span outside [event − 8 weeks, event + 8 weeks] of Terra and FTX. \
             A forecast alert is dated by the week the forecast was made (h = 1).",
            studies
                .iter()
                .map(|s| s.to_markdown())
                .collect::<Vec<_>>()
                .join("\n")
        );
        write(&args.out, "early-warning.md", &md)?;
        let csv: String = studies.iter().map(|s| s.csv_rows()).collect();
        write(
            &args.out,
            "early-warning.csv",
            &format!("{}\n{csv}", dexposure::monitor::EventStudy::CSV_HEADER),
        )?;
        write(
            &args.out,
            "early-warning.json",
            &serde_json::to_string_pretty(&studies)?,
        )?;
        report::print(&format!("\n{md}\n"))?;
    }
    eprintln!(
        "anchors measured in {measured_in:.1} s; everything in {:.1} s; tables in {}",
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(())
}
