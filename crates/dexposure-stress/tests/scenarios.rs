//! Scenario selection, custom scenario files and the reverse stress test, on the hand-made
//! fixture (`datasets/fixture/tiny.json`, week 2022-05-23).

use std::path::PathBuf;

use dexposure_graph::ExposureGraph;
use dexposure_snapshot::{BroadCategory, ProtocolCatalog, ProtocolInfo, SnapshotSeries};
use dexposure_stress::{Scenario, Shock, StressError, reverse_stress};

fn fixture() -> (SnapshotSeries, ProtocolCatalog) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fixture/tiny.json");
    let series = SnapshotSeries::load(path).expect("fixture");
    let mut catalog = ProtocolCatalog::new();
    for (id, name, broad, detailed) in [
        (
            "182",
            "Lido",
            BroadCategory::AssetManagement,
            "Liquid Staking",
        ),
        (
            "2269",
            "Binance CEX",
            BroadCategory::TradingExchanges,
            "CEX",
        ),
        (
            "1599",
            "AAVE V3",
            BroadCategory::LendingBorrowingRwa,
            "Lending",
        ),
        (
            "1839",
            "Aave Arc",
            BroadCategory::LendingBorrowingRwa,
            "RWA Lending",
        ),
        (
            "3107",
            "EigenLayer",
            BroadCategory::LendingBorrowingRwa,
            "Restaking",
        ),
        (
            "4321",
            "Curve LlamaLend",
            BroadCategory::LendingBorrowingRwa,
            "CDP",
        ),
        (
            "2272",
            "OKX",
            BroadCategory::TradingExchanges,
            "Cross Chain Bridge",
        ),
    ] {
        let info = ProtocolInfo {
            name: name.into(),
            category: broad,
            detailed_category: Some(detailed.into()),
        };
        catalog.insert(id, info);
    }
    (series, catalog)
}

#[test]
fn standard_scenarios_select_as_documented() {
    let (series, catalog) = fixture();
    let week = series.last().expect("week");
    let graph =
        ExposureGraph::from_snapshot(week, series.symbols(), Some(&catalog)).expect("graph");
    let names = |selected: &[usize]| -> Vec<String> {
        selected.iter().map(|&i| graph.name(i).to_owned()).collect()
    };
    let applied: Vec<_> = Scenario::standard()
        .iter()
        .map(|s| s.apply(&graph, Some(&catalog)).expect("scenario"))
        .collect();
    // Week 2022-05-23 TVL order: 2269 (53e9), 182 (12.4e9), 2272 (6.7e9), 1599 (6.5e9),
    // USDC (5.8e9), WETH (2.1e9), 3107, LP, 382, 4321, 1839, UNKNOWN, OTHER.
    assert_eq!(names(&applied[0].selected), ["2269"]);
    assert_eq!(applied[0].shock.fractions()[applied[0].selected[0]], 0.5);
    let mut top5 = names(&applied[1].selected);
    top5.sort();
    assert_eq!(top5, ["1599", "182", "2269", "2272", "USDC"]);
    assert_eq!(names(&applied[2].selected), ["2272"]); // "Cross Chain Bridge" contains "bridge"
    assert_eq!(names(&applied[3].selected), ["4321"]); // CDP
    let mut lending = names(&applied[4].selected);
    lending.sort();
    assert_eq!(lending, ["1599", "1839"]); // Lending, RWA Lending; Restaking is not lending
    assert_eq!(applied[5].selected.len(), 10);
    assert!(
        applied[5]
            .shock
            .fractions()
            .iter()
            .all(|&f| f == 0.0 || f == 0.2)
    );
    // Without detailed categories, category scenarios select nothing.
    assert!(
        Scenario::standard()[3]
            .apply(&graph, None)
            .expect("scenario")
            .selected
            .is_empty()
    );
}

