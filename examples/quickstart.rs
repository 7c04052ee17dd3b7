//! The main job on the embedded dataset (the simulator's `sample` preset: simulated data, not
//! the real DeXposure files): load it with its simulated metadata, print a dataset summary and
//! the weekly data-quality table, then the latest week's headline network metrics, its ten most
//! systemically important protocols, the sector spillover matrix, and the six standard stress
//! scenarios through the DeXposure-FM loss cascade (the published rule); finally
//! forecast-then-measure: the shipped forecaster's h = 1 forecast from the latest week (no
//! training: it loads `datasets/checkpoint-sample-h1`) measured (density, HHIs, mean SIS, top-5
//! SIS) and stressed (the six scenarios) next to the persistence forecast, with its recorded
//! test-week results.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```

use dexposure::graph::{ExposureGraph, NetworkMetrics, SectorSpillover, SystemicImportance};
use dexposure::model::evaluate::ForecastScores;
use dexposure::model::{BackendKind, LinkRule, WeekGraphs};
use dexposure::monitor::{MonitorData, Outlook};
use dexposure::snapshot::QualityReport;
use dexposure::stress::{ContagionEngine, LossCascade, Scenario};
use dexposure::{datasets, report};

fn main() -> anyhow::Result<()> {
    let series = datasets::embedded()?;
    let metadata = datasets::embedded_metadata()?;
    let catalog = Some(&metadata.catalog);
    let quality = QualityReport::new(&series, catalog);
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

    let device = BackendKind::default_cpu()?.device()?;
    let checkpoint = datasets::embedded_checkpoint(&device)?;
    let mut forecaster = checkpoint.state.forecaster(&device);
    // Each protocol keeps its out-degree; the model chooses targets and weights (the rule
    // chosen on validation weeks for forecast-then-measure, docs/BENCHMARKS.md).
    forecaster.links = LinkRule::OutDegree;
    let weeks = WeekGraphs::new(&series, catalog)?;
    let outlook = Outlook::new(
        MonitorData::new(&series, &weeks, catalog)?,
        &forecaster,
        weeks.len() - 1,
        &cascade,
        &Scenario::standard(),
    )?;
    let recorded: Vec<ForecastScores> = match &checkpoint.recorded_metrics {
        Some(value) => serde_json::from_value(value.clone())?,
        None => Vec::new(),
    };
    report::print(&format!(
        "dexposure quickstart — dataset: {}\nmetadata: the sample's simulated catalog ({} protocols)\n\n\
         == dataset summary ==\n{}\n\
         == data quality per week (overlaps are with the next week) ==\n{}\n\
         == network, latest week ==\n{}\n\
         == top 10 protocols by systemic importance (SIS) ==\n{}\n\
         == sector spillovers (share of all exposure) ==\n{}\n\
         == stress scenarios, loss cascade: {} ==\n{}\n\
         == forecast-then-measure: h = {} from {} to {} ({}, seed {}) ==\n{}",
        datasets::EMBEDDED_NAME,
        metadata.catalog.len(),
        report::summary_table(&quality),
        report::quality_table(&quality, Some(20)),
        report::headline_metrics(&metrics),
        report::sis_table(&scores, &graph, catalog, 10),
        report::spillover_table(&SectorSpillover::from_graph(&graph)),
        cascade.allocation().describe(),
        report::stress_table(&stress, &graph, catalog),
        forecaster.horizon,
        outlook.anchor,
        outlook.target,
        datasets::EMBEDDED_CHECKPOINT_NAME,
        checkpoint.state.train_config.seed,
        report::forecast_summary(&outlook, series.symbols(), catalog, &recorded),
    ))?;
    Ok(())
}
