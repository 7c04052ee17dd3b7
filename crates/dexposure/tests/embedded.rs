//! The embedded dataset is exactly what the simulator's `sample` preset produces today, so the
//! committed files cannot drift from the code that claims to make them.

use dexposure::datasets;
use dexposure::synth::{Preset, Simulator};

#[test]
fn embedded_sample_is_the_sample_preset() {
    let series = datasets::embedded().expect("embedded networks");
    let metadata = datasets::embedded_metadata().expect("embedded metadata");
    let fresh = Simulator::preset(Preset::Sample, datasets::EMBEDDED_SEED)
        .expect("preset")
        .run()
        .expect("simulation");
    assert!(
        series == fresh.series,
        "datasets/sample/network.json.gz differs from the sample preset: regenerate it with \
         `cargo run --release --example simulate -- --preset sample --out datasets/sample`"
    );
    assert_eq!(metadata.catalog, fresh.catalog);
    assert_eq!(metadata.rev_map.as_ref(), Some(&fresh.rev_map));
    assert!(series.len() >= 52);
    let first = series.first().expect("week").date.to_string();
    let last = series.last().expect("week").date.to_string();
    assert!(
        first.as_str() < "2022-05-09" && last.as_str() > "2022-05-23",
        "spans Terra"
    );
}
