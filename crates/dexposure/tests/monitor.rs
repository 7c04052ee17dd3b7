//! Forecast-then-measure on the embedded sample: what is measured against independent
//! recomputations, the checkpoint/data check, and the early-warning study's "nothing after the
//! alert date" guarantee, checked by truncating the input.

#![allow(clippy::unwrap_used)]

use dexposure::datasets;
use dexposure::graph::{ExposureGraph, NetworkMetrics, SystemicImportance};
use dexposure::model::{
    BackendKind, FeatureSet, ForecasterConfig, LinkRule, TrainConfig, WeekGraphs,
};
use dexposure::monitor::{
    EarlyWarningStudy, ForecastErrorTable, ForecastThenMeasure, MarketEvent, MonitorData,
    PredictiveStressTable, StudyTraining, WeekMeasures, measure_names,
};
use dexposure::snapshot::{NaiveDate, SnapshotSeries};
use dexposure::stress::bootstrap::PercentileBootstrap;
use dexposure::stress::{EarlyWarning, ShockSelection};

#[test]
fn forecast_then_measure_on_the_sample() {
    let series = datasets::embedded().unwrap();
    let metadata = datasets::embedded_metadata().unwrap();
    let catalog = Some(&metadata.catalog);
    let weeks = WeekGraphs::new(&series, catalog).unwrap();
    let device = BackendKind::default_cpu().unwrap().device().unwrap();
    let checkpoint = datasets::embedded_checkpoint(&device).unwrap();
    let data = MonitorData::new(&series, &weeks, catalog).unwrap();
    let mut run = ForecastThenMeasure::new(data);
    run.add_checkpoint(&checkpoint, &device).unwrap();
    assert_eq!(run.horizons(), vec![1]);
    let jobs = run.jobs();
    let split = &run.forecasters[0].split;
    assert_eq!(jobs.len(), split.test.len() - 1); // every test anchor of h = 1
    let anchors: Vec<_> = jobs.iter().map(|&j| run.measure(j).unwrap()).collect();
    let names = measure_names();
    let density = names.iter().position(|n| *n == "density").unwrap();
    let mean_sis = names.iter().position(|n| *n == "mean_sis").unwrap();
    for (job, a) in jobs.iter().zip(&anchors) {
        let t = job.t;
        // Persistence is G_t and the realised week G_t+1, measured independently here.
        let week = &series.snapshots()[t + 1];
        let graph = ExposureGraph::from_snapshot(week, series.symbols(), catalog).unwrap();
        let metrics = NetworkMetrics::compute(&graph, week).unwrap();
        assert_eq!(a.realised.values[density], metrics.density);
        let sis = SystemicImportance::default().run(&graph).unwrap().sis;
        let mean = sis.iter().sum::<f64>() / sis.len() as f64;
        assert!((a.realised.get("mean_sis").unwrap() - mean).abs() < 1e-12);
        assert_eq!(a.persistence.date, series.snapshots()[t].date);
        // The model's measures are those of the forecast made at t (with categories).
        let forecast = run.forecasters[0].forecaster.forecast(&weeks, t).unwrap();
        let g =
            ExposureGraph::from_snapshot(&forecast.snapshot, series.symbols(), catalog).unwrap();
        assert_eq!(a.model, WeekMeasures::of(&g, &forecast.snapshot).unwrap());
        assert!(a.model.values[mean_sis] > 0.0);
        // 2 selections × 6 scenarios × 3 engines; category scenarios select the same nodes
        // either way.
        assert_eq!(a.stress.len(), 36);
        for (x, y) in a.stress[..18].iter().zip(&a.stress[18..]) {
            assert_eq!(
                (x.selection, y.selection),
                (ShockSelection::EachGraph, ShockSelection::CurrentWeek)
            );
            if !x.scenario.starts_with("top-") {
                assert_eq!(x.evaluation, y.evaluation, "{}", x.scenario);
            }
        }
    }
    // The tables: persistence MAE of density recomputed by hand.
    let bootstrap = PercentileBootstrap::default();
    let errors = ForecastErrorTable::from_anchors(&anchors, &bootstrap);
    assert_eq!(errors.rows.len(), names.len());
    let row = errors.rows.iter().find(|r| r.measure == "density").unwrap();
    let mae = anchors
        .iter()
        .map(|a| (a.persistence.values[density] - a.realised.values[density]).abs())
        .sum::<f64>()
        / anchors.len() as f64;
    assert!((row.persistence.mae - mae).abs() < 1e-15);
    let ci = row.persistence.mae_interval.unwrap();
    assert!(ci.low <= mae && mae <= ci.high);
    assert!((row.delta_mae - (row.persistence.mae - row.model.mae)).abs() < 1e-15);
    assert!(errors.to_markdown().contains("| density |"));
    assert_eq!(errors.to_csv().lines().count(), names.len() + 1);
    let stress = PredictiveStressTable::from_anchors(&anchors, &bootstrap).unwrap();
    assert_eq!(stress.rows.len(), 36);
    assert!(
        stress
            .rows
            .iter()
            .all(|r| r.summary.anchors == anchors.len())
    );
    assert_eq!(stress.to_csv().lines().count(), 37);
    // One seed: no summary over seeds. The same anchors as a second seed: a summary whose sd
    // is 0 and whose counts are both seeds or neither.
    assert!(errors.seeds_markdown().is_empty() && stress.seeds_markdown().is_empty());
    let mut both = anchors.clone();
    both.extend(anchors.iter().cloned().map(|mut a| {
        a.seed += 1;
        a
    }));
    let summary = ForecastErrorTable::from_anchors(&both, &bootstrap).seeds_markdown();
    assert!(summary.contains("### h = 1, over 2 seeds"), "{summary}");
    let line = summary
        .lines()
        .find(|l| l.starts_with("| density |"))
        .unwrap();
    assert!(
        line.contains("± 0.0000") && (line.ends_with("2/2 |") || line.ends_with("0/2 |")),
        "{line}"
    );
    let summary = PredictiveStressTable::from_anchors(&both, &bootstrap)
        .unwrap()
        .seeds_markdown();
    assert_eq!(
        summary
            .lines()
            .filter(|l| l.starts_with("| top-1 at 50% |"))
            .count(),
        6
    );
}

