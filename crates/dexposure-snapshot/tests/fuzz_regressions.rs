//! Inputs found by the fuzz targets (fuzz/, docs/RELIABILITY.md), minimised, that once made a
//! public entry point panic. Each must now give Ok or a typed error. Loader inputs go to the
//! malformed corpus instead (tests/data/malformed/, tests/malformed.rs).
#![allow(clippy::unwrap_used)]

use dexposure_snapshot::{ConstructionOptions, IssuerResolver, NetworkBuilder};

/// fuzz target `holdings_csv`, seed `out_of_order.csv`: two weeks of holdings read in any
/// order, then `finish`. In a working tree where `ResolutionStep::ALL` had gained a ninth step
/// (`Override`) while `NetworkBuilder` still counted eight, `finish` indexed past its
/// per-step counts ("index out of bounds: the len is 8 but the index is 8",
/// construct/build.rs). The report must count every step.
#[test]
fn holdings_finish_counts_every_resolution_step() {
    let csv = "date,protocol,chain,token,quantity,usd\n\
               2024-01-08,1,E,USDC,5,5\n\
               2024-01-01,1,E,USDC,5,5\n";
    let mut builder = NetworkBuilder::new(IssuerResolver::new(), ConstructionOptions::default());
    builder.push_csv_reader(csv.as_bytes(), "h.csv").unwrap();
    let built = builder.finish().unwrap();
    assert_eq!(built.series.len(), 1);
    assert_eq!(built.report.tokens_resolved.values().sum::<u64>(), 1);
}

/// fuzz target `metadata`: `ProtocolCatalog::to_meta_df_csv` wrote ids unquoted, so an id read
/// from a cell that holds a quote, a comma or a carriage return (`  "3933": {"name": …` is the
/// id `"3933": {"name": "Renzo"`) was read back as another id, or shifted the columns.
/// What the writer writes, the reader reads back unchanged.
#[test]
fn meta_df_writer_quotes_ids() {
    use std::collections::BTreeMap;

    use dexposure_snapshot::ProtocolCatalog;

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/metadata/meta_df_quoted_ids.csv");
    let catalog = ProtocolCatalog::from_meta_df(&path).unwrap();
    assert!(catalog.contains("\"3933\": {\"name\": \"Renzo\""));
    assert!(catalog.contains("8,9"));
    assert!(catalog.contains("12\r34"));
    let csv = catalog.to_meta_df_csv();
    let back = ProtocolCatalog::from_meta_df_reader(csv.as_bytes(), "copy.csv").unwrap();
    let entries = |c: &ProtocolCatalog| -> BTreeMap<String, (String, Option<String>)> {
        c.iter()
            .map(|(id, i)| (id.to_owned(), (i.name.clone(), i.detailed_category.clone())))
            .collect()
    };
    assert_eq!(entries(&back), entries(&catalog), "{csv}");
    assert_eq!(back, catalog);
}
