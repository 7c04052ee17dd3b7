//! Holdings CSV (`NetworkBuilder::push_csv_reader`, gzip detected from the first bytes as
//! `push_csv` does) then `finish`, with a resolver built from the small metadata fixture
//! (rev_map + TF-IDF over the catalog), in both row-order modes. Ok or a typed error, never a
//! panic; a constructed series satisfies the loader's invariants and writes a file the loader
//! reads back.
#![no_main]

use std::io::{BufRead, BufReader, Read};
use std::sync::OnceLock;

use dexposure_snapshot::{
    ConstructionOptions, IssuerResolver, NetworkBuilder, ProtocolCatalog, RevMap,
};
use flate2::read::MultiGzDecoder;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const ID_TO_INFO: &str =
    include_str!("../../crates/dexposure-snapshot/tests/data/metadata/small/id_to_info.json");
const REV_MAP: &str =
    include_str!("../../crates/dexposure-snapshot/tests/data/metadata/small/rev_map.json");

fn resolver() -> &'static IssuerResolver {
    static RESOLVER: OnceLock<IssuerResolver> = OnceLock::new();
    RESOLVER.get_or_init(|| {
        let catalog = ProtocolCatalog::from_id_to_info_str(ID_TO_INFO, "id_to_info.json")
            .expect("fixture catalog");
        let rev_map = RevMap::from_json_str(REV_MAP, "rev_map.json").expect("fixture rev_map");
        IssuerResolver::from_parts(Some(&rev_map), Some(&catalog))
    })
}

fn build(data: &[u8], time_ordered: bool) {
    let options = ConstructionOptions {
        min_node_size: None,
        time_ordered,
    };
    let mut builder = NetworkBuilder::new(resolver().clone(), options);
    let mut reader = BufReader::new(data);
    let gzip = reader
        .fill_buf()
        .map(|h| h.starts_with(&[0x1f, 0x8b]))
        .unwrap_or(false);
    let pushed = if gzip {
        builder.push_csv_reader(BufReader::new(MultiGzDecoder::new(reader)), "fuzz.csv")
    } else {
        builder.push_csv_reader(&mut reader as &mut dyn Read, "fuzz.csv")
    };
    if pushed.is_err() {
        return;
    }
    if let Ok(construction) = builder.finish() {
        common::check_series(&construction.series);
        common::check_round_trip(&construction.series);
        let _ = construction.report.to_json();
    }
}

fuzz_target!(|data: &[u8]| {
    build(data, false);
    build(data, true);
});
