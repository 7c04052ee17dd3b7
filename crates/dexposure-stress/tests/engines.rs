//! Contagion engines: hand-checked small graphs and properties on random graphs.

#![allow(clippy::unwrap_used)]

mod common;

use common::graph;
use dexposure_graph::ExposureGraph;
use dexposure_stress::{
    CascadeAllocation, ContagionEngine, DebtRank, EisenbergNoe, LossCascade, Shock, StressResult,
};
use proptest::prelude::*;

fn capped() -> LossCascade {
    LossCascade::new().with_allocation(CascadeAllocation::CappedAtExposure)
}

fn shock(f: &[f64]) -> Shock {
    Shock::from_fractions(f.to_vec()).unwrap()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

fn close_all(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        close(*x, *y);
    }
}

/// Chain A(0) → B(1) → C(2): A is exposed to B by 30, B to C by 20; TVL 100, 50, 20.
fn chain() -> ExposureGraph {
    graph(&[100.0, 50.0, 20.0], &[(0, 1, 30.0), (1, 2, 20.0)])
}

/// Triangle cycle A → B → C → A, exposure 10 each, TVL 100 each.
fn triangle() -> ExposureGraph {
    graph(&[100.0; 3], &[(0, 1, 10.0), (1, 2, 10.0), (2, 0, 10.0)])
}

#[test]
fn cascade_chain() {
    // C loses 100% → 20 > 0.1·20, distressed (round 0).
    // Round 1: C's only creditor B (w = 20) gets min(20, 20·20/20) = 20 > 0.1·50 → distressed.
    // Round 2: B passes its 20 to A: min(30, 20·30/30) = 20 > 0.1·100 → distressed.
    // Round 3: A has no creditor; nothing new → stop. Total 60 of TVL 170.
    let r = LossCascade::new()
        .run(&chain(), &shock(&[0.0, 0.0, 1.0]))
        .unwrap();
    close_all(&r.node_loss_usd, &[20.0, 20.0, 20.0]);
    close(r.total_loss_usd, 60.0);
    close(r.initial_loss_usd, 20.0);
    close(r.contagion_loss_usd, 40.0);
    close(r.loss_pct_tvl, 6000.0 / 170.0);
    assert_eq!((r.affected, r.distressed, r.rounds), (3, 3, 3));
    let news: Vec<_> = r.path.iter().map(|s| s.newly_distressed.clone()).collect();
    assert_eq!(news, vec![vec![2], vec![1], vec![0], vec![]]);
    close(r.path[1].loss_added_usd, 20.0);
    assert_eq!(r.sector_loss.len(), 7);
    close(r.sector_loss[6].loss_usd, 60.0); // all Unknown
    // Round cap 1: only C → B happens.
    let r = LossCascade::new()
        .with_max_rounds(1)
        .run(&chain(), &shock(&[0.0, 0.0, 1.0]))
        .unwrap();
    close(r.total_loss_usd, 40.0);
    assert_eq!(r.rounds, 1);
}

#[test]
fn cascade_pro_rata_cap_and_strict_threshold() {
    // Debtor D(0), TVL 40, shocked 50% → loss 20 > 4. Creditors A(1) w = 30, B(2) w = 10,
    // E(3) w = 0.5, Σw = 40.5. A gets 20·30/40.5 = 14.81.. (> 10, distressed), B gets
    // 20·10/40.5 = 4.938.. (< 5 = 0.1·50, not distressed), E gets min(0.5, 0.2469..) = 0.2469...
    let g = graph(
        &[40.0, 100.0, 50.0, 100.0],
        &[(1, 0, 30.0), (2, 0, 10.0), (3, 0, 0.5)],
    );
    let r = LossCascade::new()
        .run(&g, &shock(&[0.5, 0.0, 0.0, 0.0]))
        .unwrap();
    close_all(
        &r.node_loss_usd,
        &[
            20.0,
            20.0 * 30.0 / 40.5,
            20.0 * 10.0 / 40.5,
            20.0 * 0.5 / 40.5,
        ],
    );
    assert_eq!(r.distressed, 2);
    // A single creditor with w = 1: the published rule passes the whole loss of 20, the capped
    // variant min(1, 20) = 1.
    let g = graph(&[40.0, 100.0], &[(1, 0, 1.0)]);
    let r = LossCascade::new().run(&g, &shock(&[0.5, 0.0])).unwrap();
    close_all(&r.node_loss_usd, &[20.0, 20.0]);
    assert_eq!(r.engine, "loss_cascade");
    let r = capped().run(&g, &shock(&[0.5, 0.0])).unwrap();
    close_all(&r.node_loss_usd, &[20.0, 1.0]);
    assert_eq!(r.engine, "loss_cascade_capped");
    // Strict threshold: B receives exactly 5 = 0.1·50 and is not distressed.
    let g = graph(&[40.0, 50.0, 100.0], &[(1, 0, 10.0), (2, 1, 50.0)]);
    let r = LossCascade::new()
        .run(&g, &shock(&[0.125, 0.0, 0.0]))
        .unwrap();
    close_all(&r.node_loss_usd, &[5.0, 5.0, 0.0]);
    assert_eq!(r.distressed, 1);
}

