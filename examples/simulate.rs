//! Simulates a preset and writes it as a dataset folder: the network in the real DeXposure
//! format (`network.json` or `network.json.gz`), the simulated metadata in the real formats
//! (`id_to_info.json`, `meta_df.csv`, `rev_map.json`) and `simulation.json` (configuration,
//! model counters, construction report).
//!
//! ```text
//! cargo run --release --example simulate -- --preset sample --out datasets/sample
//! cargo run --release --example simulate -- --preset full --out target/sim-full --plain
//! ```
//! The result is simulated data, not the real DeXposure dataset.

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use dexposure::snapshot::QualityReport;
use dexposure::synth::{Preset, Simulator};

#[derive(Parser)]
#[command(about = "Simulate DeFi token holdings and build the weekly exposure networks")]
struct Args {
    /// `sample` (embedded default, 61 weeks) or `full` (283 weeks, full scale).
    #[arg(long, default_value = "sample")]
    preset: String,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// Write `network.json` instead of `network.json.gz`.
    #[arg(long)]
    plain: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let preset = Preset::from_name(&args.preset)
        .ok_or_else(|| anyhow::anyhow!("unknown preset {:?}: use sample or full", args.preset))?;
    let started = Instant::now();
    let data = Simulator::preset(preset, args.seed)?.run()?;
    let simulated = started.elapsed();
    let files = data.write(&args.out, !args.plain)?;
    let written = started.elapsed() - simulated;
    let quality = QualityReport::new(&data.series, Some(&data.catalog));
    let size = std::fs::metadata(&files.network)?.len();
    let c = &data.construction;
    println!(
        "simulated preset {} (seed {}): SIMULATED data, not the real DeXposure dataset",
        args.preset, args.seed
    );
    println!(
        "weeks {} ({} … {}), protocols born {} (died {}), tokens {}, holding rows {}",
        data.series.len(),
        data.series
            .first()
            .map(|s| s.date.to_string())
            .unwrap_or_default(),
        data.series
            .last()
            .map(|s| s.date.to_string())
            .unwrap_or_default(),
        data.stats.protocols_born,
        data.stats.protocols_died,
        data.stats.tokens_created,
        data.stats.rows,
    );
    println!(
        "mean nodes/week {:.0}, mean links/week {:.0}, tokens resolved by step: {}",
        quality.summary.nodes.mean,
        quality.summary.links.mean,
        serde_json::to_string(&c.tokens_resolved)?,
    );
    println!(
        "simulate + construct {:.2} s, write {:.2} s; {} = {} bytes",
        simulated.as_secs_f64(),
        written.as_secs_f64(),
        files.network.display(),
        size
    );
    Ok(())
}
