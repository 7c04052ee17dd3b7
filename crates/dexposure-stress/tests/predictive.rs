//! Predictive stress evaluation (paper Task II): hand-checked anchors and limiting cases.

#![allow(clippy::unwrap_used)]

use dexposure_snapshot::{Link, NaiveDate, Node, Snapshot, SymbolTable, TokenAmount};
use dexposure_stress::bootstrap::PercentileBootstrap;
use dexposure_stress::predictive::{common_nodes, restrict};
use dexposure_stress::{
    AnchorGraphs, AnchorWeeks, LossCascade, PredictiveEvaluator, PredictiveSummary, Scenario,
    ShockSelection, StressError, SummaryIntervals,
};

/// A week with nodes (id, TVL) and links (creditor, debtor, exposure); each node holds one
/// token "T" worth its TVL.
fn week(
    symbols: &mut SymbolTable,
    date: &str,
    nodes: &[(&str, f64)],
    links: &[(&str, &str, f64)],
) -> Snapshot {
    let date: NaiveDate = date.parse().unwrap();
    let mut w = Snapshot::new(date);
    let token = symbols.intern_token("T");
    for &(id, size) in nodes {
        let composition = w.push_composition([TokenAmount { token, usd: size }]);
        w.nodes.push(Node {
            id: symbols.intern_protocol(id),
            size,
            composition,
        });
    }
    for &(s, t, size) in links {
        let composition = w.push_composition([TokenAmount { token, usd: size }]);
        w.links.push(Link {
            source: symbols.intern_protocol(s),
            target: symbols.intern_protocol(t),
            size,
            composition,
        });
    }
    w
}

fn top1() -> Scenario {
    Scenario {
        name: "top-1".into(),
        fraction: 0.5,
        top_n: Some(1),
        ..Scenario::default()
    }
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

/// Three weeks per anchor (current, predicted, realised) of two nodes A, B and no links:
/// top-1 at 50% loses half the largest TVL.
fn three_anchors(symbols: &mut SymbolTable) -> Vec<[Snapshot; 3]> {
    vec![
        [
            week(symbols, "2024-01-01", &[("A", 100.0), ("B", 100.0)], &[]),
            week(symbols, "2024-01-08", &[("A", 200.0), ("B", 100.0)], &[]),
            week(symbols, "2024-01-08", &[("A", 300.0), ("B", 100.0)], &[]),
        ],
        [
            week(symbols, "2024-01-08", &[("A", 100.0), ("B", 300.0)], &[]),
            week(symbols, "2024-01-15", &[("A", 100.0), ("B", 900.0)], &[]),
            week(symbols, "2024-01-15", &[("A", 100.0), ("B", 100.0)], &[]),
        ],
        [
            // C is absent from the realised week: it is dropped, so top-1 is A/B, not C.
            week(
                symbols,
                "2024-01-15",
                &[("A", 100.0), ("B", 100.0), ("C", 1000.0)],
                &[("A", "C", 50.0)],
            ),
            week(symbols, "2024-01-22", &[("A", 300.0), ("B", 100.0)], &[]),
            week(symbols, "2024-01-22", &[("A", 100.0), ("B", 100.0)], &[]),
        ],
    ]
}

fn anchors(weeks: &[[Snapshot; 3]]) -> Vec<AnchorWeeks<'_>> {
    weeks
        .iter()
        .map(|[c, p, r]| AnchorWeeks {
            current: c,
            predicted: p,
            realised: r,
        })
        .collect()
}