#[test]
fn custom_scenarios_from_toml_and_json() {
    let (series, catalog) = fixture();
    let week = series.last().expect("week");
    let graph =
        ExposureGraph::from_snapshot(week, series.symbols(), Some(&catalog)).expect("graph");
    let toml = r#"
[[scenario]]
name = "stETH loses 30%"
token_issuers = ["182"]
fraction = 0.3

[[scenario]]
name = "exchanges and a ghost"
sectors = ["Trading & Exchanges"]
protocols = ["99999"]
fraction = 1.0
"#;
    let from_toml = Scenario::from_toml_str(toml, "custom.toml").expect("toml");
    let json = serde_json::json!({"scenario": from_toml}).to_string();
    let from_json = Scenario::from_json_str(&json, "custom.json").expect("json");
    assert_eq!(from_toml, from_json);
    let steth = from_toml[0].apply(&graph, Some(&catalog)).expect("apply");
    assert_eq!(
        steth.selected,
        vec![graph.index_of_name("182").expect("Lido")]
    );
    let exchanges = from_toml[1].apply(&graph, Some(&catalog)).expect("apply");
    assert_eq!(exchanges.selected.len(), 2); // 2269 and 2272
    assert_eq!(exchanges.missing_protocols, ["99999"]);

    // Files, by extension.
    let dir = std::env::temp_dir().join(format!("dexposure-scenarios-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("s.toml"), toml).expect("write");
    std::fs::write(dir.join("s.json"), &json).expect("write");
    assert_eq!(
        Scenario::from_file(dir.join("s.toml")).expect("toml file"),
        from_toml
    );
    assert_eq!(
        Scenario::from_file(dir.join("s.json")).expect("json file"),
        from_toml
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_scenario_files_are_clear_errors() {
    let cases = [
        (
            "[[scenario]]\nname = \"x\"\nfraction = 1.5\ntop_n = 1\n",
            "not in [0, 1]",
        ),
        (
            "[[scenario]]\nname = \"x\"\nfraction = 0.5\n",
            "selects nothing",
        ),
        (
            "[[scenario]]\nname = \"x\"\nfraction = 0.5\nsectors = [\"Casinos\"]\n",
            "not a broad sector",
        ),
        (
            "[[scenario]]\nname = \"x\"\nfraction = 0.5\ntop = 3\n",
            "unknown field",
        ),
        (
            "[[scenario]]\nname = \"x\"\nfraction = \"half\"\ntop_n = 1\n",
            "invalid type",
        ),
        ("scenario = 3\n", "invalid type"),
    ];
    for (text, expected) in cases {
        let error = Scenario::from_toml_str(text, "bad.toml")
            .expect_err(text)
            .to_string();
        assert!(
            error.contains("bad.toml") && error.contains(expected),
            "{text:?}: {error}"
        );
    }
    let missing = Scenario::from_file("/nonexistent/scenarios.toml").expect_err("missing file");
    assert!(matches!(missing, StressError::ScenarioFile { .. }));
}

#[test]
fn reverse_stress_finds_the_smallest_fraction() {
    // A linear system: loss % = 40 × fraction on the targets.
    let linear = |shock: &Shock| Ok(40.0 * shock.fractions()[0]);
    let found = reverse_stress(3, &[0], 10.0, 1e-9, linear)
        .expect("valid")
        .expect("reachable");
    assert!((found - 0.25).abs() < 1e-8, "{found}");
    assert_eq!(
        reverse_stress(3, &[0], 50.0, 1e-9, linear).expect("valid"),
        None
    );
    assert_eq!(
        reverse_stress(3, &[0], -1.0, 1e-9, linear).expect("valid"),
        Some(0.0)
    );
    assert!(reverse_stress(3, &[0], 10.0, 0.0, linear).is_err());
    assert!(reverse_stress(3, &[5], 10.0, 1e-6, linear).is_err()); // target outside the graph
}

#[test]
fn reverse_stress_with_the_cascade() {
    use dexposure_stress::{CascadeAllocation, ContagionEngine, LossCascade};
    let (series, catalog) = fixture();
    let week = series.last().expect("week");
    let graph =
        ExposureGraph::from_snapshot(week, series.symbols(), Some(&catalog)).expect("graph");
    let binance = graph.index_of_name("2269").expect("Binance");
    // Capped at exposure, so that Binance's loss cannot spread past what others hold of it.
    let engine = LossCascade::new().with_allocation(CascadeAllocation::CappedAtExposure);
    let loss = |shock: &Shock| Ok(engine.run(&graph, shock)?.loss_pct_tvl);
    let tolerance = 1e-6;
    let found = reverse_stress(graph.node_count(), &[binance], 20.0, tolerance, loss)
        .expect("valid")
        .expect("reachable");
    // The answer pushes the loss past 20% and a slightly smaller shock does not.
    let at = |f: f64| {
        let mut shock = Shock::none(graph.node_count());
        shock.hit(binance, f).expect("fraction");
        engine.run(&graph, &shock).expect("cascade").loss_pct_tvl
    };
    assert!(at(found) > 20.0, "{found}: {}", at(found));
    assert!(at(found - 2.0 * tolerance) <= 20.0);
    // Binance alone is 60.6% of TVL: losing all of it cannot reach 70%.
    assert_eq!(
        reverse_stress(graph.node_count(), &[binance], 70.0, tolerance, loss).expect("valid"),
        None
    );
}
