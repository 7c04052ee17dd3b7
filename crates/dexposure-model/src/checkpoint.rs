//! Checkpoints: a folder holding the model's burn record, both optimizer records, and
//! `checkpoint.json` (model and training configuration, feature normalisation, calibration,
//! epoch history, what it was trained on, and the size and FNV-1a hash of every record file).
//!
//! Every file is written to a temporary name and renamed into place, `checkpoint.json` last,
//! so a crash leaves either the old checkpoint or the new one. Loading checks sizes and
//! hashes before burn reads a byte, so a truncated or corrupt file is a
//! [`ModelError::Checkpoint`] naming it, never a panic.

use std::fs;
use std::io::Write;
use std::path::Path;

use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use dexposure_snapshot::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::features::FeatureScaling;
use crate::forecast::Calibration;
use crate::history::ForecastSplit;
use crate::model::ForecasterConfig;
use crate::train::{EpochRecord, TrainConfig, TrainingState, adam};

/// Name of the metadata file of a checkpoint folder.
pub const META_FILE: &str = "checkpoint.json";
const MODEL_FILE: &str = "model.bpk";
const ENCODER_OPTIMIZER_FILE: &str = "encoder_optimizer.bpk";
const HEADS_OPTIMIZER_FILE: &str = "heads_optimizer.bpk";
const FORMAT: &str = "dexposure-model checkpoint";
const VERSION: u32 = 1;

/// What a model was trained on (for messages and reports; no file paths).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingData {
    /// Free-text description of the data (e.g. "embedded sample (simulated)").
    pub description: String,
    /// First week of the series.
    pub first_week: NaiveDate,
    /// Last week of the series.
    pub last_week: NaiveDate,
    /// Number of weeks.
    pub weeks: usize,
    /// The split used.
    pub split: ForecastSplit,
}

/// A record file's size and FNV-1a 64 hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// Size in bytes.
    pub bytes: u64,
    /// FNV-1a 64 hash, hex.
    pub fnv1a64: u64,
}

/// The content of `checkpoint.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    /// Always "dexposure-model checkpoint".
    pub format: String,
    /// Format version.
    pub version: u32,
    /// Model sizes.
    pub model: ForecasterConfig,
    /// Training settings (horizon included).
    pub train: TrainConfig,
    /// Features and z-scoring.
    pub scaling: FeatureScaling,
    /// Ĝ calibration.
    pub calibration: Calibration,
    /// Epochs run.
    pub history: Vec<EpochRecord>,
    /// What it was trained on.
    pub data: TrainingData,
    /// Metrics recorded when the checkpoint was made (free-form JSON, e.g. the evaluation of
    /// the shipped checkpoint).
    #[serde(default)]
    pub recorded_metrics: Option<serde_json::Value>,
    /// Digest of model.bpk.
    pub model_file: FileDigest,
    /// Digest of encoder_optimizer.bpk.
    pub encoder_optimizer_file: FileDigest,
    /// Digest of heads_optimizer.bpk.
    pub heads_optimizer_file: FileDigest,
}

/// A checkpoint in memory: the training state with its metadata.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    /// Model, optimizers, scaling, calibration and history.
    pub state: TrainingState,
    /// What it was trained on.
    pub data: TrainingData,
    /// Metrics recorded with it.
    pub recorded_metrics: Option<serde_json::Value>,
}

