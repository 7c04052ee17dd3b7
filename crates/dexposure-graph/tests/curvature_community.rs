//! Golden-value and property tests of `curvature` and `community`.
//!
//! Golden values: `tests/golden/curvature_community.json`, written by
//! `tests/golden/curvature_community.py` (networkx, POT's `ot.emd2`, the `infomap` package).

use std::path::{Path, PathBuf};

use dexposure_graph::ExposureGraph;
use dexposure_graph::community::{
    InfomapOptions, LouvainOptions, codelength, infomap, louvain, modularity,
};
use dexposure_graph::curvature::{
    CurvatureOptions, NeighbourMeasure, ollivier_ricci, transport_cost,
};
use dexposure_snapshot::{SeriesLoader, SnapshotSeries};
use proptest::prelude::*;
use serde_json::Value;

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn golden() -> Value {
    let path = tests_dir().join("golden/curvature_community.json");
    let text = std::fs::read_to_string(&path).expect("golden file");
    serde_json::from_str(&text).expect("golden json")
}

fn load_case(case: &Value) -> ExposureGraph {
    let fixture = case["fixture"].as_str().expect("fixture");
    let date = case["date"].as_str().expect("date");
    let series = SnapshotSeries::load(tests_dir().join("data").join(fixture)).expect("fixture");
    let week = series
        .iter()
        .find(|w| w.date.to_string() == date)
        .expect("week");
    let graph = ExposureGraph::from_snapshot(week, series.symbols(), None).expect("graph");
    assert_eq!(
        graph.node_count() as u64,
        case["nodes"].as_u64().expect("nodes")
    );
    assert_eq!(
        graph.distinct_edge_count() as u64,
        case["distinct_links"].as_u64().expect("links")
    );
    graph
}

fn cases() -> Vec<(Value, ExposureGraph)> {
    let g = golden();
    g["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| (c.clone(), load_case(c)))
        .collect()
}

fn label(case: &Value) -> String {
    format!("{} {}", case["fixture"], case["date"])
}

fn as_usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("integer") as usize)
        .collect()
}

// ------------------------------------------------------------------------------------------
// Curvature

#[test]
fn curvature_matches_pot_emd2() {
    let settings = [
        ("curvature_weighted", 0.5, NeighbourMeasure::Weighted),
        ("curvature_uniform", 0.5, NeighbourMeasure::Uniform),
        (
            "curvature_weighted_alpha_0_2",
            0.2,
            NeighbourMeasure::Weighted,
        ),
    ];
    let mut checked = 0;
    for (case, graph) in cases() {
        for (key, alpha, measure) in settings {
            let options = CurvatureOptions { alpha, measure };
            let result = ollivier_ricci(&graph, &options).expect("curvature");
            let expected = case[key].as_array().expect("curvature list");
            assert_eq!(result.edges.len(), expected.len(), "{} {key}", label(&case));
            for (edge, want) in result.edges.iter().zip(expected) {
                let want = want.as_array().expect("triple");
                assert_eq!(edge.source as u64, want[0].as_u64().expect("u"));
                assert_eq!(edge.target as u64, want[1].as_u64().expect("v"));
                let k = want[2].as_f64().expect("kappa");
                assert!(
                    (edge.curvature - k).abs() < 1e-9,
                    "{} {key} edge ({}, {}): {} vs {}",
                    label(&case),
                    edge.source,
                    edge.target,
                    edge.curvature,
                    k
                );
                checked += 1;
            }
            if let Some(mean) = result.mean {
                let m = expected
                    .iter()
                    .map(|t| t[2].as_f64().expect("kappa"))
                    .sum::<f64>()
                    / expected.len() as f64;
                assert!((mean - m).abs() < 1e-9);
            }
        }
    }
    assert!(checked > 3000, "only {checked} edges checked");
}

#[test]
fn transport_cost_matches_pot_emd2() {
    let g = golden();
    for (k, case) in g["emd"].as_array().expect("emd").iter().enumerate() {
        let floats = |v: &Value| -> Vec<f64> {
            v.as_array()
                .expect("array")
                .iter()
                .map(|x| x.as_f64().expect("float"))
                .collect()
        };
        let supply = floats(&case["supply"]);
        let demand = floats(&case["demand"]);
        let cost: Vec<i64> = case["cost"]
            .as_array()
            .expect("cost")
            .iter()
            .flat_map(|row| {
                row.as_array()
                    .expect("row")
                    .iter()
                    .map(|c| c.as_i64().expect("int"))
                    .collect::<Vec<_>>()
            })
            .collect();
        let w = transport_cost(&supply, &demand, &cost).expect("emd");
        let want = case["value"].as_f64().expect("value");
        assert!((w - want).abs() < 1e-12, "case {k}: {w} vs {want}");
    }
}

