//! The dataset compiled into the library, so the examples run on a fresh machine with no
//! download.
//!
//! Today this is the small hand-made fixture `datasets/fixture/tiny.json.gz` (four weeks around
//! the Terra collapse, 12–13 nodes each); it is **not** the real DeXposure data. See
//! `datasets/README.md` for how to obtain the real files.

use dexposure_snapshot::{SeriesLoader, SnapshotError, SnapshotSeries};

/// Name of the embedded dataset, for messages.
pub const EMBEDDED_NAME: &str = "datasets/fixture/tiny.json.gz (hand-made fixture, not real data)";

/// Bytes of the embedded dataset (gzip-compressed DeXposure JSON).
pub const EMBEDDED_BYTES: &[u8] = include_bytes!("../../../datasets/fixture/tiny.json.gz");

/// Loads the embedded dataset.
pub fn embedded() -> Result<SnapshotSeries, SnapshotError> {
    SeriesLoader::new().load_bytes(EMBEDDED_BYTES, EMBEDDED_NAME)
}
