//! The shipped checkpoint (`datasets/checkpoint-sample-h1`) loads from the bytes compiled into
//! the library, and evaluating it on the embedded sample reproduces the metrics recorded in it
//! when it was made (`forecast evaluate --record`, see datasets/README.md).

use dexposure::datasets;
use dexposure::model::evaluate::ForecastScores;
use dexposure::model::experiment::ResultsRun;
use dexposure::model::{BackendKind, WeekGraphs};

fn close(a: Option<f64>, b: Option<f64>, what: &str, row: &str) {
    match (a, b) {
        (None, None) => {}
        (Some(x), Some(y)) => assert!(
            (x - y).abs() <= 1e-6 * (1.0 + y.abs()),
            "{row} {what}: evaluated {x}, recorded {y}"
        ),
        _ => panic!("{row} {what}: evaluated {a:?}, recorded {b:?}"),
    }
}

#[test]
fn shipped_checkpoint_reproduces_its_recorded_metrics() {
    let device = BackendKind::default_cpu()
        .and_then(BackendKind::device)
        .expect("CPU backend");
    let checkpoint = datasets::embedded_checkpoint(&device).expect("shipped checkpoint loads");
    let recorded: Vec<ForecastScores> = serde_json::from_value(
        checkpoint
            .recorded_metrics
            .clone()
            .expect("the shipped checkpoint records its evaluation"),
    )
    .expect("recorded rows");
    assert!(
        recorded.len() >= 3,
        "transformer and baselines are recorded"
    );
    let series = datasets::embedded().expect("sample");
    let metadata = datasets::embedded_metadata().expect("metadata");
    let weeks = WeekGraphs::new(&series, Some(&metadata.catalog)).expect("graphs");
    let evaluated = ResultsRun::new(&weeks, device.clone())
        .checkpoint(&checkpoint)
        .expect("evaluation");
    assert_eq!(evaluated.len(), recorded.len());
    for (e, r) in evaluated.iter().zip(&recorded) {
        assert_eq!(
            (e.name.as_str(), e.horizon, e.seed),
            (r.name.as_str(), r.horizon, r.seed)
        );
        assert_eq!(
            (
                e.anchors,
                e.positives,
                e.uniform_negatives,
                e.hard_negatives,
                e.candidates
            ),
            (
                r.anchors,
                r.positives,
                r.uniform_negatives,
                r.hard_negatives,
                r.candidates
            ),
            "{}: pair counts",
            e.name
        );
        let ev = e.metric_values();
        let rv = r.metric_values();
        for (k, column) in dexposure::model::evaluate::METRIC_COLUMNS
            .iter()
            .enumerate()
        {
            close(ev[k], rv[k], column, &e.name);
        }
    }
}
