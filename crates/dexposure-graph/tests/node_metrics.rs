//! Node metrics against networkx golden values (tests/golden/node_metrics.py) and property tests:
//! PageRank, strengths, Tail5, SIS and sector spillovers (DESIGN.md §6).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use dexposure_graph::spillover::SECTORS;
use dexposure_graph::systemic::{tail_shares, tail5};
use dexposure_graph::{
    ExposureGraph, GraphError, PageRank, SectorSpillover, SelfLoops, SisWeights, SystemicImportance,
};
use dexposure_snapshot::{
    BroadCategory, Link, NaiveDate, Node, ProtocolCatalog, ProtocolInfo, SeriesLoader, Snapshot,
    SnapshotSeries, SymbolTable,
};
use proptest::prelude::*;
use serde_json::Value;

const PAGERANK_ABS: f64 = 1e-9;
const REL: f64 = 1e-12;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn graphs_dir() -> PathBuf {
    crate_dir().join("tests/data/graphs")
}

fn golden() -> Value {
    let path = crate_dir().join("tests/golden/node_metrics.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn catalog() -> ProtocolCatalog {
    ProtocolCatalog::from_id_to_info(graphs_dir().join("categories.json")).unwrap()
}

fn close_rel(actual: f64, expected: f64) -> bool {
    actual == expected || (actual - expected).abs() <= REL * actual.abs().max(expected.abs())
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Checks every golden value of one week against the graph built from it.
fn check_week(label: &str, graph: &ExposureGraph, expected: &Value) {
    let ids: Vec<&str> = expected["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(graph.node_count(), ids.len(), "{label}: node count");
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(graph.name(i), *id, "{label}: node order");
    }

    // PageRank, to 1e-9 absolute, and the same number of iterations as networkx.
    let pr = PageRank::default().run_detailed(graph).unwrap();
    let iterations = expected["pagerank_iterations"].as_u64().unwrap() as usize;
    assert_eq!(pr.iterations, iterations, "{label}: PageRank iterations");
    for (i, id) in ids.iter().enumerate() {
        let want = f(&expected["pagerank"][id]);
        assert!(
            (pr.scores[i] - want).abs() <= PAGERANK_ABS,
            "{label}: PageRank of {id}: {} vs networkx {want}",
            pr.scores[i]
        );
    }
    if iterations > 0 {
        // networkx raises PowerIterationFailedConvergence with one iteration fewer.
        let short = PageRank {
            max_iterations: iterations - 1,
            ..PageRank::default()
        };
        assert!(
            matches!(short.run(graph), Err(GraphError::NoConvergence { .. })),
            "{label}: expected NoConvergence with max_iterations = {}",
            iterations - 1
        );
    }

    // Strengths, Tail5, SIS.
    let scores = SystemicImportance::default().run(graph).unwrap();
    assert_eq!(
        scores.pagerank, pr.scores,
        "{label}: SIS uses the same PageRank"
    );
    for (i, id) in ids.iter().enumerate() {
        for (name, actual) in [
            ("in_strength", scores.in_strength[i]),
            ("out_strength", scores.out_strength[i]),
            ("tail5", scores.tail5[i]),
            ("sis", scores.sis[i]),
        ] {
            let want = f(&expected[name][id]);
            assert!(
                close_rel(actual, want),
                "{label}: {name} of {id}: {actual} vs {want}"
            );
        }
    }
    // top-k agrees with a sort of the golden SIS (highest first, ties by node index).
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by(|&a, &b| {
        f(&expected["sis"][ids[b]])
            .total_cmp(&f(&expected["sis"][ids[a]]))
            .then(a.cmp(&b))
    });
    order.truncate(5);
    assert_eq!(scores.top_k(5), order, "{label}: top-5 by SIS");

    // Sector spillovers.
    let s = SectorSpillover::from_graph(graph);
    let want = &expected["spillover"];
    let labels: Vec<&str> = want["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mine: Vec<&str> = s.labels.iter().map(|c| c.name()).collect();
    assert_eq!(mine, labels, "{label}: sector labels");
    for i in 0..SECTORS {
        for j in 0..SECTORS {
            let w = f(&want["matrix"][i][j]);
            assert!(
                close_rel(s.matrix[i][j], w),
                "{label}: S[{i}][{j}] = {} vs {w}",
                s.matrix[i][j]
            );
        }
    }
    for (name, actual) in [("total", s.total), ("index", s.index), ("ratio", s.ratio)] {
        let w = f(&want[name]);
        assert!(
            close_rel(actual, w),
            "{label}: spillover {name}: {actual} vs {w}"
        );
    }
}

#[test]
fn fixtures_match_networkx() {
    let golden = golden();
    assert!(
        golden["networkx"].as_str().unwrap().starts_with("3."),
        "golden values come from networkx 3.x"
    );
    let catalog = catalog();
    let fixtures = golden["fixtures"].as_object().unwrap();
    let mut weeks = 0;
    for name in [
        "small",
        "disconnected",
        "dangling",
        "loops_multi",
        "star",
        "random_sectors",
    ] {
        let series = SnapshotSeries::load(graphs_dir().join(format!("{name}.json"))).unwrap();
        let expected = fixtures[name].as_object().unwrap();
        assert_eq!(series.len(), expected.len(), "{name}: weeks");
        for week in series.iter() {
            let date = week.date.to_string();
            let graph =
                ExposureGraph::from_snapshot(week, series.symbols(), Some(&catalog)).unwrap();
            check_week(&format!("{name} {date}"), &graph, &expected[&date]);
            weeks += 1;
        }
    }
    assert_eq!(weeks, 9);
}

#[test]
fn inline_cases_match_networkx() {
    let golden = golden();
    let catalog = catalog();
    for (name, case) in golden["inline"].as_object().unwrap() {
        let bytes = serde_json::to_vec(&case["file"]).unwrap();
        let series = SeriesLoader::new()
            .load_bytes(&bytes, Path::new(name))
            .unwrap();
        let expected = case["weeks"].as_object().unwrap();
        assert_eq!(series.len(), expected.len(), "{name}: weeks");
        for week in series.iter() {
            let date = week.date.to_string();
            let graph =
                ExposureGraph::from_snapshot(week, series.symbols(), Some(&catalog)).unwrap();
            check_week(&format!("{name} {date}"), &graph, &expected[&date]);
        }
    }
}

/// networkx treats a node whose out-edges all weigh 0 as dangling; so do we.
#[test]
fn zero_weight_rows_are_dangling() {
    let golden = golden();
    let case = &golden["inline"]["zero_weight"];
    let series = SeriesLoader::new()
        .load_bytes(&serde_json::to_vec(&case["file"]).unwrap(), "zero_weight")
        .unwrap();
    let week = series.first().unwrap();
    let graph = ExposureGraph::from_snapshot(week, series.symbols(), None).unwrap();
    let one = graph.index_of_name("1").unwrap();
    assert_eq!(graph.out_degree(one), 2);
    assert_eq!(graph.out_strength(one), 0.0);
    // Same PageRank as when the zero-weight edges are removed altogether.
    let mut pruned = week.clone();
    pruned.links.retain(|l| l.size > 0.0);
    let pruned = ExposureGraph::from_snapshot(&pruned, series.symbols(), None).unwrap();
    let a = PageRank::default().run(&graph).unwrap();
    let b = PageRank::default().run(&pruned).unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-15);
    }
    // Tail5 is 0 without outgoing weight; all TVL 0 gives a 0 TVL term, not NaN.
    let scores = SystemicImportance::default().run(&graph).unwrap();
    assert_eq!(scores.tail5[one], 0.0);
    assert!(scores.tvl_term.iter().all(|&t| t == 0.0));
    assert!(scores.sis.iter().all(|s| s.is_finite()));
}

#[test]
fn empty_graph_gives_empty_results() {
    let symbols = SymbolTable::new();
    let week = Snapshot::new(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
    let graph = ExposureGraph::from_snapshot(&week, &symbols, None).unwrap();
    let pr = PageRank::default().run_detailed(&graph).unwrap();
    assert!(pr.scores.is_empty());
    assert_eq!(pr.iterations, 0);
    let scores = SystemicImportance::default().run(&graph).unwrap();
    assert!(scores.sis.is_empty() && scores.top_k(3).is_empty());
    let s = SectorSpillover::from_graph(&graph);
    assert_eq!((s.total, s.index, s.ratio), (0.0, 0.0, 0.0));
}

#[test]
fn configuration_errors_are_typed() {
    let series = SnapshotSeries::load(graphs_dir().join("small.json")).unwrap();
    let graph =
        ExposureGraph::from_snapshot(series.first().unwrap(), series.symbols(), None).unwrap();
    let bad_alpha = PageRank {
        alpha: -0.1,
        ..PageRank::default()
    };
    assert!(matches!(
        bad_alpha.run(&graph),
        Err(GraphError::InvalidArgument(_))
    ));
    let bad_weights = SystemicImportance {
        weights: SisWeights {
            pagerank: 0.0,
            tail: 0.0,
            tvl: 0.0,
        },
        ..SystemicImportance::default()
    };
    assert!(matches!(
        bad_weights.run(&graph),
        Err(GraphError::InvalidArgument(_))
    ));
    assert!(matches!(
        SystemicImportance::default().with_pagerank(&graph, &[0.5]),
        Err(GraphError::InvalidArgument(_))
    ));
    // Weights are normalised: scaling them changes nothing.
    let pr = PageRank::default().run(&graph).unwrap();
    let a = SystemicImportance::default()
        .with_pagerank(&graph, &pr)
        .unwrap();
    let b = SystemicImportance {
        weights: SisWeights {
            pagerank: 2.0,
            tail: 2.0,
            tvl: 2.0,
        },
        ..SystemicImportance::default()
    }
    .with_pagerank(&graph, &pr)
    .unwrap();
    assert_eq!(a.sis, b.sis);
    // Only the PageRank term: SIS = PR / max PR.
    let only_pr = SystemicImportance {
        weights: SisWeights {
            pagerank: 1.0,
            tail: 0.0,
            tvl: 0.0,
        },
        ..SystemicImportance::default()
    }
    .run(&graph)
    .unwrap();
    let max = pr.iter().copied().fold(0.0, f64::max);
    for (s, p) in only_pr.sis.iter().zip(&pr) {
        assert!((s - p / max).abs() < 1e-15);
    }
}

#[test]
fn serialised_results_name_the_sectors() {
    let series = SnapshotSeries::load(graphs_dir().join("small.json")).unwrap();
    let graph =
        ExposureGraph::from_snapshot(series.first().unwrap(), series.symbols(), Some(&catalog()))
            .unwrap();
    let json = serde_json::to_value(SectorSpillover::from_graph(&graph)).unwrap();
    assert_eq!(json["labels"][0], "Asset Management");
    assert_eq!(json["labels"][6], "Unknown");
    assert_eq!(json["matrix"].as_array().unwrap().len(), SECTORS);
    let scores = serde_json::to_value(SystemicImportance::default().run(&graph).unwrap()).unwrap();
    assert_eq!(scores["protocols"][0], "1");
    assert_eq!(scores["sis"].as_array().unwrap().len(), 8);
    assert_eq!(tail5(&graph), tail_shares(&graph, 5));
}

/// A random week: `n` nodes with TVLs and sectors, links `(source, target, weight)`.
#[derive(Debug, Clone)]
struct RandomWeek {
    tvl: Vec<f64>,
    sectors: Vec<usize>,
    links: Vec<(usize, usize, f64)>,
}

fn random_week() -> impl Strategy<Value = RandomWeek> {
    (1usize..14).prop_flat_map(|n| {
        let weight = prop_oneof![
            1 => Just(0.0),
            4 => 0.0f64..1e6,
            1 => 1e-9f64..1e-3,
        ];
        let tvl = prop_oneof![1 => Just(0.0), 3 => 0.0f64..1e12];
        (
            prop::collection::vec(tvl, n),
            prop::collection::vec(0usize..SECTORS, n),
            prop::collection::vec((0..n, 0..n, weight), 0..40),
        )
            .prop_map(|(tvl, sectors, links)| RandomWeek {
                tvl,
                sectors,
                links,
            })
    })
}

fn build(week: &RandomWeek) -> ExposureGraph {
    let mut symbols = SymbolTable::new();
    let mut snapshot = Snapshot::new(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
    let mut catalog = ProtocolCatalog::new();
    let ids: Vec<_> = (0..week.tvl.len())
        .map(|i| symbols.intern_protocol(&format!("p{i}")))
        .collect();
    for (i, (&id, &size)) in ids.iter().zip(&week.tvl).enumerate() {
        let composition = snapshot.push_composition([]);
        snapshot.nodes.push(Node {
            id,
            size,
            composition,
        });
        catalog.insert(
            format!("p{i}"),
            ProtocolInfo {
                name: format!("P{i}"),
                category: BroadCategory::ALL[week.sectors[i]],
                detailed_category: None,
            },
        );
    }
    for &(s, t, w) in &week.links {
        let composition = snapshot.push_composition([]);
        snapshot.links.push(Link {
            source: ids[s],
            target: ids[t],
            size: w,
            composition,
        });
    }
    ExposureGraph::from_snapshot(&snapshot, &symbols, Some(&catalog)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn pagerank_is_a_distribution(week in random_week()) {
        let graph = build(&week);
        let pr = PageRank::default().run(&graph).unwrap();
        prop_assert_eq!(pr.len(), graph.node_count());
        prop_assert!(pr.iter().all(|&p| p >= 0.0 && p.is_finite()));
        prop_assert!((pr.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn sis_and_tail5_are_in_unit_interval(
        week in random_week(),
        w in (0.0f64..5.0, 0.0f64..5.0, 0.01f64..5.0),
    ) {
        let graph = build(&week);
        let config = SystemicImportance {
            weights: SisWeights { pagerank: w.0, tail: w.1, tvl: w.2 },
            ..SystemicImportance::default()
        };
        for scores in [SystemicImportance::default().run(&graph).unwrap(), config.run(&graph).unwrap()] {
            prop_assert!(scores.sis.iter().all(|s| (0.0..=1.0).contains(s)));
            prop_assert!(scores.tail5.iter().all(|s| (0.0..=1.0).contains(s)));
            prop_assert!(scores.pagerank_term.iter().all(|s| (0.0..=1.0).contains(s)));
            prop_assert!(scores.tvl_term.iter().all(|s| (0.0..=1.0).contains(s)));
            let top = scores.top_k(3);
            prop_assert_eq!(top.len(), graph.node_count().min(3));
            prop_assert!(top.windows(2).all(|p| scores.sis[p[0]] >= scores.sis[p[1]]));
        }
    }

    #[test]
    fn spillover_shares_sum_to_one(week in random_week()) {
        let graph = build(&week);
        let s = SectorSpillover::from_graph(&graph);
        let all: f64 = s.matrix.iter().flatten().sum();
        let links: f64 = week.links.iter().map(|l| l.2).sum();
        prop_assert!((all - links).abs() <= 1e-9 * links.max(1.0));
        prop_assert!((0.0..=1.0 + 1e-12).contains(&s.ratio));
        prop_assert!((0.0..=1.0 + 1e-12).contains(&s.index));
        if s.total > 0.0 {
            let shares = s.shares();
            let sum: f64 = shares.iter().flatten().sum();
            prop_assert!((sum - 1.0).abs() < 1e-9);
            prop_assert!((0..SECTORS).all(|i| shares[i][i] == 0.0));
            // HHI of the off-diagonal shares.
            let hhi: f64 = shares.iter().flatten().map(|x| x * x).sum();
            prop_assert!((hhi - s.index).abs() < 1e-9);
        } else {
            prop_assert_eq!((s.index, s.ratio), (0.0, 0.0));
        }
    }
}

/// One week from inline JSON: nodes 1–4 (TVL 1 each) and `links` as (source, target, size).
fn week_graph(links: &[(&str, &str, f64)]) -> ExposureGraph {
    let links: Vec<String> = links
        .iter()
        .map(|(s, t, w)| {
            format!(r#"{{"source": "{s}", "target": "{t}", "size": {w}, "composition": {{}}}}"#)
        })
        .collect();
    let nodes: Vec<String> = (1..=4)
        .map(|i| format!(r#"{{"id": "{i}", "size": 1.0, "composition": {{}}}}"#))
        .collect();
    let json = format!(
        r#"{{"data": {{"2024-01-01": {{"nodes": [{}], "links": [{}]}}}}}}"#,
        nodes.join(", "),
        links.join(", ")
    );
    let series = dexposure_snapshot::SeriesLoader::new()
        .load_bytes(json.as_bytes(), "inline.json")
        .expect("inline week");
    ExposureGraph::from_snapshot(series.first().expect("a week"), series.symbols(), None)
        .expect("graph")
}

#[test]
fn pagerank_can_leave_self_loops_out() {
    let others = [
        ("1", "2", 2.0),
        ("2", "3", 1.0),
        ("2", "4", 3.0),
        ("4", "1", 1.0),
    ];
    let mut with_loops = others.to_vec();
    // node 3's only out-link is a self-loop; node 1 holds some of its own token too
    with_loops.extend([("3", "3", 5.0), ("1", "1", 4.0)]);
    let looped = week_graph(&with_loops);
    let plain = week_graph(&others);
    assert_eq!(looped.name(2), "3");
    let keep = PageRank::default().run(&looped).expect("keep");
    let exclude = PageRank {
        self_loops: SelfLoops::Exclude,
        ..PageRank::default()
    };
    // leaving the self-loops out is removing them from the graph, to the last bit
    assert_eq!(
        exclude.run(&looped).expect("exclude"),
        PageRank::default().run(&plain).expect("plain")
    );
    // kept, node 3's self-loop traps the mass that reaches it
    let excluded = exclude.run(&looped).expect("exclude");
    assert!(keep[2] > excluded[2] + 0.1, "{keep:?} vs {excluded:?}");
    assert!((keep.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // the default and its serialised form are unchanged (old configurations still load)
    let old: PageRank =
        serde_json::from_str(r#"{"alpha": 0.85, "tolerance": 1e-6, "max_iterations": 100}"#)
            .expect("old configuration");
    assert_eq!(old, PageRank::default());
}
