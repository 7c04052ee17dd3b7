//! Prints every calibration target of DESIGN.md §5 next to the simulated value, with its
//! tolerance and a pass/fail verdict.
//!
//! ```text
//! cargo run --release --example calibrate -- --preset full          # simulate in memory
//! cargo run --release --example calibrate -- --data target/sim-full # a folder written by `simulate`
//! ```
//! The generated values describe simulated data; the published values are the real dataset's.

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use dexposure::snapshot::{Metadata, SeriesLoader};
use dexposure::synth::{CalibrationReport, NETWORK_STEM, Preset, Simulator};

#[derive(Parser)]
#[command(about = "Compare a simulated dataset with the published DeXposure statistics")]
struct Args {
    /// Preset to simulate in memory (ignored with --data).
    #[arg(long, default_value = "full")]
    preset: String,
    /// Seed for --preset.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// A dataset folder written by the `simulate` example instead of simulating.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Also write the table as Markdown to this file.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Exit with status 1 when any target fails.
    #[arg(long)]
    strict: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let (series, catalog, source) = match &args.data {
        Some(dir) => {
            let gz = dir.join(format!("{NETWORK_STEM}.json.gz"));
            let path = if gz.exists() {
                gz
            } else {
                dir.join(format!("{NETWORK_STEM}.json"))
            };
            let series = SeriesLoader::new().load(&path)?;
            let metadata = Metadata::from_dir(dir)?;
            (series, metadata.catalog, path.display().to_string())
        }
        None => {
            let preset = Preset::from_name(&args.preset).ok_or_else(|| {
                anyhow::anyhow!("unknown preset {:?}: use sample or full", args.preset)
            })?;
            let data = Simulator::preset(preset, args.seed)?.run()?;
            let source = format!(
                "preset {} seed {} (simulated in memory)",
                args.preset, args.seed
            );
            (data.series, data.catalog, source)
        }
    };
    let loaded = started.elapsed();
    let report = CalibrationReport::measure(&series, &catalog)?;
    let table = report.to_markdown();
    let (pass, fail, na) = report.counts();
    println!("calibration of SIMULATED data: {source}");
    if let Some((a, b)) = report.span {
        println!("span {a} … {b}, {} weeks", series.len());
    }
    println!("{table}");
    println!(
        "{pass} pass, {fail} fail, {na} not measurable; data {:.1} s, measures {:.1} s",
        loaded.as_secs_f64(),
        (started.elapsed() - loaded).as_secs_f64()
    );
    if let Some(path) = &args.markdown {
        std::fs::write(path, &table)?;
    }
    if args.strict && fail > 0 {
        std::process::exit(1);
    }
    Ok(())
}