// ------------------------------------------------------------------------------------------
// Louvain and modularity

#[test]
fn modularity_matches_networkx() {
    let mut checked = 0;
    for (case, graph) in cases() {
        let und = graph.undirected();
        for p in case["modularity"].as_array().expect("partitions") {
            let membership = as_usizes(&p["membership"]);
            let want = p["modularity"].as_f64().expect("q");
            let q = modularity(&und, &membership, 1.0).expect("modularity");
            assert!((q - want).abs() < 1e-12, "{}: {q} vs {want}", label(&case));
            checked += 1;
        }
    }
    assert!(checked >= 50, "{checked}");
}

#[test]
fn louvain_reaches_networkx_quality() {
    for (case, graph) in cases() {
        let result = louvain(&graph, &LouvainOptions::default()).expect("louvain");
        assert_eq!(result.membership.len(), graph.node_count());
        let q = modularity(&graph.undirected(), &result.membership, 1.0).expect("q");
        assert_eq!(q, result.modularity);
        if let Some(nx) = case["nx_louvain_modularity"].as_f64() {
            eprintln!("{}: louvain {:.6} networkx {:.6}", label(&case), q, nx);
            assert!(q >= 0.97 * nx, "{}: {q} < 0.97 × {nx}", label(&case));
        }
        if let Some(planted) = case.get("planted") {
            assert_eq!(result.membership, as_usizes(planted), "{}", label(&case));
        }
    }
}

// ------------------------------------------------------------------------------------------
// Infomap and the map equation

#[test]
fn map_equation_matches_infomap_package() {
    let options = InfomapOptions::default();
    for (case, graph) in cases() {
        let membership = as_usizes(&case["infomap_membership"]);
        let want = case["infomap_codelength"].as_f64().expect("codelength");
        let l = codelength(&graph, &membership, &options).expect("codelength");
        assert!(
            (l - want).abs() < 1e-6,
            "{}: {l} vs package {want}",
            label(&case)
        );
        for p in case["codelengths"].as_array().expect("partitions") {
            let membership = as_usizes(&p["membership"]);
            let want = p["codelength"].as_f64().expect("codelength");
            let l = codelength(&graph, &membership, &options).expect("codelength");
            assert!((l - want).abs() < 1e-9, "{}: {l} vs {want}", label(&case));
        }
        let result = infomap(&graph, &options).expect("infomap");
        for (q, want) in result
            .node_flow
            .iter()
            .zip(case["node_flow"].as_array().expect("flow"))
        {
            assert!((q - want.as_f64().expect("flow")).abs() < 1e-9);
        }
    }
}

#[test]
fn infomap_reaches_package_quality() {
    let options = InfomapOptions::default();
    for (case, graph) in cases() {
        let result = infomap(&graph, &options).expect("infomap");
        let package = case["infomap_codelength"].as_f64().expect("codelength");
        eprintln!(
            "{}: infomap {:.6} ({} modules) package {:.6} ({} modules)",
            label(&case),
            result.codelength,
            result.num_modules,
            package,
            case["infomap_modules"]
        );
        let again = codelength(&graph, &result.membership, &options).expect("codelength");
        assert!((again - result.codelength).abs() < 1e-12);
        assert!(
            (result.index_codelength + result.module_codelength - result.codelength).abs() < 1e-12
        );
        assert!(result.codelength <= result.one_level_codelength + 1e-12);
        assert!(
            result.codelength <= package * 1.02,
            "{}: {} > 1.02 × {package}",
            label(&case),
            result.codelength
        );
        if let Some(planted) = case.get("planted") {
            assert_eq!(result.membership, as_usizes(planted), "{}", label(&case));
        }
    }
}

// ------------------------------------------------------------------------------------------
// Properties on random graphs

