//! The streaming loader (`SeriesLoader::stream_reader`, what `stream` opens a file with) on
//! arbitrary bytes delivered in short reads of input-dependent sizes: Ok or a typed error,
//! never a panic, and the same outcome as the whole-file path (both fail, or both load the
//! same series).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let streamed = common::stream(common::ShortReads::new(data));
    if let Ok(series) = &streamed {
        common::check_series(series);
    }
    let whole = common::load(data);
    common::check_agree(&whole, &streamed);
});
