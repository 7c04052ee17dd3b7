//! Whole-network metrics against networkx golden values (tests/golden/network_metrics.py), the
//! CSV / JSON writers of the metric table, week-to-week overlaps, and property tests on random
//! small graphs checked against brute-force references.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use dexposure_graph::network::average_harmonic_closeness;
use dexposure_graph::temporal::overlap_series;
use dexposure_graph::{ExposureGraph, GraphError, MetricOptions, MetricTable, NetworkMetrics};
use dexposure_snapshot::{
    BroadCategory, Link, NaiveDate, Node, ProtocolCatalog, ProtocolInfo, SeriesLoader, Snapshot,
    SnapshotSeries, SymbolTable,
};
use proptest::prelude::*;
use serde_json::Value;

/// Relative tolerance for every golden comparison (no metric here is iterative).
const REL: f64 = 1e-12;
/// Absolute floor, for values that are 0 up to rounding.
const ABS: f64 = 1e-15;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn graphs_dir() -> PathBuf {
    crate_dir().join("tests/data/graphs")
}

fn golden() -> Value {
    let path = crate_dir().join("tests/golden/network_metrics.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn catalog() -> ProtocolCatalog {
    ProtocolCatalog::from_id_to_info(graphs_dir().join("categories.json")).unwrap()
}

fn close(actual: f64, expected: f64, rel: f64) -> bool {
    actual == expected || (actual - expected).abs() <= rel * actual.abs().max(expected.abs()) + ABS
}

/// A unique scratch directory under the system temp dir.
fn scratch_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "dexposure-network-metrics-{tag}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The series of one golden case, loaded the way the script reads it.
fn case_series(golden: &Value, name: &str) -> SnapshotSeries {
    let case = &golden["fixtures"][name];
    match case["file"].as_str() {
        Some(file) => SnapshotSeries::load(graphs_dir().join(format!("{file}.json"))).unwrap(),
        None => {
            let data = serde_json::json!({ "data": golden["inline"][name] });
            let bytes = serde_json::to_vec(&data).unwrap();
            SeriesLoader::new()
                .load_bytes(&bytes, format!("{name}.json"))
                .unwrap()
        }
    }
}

fn case_names(golden: &Value) -> Vec<String> {
    golden["fixtures"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn every_metric_matches_networkx() {
    let golden = golden();
    let catalog = catalog();
    let names = case_names(&golden);
    assert!(names.len() >= 13, "{names:?}");
    let mut compared = 0;
    for name in &names {
        let case = &golden["fixtures"][name.as_str()];
        let series = case_series(&golden, name);
        let cat = case["catalog"].as_bool().unwrap().then_some(&catalog);
        let table = MetricTable::compute_with(&series, cat, MetricOptions::all()).unwrap();
        let weeks = case["weeks"].as_array().unwrap();
        assert_eq!(table.rows.len(), weeks.len(), "{name}");
        for (row, want) in table.rows.iter().zip(weeks) {
            let got = serde_json::to_value(row).unwrap();
            let (got, want) = (got.as_object().unwrap(), want.as_object().unwrap());
            let mut got_keys: Vec<_> = got.keys().collect();
            let mut want_keys: Vec<_> = want.keys().collect();
            got_keys.sort();
            want_keys.sort();
            assert_eq!(
                got_keys, want_keys,
                "{name}: fields differ from the golden file"
            );
            for (key, expected) in want {
                let actual = &got[key];
                let at = format!("{name} {} {key}", row.date);
                if let Some(e) = expected.as_f64().filter(|_| !expected.is_string()) {
                    let a = actual.as_f64().unwrap_or_else(|| panic!("{at}: {actual}"));
                    assert!(close(a, e, REL), "{at}: rust {a:e} vs networkx {e:e}");
                } else {
                    assert_eq!(actual, expected, "{at}");
                }
                compared += 1;
            }
        }
        // The default computation is the same minus closeness.
        let default = MetricTable::compute(&series, cat).unwrap();
        for (a, b) in default.rows.iter().zip(&table.rows) {
            assert_eq!(a.avg_harmonic_closeness, None);
            let mut b = b.clone();
            b.avg_harmonic_closeness = None;
            assert_eq!(a, &b);
        }
    }
    // 13 single-week cases and 3 more weeks of random_sectors, every field
    assert_eq!(compared, 16 * NetworkMetrics::COLUMNS.len());
}

#[test]
fn overlaps_match_the_script() {
    let golden = golden();
    let series = SnapshotSeries::load(graphs_dir().join("random_sectors.json")).unwrap();
    for (h, want) in golden["overlaps"]["random_sectors"].as_object().unwrap() {
        let h: usize = h.parse().unwrap();
        let got = overlap_series(&series, h).unwrap();
        let want = want.as_array().unwrap();
        assert_eq!(got.len(), want.len());
        assert_eq!(got.len(), series.len() - h);
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.from.to_string(), w["from"].as_str().unwrap());
            assert_eq!(g.to.to_string(), w["to"].as_str().unwrap());
            for (a, key) in [
                (g.overlap.nodes, "nodes"),
                (g.overlap.directed_links, "directed_links"),
                (g.overlap.undirected_pairs, "undirected_pairs"),
            ] {
                assert!(close(a, w[key].as_f64().unwrap(), REL), "h={h} {key}");
            }
        }
    }
    assert!(overlap_series(&series, 4).unwrap().is_empty());
    assert!(matches!(
        overlap_series(&series, 0),
        Err(GraphError::InvalidArgument(_))
    ));
    let json = serde_json::to_value(overlap_series(&series, 1).unwrap()).unwrap();
    assert_eq!(json[0]["from"], "2024-01-01");
    assert!(
        json[0]["directed_links"].is_f64(),
        "overlap fields are flattened"
    );
}

/// Splits RFC 4180 text into records (handles quoted fields; CRLF line ends).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    assert!(text.ends_with("\r\n"));
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => assert_eq!(chars.next(), Some('\n')),
            (false, '\n') => panic!("bare LF"),
            (false, c) => field.push(c),
        }
        if !quoted && c == '\r' {
            record.push(std::mem::take(&mut field));
            records.push(std::mem::take(&mut record));
        }
    }
    records
}

