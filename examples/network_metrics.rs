//! Weekly network-metric table (CSV + JSON) of a DeXposure file and the most systemically
//! important protocols of one week.
//!
//! ```text
//! cargo run --release --example network_metrics -- --data network_data.json.gz --out out/ \
//!     [--date 2025-08-18] [--metadata ../shared/data/mapping] [--top 20] [--closeness] [--structure]
//! ```
//! Writes `OUT/metrics.csv`, `OUT/metrics.json` (one row per week; with `--structure` also
//! `OUT/structure.csv` / `.json`: communities and curvature per week), `OUT/sis_DATE.csv` and
//! `OUT/spillover_DATE.json`, and prints the chosen week's headline metrics, top SIS protocols
//! and sector spillover matrix. Without `--data` it runs on the embedded dataset.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Parser;
use dexposure::graph::curvature::CurvatureOptions;
use dexposure::graph::{
    ExposureGraph, MetricOptions, MetricTable, NetworkMetrics, SectorSpillover, StructureOptions,
    StructureTable, SystemicImportance,
};
use dexposure::snapshot::NaiveDate;
use dexposure::{datasets, report};

#[derive(Parser, Debug)]
#[command(about = "Weekly network metrics and systemic importance of a DeXposure file")]
struct Args {
    /// DeXposure file (JSON or gzip); the embedded dataset when absent.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Output folder (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// Week for the SIS ranking and spillovers (default: the latest).
    #[arg(long)]
    date: Option<NaiveDate>,
    /// Folder with id_to_info.json / meta_df.csv (names and sectors).
    #[arg(long)]
    metadata: Option<PathBuf>,
    /// Number of protocols in the SIS ranking.
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Also compute average harmonic closeness (one BFS per node: slow on large weeks).
    #[arg(long)]
    closeness: bool,
    /// Also write the weekly community/curvature table (Louvain, Infomap, Ollivier–Ricci;
    /// seconds per full-scale week).
    #[arg(long)]
    structure: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (series, metadata) =
        datasets::load_or_embedded(args.data.as_deref(), args.metadata.as_deref())?;
    let catalog = metadata.as_ref().map(|m| &m.catalog);
    let options = MetricOptions {
        harmonic_closeness: args.closeness,
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;

    let table = MetricTable::compute_with(&series, catalog, options)?;
    table.write_csv(args.out.join("metrics.csv"))?;
    table.write_json(args.out.join("metrics.json"))?;
    if args.structure {
        let options = StructureOptions {
            curvature: Some(CurvatureOptions::default()),
            ..Default::default()
        };
        let structure = StructureTable::compute(&series, catalog, &options)?;
        structure.write_csv(args.out.join("structure.csv"))?;
        structure.write_json(args.out.join("structure.json"))?;
    }

    let week = match args.date {
        Some(date) => series
            .get(date)
            .with_context(|| format!("no week {date} in the data"))?,
        None => match series.last() {
            Some(week) => week,
            None => bail!("the data has no week"),
        },
    };
    let graph = ExposureGraph::from_snapshot(week, series.symbols(), catalog)?;
    let metrics = NetworkMetrics::compute_with(&graph, week, options)?;
    let scores = SystemicImportance::default().run(&graph)?;
    let spillover = SectorSpillover::from_graph(&graph);

    let mut csv = String::from("rank,id,name,sector,sis,pagerank,tail5,tvl_term,tvl_usd\n");
    for (rank, i) in scores.top_k(args.top).into_iter().enumerate() {
        let name = catalog.and_then(|c| c.name(graph.name(i))).unwrap_or("");
        let _ = writeln!(
            csv,
            "{},{},\"{}\",{},{},{},{},{},{}",
            rank + 1,
            graph.name(i),
            name.replace('"', "\"\""),
            graph.categories()[i].name(),
            scores.sis[i],
            scores.pagerank[i],
            scores.tail5[i],
            scores.tvl_term[i],
            graph.tvl()[i]
        );
    }
    let sis_path = args.out.join(format!("sis_{}.csv", week.date));
    std::fs::write(&sis_path, csv)
        .with_context(|| format!("cannot write {}", sis_path.display()))?;
    let spill_path = args.out.join(format!("spillover_{}.json", week.date));
    std::fs::write(&spill_path, serde_json::to_string_pretty(&spillover)?)
        .with_context(|| format!("cannot write {}", spill_path.display()))?;

    report::print(&format!(
        "{} weeks -> {}/metrics.csv, metrics.json\n\n== network, {} ==\n{}\n== top {} protocols by SIS ==\n{}\n\
         == sector spillovers (share of all exposure) ==\n{}\nwritten: {}, {}\n",
        table.rows.len(),
        args.out.display(),
        week.date,
        report::headline_metrics(&metrics),
        args.top,
        report::sis_table(&scores, &graph, catalog, args.top),
        report::spillover_table(&spillover),
        sis_path.display(),
        spill_path.display(),
    ))?;
    Ok(())
}
