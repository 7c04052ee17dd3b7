//! The main job on the embedded dataset: load it and print a dataset summary and the weekly
//! data-quality table.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```

use dexposure::snapshot::{Metadata, QualityReport};
use dexposure::{datasets, report};

fn main() -> anyhow::Result<()> {
    let series = datasets::embedded()?;
    // Category shares need DefiLlama metadata; use the shared mapping folder when it is there.
    let mapping =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mapping");
    let mapping = mapping.canonicalize().unwrap_or(mapping);
    let metadata = Metadata::from_dir(&mapping).ok();
    let quality = QualityReport::new(&series, metadata.as_ref().map(|m| &m.catalog));

    let metadata_line = match &metadata {
        Some(_) => mapping.display().to_string(),
        None => "none found (categories unknown)".to_owned(),
    };
    report::print(&format!(
        "dexposure quickstart — dataset: {}\nmetadata: {metadata_line}\n\n\
         == dataset summary ==\n{}\n\
         == data quality per week (overlaps are with the next week) ==\n{}",
        datasets::EMBEDDED_NAME,
        report::summary_table(&quality),
        report::quality_table(&quality, Some(20)),
    ))?;
    Ok(())
}