#[test]
fn cascade_triangle_and_cap_at_tvl() {
    // Capped: A shocked 50% → 50. Its creditor C (C → A, w 10) gets 10 = 0.1·100: not
    // distressed.
    let r = capped().run(&triangle(), &shock(&[0.5, 0.0, 0.0])).unwrap();
    close_all(&r.node_loss_usd, &[50.0, 0.0, 10.0]);
    assert_eq!((r.distressed, r.rounds), (1, 1));
    // Published: C gets all 50 (distressed), passes 50 to B (distressed), which passes 50 back
    // to A, already active: A ends at 100; round 3 activates no one.
    let r = LossCascade::new()
        .run(&triangle(), &shock(&[0.5, 0.0, 0.0]))
        .unwrap();
    close_all(&r.node_loss_usd, &[100.0, 50.0, 50.0]);
    assert_eq!((r.distressed, r.rounds), (3, 3));
    // Loss capped at TVL: creditor of TVL 5 exposed by 30 receives min(30, 20) but keeps 5.
    let g = graph(&[20.0, 5.0], &[(1, 0, 30.0)]);
    let r = LossCascade::new().run(&g, &shock(&[1.0, 0.0])).unwrap();
    close_all(&r.node_loss_usd, &[20.0, 5.0]);
}

#[test]
fn debtrank_chain() {
    // h_C = 0.5. W_BC = min(1, 20/50) = 0.4, W_AB = min(1, 30/100) = 0.3.
    // Step 1: h_B = 0.4·0.5 = 0.2. Step 2: h_A = 0.3·0.2 = 0.06. Step 3: A has no debtor; stop.
    // Losses h·TVL: A 6, B 10, C 10 → 26; initial 10, contagion 16.
    let r = DebtRank::new()
        .run(&chain(), &shock(&[0.0, 0.0, 0.5]))
        .unwrap();
    close_all(&r.node_loss_usd, &[6.0, 10.0, 10.0]);
    close(r.initial_loss_usd, 10.0);
    close(r.contagion_loss_usd, 16.0);
    assert_eq!((r.distressed, r.rounds), (3, 3));
    // Capital = 50% of TVL: E = 50, 25, 10; W_BC = min(1, 20/25) = 0.8, W_AB = 0.6.
    // h_C = 0.5, h_B = 0.4, h_A = 0.24 → losses 12, 10, 5.
    let r = DebtRank::new()
        .with_capital_fraction(0.5)
        .unwrap()
        .run(&chain(), &shock(&[0.0, 0.0, 0.5]))
        .unwrap();
    close_all(&r.node_loss_usd, &[12.0, 10.0, 5.0]);
}

#[test]
fn debtrank_triangle_propagates_once() {
    // h_A = 1. C is exposed to A: W_CA = 10/100 = 0.1 → h_C = 0.1; then W_BC = 0.1 →
    // h_B = 0.01; then W_AB = 0.1 but A is inactive: it does not propagate again (h_A stays 1).
    let r = DebtRank::new()
        .run(&triangle(), &shock(&[1.0, 0.0, 0.0]))
        .unwrap();
    close_all(&r.node_loss_usd, &[100.0, 1.0, 10.0]);
    assert_eq!((r.distressed, r.rounds), (3, 3));
}

#[test]
fn eisenberg_noe_chain() {
    // Liabilities: B owes A 30, C owes B 20; p̄ = (0, 30, 20).
    // No shock: everyone pays in full. Shock C 100%, B 90%: e = (100, 5, 0).
    // C pays min(20, 0) = 0; B pays min(30, 5 + 0) = 5.
    // Losses: C 20 (its shock); B min(50, 45 + 20·(1 − 0)) = 50; A 30·(1 − 5/30) = 25.
    let r = EisenbergNoe::new()
        .run(&chain(), &shock(&[0.0, 0.9, 1.0]))
        .unwrap();
    close_all(&r.node_loss_usd, &[25.0, 50.0, 20.0]);
    close(r.initial_loss_usd, 65.0);
    assert_eq!(r.distressed, 2);
    // C alone: B still pays in full (50 ≥ 30); only B loses C's 20.
    let r = EisenbergNoe::new()
        .run(&chain(), &shock(&[0.0, 0.0, 1.0]))
        .unwrap();
    close_all(&r.node_loss_usd, &[0.0, 20.0, 20.0]);
}