impl Checkpoint {
    /// Writes the checkpoint into folder `dir` (created if needed), atomically per file.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
        let record_error = |file: &str, e: burn::store::RecordError| {
            ModelError::checkpoint(dir.join(file), format!("cannot serialise: {e}"))
        };
        let model = self
            .state
            .model
            .clone()
            .into_record()
            .into_bytes()
            .map_err(|e| record_error(MODEL_FILE, e))?;
        let encoder = self
            .state
            .encoder_optimizer
            .into_bytes()
            .map_err(|e| record_error(ENCODER_OPTIMIZER_FILE, e))?;
        let heads = self
            .state
            .heads_optimizer
            .into_bytes()
            .map_err(|e| record_error(HEADS_OPTIMIZER_FILE, e))?;
        let meta = CheckpointMeta {
            format: FORMAT.into(),
            version: VERSION,
            model: self.state.model_config.clone(),
            train: self.state.train_config.clone(),
            scaling: self.state.scaling.clone(),
            calibration: self.state.calibration,
            history: self.state.history.clone(),
            data: self.data.clone(),
            recorded_metrics: self.recorded_metrics.clone(),
            model_file: digest(&model),
            encoder_optimizer_file: digest(&encoder),
            heads_optimizer_file: digest(&heads),
        };
        write_atomic(&dir.join(MODEL_FILE), &model)?;
        write_atomic(&dir.join(ENCODER_OPTIMIZER_FILE), &encoder)?;
        write_atomic(&dir.join(HEADS_OPTIMIZER_FILE), &heads)?;
        let json = serde_json::to_vec_pretty(&meta).map_err(|e| {
            ModelError::checkpoint(dir.join(META_FILE), format!("cannot serialise: {e}"))
        })?;
        write_atomic(&dir.join(META_FILE), &json)
    }

    /// Reads only `checkpoint.json` of folder `dir`.
    pub fn read_meta(dir: impl AsRef<Path>) -> Result<CheckpointMeta> {
        let path = dir.as_ref().join(META_FILE);
        let text = fs::read(&path).map_err(|e| ModelError::io(&path, e))?;
        parse_meta(&text, &path)
    }

    /// Loads folder `dir` onto `device` (weights are placed on its autodiff twin so that
    /// training can continue).
    pub fn load(dir: impl AsRef<Path>, device: &Device) -> Result<Self> {
        let dir = dir.as_ref();
        let read = |name: &str| {
            let path = dir.join(name);
            fs::read(&path).map_err(|e| ModelError::io(&path, e))
        };
        let files = CheckpointFiles {
            meta: read(META_FILE)?,
            model: read(MODEL_FILE)?,
            encoder_optimizer: read(ENCODER_OPTIMIZER_FILE)?,
            heads_optimizer: read(HEADS_OPTIMIZER_FILE)?,
        };
        Self::from_files(files, dir, device)
    }

    /// Loads a checkpoint from the bytes of its four files (e.g. compiled into a binary with
    /// `include_bytes!`); `label` stands for the folder in error messages.
    pub fn from_files(
        files: CheckpointFiles,
        label: impl AsRef<Path>,
        device: &Device,
    ) -> Result<Self> {
        let dir = label.as_ref();
        let meta = parse_meta(&files.meta, &dir.join(META_FILE))?;
        let model_path = dir.join(MODEL_FILE);
        check_digest(&files.model, meta.model_file, &model_path)?;
        let encoder_path = dir.join(ENCODER_OPTIMIZER_FILE);
        check_digest(
            &files.encoder_optimizer,
            meta.encoder_optimizer_file,
            &encoder_path,
        )?;
        let heads_path = dir.join(HEADS_OPTIMIZER_FILE);
        check_digest(
            &files.heads_optimizer,
            meta.heads_optimizer_file,
            &heads_path,
        )?;
        let ad_device = device.clone().autodiff();
        let model = guarded(&model_path, || {
            let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(files.model))
                .map_err(|e| e.to_string())?;
            meta.model
                .init(&ad_device)
                .try_load_record(record)
                .map_err(|e| e.to_string())
        })?;
        let optimizer = |path: &Path, bytes: Vec<u8>| {
            guarded(path, || {
                adam(&meta.train)
                    .from_bytes(Bytes::from_bytes_vec(bytes))
                    .map_err(|e| e.to_string())
            })
        };
        let encoder_optimizer = optimizer(&encoder_path, files.encoder_optimizer)?;
        let heads_optimizer = optimizer(&heads_path, files.heads_optimizer)?;
        Ok(Self {
            state: TrainingState {
                model_config: meta.model,
                train_config: meta.train,
                scaling: meta.scaling,
                model,
                encoder_optimizer,
                heads_optimizer,
                history: meta.history,
                calibration: meta.calibration,
            },
            data: meta.data,
            recorded_metrics: meta.recorded_metrics,
        })
    }

    /// Replaces the recorded metrics of the checkpoint in folder `dir` (rewrites
    /// `checkpoint.json` atomically; the record files are untouched).
    pub fn record_metrics(dir: impl AsRef<Path>, metrics: serde_json::Value) -> Result<()> {
        let dir = dir.as_ref();
        let mut meta = Self::read_meta(dir)?;
        meta.recorded_metrics = Some(metrics);
        let path = dir.join(META_FILE);
        let json = serde_json::to_vec_pretty(&meta)
            .map_err(|e| ModelError::checkpoint(&path, format!("cannot serialise: {e}")))?;
        write_atomic(&path, &json)
    }
}