#[test]
fn hand_made_three_anchors() {
    let mut symbols = SymbolTable::new();
    let weeks = three_anchors(&mut symbols);
    let engine = LossCascade::new();
    let eval = PredictiveEvaluator::new(&engine, &symbols, None);
    let report = eval.evaluate(&top1(), &anchors(&weeks)).unwrap();
    let a = &report.anchors;
    // Anchor 1: L(G_t) = 50/200 = 25%, L(Ĝ) = 100/300, L(G_t+h) = 150/400 = 37.5%.
    close(a[0].loss_current, 25.0);
    close(a[0].loss_predicted, 100.0 / 3.0);
    close(a[0].loss_realised, 37.5);
    close(a[0].error_baseline, 12.5);
    close(a[0].error_model, 37.5 - 100.0 / 3.0);
    // Anchor 2: 150/400 = 37.5%, 450/1000 = 45%, 50/200 = 25%.
    close(a[1].error_baseline, 12.5);
    close(a[1].error_model, 20.0);
    // Anchor 3: C dropped; 25%, 150/400 = 37.5%, 25%.
    assert_eq!(a[2].common_nodes, 2);
    close(a[2].loss_current, 25.0);
    close(a[2].error_baseline, 0.0);
    close(a[2].error_model, 12.5);

    let s = &report.summary;
    assert_eq!(s.anchors, 3);
    close(s.mae_baseline, 25.0 / 3.0);
    let em1 = 37.5 - 100.0 / 3.0;
    close(s.mae_model, (em1 + 20.0 + 12.5) / 3.0);
    close(s.delta_mae, 25.0 / 3.0 - (em1 + 20.0 + 12.5) / 3.0);
    close(s.win_rate, 1.0 / 3.0);
    // Worst 20%: ceil(0.6) = 1 anchor; anchors 1 and 2 tie at e_b = 12.5, the first wins.
    assert_eq!(s.worst20.anchors, 1);
    close(s.worst20.mae_baseline, 12.5);
    close(s.worst20.mae_model, em1);
    close(s.worst20.delta_mae, 12.5 - em1);
    close(s.worst20.win_rate, 1.0);

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["summary"]["anchors"], 3);
    assert_eq!(json["engine"], "loss_cascade");
}

#[test]
fn perfect_prediction_has_zero_model_error() {
    let mut symbols = SymbolTable::new();
    let weeks: Vec<[Snapshot; 3]> = three_anchors(&mut symbols)
        .into_iter()
        .map(|[c, _, r]| [c, r.clone(), r])
        .collect();
    let engine = LossCascade::new();
    let report = PredictiveEvaluator::new(&engine, &symbols, None)
        .evaluate(&top1(), &anchors(&weeks))
        .unwrap();
    for a in &report.anchors {
        assert_eq!(a.error_model, 0.0);
    }
    let positive = report
        .anchors
        .iter()
        .filter(|a| a.error_baseline > 0.0)
        .count();
    close(report.summary.win_rate, positive as f64 / 3.0);
    close(report.summary.win_rate, 2.0 / 3.0);
    close(report.summary.mae_model, 0.0);
    close(report.summary.delta_mae, report.summary.mae_baseline);
}

#[test]
fn persistence_prediction_ties_the_baseline() {
    let mut symbols = SymbolTable::new();
    let weeks: Vec<[Snapshot; 3]> = three_anchors(&mut symbols)
        .into_iter()
        .map(|[c, _, r]| [c.clone(), c, r])
        .collect();
    let engine = LossCascade::new();
    let report = PredictiveEvaluator::new(&engine, &symbols, None)
        .evaluate(&top1(), &anchors(&weeks))
        .unwrap();
    close(report.summary.delta_mae, 0.0);
    assert_eq!(report.summary.win_rate, 0.0);
    close(report.summary.worst20.delta_mae, 0.0);
    assert_eq!(report.summary.worst20.win_rate, 0.0);
}

#[test]
fn perturbed_prediction_has_small_error() {
    let mut symbols = SymbolTable::new();
    let nodes = [("A", 100.0), ("B", 50.0), ("C", 20.0), ("D", 80.0)];
    let links = [
        ("A", "B", 30.0),
        ("B", "C", 20.0),
        ("D", "C", 10.0),
        ("A", "D", 15.0),
    ];
    let realised = week(&mut symbols, "2024-02-05", &nodes, &links);
    let scaled: Vec<_> = links.iter().map(|&(s, t, w)| (s, t, w * 1.1)).collect();
    let predicted = week(&mut symbols, "2024-02-05", &nodes, &scaled);
    let current = week(
        &mut symbols,
        "2024-01-29",
        &[("A", 100.0), ("B", 500.0), ("C", 20.0), ("D", 80.0)],
        &[("A", "B", 90.0)],
    );
    let scenario = Scenario {
        name: "C fails".into(),
        fraction: 1.0,
        protocols: vec!["C".into()],
        ..Scenario::default()
    };
    let engine = LossCascade::new();
    let a = PredictiveEvaluator::new(&engine, &symbols, None)
        .anchor(
            &scenario,
            AnchorWeeks {
                current: &current,
                predicted: &predicted,
                realised: &realised,
            },
        )
        .unwrap();
    assert!(a.loss_realised > 0.0);
    assert!(a.error_model < 0.1 * a.loss_realised, "{a:?}");
    assert!(a.error_model < a.error_baseline, "{a:?}");
}

