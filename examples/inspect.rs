//! Summary and data-quality table of any DeXposure file (plain JSON or gzip).
//!
//! ```text
//! cargo run --release --example inspect -- --data network_data.json.gz [--from 2022-01-03] [--to 2022-12-26] [--stream]
//!     [--metadata ../shared/data/mapping] [--json quality.json] [--threads N]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use dexposure::report;
use dexposure::snapshot::{Metadata, NaiveDate, QualityReport, SeriesLoader};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser, Debug)]
#[command(about = "Print the summary and data-quality table of a DeXposure file")]
struct Args {
    /// DeXposure file (JSON or gzip).
    #[arg(long)]
    data: PathBuf,
    /// First week to keep (YYYY-MM-DD).
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Last week to keep (YYYY-MM-DD).
    #[arg(long)]
    to: Option<NaiveDate>,
    /// Read one week at a time (bounded memory) instead of the whole file.
    #[arg(long)]
    stream: bool,
    /// Folder with id_to_info.json / meta_df.csv for category shares.
    #[arg(long)]
    metadata: Option<PathBuf>,
    /// Also write the quality report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Threads for the whole-file path (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Print every week instead of the first and last ten.
    #[arg(long)]
    all_weeks: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let size = std::fs::metadata(&args.data)
        .with_context(|| format!("cannot read {}", args.data.display()))?
        .len();
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut loader = SeriesLoader::new().threads(args.threads);
    if let Some(from) = args.from {
        loader = loader.from(from);
    }
    if let Some(to) = args.to {
        loader = loader.to(to);
    }
    let progress = bar.clone();
    let loader = loader.on_progress(move |done, total| {
        progress.set_length(total.max(1));
        progress.set_position(done);
    });
    let metadata = args.metadata.as_ref().map(Metadata::from_dir).transpose()?;
    let catalog = metadata.as_ref().map(|m| &m.catalog);
    let started = Instant::now();
    // The streaming path never holds more than two weeks; the whole-file path holds the series.
    let (quality, timing) = if args.stream {
        let quality = QualityReport::from_stream(loader.stream(&args.data)?, catalog)?;
        let seconds = started.elapsed().as_secs_f64();
        let timing = format!(
            "loaded and summarised in {seconds:.2} s ({:.0} MB/s, streaming path)",
            size as f64 / 1e6 / seconds
        );
        (quality, timing)
    } else {
        let series = loader.load(&args.data)?;
        let loaded = started.elapsed().as_secs_f64();
        let quality = QualityReport::new(&series, catalog);
        let timing = format!(
            "loaded in {loaded:.2} s ({:.0} MB/s, whole-file path), summarised in {:.2} s",
            size as f64 / 1e6 / loaded,
            started.elapsed().as_secs_f64() - loaded
        );
        (quality, timing)
    };
    bar.finish_and_clear();
    let limit = if args.all_weeks { None } else { Some(20) };
    report::print(&format!(
        "{} ({:.1} MB) {timing}\n\n\
         == dataset summary ==\n{}\n\
         == data quality per week ==\n{}",
        args.data.display(),
        size as f64 / 1e6,
        report::summary_table(&quality),
        report::quality_table(&quality, limit),
    ))?;
    if let Some(path) = &args.json {
        std::fs::write(path, quality.to_json())
            .with_context(|| format!("cannot write {}", path.display()))?;
        report::print(&format!("quality report written to {}\n", path.display()))?;
    }
    Ok(())
}
