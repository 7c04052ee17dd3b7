//! Link-prediction tools against scikit-learn / networkx golden values
//! (`tests/golden/linkpred.py` writes `tests/golden/linkpred.json`), plus sampler invariants and
//! property tests.

use std::path::PathBuf;

use dexposure_graph::linkpred::{
    LabeledPair, PairKind, PairSampler, RegressionErrors, Scorer, auroc, average_precision,
    evaluate_horizon, recall_at_k,
};
use dexposure_snapshot::{Snapshot, SnapshotSeries};
use proptest::prelude::*;
use rustc_hash::FxHashSet;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn golden() -> Value {
    let text = std::fs::read_to_string(root().join("golden/linkpred.json")).expect("golden file");
    serde_json::from_str(&text).expect("golden JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn metrics_equal_scikit_learn() {
    for case in golden()["metrics"].as_array().expect("cases") {
        let scores = floats(&case["scores"]);
        let labels: Vec<bool> = case["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .map(|l| l.as_bool().expect("bool"))
            .collect();
        let auc = auroc(&scores, &labels)
            .expect("valid")
            .expect("two classes");
        let ap = average_precision(&scores, &labels)
            .expect("valid")
            .expect("positives");
        assert!(
            close(auc, case["auroc"].as_f64().expect("auroc"), 1e-12),
            "{auc} vs {}",
            case["auroc"]
        );
        assert!(
            close(ap, case["average_precision"].as_f64().expect("ap"), 1e-12),
            "{ap} vs {}",
            case["average_precision"]
        );
        let k = case["k"].as_u64().expect("k") as usize;
        let recall = recall_at_k(&scores, &labels, k)
            .expect("valid")
            .expect("positives");
        assert!(close(
            recall,
            case["recall_at_k"].as_f64().expect("recall"),
            1e-12
        ));
        let errors = RegressionErrors::compute(
            &floats(&case["predicted"]),
            &floats(&case["actual"]),
            Some(&floats(&case["weights"])),
        )
        .expect("valid")
        .expect("non-empty");
        assert!(close(errors.mae, case["mae"].as_f64().expect("mae"), 1e-12));
        assert!(close(
            errors.rmse,
            case["rmse"].as_f64().expect("rmse"),
            1e-12
        ));
        assert!(close(
            errors.weighted_mae,
            case["weighted_mae"].as_f64().expect("wmae"),
            1e-12
        ));
    }
}

#[test]
fn scorers_equal_networkx_on_every_pair() {
    let golden = golden();
    let series =
        SnapshotSeries::load(root().join("data/graphs/random_sectors.json")).expect("fixture");
    let weeks: Vec<&Snapshot> = series.iter().collect();
    let symbols = series.symbols();
    let rows = golden["scores"]["pairs"].as_array().expect("pairs");
    let pairs: Vec<LabeledPair> = rows
        .iter()
        .map(|r| LabeledPair {
            source: symbols
                .find_protocol(r["u"].as_str().expect("u"))
                .expect("known id"),
            target: symbols
                .find_protocol(r["v"].as_str().expect("v"))
                .expect("known id"),
            label: r["label"].as_bool().expect("label"),
            kind: PairKind::Uniform,
        })
        .collect();
    let labels: Vec<bool> = pairs.iter().map(|p| p.label).collect();
    let scorers = [
        Scorer::CommonNeighbours,
        Scorer::AdamicAdar,
        Scorer::Jaccard,
        Scorer::PreferentialAttachment,
        Scorer::DirectedPersistence,
        Scorer::UndirectedPersistence,
        Scorer::DecayedHistory {
            decay: 0.5,
            window: 3,
        },
    ];
    for scorer in scorers {
        let scores = scorer.score(&weeks[..=2], &pairs).expect("scores");
        for (s, r) in scores.iter().zip(rows) {
            let expected = r[scorer.name()].as_f64().expect("golden score");
            assert!(
                close(*s, expected, 1e-12),
                "{} {}->{}: {s} vs {expected}",
                scorer.name(),
                r["u"],
                r["v"]
            );
        }
        // The summary is checked on networkx's own scores: sums taken in another order differ
        // in the last bit, which would change exact ties, not the metric.
        let summary = &golden["scores"]["summary"][scorer.name()];
        let reference: Vec<f64> = rows
            .iter()
            .map(|r| r[scorer.name()].as_f64().expect("score"))
            .collect();
        let auc = auroc(&reference, &labels)
            .expect("valid")
            .expect("two classes");
        let ap = average_precision(&reference, &labels)
            .expect("valid")
            .expect("positives");
        assert!(
            close(auc, summary["auroc"].as_f64().expect("auroc"), 1e-12),
            "{}",
            scorer.name()
        );
        assert!(
            close(
                ap,
                summary["average_precision"].as_f64().expect("ap"),
                1e-12
            ),
            "{}",
            scorer.name()
        );
    }
}

#[test]
fn sampler_draws_what_it_documents() {
    let series =
        SnapshotSeries::load(root().join("data/graphs/random_sectors.json")).expect("fixture");
    let (t, th) = (&series.snapshots()[0], &series.snapshots()[1]);
    let nodes: FxHashSet<_> = t.nodes.iter().map(|n| n.id).collect();
    let expected_positives: FxHashSet<_> = th
        .links
        .iter()
        .map(|l| (l.source, l.target))
        .filter(|(s, d)| s != d && nodes.contains(s) && nodes.contains(d))
        .collect();
    let pairs = PairSampler::new(42).sample(t, th).expect("pairs");
    let positives: FxHashSet<_> = pairs
        .iter()
        .filter(|p| p.label)
        .map(|p| (p.source, p.target))
        .collect();
    assert_eq!(positives, expected_positives);
    let negatives: Vec<_> = pairs.iter().filter(|p| !p.label).collect();
    assert_eq!(negatives.len(), 5 * positives.len());
    let distinct: FxHashSet<_> = pairs.iter().map(|p| (p.source, p.target)).collect();
    assert_eq!(distinct.len(), pairs.len());
    for p in &negatives {
        assert_eq!(p.kind, PairKind::Uniform);
        assert!(p.source != p.target && nodes.contains(&p.source) && nodes.contains(&p.target));
        assert!(!expected_positives.contains(&(p.source, p.target)));
    }
    // Determinism, and a different seed gives different negatives.
    assert_eq!(PairSampler::new(42).sample(t, th).expect("pairs"), pairs);
    assert_ne!(PairSampler::new(43).sample(t, th).expect("pairs"), pairs);

    let hard = PairSampler::new(42)
        .with_hard_negatives()
        .sample(t, th)
        .expect("pairs");
    let t_links: FxHashSet<_> = t.links.iter().map(|l| (l.source, l.target)).collect();
    for p in &hard {
        match p.kind {
            PairKind::Positive => assert!(p.label),
            PairKind::Reverse => {
                assert!(expected_positives.contains(&(p.target, p.source)) && !p.label)
            }
            PairKind::Vanished => assert!(t_links.contains(&(p.source, p.target)) && !p.label),
            PairKind::DegreeBiased | PairKind::Uniform => assert!(!p.label && p.source != p.target),
        }
    }
    let kinds = dexposure_graph::linkpred::count_by_kind(&hard);
    assert!(kinds.get(&PairKind::Reverse).copied().unwrap_or(0) > 0);
    assert!(kinds.get(&PairKind::Vanished).copied().unwrap_or(0) > 0);
    assert!(kinds.get(&PairKind::DegreeBiased).copied().unwrap_or(0) > 0);
}

#[test]
fn horizon_evaluation_pools_anchors() {
    let series =
        SnapshotSeries::load(root().join("data/graphs/random_sectors.json")).expect("fixture");
    let sampler = PairSampler::new(9);
    let one =
        evaluate_horizon(&series, 1, Scorer::DirectedPersistence, &sampler).expect("evaluation");
    assert_eq!(one.anchors, 3);
    assert_eq!(one.negatives, 5 * one.positives);
    let auc = one.pooled_auroc.expect("auroc");
    assert!(
        auc > 0.5 && auc <= 1.0,
        "persistence should beat chance on a persistent fixture: {auc}"
    );
    // Same numbers on one thread.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    assert_eq!(
        pool.install(|| evaluate_horizon(&series, 1, Scorer::DirectedPersistence, &sampler))
            .expect("eval"),
        one
    );
    assert_eq!(
        evaluate_horizon(&series, 4, Scorer::DirectedPersistence, &sampler)
            .expect("eval")
            .anchors,
        0
    );
}

#[test]
fn metrics_reject_bad_input() {
    assert!(auroc(&[0.1, 0.2], &[true]).is_err());
    assert!(auroc(&[f64::NAN, 0.2], &[true, false]).is_err());
    assert_eq!(auroc(&[0.1, 0.2], &[true, true]).expect("valid"), None);
    assert_eq!(average_precision(&[0.1], &[false]).expect("valid"), None);
    assert!(RegressionErrors::compute(&[1.0], &[1.0], Some(&[0.0])).is_err());
    assert_eq!(
        RegressionErrors::compute(&[], &[], None).expect("valid"),
        None
    );
}

proptest! {
    #[test]
    fn perfect_scorer_scores_one(labels in prop::collection::vec(any::<bool>(), 2..200)) {
        prop_assume!(labels.iter().any(|&l| l) && labels.iter().any(|&l| !l));
        let scores: Vec<f64> = labels.iter().map(|&l| if l { 1.0 } else { 0.0 }).collect();
        prop_assert_eq!(auroc(&scores, &labels).expect("valid"), Some(1.0));
        prop_assert_eq!(average_precision(&scores, &labels).expect("valid"), Some(1.0));
    }

    #[test]
    fn reversed_scores_mirror_auroc(
        data in prop::collection::vec((0u8..10, any::<bool>()), 2..200),
    ) {
        let labels: Vec<bool> = data.iter().map(|d| d.1).collect();
        prop_assume!(labels.iter().any(|&l| l) && labels.iter().any(|&l| !l));
        let scores: Vec<f64> = data.iter().map(|d| f64::from(d.0)).collect();
        let negated: Vec<f64> = scores.iter().map(|s| -s).collect();
        let a = auroc(&scores, &labels).expect("valid").expect("two classes");
        let b = auroc(&negated, &labels).expect("valid").expect("two classes");
        prop_assert!((a + b - 1.0).abs() < 1e-12);
        let ap = average_precision(&scores, &labels).expect("valid").expect("positives");
        prop_assert!((0.0..=1.0).contains(&ap));
    }
}