#[test]
fn eisenberg_noe_baseline_and_cycle() {
    // D(0) owes A(1) 100 with TVL 40: without shock it pays 40 (baseline, not a loss).
    let g = graph(&[40.0, 200.0], &[(1, 0, 100.0)]);
    let r = EisenbergNoe::new().run(&g, &shock(&[0.0, 0.0])).unwrap();
    close(r.total_loss_usd, 0.0);
    // Shock D 50%: pays 20, A loses 20 more than baseline; D loses 20.
    let r = EisenbergNoe::new().run(&g, &shock(&[0.5, 0.0])).unwrap();
    close_all(&r.node_loss_usd, &[20.0, 20.0]);
    // Triangle: A owes C 10, B owes A 10, C owes B 10. A loses all external assets but
    // receives 10 from B and pays C in full: no contagion.
    let r = EisenbergNoe::new()
        .run(&triangle(), &shock(&[1.0, 0.0, 0.0]))
        .unwrap();
    close_all(&r.node_loss_usd, &[100.0, 0.0, 0.0]);
}

#[test]
fn bad_inputs_are_errors() {
    let g = chain();
    for e in engines() {
        assert!(e.run(&g, &shock(&[0.1, 0.2])).is_err());
    }
    assert!(LossCascade::new().with_threshold(1.5).is_err());
    assert!(DebtRank::new().with_capital_fraction(0.0).is_err());
    assert!(EisenbergNoe::new().with_tolerance(f64::NAN).is_err());
    assert!(EisenbergNoe::new().with_max_iterations(0).is_err());
}

fn engines() -> Vec<Box<dyn ContagionEngine>> {
    vec![
        Box::new(LossCascade::new()),
        Box::new(DebtRank::new()),
        Box::new(EisenbergNoe::new().with_max_iterations(1_000_000).unwrap()),
    ]
}

/// Engines whose loss is monotone in a uniform shock scale (the cascade with threshold 0).
fn monotone_engines() -> Vec<Box<dyn ContagionEngine>> {
    vec![
        Box::new(LossCascade::new().with_threshold(0.0).unwrap()),
        Box::new(DebtRank::new()),
        Box::new(EisenbergNoe::new().with_max_iterations(1_000_000).unwrap()),
    ]
}

fn check_sane(r: &StressResult, g: &ExposureGraph) {
    let total_tvl: f64 = g.tvl().iter().sum();
    assert!(r.total_loss_usd.is_finite() && r.loss_pct_tvl.is_finite());
    assert!(r.total_loss_usd <= total_tvl * (1.0 + 1e-12) + 1e-9);
    for (l, t) in r.node_loss_usd.iter().zip(g.tvl()) {
        assert!(l.is_finite() && *l >= 0.0 && *l <= t * (1.0 + 1e-12) + 1e-9);
    }
    for s in &r.path {
        assert!(s.loss_added_usd.is_finite());
    }
    assert!(serde_json::to_string(r).is_ok());
}

/// (TVL per node, links, shock fractions).
type Case = (Vec<f64>, Vec<(usize, usize, f64)>, Vec<f64>);

fn random_case() -> impl Strategy<Value = Case> {
    (1usize..7).prop_flat_map(|n| {
        (
            prop::collection::vec(prop_oneof![Just(0.0), 0.0..1000.0f64], n),
            prop::collection::vec((0..n, 0..n, 0.0..500.0f64), 0..15),
            prop::collection::vec(prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0f64], n),
        )
    })
}

proptest! {
    #[test]
    fn engines_are_sane((tvl, links, f) in random_case(), lo in 0.0..=1.0f64, hi in 0.0..=1.0f64) {
        let g = graph(&tvl, &links);
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        let scaled = |s: f64| shock(&f.iter().map(|x| x * s).collect::<Vec<_>>());
        for e in engines() {
            let r = e.run(&g, &shock(&f)).unwrap();
            check_sane(&r, &g);
            prop_assert_eq!(&r, &e.run(&g, &shock(&f)).unwrap());
            let zero = e.run(&g, &Shock::none(tvl.len())).unwrap();
            prop_assert_eq!(zero.total_loss_usd, 0.0);
            prop_assert_eq!(zero.affected, 0);
        }
        for e in monotone_engines() {
            let a = e.run(&g, &scaled(lo)).unwrap();
            let b = e.run(&g, &scaled(hi)).unwrap();
            check_sane(&b, &g);
            prop_assert!(a.total_loss_usd <= b.total_loss_usd * (1.0 + 1e-9) + 1e-6,
                "{}: {} > {}", e.name(), a.total_loss_usd, b.total_loss_usd);
        }
    }
}