/// A one-week graph over nodes "0".."n-1" with the given links.
fn graph_of(n: usize, links: &[(usize, usize, f64)]) -> ExposureGraph {
    let nodes: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id": "{i}", "size": 1.0, "composition": {{"T": 1.0}}}}"#))
        .collect();
    let links: Vec<String> = links
        .iter()
        .map(|(s, t, w)| {
            format!(
                r#"{{"source": "{s}", "target": "{t}", "size": {w:?}, "composition": {{"T": {w:?}}}}}"#
            )
        })
        .collect();
    let json = format!(
        r#"{{"data": {{"2024-01-01": {{"nodes": [{}], "links": [{}]}}}}}}"#,
        nodes.join(","),
        links.join(",")
    );
    let series = SeriesLoader::new()
        .load_bytes(json.as_bytes(), "random.json")
        .expect("series");
    let week = series.first().expect("week");
    ExposureGraph::from_snapshot(week, series.symbols(), None).expect("graph")
}

/// κ of every edge from the definition: full supports, BFS distances, the plain solver.
fn brute_force_curvature(
    graph: &ExposureGraph,
    options: &CurvatureOptions,
) -> Vec<(usize, usize, f64)> {
    let und = graph.undirected();
    let n = graph.node_count();
    let nbrs: Vec<Vec<(usize, f64)>> = (0..n)
        .map(|x| und.row(x).filter(|&(y, _)| y != x).collect())
        .collect();
    let bfs = |s: usize| {
        let mut d = vec![i64::MAX; n];
        d[s] = 0;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            for &(v, _) in &nbrs[u] {
                if d[v] == i64::MAX {
                    d[v] = d[u] + 1;
                    queue.push_back(v);
                }
            }
        }
        d
    };
    let dist: Vec<Vec<i64>> = (0..n).map(bfs).collect();
    let measure = |x: usize| -> Vec<(usize, f64)> {
        let total: f64 = nbrs[x].iter().map(|p| p.1).sum();
        let k = nbrs[x].len() as f64;
        let mut m: Vec<(usize, f64)> = nbrs[x]
            .iter()
            .map(|&(z, w)| {
                let share = match options.measure {
                    NeighbourMeasure::Weighted if total > 0.0 => w / total,
                    _ => 1.0 / k,
                };
                (z, (1.0 - options.alpha) * share)
            })
            .collect();
        m.push((x, options.alpha));
        m
    };
    let mut out = Vec::new();
    for (x, around) in nbrs.iter().enumerate() {
        for &(y, _) in around {
            if y < x {
                continue;
            }
            let (a, b) = (measure(x), measure(y));
            let cost: Vec<i64> = a
                .iter()
                .flat_map(|&(p, _)| b.iter().map(|&(q, _)| dist[p][q]).collect::<Vec<_>>())
                .collect();
            let supply: Vec<f64> = a.iter().map(|p| p.1).collect();
            let demand: Vec<f64> = b.iter().map(|p| p.1).collect();
            let w1 = transport_cost(&supply, &demand, &cost).expect("w1");
            out.push((x, y, 1.0 - w1));
        }
    }
    out
}

fn check_labels(membership: &[usize], k: usize, n: usize) {
    assert_eq!(membership.len(), n);
    let mut used = vec![false; k];
    for &m in membership {
        assert!(m < k, "label {m} ≥ {k}");
        used[m] = true;
    }
    assert!(used.iter().all(|&u| u), "labels not 0..{k}");
    // first appearance order
    let mut next = 0;
    for &m in membership {
        assert!(m <= next);
        if m == next {
            next += 1;
        }
    }
}