#[test]
fn restriction_keeps_common_nodes_only() {
    let mut symbols = SymbolTable::new();
    let t = week(
        &mut symbols,
        "2024-01-01",
        &[("A", 1.0), ("B", 2.0), ("C", 3.0)],
        &[("A", "B", 0.5), ("B", "C", 0.7), ("C", "A", 0.2)],
    );
    let th = week(
        &mut symbols,
        "2024-01-08",
        &[("B", 4.0), ("D", 5.0), ("A", 6.0)],
        &[("D", "A", 1.0), ("B", "A", 2.0)],
    );
    let keep = common_nodes(&t, &th);
    let a = symbols.intern_protocol("A");
    let b = symbols.intern_protocol("B");
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(keep, expected);

    let rt = restrict(&t, &keep);
    assert_eq!(rt.date, t.date);
    assert_eq!(rt.nodes.len(), 2);
    assert_eq!(rt.nodes[0].id, a);
    assert_eq!(rt.nodes[1].size, 2.0);
    assert_eq!(rt.composition(rt.nodes[1].composition)[0].usd, 2.0);
    assert_eq!(rt.links.len(), 1);
    assert_eq!((rt.links[0].source, rt.links[0].target), (a, b));
    assert_eq!(rt.composition(rt.links[0].composition)[0].usd, 0.5);

    let rth = restrict(&th, &keep);
    assert_eq!(
        rth.nodes.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![b, a]
    );
    assert_eq!(rth.links.len(), 1);
    assert_eq!(rth.links[0].size, 2.0);
}

#[test]
fn empty_summary_is_an_error() {
    assert!(matches!(
        PredictiveSummary::from_anchors(&[]),
        Err(StressError::InvalidParameter(_))
    ));
}

#[test]
fn current_week_selection_shocks_the_protocols_chosen_at_t() {
    // At t, A is the largest; on Ĝ and at t + h, B is. Each graph choosing its own top-1 shocks
    // B there; choosing at t shocks A on all three graphs.
    let mut symbols = SymbolTable::new();
    let current = week(
        &mut symbols,
        "2024-01-01",
        &[("A", 300.0), ("B", 100.0)],
        &[],
    );
    let predicted = week(
        &mut symbols,
        "2024-01-08",
        &[("A", 100.0), ("B", 200.0)],
        &[],
    );
    let realised = week(
        &mut symbols,
        "2024-01-08",
        &[("A", 100.0), ("B", 300.0)],
        &[],
    );
    let weeks = AnchorWeeks {
        current: &current,
        predicted: &predicted,
        realised: &realised,
    };
    let engine = LossCascade::new();
    let each = PredictiveEvaluator::new(&engine, &symbols, None);
    let at_t = each.with_selection(ShockSelection::CurrentWeek);
    let e = each.anchor(&top1(), weeks).unwrap();
    close(e.loss_predicted, 100.0 * 100.0 / 300.0); // B: half of 200 of 300
    close(e.loss_realised, 100.0 * 150.0 / 400.0); // B: half of 300 of 400
    let a = at_t.anchor(&top1(), weeks).unwrap();
    close(a.loss_current, 100.0 * 150.0 / 400.0); // A: half of 300 of 400
    close(a.loss_predicted, 100.0 * 50.0 / 300.0); // A: half of 100 of 300
    close(a.loss_realised, 100.0 * 50.0 / 400.0);
    // The graphs built once give the same evaluation.
    let graphs = AnchorGraphs::new(weeks, &symbols, None).unwrap();
    assert_eq!(at_t.evaluate_graphs(&top1(), &graphs).unwrap(), a);
}

#[test]
fn summary_intervals_bracket_the_summary() {
    let mut symbols = SymbolTable::new();
    let weeks = three_anchors(&mut symbols);
    let engine = LossCascade::new();
    let report = PredictiveEvaluator::new(&engine, &symbols, None)
        .evaluate(&top1(), &anchors(&weeks))
        .unwrap();
    let ci = SummaryIntervals::of(&report.anchors, &PercentileBootstrap::default()).unwrap();
    let s = &report.summary;
    assert!(ci.delta_mae.low <= s.delta_mae && s.delta_mae <= ci.delta_mae.high);
    assert!(ci.win_rate.low <= s.win_rate && s.win_rate <= ci.win_rate.high);
    assert!(ci.delta_mae.low < ci.delta_mae.high);
    assert!(SummaryIntervals::of(&[], &PercentileBootstrap::default()).is_none());
}