/// The bytes of a checkpoint's four files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckpointFiles {
    /// checkpoint.json.
    pub meta: Vec<u8>,
    /// model.bpk.
    pub model: Vec<u8>,
    /// encoder_optimizer.bpk.
    pub encoder_optimizer: Vec<u8>,
    /// heads_optimizer.bpk.
    pub heads_optimizer: Vec<u8>,
}

fn parse_meta(text: &[u8], path: &Path) -> Result<CheckpointMeta> {
    let invalid = |e: serde_json::Error| {
        ModelError::checkpoint(path, format!("not a checkpoint description: {e}"))
    };
    let mut value: serde_json::Value = serde_json::from_slice(text).map_err(invalid)?;
    fill_model_defaults(&mut value);
    let meta: CheckpointMeta = serde_json::from_value(value).map_err(invalid)?;
    if meta.format != FORMAT || meta.version != VERSION {
        return Err(ModelError::checkpoint(
            path,
            format!(
                "format {:?} version {} is not {FORMAT:?} version {VERSION}",
                meta.format, meta.version
            ),
        ));
    }
    if meta.scaling.node.dim() != meta.model.node_features
        || meta.scaling.pair.dim() != meta.model.pair_features
        || meta.scaling.node_columns != meta.scaling.features.node_feature_names()
    {
        return Err(ModelError::checkpoint(
            path,
            "made for another feature set: its feature columns do not match this version's",
        ));
    }
    meta.model
        .validate()
        .map_err(|e| ModelError::checkpoint(path, e.to_string()))?;
    Ok(meta)
}

/// Fills the `ForecasterConfig` fields a checkpoint written before they existed lacks with
/// their defaults (burn's `#[derive(Config)]` does not default a missing field when
/// deserialising): a field added with a default that keeps the old behaviour then loads old
/// checkpoints unchanged.
fn fill_model_defaults(value: &mut serde_json::Value) {
    let Some(model) = value.get_mut("model").and_then(|m| m.as_object_mut()) else {
        return;
    };
    let size = |key: &str| {
        model
            .get(key)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0) as usize
    };
    let defaults = ForecasterConfig::new(size("node_features"), size("pair_features"));
    if let Ok(serde_json::Value::Object(defaults)) = serde_json::to_value(&defaults) {
        for (key, default) in defaults {
            if key != "node_features" && key != "pair_features" {
                model.entry(key).or_insert(default);
            }
        }
    }
}

/// Runs a burn decoding step, turning its errors and any panic into a checkpoint error.
fn guarded<T>(path: &Path, f: impl FnOnce() -> std::result::Result<T, String>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(reason)) => Err(ModelError::checkpoint(path, reason)),
        Err(_) => Err(ModelError::checkpoint(
            path,
            "burn could not decode the record",
        )),
    }
}

fn check_digest(bytes: &[u8], expected: FileDigest, path: &Path) -> Result<()> {
    let found = digest(bytes);
    if found.bytes != expected.bytes {
        return Err(ModelError::checkpoint(
            path,
            format!(
                "truncated or extended: {} bytes, checkpoint.json says {}",
                found.bytes, expected.bytes
            ),
        ));
    }
    if found.fnv1a64 != expected.fnv1a64 {
        return Err(ModelError::checkpoint(
            path,
            "corrupt: content hash differs from checkpoint.json",
        ));
    }
    Ok(())
}

fn digest(bytes: &[u8]) -> FileDigest {
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
    }
    FileDigest {
        bytes: bytes.len() as u64,
        fnv1a64: hash,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.tmp"));
    let write = || -> std::io::Result<()> {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        ModelError::io(path, e)
    })
}