#[test]
fn csv_and_json_round_trip() {
    let series = SnapshotSeries::load(graphs_dir().join("random_sectors.json")).unwrap();
    let catalog = catalog();
    for options in [MetricOptions::default(), MetricOptions::all()] {
        let table = MetricTable::compute_with(&series, Some(&catalog), options).unwrap();
        let dir = scratch_dir("roundtrip");
        let (csv_path, json_path) = (dir.join("metrics.csv"), dir.join("metrics.json"));
        table.write_csv(&csv_path).unwrap();
        table.write_json(&json_path).unwrap();

        // CSV: header = the field names, one row per week, every cell reads back exactly.
        let text = std::fs::read_to_string(&csv_path).unwrap();
        assert_eq!(text, table.to_csv());
        let records = parse_csv(&text);
        assert_eq!(records.len(), series.len() + 1);
        assert_eq!(records[0], NetworkMetrics::COLUMNS);
        for (record, row) in records[1..].iter().zip(&table.rows) {
            let value = serde_json::to_value(row).unwrap();
            for (column, cell) in NetworkMetrics::COLUMNS.iter().zip(record) {
                match &value[*column] {
                    Value::String(s) => assert_eq!(cell, s),
                    Value::Null => assert_eq!(cell, "", "{column}"),
                    Value::Number(x) if x.is_u64() => {
                        assert_eq!(cell.parse::<u64>().unwrap(), x.as_u64().unwrap())
                    }
                    Value::Number(x) => {
                        assert_eq!(
                            cell.parse::<f64>().unwrap(),
                            x.as_f64().unwrap(),
                            "{column}"
                        )
                    }
                    other => panic!("{column}: {other}"),
                }
            }
        }
        assert_eq!(records[1][0], "2024-01-01");
        let closeness = NetworkMetrics::COLUMNS
            .iter()
            .position(|c| *c == "avg_harmonic_closeness")
            .unwrap();
        assert_eq!(
            records[1][closeness].is_empty(),
            !options.harmonic_closeness
        );

        // JSON: an array of flat rows that reads back into the same table (serde_json's
        // default float parser may be off by one ulp, hence the tolerance).
        let text = std::fs::read_to_string(&json_path).unwrap();
        let raw: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(raw.as_array().unwrap().len(), series.len());
        assert_eq!(raw[0]["date"], "2024-01-01");
        let back: MetricTable = serde_json::from_str(&text).unwrap();
        assert_eq!(back.rows.len(), table.rows.len());
        for (a, b) in back.rows.iter().zip(&table.rows) {
            let (va, vb) = (
                serde_json::to_value(a).unwrap(),
                serde_json::to_value(b).unwrap(),
            );
            for column in NetworkMetrics::COLUMNS {
                match (va[*column].as_f64(), vb[*column].as_f64()) {
                    (Some(x), Some(y)) => assert!(close(x, y, 1e-15), "{column}"),
                    _ => assert_eq!(va[*column], vb[*column], "{column}"),
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn writers_report_io_errors_with_the_path() {
    let table = MetricTable::default();
    let missing = scratch_dir("io").join("no/such/dir/metrics.csv");
    match table.write_csv(&missing) {
        Err(GraphError::Io { path, .. }) => assert!(path.ends_with("metrics.csv")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        table.write_json(missing.with_extension("json")),
        Err(GraphError::Io { .. })
    ));
    assert_eq!(table.to_csv().lines().count(), 1, "header only");
    assert_eq!(table.to_json(), "[]");
}

#[test]
fn graph_and_week_must_match() {
    let series = SnapshotSeries::load(graphs_dir().join("random_sectors.json")).unwrap();
    let weeks = series.snapshots();
    let graph = ExposureGraph::from_snapshot(&weeks[0], series.symbols(), None).unwrap();
    assert!(NetworkMetrics::compute(&graph, &weeks[0]).is_ok());
    assert!(matches!(
        NetworkMetrics::compute(&graph, &weeks[1]),
        Err(GraphError::InvalidArgument(_))
    ));
    let mut bad = weeks[0].clone();
    bad.nodes[3].size = f64::NAN;
    let graph = ExposureGraph::from_snapshot(&bad, series.symbols(), None).unwrap();
    assert!(NetworkMetrics::compute(&graph, &bad).is_err());
}

// ---------------------------------------------------------------------------------------------
// Property tests on random small graphs, against brute-force references.
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Random {
    week: Snapshot,
    symbols: SymbolTable,
    catalog: ProtocolCatalog,
    n: usize,
    links: Vec<(usize, usize, f64)>,
}

fn random_graph() -> impl Strategy<Value = Random> {
    (0usize..12)
        .prop_flat_map(|n| {
            let link = (
                0..n.max(1),
                0..n.max(1),
                prop_oneof![Just(0.0), 0.0f64..1e6],
            );
            let links = if n == 0 {
                proptest::collection::vec(link, 0..1).boxed()
            } else {
                proptest::collection::vec(link, 0..40).boxed()
            };
            let tvl = proptest::collection::vec(prop_oneof![Just(0.0), 0.0f64..1e9], n);
            let cats = proptest::collection::vec(0usize..BroadCategory::ALL.len(), n);
            (Just(n), links, tvl, cats)
        })
        .prop_map(|(n, links, tvl, cats)| {
            let mut symbols = SymbolTable::new();
            let mut week = Snapshot::new(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
            let mut catalog = ProtocolCatalog::new();
            let ids: Vec<_> = (0..n)
                .map(|i| symbols.intern_protocol(&format!("p{i}")))
                .collect();
            for i in 0..n {
                let composition = week.push_composition([]);
                week.nodes.push(Node {
                    id: ids[i],
                    size: tvl[i],
                    composition,
                });
                catalog.insert(
                    format!("p{i}"),
                    ProtocolInfo {
                        name: String::new(),
                        category: BroadCategory::ALL[cats[i]],
                        detailed_category: None,
                    },
                );
            }
            let links: Vec<_> = if n == 0 { Vec::new() } else { links };
            for &(s, t, size) in &links {
                let composition = week.push_composition([]);
                week.links.push(Link {
                    source: ids[s],
                    target: ids[t],
                    size,
                    composition,
                });
            }
            Random {
                week,
                symbols,
                catalog,
                n,
                links,
            }
        })
}

/// Reachability matrix (reflexive) of the distinct directed pairs.
fn reach(n: usize, adj: &[Vec<bool>]) -> Vec<Vec<bool>> {
    let mut r: Vec<Vec<bool>> = (0..n)
        .map(|i| (0..n).map(|j| i == j || adj[i][j]).collect())
        .collect();
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                if r[i][k] && r[k][j] {
                    r[i][j] = true;
                }
            }
        }
    }
    r
}

/// Hop distances (usize::MAX when unreachable), by BFS on the adjacency matrix.
fn distances(n: usize, adj: &[Vec<bool>]) -> Vec<Vec<usize>> {
    (0..n)
        .map(|s| {
            let mut d = vec![usize::MAX; n];
            d[s] = 0;
            let mut frontier = vec![s];
            let mut depth = 0;
            while !frontier.is_empty() {
                depth += 1;
                let mut next = Vec::new();
                for &u in &frontier {
                    for v in 0..n {
                        if adj[u][v] && d[v] == usize::MAX {
                            d[v] = depth;
                            next.push(v);
                        }
                    }
                }
                frontier = next;
            }
            d
        })
        .collect()
}

fn pearson(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    let (mx, my) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let cov: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let vx: f64 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let vy: f64 = pairs.iter().map(|p| (p.1 - my).powi(2)).sum();
    if pairs.is_empty() || vx == 0.0 || vy == 0.0 {
        0.0
    } else {
        cov / (vx * vy).sqrt()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_graphs_are_bounded_and_match_brute_force(g in random_graph()) {
        let m = NetworkMetrics::of_week(&g.week, &g.symbols, Some(&g.catalog), MetricOptions::all())
            .unwrap();
        let n = g.n;
        let value = serde_json::to_value(&m).unwrap();
        for (key, v) in value.as_object().unwrap() {
            if let Some(x) = v.as_f64() {
                prop_assert!(x.is_finite(), "{key} = {x}");
            }
        }
        prop_assert_eq!((m.nodes, m.links), (n, g.links.len()));

        let simple = {
            let mut pairs: Vec<_> = g.links.iter().map(|&(s, t, _)| (s, t)).collect();
            pairs.sort_unstable();
            pairs.dedup();
            pairs.len() == g.links.len() && g.links.iter().all(|&(s, t, _)| s != t)
        };
        prop_assert!(m.density >= 0.0);
        if simple {
            prop_assert!(m.density <= 1.0);
            for c in [m.in_degree_centralization, m.out_degree_centralization, m.degree_centralization] {
                prop_assert!((0.0..=1.0 + 1e-12).contains(&c), "centralization {}", c);
            }
        }
        if n > 1 {
            prop_assert!(close(m.density, g.links.len() as f64 / (n * (n - 1)) as f64, 1e-15));
        }
        let unit = [
            ("in_degree_gini", m.in_degree_gini), ("out_degree_gini", m.out_degree_gini),
            ("degree_gini", m.degree_gini), ("tvl_gini", m.tvl_gini),
            ("link_weight_gini", m.link_weight_gini),
            ("in_degree_top_decile_share", m.in_degree_top_decile_share),
            ("out_degree_top_decile_share", m.out_degree_top_decile_share),
            ("degree_top_decile_share", m.degree_top_decile_share),
            ("tvl_top10_share", m.tvl_top10_share),
            ("link_weight_top10_share", m.link_weight_top10_share),
            ("tvl_hhi", m.tvl_hhi), ("link_weight_hhi", m.link_weight_hhi),
            ("largest_wcc_share", m.largest_wcc_share), ("largest_scc_share", m.largest_scc_share),
            ("reciprocity", m.reciprocity), ("avg_clustering", m.avg_clustering),
            ("sector_density", m.sector_density), ("cross_sector_ratio", m.cross_sector_ratio),
            ("avg_harmonic_closeness", m.avg_harmonic_closeness.unwrap()),
        ];
        for (key, x) in unit {
            prop_assert!((0.0..=1.0 + 1e-12).contains(&x), "{} = {}", key, x);
        }
        for x in [m.assortativity_out_in, m.assortativity_in_in, m.assortativity_out_out,
                  m.assortativity_in_out] {
            prop_assert!((-1.0..=1.0).contains(&x));
        }
        for x in [m.in_degree_entropy, m.out_degree_entropy, m.degree_entropy, m.network_entropy,
                  m.in_degree_cv, m.out_degree_cv, m.degree_cv] {
            prop_assert!(x >= 0.0);
        }

        // Brute-force references on the distinct-pair adjacency.
        let mut adj = vec![vec![false; n]; n];
        let mut indeg = vec![0usize; n];
        let mut outdeg = vec![0usize; n];
        for &(s, t, _) in &g.links {
            adj[s][t] = true;
            outdeg[s] += 1;
            indeg[t] += 1;
        }
        let r = reach(n, &adj);
        let scc = (0..n).map(|i| (0..n).filter(|&j| r[i][j] && r[j][i]).count()).max().unwrap_or(0);
        let und: Vec<Vec<bool>> = (0..n).map(|i| (0..n).map(|j| adj[i][j] || adj[j][i]).collect()).collect();
        let ru = reach(n, &und);
        let wcc = (0..n).map(|i| (0..n).filter(|&j| ru[i][j]).count()).max().unwrap_or(0);
        if n > 0 {
            prop_assert_eq!(m.largest_scc_share, scc as f64 / n as f64);
            prop_assert_eq!(m.largest_wcc_share, wcc as f64 / n as f64);
        }
        // reciprocity without self-loops
        let pairs: Vec<(usize, usize)> = (0..n).flat_map(|i| (0..n).map(move |j| (i, j)))
            .filter(|&(i, j)| i != j && adj[i][j]).collect();
        let recip = pairs.iter().filter(|&&(i, j)| adj[j][i]).count();
        let want = if pairs.is_empty() { 0.0 } else { recip as f64 / pairs.len() as f64 };
        prop_assert_eq!(m.reciprocity, want);
        // clustering on the undirected simple graph
        let mut clustering = 0.0;
        for v in 0..n {
            let nb: Vec<usize> = (0..n).filter(|&u| u != v && und[v][u]).collect();
            let d = nb.len();
            let t = nb.iter().enumerate()
                .map(|(a, &x)| nb[a + 1..].iter().filter(|&&y| und[x][y]).count())
                .sum::<usize>();
            if d >= 2 {
                clustering += 2.0 * t as f64 / (d * (d - 1)) as f64;
            }
        }
        let clustering = if n > 0 { clustering / n as f64 } else { 0.0 };
        prop_assert!(close(m.avg_clustering, clustering, 1e-12));
        // harmonic closeness
        let dist = distances(n, &adj);
        let mut harmonic = 0.0;
        for row in &dist {
            for &d in row {
                if d != 0 && d != usize::MAX {
                    harmonic += 1.0 / d as f64;
                }
            }
        }
        let harmonic = if n > 1 { harmonic / (n * (n - 1)) as f64 } else { 0.0 };
        prop_assert!(close(m.avg_harmonic_closeness.unwrap(), harmonic, 1e-12));
        let graph = ExposureGraph::from_snapshot(&g.week, &g.symbols, None).unwrap();
        prop_assert_eq!(Some(average_harmonic_closeness(&graph)), m.avg_harmonic_closeness);
        // assortativity: two-pass Pearson over the links
        let deg_of = |which: &str, v: usize| if which == "in" { indeg[v] } else { outdeg[v] } as f64;
        for (x, y, got) in [("out", "in", m.assortativity_out_in), ("in", "in", m.assortativity_in_in),
                            ("out", "out", m.assortativity_out_out), ("in", "out", m.assortativity_in_out)] {
            let p: Vec<(f64, f64)> = g.links.iter().map(|&(s, t, _)| (deg_of(x, s), deg_of(y, t))).collect();
            let want = pearson(&p);
            prop_assert!((got - want).abs() < 1e-9, "{}-{}: {} vs {}", x, y, got, want);
        }
        // sectors
        let cat = |i: usize| g.catalog.category(&format!("p{i}"));
        let total: f64 = g.links.iter().map(|l| l.2).sum();
        let cross: f64 = g.links.iter().filter(|l| cat(l.0) != cat(l.1)).map(|l| l.2).sum();
        let want = if total > 0.0 { cross / total } else { 0.0 };
        prop_assert!(close(m.cross_sector_ratio, want, 1e-12));
    }

    #[test]
    fn relabelling_nodes_changes_nothing(g in random_graph()) {
        // Reversing the node order permutes indices but no metric.
        let m = NetworkMetrics::of_week(&g.week, &g.symbols, Some(&g.catalog), MetricOptions::all())
            .unwrap();
        let mut week = g.week.clone();
        week.nodes.reverse();
        let r = NetworkMetrics::of_week(&week, &g.symbols, Some(&g.catalog), MetricOptions::all())
            .unwrap();
        let (a, b) = (serde_json::to_value(&m).unwrap(), serde_json::to_value(&r).unwrap());
        for column in NetworkMetrics::COLUMNS {
            match (a[*column].as_f64(), b[*column].as_f64()) {
                (Some(x), Some(y)) => prop_assert!(close(x, y, 1e-12), "{} {} {}", column, x, y),
                _ => prop_assert_eq!(&a[*column], &b[*column]),
            }
        }
    }
}