#[test]
fn a_checkpoint_of_other_data_is_refused() {
    let series = datasets::embedded().unwrap();
    let (symbols, snapshots) = series.into_parts();
    let shorter = SnapshotSeries::new(symbols, snapshots[..50].to_vec()).unwrap();
    let weeks = WeekGraphs::new(&shorter, None).unwrap();
    let device = BackendKind::default_cpu().unwrap().device().unwrap();
    let checkpoint = datasets::embedded_checkpoint(&device).unwrap();
    let mut run = ForecastThenMeasure::new(MonitorData::new(&shorter, &weeks, None).unwrap());
    let err = run
        .add_checkpoint(&checkpoint, &device)
        .unwrap_err()
        .to_string();
    assert!(err.contains("its test weeks are not these"), "{err}");
}

fn truncated(series: &SnapshotSeries, last: NaiveDate) -> SnapshotSeries {
    let keep: Vec<_> = series.iter().filter(|w| w.date <= last).cloned().collect();
    SnapshotSeries::new(series.symbols().clone(), keep).unwrap()
}

#[test]
fn early_warning_alerts_do_not_read_past_their_date() {
    let series = datasets::embedded().unwrap();
    let metadata = datasets::embedded_metadata().unwrap();
    let catalog = Some(&metadata.catalog);
    let device = BackendKind::default_cpu().unwrap().device().unwrap();
    let training = StudyTraining {
        features: FeatureSet::default(),
        model: ForecasterConfig::new(0, 0)
            .with_d_model(8)
            .with_heads(2)
            .with_layers(1),
        train: TrainConfig {
            epochs: 1,
            anchors_per_epoch: Some(4),
            pairs_per_step: 2048,
            ..TrainConfig::new(1)
        },
    };
    let mut study = EarlyWarningStudy::new(MarketEvent::terra());
    study.rule = EarlyWarning::new(6, 1.5).unwrap();
    study.calm_weeks = 6;
    let run = |s: &SnapshotSeries| {
        let weeks = WeekGraphs::new(s, catalog).unwrap();
        study
            .run(
                MonitorData::new(s, &weeks, catalog).unwrap(),
                &training,
                &device,
            )
            .unwrap()
    };
    let full = run(&series);
    assert_eq!(full.rows.len(), 16); // 8 measures × observed, forecast
    let forecast_alerts: Vec<_> = full
        .alerts
        .iter()
        .filter(|(s, _)| s == "forecast")
        .collect();
    assert!(!forecast_alerts.is_empty(), "no forecast alert to check");
    // Truncate right after the first, a middle and the last forecast alert: each comes back.
    let picks = [0, forecast_alerts.len() / 2, forecast_alerts.len() - 1];
    for &k in &picks {
        let (_, alert) = forecast_alerts[k];
        let short = run(&truncated(&series, alert.date));
        assert_eq!(short.trained_on, full.trained_on);
        let again = short
            .alerts
            .iter()
            .find(|(s, a)| s == "forecast" && a.date == alert.date && a.metric == alert.metric)
            .unwrap_or_else(|| panic!("{alert:?} lost when the weeks after it are removed"));
        assert!(
            (again.1.z - alert.z).abs() < 1e-9,
            "{:?} vs {alert:?}",
            again.1
        );
    }
    // The same for observed alerts.
    let observed: Vec<_> = full
        .alerts
        .iter()
        .filter(|(s, _)| s == "observed")
        .collect();
    if let Some((_, alert)) = observed.first() {
        let short = run(&truncated(&series, alert.date));
        assert!(
            short
                .alerts
                .iter()
                .any(|(s, a)| s == "observed" && a == alert)
        );
    }
    assert!(
        full.to_markdown()
            .contains("| total_tvl | z-score | forecast |")
    );
}

#[test]
fn out_degree_links_keep_the_degree_sequence_of_the_anchor_week() {
    let series = datasets::embedded().unwrap();
    let metadata = datasets::embedded_metadata().unwrap();
    let weeks = WeekGraphs::new(&series, Some(&metadata.catalog)).unwrap();
    let device = BackendKind::default_cpu().unwrap().device().unwrap();
    let mut forecaster = datasets::embedded_checkpoint(&device)
        .unwrap()
        .state
        .forecaster(&device);
    let t = weeks.len() - 2;
    let threshold = forecaster.forecast(&weeks, t).unwrap();
    forecaster.links = LinkRule::OutDegree;
    let forecast = forecaster.forecast(&weeks, t).unwrap();
    let (g, ghat) = (weeks.graph(t), &forecast.graph);
    let out_degree =
        |graph: &ExposureGraph, i: usize| graph.out_csr().row(i).filter(|&(j, _)| j != i).count();
    assert_eq!(g.node_count(), ghat.node_count());
    for i in 0..g.node_count() {
        assert_eq!(g.protocol(i), ghat.protocol(i));
        assert_eq!(out_degree(ghat, i), out_degree(g, i), "node {i}");
    }
    // Same candidates and scores; only the links kept differ.
    assert_eq!(forecast.candidates, threshold.candidates);
    assert_eq!(forecast.probabilities, threshold.probabilities);
    assert_ne!(
        forecast.snapshot.links.len(),
        threshold.snapshot.links.len()
    );
}
