//! Custom scenario files: the same text through `Scenario::from_toml_str` and
//! `Scenario::from_json_str` (what `Scenario::from_file` calls by extension), then every
//! scenario that parses applied to the fixture's last week with detailed categories, as the
//! stress-test command does. Ok or a typed error, never a panic; a scenario that validates
//! applies without error, selects valid node indices, and the TOML ⇄ JSON forms agree.
#![no_main]

use std::sync::OnceLock;

use dexposure_graph::ExposureGraph;
use dexposure_snapshot::{ProtocolCatalog, SeriesLoader};
use dexposure_stress::scenario::Scenario;
use libfuzzer_sys::fuzz_target;

const FIXTURE: &[u8] = include_bytes!("../../datasets/fixture/tiny.json");
const META_DF: &[u8] =
    include_bytes!("../../crates/dexposure-snapshot/tests/data/metadata/small/meta_df.csv");

fn setup() -> &'static (ExposureGraph, ProtocolCatalog) {
    static SETUP: OnceLock<(ExposureGraph, ProtocolCatalog)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let series = SeriesLoader::new()
            .threads(1)
            .load_bytes(FIXTURE, "tiny.json")
            .expect("fixture loads");
        let catalog =
            ProtocolCatalog::from_meta_df_reader(META_DF, "meta_df.csv").expect("meta_df loads");
        let week = series.last().expect("fixture has weeks");
        let graph = ExposureGraph::from_snapshot(week, series.symbols(), Some(&catalog))
            .expect("fixture graph");
        (graph, catalog)
    })
}

fn check(scenarios: &[Scenario]) {
    let (graph, catalog) = setup();
    for s in scenarios {
        for cat in [Some(catalog), None] {
            let shock = s
                .apply(graph, cat)
                .unwrap_or_else(|e| panic!("a validated scenario does not apply: {e}"));
            assert!(shock.selected.windows(2).all(|w| w[0] < w[1]));
            assert!(shock.selected.iter().all(|&i| i < graph.node_count()));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(scenarios) = Scenario::from_toml_str(text, "fuzz.toml") {
        check(&scenarios);
        // The JSON form of what was read reads back the same.
        let json = serde_json::json!({ "scenario": scenarios }).to_string();
        match Scenario::from_json_str(&json, "fuzz.json") {
            Ok(back) => assert_eq!(back, scenarios, "TOML → JSON → scenarios differs"),
            Err(e) => panic!("the JSON form of a valid TOML file fails: {e}\n{json}"),
        }
    }
    if let Ok(scenarios) = Scenario::from_json_str(text, "fuzz.json") {
        check(&scenarios);
    }
});
