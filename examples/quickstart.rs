//! The main job on the embedded dataset: load it, print a dataset summary and the weekly
//! data-quality table, then the latest week's headline network metrics, its ten most
//! systemically important protocols, the sector spillover matrix, and the six standard stress
//! scenarios through the DeXposure-FM loss cascade.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```

use dexposure::graph::{ExposureGraph, NetworkMetrics, SectorSpillover, SystemicImportance};
use dexposure::snapshot::{Metadata, QualityReport};
use dexposure::stress::{ContagionEngine, LossCascade, Scenario};
use dexposure::{datasets, report};

fn main() -> anyhow::Result<()> {
    let series = datasets::embedded()?;
    // Category shares need DefiLlama metadata; use the shared mapping folder when it is there.
    let mapping =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mapping");
    let mapping = mapping.canonicalize().unwrap_or(mapping);
    let metadata = Metadata::from_dir(&mapping).ok();
    let quality = QualityReport::new(&series, metadata.as_ref().map(|m| &m.catalog));

    let metadata_line = match &metadata {
        Some(_) => mapping.display().to_string(),
        None => "none found (categories unknown)".to_owned(),
    };
    let catalog = metadata.as_ref().map(|m| &m.catalog);
    let latest = series
        .last()
        .ok_or_else(|| anyhow::anyhow!("the embedded dataset has no week"))?;
    let graph = ExposureGraph::from_snapshot(latest, series.symbols(), catalog)?;
    let metrics = NetworkMetrics::compute(&graph, latest)?;
    let scores = SystemicImportance::default().run(&graph)?;
    let cascade = LossCascade::default();
    let stress = Scenario::standard()
        .iter()
        .map(|s| {
            Ok((
                s.name.clone(),
                cascade.run(&graph, &s.apply(&graph, catalog)?.shock)?,
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    report::print(&format!(
        "dexposure quickstart — dataset: {}\nmetadata: {metadata_line}\n\n\
         == dataset summary ==\n{}\n\
         == data quality per week (overlaps are with the next week) ==\n{}\n\
         == network, latest week ==\n{}\n\
         == top 10 protocols by systemic importance (SIS) ==\n{}\n\
         == sector spillovers (share of all exposure) ==\n{}\n\
         == stress scenarios, loss cascade (category scenarios need meta_df.csv) ==\n{}",
        datasets::EMBEDDED_NAME,
        report::summary_table(&quality),
        report::quality_table(&quality, Some(20)),
        report::headline_metrics(&metrics),
        report::sis_table(&scores, &graph, catalog, 10),
        report::spillover_table(&SectorSpillover::from_graph(&graph)),
        report::stress_table(&stress, &graph, catalog),
    ))?;
    Ok(())
}