fn random_links() -> impl Strategy<Value = (usize, Vec<(usize, usize, f64)>)> {
    (1usize..24).prop_flat_map(|n| {
        let link = (
            0..n,
            0..n,
            prop_oneof![Just(0.0), 0.01f64..1000.0, Just(1.0)],
        );
        (Just(n), proptest::collection::vec(link, 0..(3 * n + 2)))
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn curvature_is_bounded_and_matches_the_definition(
        (n, links) in random_links(),
        alpha in 0.0f64..=1.0,
        uniform in any::<bool>(),
    ) {
        let graph = graph_of(n, &links);
        let measure = if uniform { NeighbourMeasure::Uniform } else { NeighbourMeasure::Weighted };
        let options = CurvatureOptions { alpha, measure };
        let result = ollivier_ricci(&graph, &options).expect("curvature");
        let expected = brute_force_curvature(&graph, &options);
        prop_assert_eq!(result.edges.len(), expected.len());
        for (e, (x, y, k)) in result.edges.iter().zip(expected) {
            prop_assert!(e.curvature.is_finite());
            prop_assert!((-2.0 - 1e-12..=1.0 + 1e-12).contains(&e.curvature), "{}", e.curvature);
            prop_assert_eq!((e.source, e.target), (x, y));
            prop_assert!((e.curvature - k).abs() < 1e-9, "({}, {}): {} vs {}", x, y, e.curvature, k);
        }
        prop_assert_eq!(result.node_mean.len(), n);
        prop_assert_eq!(result.mean.is_some(), !result.edges.is_empty());
        prop_assert_eq!(&ollivier_ricci(&graph, &options).expect("again"), &result);
    }

    #[test]
    fn louvain_partitions_are_well_formed(
        (n, links) in random_links(),
        seed in any::<u64>(),
    ) {
        let graph = graph_of(n, &links);
        let options = LouvainOptions { seed, trials: 2, ..LouvainOptions::default() };
        let result = louvain(&graph, &options).expect("louvain");
        check_labels(&result.membership, result.num_communities, n);
        prop_assert!((-0.5 - 1e-12..=1.0).contains(&result.modularity), "{}", result.modularity);
        let q = modularity(&graph.undirected(), &result.membership, 1.0).expect("q");
        prop_assert_eq!(q, result.modularity);
        // never worse than all-in-one (Q = 0) by more than rounding
        prop_assert!(result.modularity >= -1e-12);
        prop_assert_eq!(&louvain(&graph, &options).expect("again"), &result);
    }

    #[test]
    fn infomap_partitions_are_well_formed(
        (n, links) in random_links(),
        seed in any::<u64>(),
    ) {
        let graph = graph_of(n, &links);
        let options = InfomapOptions { seed, trials: 3, ..InfomapOptions::default() };
        let result = infomap(&graph, &options).expect("infomap");
        check_labels(&result.membership, result.num_modules, n);
        prop_assert!(result.codelength.is_finite() && result.codelength >= -1e-12);
        prop_assert!(result.codelength <= result.one_level_codelength + 1e-12);
        let flow: f64 = result.node_flow.iter().sum();
        prop_assert!(flow == 0.0 || (flow - 1.0).abs() < 1e-9, "{}", flow);
        let l = codelength(&graph, &result.membership, &options).expect("codelength");
        prop_assert!((l - result.codelength).abs() < 1e-12);
        prop_assert_eq!(&infomap(&graph, &options).expect("again"), &result);
    }
}

#[test]
fn results_are_deterministic_and_serializable() {
    let (case, graph) = cases()
        .into_iter()
        .find(|(c, _)| c["fixture"] == "community/hubs.json")
        .expect("hubs fixture");
    let c1 = ollivier_ricci(&graph, &CurvatureOptions::default()).expect("curvature");
    let c2 = ollivier_ricci(&graph, &CurvatureOptions::default()).expect("curvature");
    assert_eq!(c1, c2);
    let l1 = louvain(&graph, &LouvainOptions::default()).expect("louvain");
    assert_eq!(
        l1,
        louvain(&graph, &LouvainOptions::default()).expect("louvain")
    );
    let i1 = infomap(&graph, &InfomapOptions::default()).expect("infomap");
    assert_eq!(
        i1,
        infomap(&graph, &InfomapOptions::default()).expect("infomap")
    );
    let other = InfomapOptions {
        seed: 99,
        ..InfomapOptions::default()
    };
    assert_eq!(
        infomap(&graph, &other).expect("infomap").membership.len(),
        graph.node_count()
    );
    for json in [
        serde_json::to_string(&c1).expect("json"),
        serde_json::to_string(&l1).expect("json"),
        serde_json::to_string(&i1).expect("json"),
    ] {
        assert!(json.len() > 10, "{}", label(&case));
    }
    // serde_json's default float parser may differ from the written value in the last bit
    let back: dexposure_graph::community::InfomapResult =
        serde_json::from_str(&serde_json::to_string(&i1).expect("json")).expect("parse");
    assert_eq!(back.membership, i1.membership);
    assert!((back.codelength - i1.codelength).abs() < 1e-14);
}
