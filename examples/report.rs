//! The analyst report: one self-contained HTML page (figures inlined, no network fetch, opens
//! from disk) with the dataset summary and data-quality flags, network measures over time with
//! Terra and FTX marked, the top systemic-importance protocols, the sector spillover heat map,
//! stress scenarios per engine, early-warning alerts on a timeline, forecast against realised
//! values with the persistence forecast, and the sector VAR's impulse responses.
//!
//! ```text
//! cargo run --release --example report -- [--data FILE --metadata DIR] [--checkpoint DIR] \
//!     [--no-forecast] [--no-var] [--allocation published|capped] [--var-reps 500] [--out DIR]
//! ```
//! Without `--data` it runs on the embedded (simulated) dataset with its shipped h = 1
//! checkpoint. Writes `OUT/report.html`, `OUT/report.json` (headline numbers, top SIS, stress,
//! alerts), `OUT/figures/*.png|svg` and `OUT/tables/*.csv|parquet`; progress goes to stderr,
//! the headline numbers to stdout.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use dexposure::dashboard::ReportBuilder;
use dexposure::econ::{EventStudy, EventWindow};
use dexposure::model::{BackendKind, Checkpoint, WeekGraphs};
use dexposure::monitor::{ForecastThenMeasure, MonitorData, standard_engines};
use dexposure::stress::CascadeAllocation;
use dexposure::{datasets, report};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser, Debug)]
#[command(about = "Write the analyst report (HTML, figures, tables)")]
struct Args {
    /// DeXposure file (JSON or gzip); the embedded dataset when absent.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Folder with id_to_info.json / meta_df.csv (names and sectors).
    #[arg(long)]
    metadata: Option<PathBuf>,
    /// Checkpoint folder of a forecaster trained on the same data (the shipped one for the
    /// embedded dataset).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Leave the forecast section out.
    #[arg(long)]
    no_forecast: bool,
    /// Leave the sector VAR section out.
    #[arg(long)]
    no_var: bool,
    /// Cascade allocation: published (the paper's rule) or capped (at exposure).
    #[arg(long, default_value = "published")]
    allocation: CascadeAllocation,
    /// Bootstrap replications of the IRF bands.
    #[arg(long, default_value_t = 500)]
    var_reps: usize,
    /// Output folder.
    #[arg(long, default_value = "target/report")]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (series, metadata) =
        datasets::load_or_embedded(args.data.as_deref(), args.metadata.as_deref())?;
    let catalog = metadata.as_ref().map(|m| &m.catalog);
    let weeks = WeekGraphs::new(&series, catalog)?;
    let data = MonitorData::new(&series, &weeks, catalog)?;
    let command = std::iter::once("cargo run --release --example report --".to_owned())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ");
    let mut builder = ReportBuilder::new(data, datasets::data_label(args.data.as_deref()), command);
    builder.allocation = args.allocation;
    builder.var =
        (!args.no_var).then(|| EventStudy::new(EventWindow::terra(26, 26)).reps(args.var_reps));

    let device = BackendKind::default_cpu()?.device()?;
    if !args.no_forecast {
        let (checkpoint, source) = match (&args.checkpoint, &args.data) {
            (Some(dir), _) => (
                Checkpoint::load(dir, &device)
                    .with_context(|| format!("loading {}", dir.display()))?,
                dir.display().to_string(),
            ),
            (None, None) => (
                datasets::embedded_checkpoint(&device)?,
                datasets::EMBEDDED_CHECKPOINT_NAME.to_owned(),
            ),
            (None, Some(_)) => anyhow::bail!(
                "--checkpoint is required with --data (or --no-forecast); train one with `forecast train --data ...`"
            ),
        };
        let mut run = ForecastThenMeasure::new(data);
        run.engines = standard_engines(args.allocation);
        run.add_checkpoint(&checkpoint, &device)?;
        builder = builder.with_forecast(run, source);
    }

    let bar = ProgressBar::new(builder.stages() as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let built = builder.build(&mut |stage| {
        bar.set_message(stage.to_owned());
        bar.inc(1);
    });
    bar.finish_and_clear();
    let built = built?;
    let files = built.write(&args.out)?;
    let mut text = format!("{}\n", built.label.banner());
    for h in &built.headline {
        text.push_str(&format!(
            "{:<36} {:>16} {}\n",
            h.label,
            dexposure::dashboard::format_number(h.value, h.decimals),
            h.unit
        ));
    }
    for (section, reason) in &built.skipped {
        text.push_str(&format!("section {section} left out: {reason}\n"));
    }
    text.push_str(&format!(
        "wrote {} ({} figures, {} table files) and {}\n",
        files.html.display(),
        files.figures.len(),
        files.tables.len(),
        files.json.display()
    ));
    report::print(&text)?;
    Ok(())
}
