//! The whole-file loader (`SeriesLoader::load_bytes`, the in-memory entry of `load`) on
//! arbitrary bytes: Ok or a typed error, never a panic. Loaded series must satisfy cheap
//! invariants and survive a write/reload round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(series) = common::load(data) {
        common::check_series(&series);
        common::check_round_trip(&series);
    }
});
