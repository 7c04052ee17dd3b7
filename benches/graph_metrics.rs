//! Graph-metric benchmarks on the last week of the full-scale-shape file (~10k nodes, ~70k
//! links) and on all 283 weeks. Curvature and communities are in their own group (slow).
//!
//! ```text
//! cargo bench --bench graph_metrics
//! python3 benches/networkx_metrics.py target/bench-data/week-70k.json target/bench-data/week-70k-categories.json
//! ```
//! The bench writes the week and a synthetic sector table (each id gets a sector from a fixed
//! hash, in the DeFi category mix) for the networkx script, so both time the same graph.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dexposure::graph::community::{InfomapOptions, LouvainOptions, infomap, louvain};
use dexposure::graph::curvature::{CurvatureOptions, ollivier_ricci};
use dexposure::graph::{
    ExposureGraph, MetricTable, NetworkMetrics, PageRank, SectorSpillover, SystemicImportance,
};

#[path = "fullscale_shape.rs"]
mod fullscale_shape;

fn graph_metrics(c: &mut Criterion) {
    let (series, catalog) = fullscale_shape::full_series_with_last_week_files();
    let week = series.last().expect("weeks");
    let graph =
        ExposureGraph::from_snapshot(week, series.symbols(), Some(&catalog)).expect("graph");
    eprintln!(
        "week {}: {} nodes, {} links",
        week.date,
        graph.node_count(),
        graph.edge_count()
    );

    let mut group = c.benchmark_group("graph_metrics_week");
    group.sample_size(20);
    group.bench_function("build_graph", |b| {
        b.iter(|| {
            ExposureGraph::from_snapshot(week, series.symbols(), Some(&catalog)).expect("graph")
        });
    });
    group.bench_function("pagerank", |b| {
        b.iter(|| PageRank::default().run(&graph).expect("pagerank"))
    });
    group.bench_function("sis", |b| {
        b.iter(|| SystemicImportance::default().run(&graph).expect("sis"))
    });
    group.bench_function("spillovers", |b| {
        b.iter(|| SectorSpillover::from_graph(&graph))
    });
    group.bench_function("pagerank_sis_spillovers", |b| {
        b.iter(|| {
            (
                SystemicImportance::default().run(&graph).expect("sis"),
                SectorSpillover::from_graph(&graph),
            )
        });
    });
    group.bench_function("cheap_metrics", |b| {
        b.iter(|| NetworkMetrics::compute(&graph, week).expect("metrics"))
    });
    group.finish();

    // The expensive ones: one week each, few samples.
    let mut group = c.benchmark_group("graph_metrics_expensive");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("ollivier_ricci_curvature", |b| {
        b.iter(|| ollivier_ricci(&graph, &CurvatureOptions::default()).expect("curvature"));
    });
    group.bench_function("infomap_10_trials", |b| {
        b.iter(|| infomap(&graph, &InfomapOptions::default()).expect("infomap"))
    });
    group.bench_function("louvain_8_trials", |b| {
        b.iter(|| louvain(&graph, &LouvainOptions::default()).expect("louvain"))
    });
    group.finish();

    let mut group = c.benchmark_group("graph_metrics_series");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("metric_table_283_weeks", |b| {
        b.iter(|| MetricTable::compute(&series, Some(&catalog)).expect("table"));
    });
    group.finish();
}

criterion_group!(benches, graph_metrics);
criterion_main!(benches);
