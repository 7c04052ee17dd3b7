//! Stress-test benchmarks: the six standard scenarios with each engine on the last week of the
//! full-scale-shape file (~10k nodes, ~70k links), and the cascade over all 283 weeks.
//!
//! ```text
//! cargo bench --bench stress
//! python3 benches/stress_cascade.py target/bench-data/week-70k.json target/bench-data/week-70k-categories.json
//! ```
//! Sectors and detailed categories are synthetic (a fixed hash per id, in the published mix), so
//! every standard scenario selects nodes; the week and categories are written for the Python
//! script, which implements the cascade from DESIGN.md §7.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dexposure::graph::ExposureGraph;
use dexposure::snapshot::ProtocolCatalog;
use dexposure::stress::{ContagionEngine, DebtRank, EisenbergNoe, LossCascade, Scenario, Shock};

#[path = "fullscale_shape.rs"]
mod fullscale_shape;

/// The six standard shocks of a graph.
fn standard_shocks(graph: &ExposureGraph, catalog: &ProtocolCatalog) -> Vec<Shock> {
    Scenario::standard()
        .iter()
        .map(|s| s.apply(graph, Some(catalog)).expect("scenario").shock)
        .collect()
}

fn stress(c: &mut Criterion) {
    let (series, catalog) = fullscale_shape::full_series_with_last_week_files();
    let week = series.last().expect("weeks");
    let graph =
        ExposureGraph::from_snapshot(week, series.symbols(), Some(&catalog)).expect("graph");
    let shocks = standard_shocks(&graph, &catalog);
    for (s, shock) in Scenario::standard().iter().zip(&shocks) {
        let r = LossCascade::default().run(&graph, shock).expect("cascade");
        eprintln!(
            "{:<28} hit {:>5}  loss {:>8.4}%  affected {:>5}  rounds {}",
            s.name,
            shock.hit_nodes().count(),
            r.loss_pct_tvl,
            r.affected,
            r.rounds
        );
    }

    let engines: [(&str, Box<dyn ContagionEngine>); 3] = [
        ("cascade", Box::new(LossCascade::default())),
        ("debtrank", Box::new(DebtRank::default())),
        ("eisenberg_noe", Box::new(EisenbergNoe::default())),
    ];
    let mut group = c.benchmark_group("stress_week_6_scenarios");
    group.sample_size(20);
    for (name, engine) in &engines {
        group.bench_function(*name, |b| {
            b.iter(|| {
                shocks
                    .iter()
                    .map(|s| engine.run(&graph, s).expect("run").total_loss_usd)
                    .sum::<f64>()
            });
        });
    }
    group.bench_function("scenario_selection", |b| {
        b.iter(|| standard_shocks(&graph, &catalog))
    });
    group.finish();

    let mut group = c.benchmark_group("stress_history");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("cascade_283_weeks_6_scenarios", |b| {
        b.iter(|| {
            let mut total = 0.0;
            for week in series.iter() {
                let graph = ExposureGraph::from_snapshot(week, series.symbols(), Some(&catalog))
                    .expect("graph");
                for shock in standard_shocks(&graph, &catalog) {
                    total += LossCascade::default()
                        .run(&graph, &shock)
                        .expect("cascade")
                        .total_loss_usd;
                }
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, stress);
criterion_main!(benches);
