//! The dataset compiled into the library, so the examples run on a fresh machine with no
//! download.
//!
//! It is the `sample` preset of the calibrated simulator (`dexposure-synth`, seed 42): 61 weekly
//! networks from 2021-11-01 to 2022-12-26, spanning the Terra and FTX collapses, built from
//! simulated token holdings by the DeXposure construction rules, with its simulated metadata
//! (protocol names, broad and detailed DefiLlama categories, `rev_map`). It is **simulated**,
//! not the real DeXposure data; `datasets/README.md` says how to obtain the real files and how
//! the sample is regenerated:
//!
//! ```text
//! cargo run --release --example simulate -- --preset sample --seed 42 --out datasets/sample
//! ```

use dexposure_snapshot::metadata::{ProtocolCatalog, RevMap};
use dexposure_snapshot::{Metadata, SeriesLoader, SnapshotError, SnapshotSeries};

/// Name of the embedded dataset, for messages.
pub const EMBEDDED_NAME: &str =
    "datasets/sample (simulated by dexposure-synth, preset sample, seed 42; not real data)";

/// Seed the embedded sample was simulated with.
pub const EMBEDDED_SEED: u64 = 42;

/// Bytes of the embedded network (gzip-compressed DeXposure JSON).
pub const EMBEDDED_BYTES: &[u8] = include_bytes!("../../../datasets/sample/network.json.gz");

const ID_TO_INFO: &str = include_str!("../../../datasets/sample/id_to_info.json");
const META_DF: &str = include_str!("../../../datasets/sample/meta_df.csv");
const REV_MAP: &str = include_str!("../../../datasets/sample/rev_map.json");

/// Loads the embedded networks.
pub fn embedded() -> Result<SnapshotSeries, SnapshotError> {
    SeriesLoader::new().load_bytes(EMBEDDED_BYTES, EMBEDDED_NAME)
}

/// The embedded dataset's metadata: the simulated protocol catalog (names, broad and detailed
/// categories) and `rev_map`.
pub fn embedded_metadata() -> Result<Metadata, SnapshotError> {
    let mut catalog =
        ProtocolCatalog::from_id_to_info_str(ID_TO_INFO, "datasets/sample/id_to_info.json")?;
    catalog.merge(ProtocolCatalog::from_meta_df_reader(
        META_DF.as_bytes(),
        "datasets/sample/meta_df.csv",
    )?);
    Ok(Metadata {
        catalog,
        tokens: None,
        rev_map: Some(RevMap::from_json_str(
            REV_MAP,
            "datasets/sample/rev_map.json",
        )?),
    })
}

/// What the examples load: the file at `data` (with the metadata folder `metadata`, if any),
/// or, without `data`, the embedded networks with the embedded metadata (unless `metadata`
/// names another folder).
pub fn load_or_embedded(
    data: Option<&std::path::Path>,
    metadata: Option<&std::path::Path>,
) -> Result<(SnapshotSeries, Option<Metadata>), SnapshotError> {
    let folder = metadata.map(Metadata::from_dir).transpose()?;
    match data {
        Some(path) => Ok((SnapshotSeries::load(path)?, folder)),
        None => {
            let metadata = match folder {
                Some(m) => m,
                None => embedded_metadata()?,
            };
            Ok((embedded()?, Some(metadata)))
        }
    }
}

/// Folder of the shipped checkpoint, for messages.
pub const EMBEDDED_CHECKPOINT_NAME: &str = "datasets/checkpoint-sample-h1";

/// The checkpoint shipped with the library: the graph-tabular transformer trained on the
/// embedded sample for h = 1 (seed 42), with its recorded evaluation. `datasets/README.md` has
/// the command that reproduces it. Loaded onto `device`.
pub fn embedded_checkpoint(
    device: &dexposure_model::Device,
) -> Result<dexposure_model::Checkpoint, dexposure_model::ModelError> {
    let files = dexposure_model::CheckpointFiles {
        meta: include_bytes!("../../../datasets/checkpoint-sample-h1/checkpoint.json").to_vec(),
        model: include_bytes!("../../../datasets/checkpoint-sample-h1/model.bpk").to_vec(),
        encoder_optimizer: include_bytes!(
            "../../../datasets/checkpoint-sample-h1/encoder_optimizer.bpk"
        )
        .to_vec(),
        heads_optimizer: include_bytes!(
            "../../../datasets/checkpoint-sample-h1/heads_optimizer.bpk"
        )
        .to_vec(),
    };
    dexposure_model::Checkpoint::from_files(files, EMBEDDED_CHECKPOINT_NAME, device)
}

/// How results on `data` are labelled: the embedded sample (simulated) without a path, else
/// the file's name, marked simulated when the simulator's run record
/// ([`dexposure_synth::RUN_FILE`], `simulation.json`) lies beside the file.
pub fn data_label(data: Option<&std::path::Path>) -> dexposure_model::experiment::DataLabel {
    use dexposure_model::experiment::DataLabel;
    match data {
        None => DataLabel::new(EMBEDDED_NAME, true),
        Some(path) => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let simulated = path
                .parent()
                .is_some_and(|dir| dir.join(dexposure_synth::RUN_FILE).is_file());
            if simulated {
                DataLabel::new(format!("{name} (simulated by dexposure-synth)"), true)
            } else {
                DataLabel::new(name, false)
            }
        }
    }
}
