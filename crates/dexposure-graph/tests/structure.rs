//! The weekly community/curvature table agrees with the algorithms it summarises and writes
//! readable CSV and JSON.

use std::path::PathBuf;

use dexposure_graph::community::{infomap, louvain};
use dexposure_graph::curvature::{CurvatureOptions, ollivier_ricci};
use dexposure_graph::{ExposureGraph, StructureMetrics, StructureOptions, StructureTable};
use dexposure_snapshot::{ProtocolCatalog, SnapshotSeries};

fn fixture() -> (SnapshotSeries, ProtocolCatalog) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/graphs");
    let series = SnapshotSeries::load(dir.join("random_sectors.json")).expect("fixture");
    let catalog =
        ProtocolCatalog::from_id_to_info(dir.join("categories.json")).expect("categories");
    (series, catalog)
}

#[test]
fn rows_summarise_the_algorithms() {
    let (series, catalog) = fixture();
    let options = StructureOptions {
        curvature: Some(CurvatureOptions::default()),
        ..Default::default()
    };
    let table = StructureTable::compute(&series, Some(&catalog), &options).expect("table");
    assert_eq!(table.rows.len(), series.len());
    for (row, week) in table.rows.iter().zip(series.iter()) {
        let graph =
            ExposureGraph::from_snapshot(week, series.symbols(), Some(&catalog)).expect("graph");
        let communities = louvain(&graph, &options.louvain).expect("louvain");
        let modules = infomap(&graph, &options.infomap).expect("infomap");
        let curvature = ollivier_ricci(&graph, &CurvatureOptions::default()).expect("curvature");
        assert_eq!(row.date, week.date);
        assert_eq!(
            (row.louvain_communities, row.louvain_modularity),
            (communities.num_communities, communities.modularity)
        );
        assert_eq!(
            (row.infomap_modules, row.infomap_codelength),
            (modules.num_modules, modules.codelength)
        );
        assert_eq!(row.mean_curvature, curvature.mean);
    }
    // Same options, same table.
    assert_eq!(
        StructureTable::compute(&series, Some(&catalog), &options).expect("table"),
        table
    );

    let csv = table.to_csv();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(StructureMetrics::COLUMNS.join(",").as_str())
    );
    assert_eq!(lines.count(), series.len());

    let dir = std::env::temp_dir().join(format!("dexposure-structure-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    table.write_json(dir.join("structure.json")).expect("write");
    let back: StructureTable =
        serde_json::from_str(&std::fs::read_to_string(dir.join("structure.json")).expect("read"))
            .expect("parse");
    assert_eq!(back.rows.len(), table.rows.len());
    assert_eq!(
        back.rows[0].louvain_communities,
        table.rows[0].louvain_communities
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn curvature_can_be_skipped() {
    let (series, catalog) = fixture();
    let table = StructureTable::compute(&series, Some(&catalog), &StructureOptions::default())
        .expect("table");
    assert!(table.rows.iter().all(|r| r.mean_curvature.is_none()));
    assert!(
        table.to_csv().lines().nth(1).expect("row").ends_with(','),
        "an uncomputed metric is an empty cell"
    );
}
