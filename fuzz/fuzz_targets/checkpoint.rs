//! Checkpoint loading (`Checkpoint::from_files`, what `Checkpoint::load` calls with a folder's
//! four files) on burn's ndarray backend. The first byte chooses what is fuzzed:
//!
//! * `mode % 3 == 0`: the rest is `checkpoint.json`; the record files are the sample's
//!   (datasets/checkpoint-sample-h1), so a description that keeps their digests loads the model.
//! * `mode % 3 == 1`: the rest is `model.bpk`; `== 2`: `encoder_optimizer.bpk`. The sample's
//!   `checkpoint.json` gets that file's size and hash, so the bytes reach burn's decoder. With
//!   bit 0x80 clear the rest replaces the head of the sample's file (small inputs, realistic
//!   files); with it set the rest is the whole file.
//!
//! Ok or a typed error, never an abort. Panics inside burn's decoder are caught by the loader
//! (`ModelError::Checkpoint`, "burn could not decode the record") by design, so this target
//! replaces libFuzzer's abort-on-panic hook with a quiet one: a panic that escapes
//! `from_files` still aborts (libfuzzer-sys aborts on an unwinding panic).
#![no_main]

use std::sync::OnceLock;

use dexposure_model::{BackendKind, Checkpoint, CheckpointFiles, Device};
use libfuzzer_sys::fuzz_target;

const META: &[u8] = include_bytes!("../../datasets/checkpoint-sample-h1/checkpoint.json");
const MODEL: &[u8] = include_bytes!("../../datasets/checkpoint-sample-h1/model.bpk");
const ENCODER: &[u8] = include_bytes!("../../datasets/checkpoint-sample-h1/encoder_optimizer.bpk");
const HEADS: &[u8] = include_bytes!("../../datasets/checkpoint-sample-h1/heads_optimizer.bpk");

fn device() -> &'static Device {
    static DEVICE: OnceLock<Device> = OnceLock::new();
    DEVICE.get_or_init(|| {
        std::panic::set_hook(Box::new(|_| {}));
        BackendKind::Ndarray.device().expect("ndarray compiled in")
    })
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// The sample's checkpoint.json with `field`'s digest set to that of `bytes`.
fn meta_for(field: &str, bytes: &[u8]) -> Vec<u8> {
    let mut meta: serde_json::Value = serde_json::from_slice(META).expect("sample meta");
    meta[field] = serde_json::json!({"bytes": bytes.len(), "fnv1a64": fnv1a64(bytes)});
    serde_json::to_vec(&meta).expect("meta to JSON")
}

fn splice(head: &[u8], base: &[u8], whole: bool) -> Vec<u8> {
    if whole || head.len() >= base.len() {
        head.to_vec()
    } else {
        let mut file = head.to_vec();
        file.extend_from_slice(&base[head.len()..]);
        file
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let whole = mode & 0x80 != 0;
    let mut files = CheckpointFiles {
        meta: META.to_vec(),
        model: MODEL.to_vec(),
        encoder_optimizer: ENCODER.to_vec(),
        heads_optimizer: HEADS.to_vec(),
    };
    match mode % 3 {
        0 => files.meta = rest.to_vec(),
        1 => {
            files.model = splice(rest, MODEL, whole);
            files.meta = meta_for("model_file", &files.model);
        }
        _ => {
            files.encoder_optimizer = splice(rest, ENCODER, whole);
            files.meta = meta_for("encoder_optimizer_file", &files.encoder_optimizer);
        }
    }
    let _ = Checkpoint::from_files(files, "fuzz-checkpoint", device());
});
