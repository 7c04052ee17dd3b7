//! Weekly DeXposure networks from a holdings CSV (DESIGN.md §4), written in the snapshot format.
//!
//! ```text
//! cargo run --release --example build_network -- \
//!     --holdings crates/dexposure-snapshot/tests/data/holdings/sample.csv \
//!     --mapping ../shared/data/mapping --out target/sample_network.json --report target/sample_report.json
//! ```
//!
//! Options: `--holdings` (repeatable; plain or gzip CSV with columns date|timestamp,
//! protocol|protocol_id|id, chain, token|symbol, quantity|amount, usd|value), `--mapping DIR`
//! (rev_map.json, id_to_info.json / meta_df.csv: issuer map steps a–d; without it, the manual
//! table and name buckets only), `--published-map` (use the folder's token_to_protocol.json as
//! it is instead), `--manual-first`, `--min-node-size X`, `--time-ordered` (rows sorted by week:
//! bounded memory), `--out PATH` (`.json`, or gzip when it ends in `.gz`), `--report PATH`
//! (construction and quality reports as JSON).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Parser;
use dexposure::report;
use dexposure::snapshot::{
    ConstructionOptions, IssuerResolver, Metadata, NetworkBuilder, QualityReport, SeriesWriter,
};

#[derive(Parser, Debug)]
#[command(about = "Build weekly DeXposure networks from token holdings")]
struct Args {
    /// Holdings CSV (plain or gzip); repeat for several files.
    #[arg(long, required = true)]
    holdings: Vec<PathBuf>,
    /// Folder with rev_map.json, id_to_info.json / meta_df.csv (and token_to_protocol.json).
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Resolve issuers with the folder's token_to_protocol.json as published.
    #[arg(long, requires = "mapping")]
    published_map: bool,
    /// Consult the manual table before rev_map.
    #[arg(long)]
    manual_first: bool,
    /// Drop nodes (and their links) whose size is below this.
    #[arg(long)]
    min_node_size: Option<f64>,
    /// Rows come in week order: seal weeks as they end (bounded memory).
    #[arg(long)]
    time_ordered: bool,
    /// Output snapshot file (.json, or .json.gz for gzip).
    #[arg(long)]
    out: PathBuf,
    /// Also write the construction and quality reports here as JSON.
    #[arg(long)]
    report: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let metadata = args
        .mapping
        .as_ref()
        .map(|dir| Metadata::from_dir(dir).with_context(|| format!("reading {}", dir.display())))
        .transpose()?;
    let resolver = match &metadata {
        Some(meta) if args.published_map => match &meta.tokens {
            Some(tokens) => IssuerResolver::from_token_map(tokens),
            None => bail!("--published-map: the mapping folder has no token_to_protocol.json"),
        },
        Some(meta) => IssuerResolver::from_metadata(meta),
        None => IssuerResolver::new(),
    }
    .manual_first(args.manual_first);
    let options = ConstructionOptions {
        min_node_size: args.min_node_size,
        time_ordered: args.time_ordered,
    };

    let started = Instant::now();
    let mut builder = NetworkBuilder::new(resolver, options);
    for path in &args.holdings {
        builder.push_csv(path)?;
    }
    let built = builder.finish()?;
    let seconds = started.elapsed().as_secs_f64();

    let gzip = args.out.extension().is_some_and(|e| e == "gz");
    SeriesWriter::new()
        .gzip(gzip)
        .write(&built.series, &args.out)?;
    let catalog = metadata.as_ref().map(|m| &m.catalog);
    let quality = QualityReport::new(&built.series, catalog);
    report::print(&format!(
        "{} rows built into {} snapshots in {seconds:.2} s; written to {}\n\n\
         == construction ==\n{}\n== network summary ==\n{}\n== per week ==\n{}",
        built.report.rows_read,
        built.series.len(),
        args.out.display(),
        built.report,
        report::summary_table(&quality),
        report::quality_table(&quality, Some(20)),
    ))?;
    if let Some(path) = &args.report {
        let json = format!(
            "{{\n\"construction\": {},\n\"quality\": {}\n}}\n",
            built.report.to_json(),
            quality.to_json()
        );
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
        report::print(&format!("reports written to {}\n", path.display()))?;
    }
    Ok(())
}
