//! Gzip input to both loaders. An input that starts with the gzip magic is used as is (the
//! seeds are .json.gz files); otherwise the first byte chooses how the rest (a JSON document)
//! is compressed: one or two members, truncated or with a byte flipped. Both paths must give
//! Ok or a typed error, agree with each other, and, when the gzip is intact, agree with the
//! plain document.
#![no_main]

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fn gz(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::new(level));
    enc.write_all(bytes).expect("gzip to memory");
    enc.finish().expect("gzip to memory")
}

fuzz_target!(|data: &[u8]| {
    let (file, plain) = if data.starts_with(&[0x1f, 0x8b]) {
        (data.to_vec(), None)
    } else {
        let Some((&control, json)) = data.split_first() else {
            return;
        };
        let level = u32::from(control & 0x3) * 3; // 0, 3, 6, 9
        let mut file = if control & 0x4 != 0 && json.len() > 1 {
            // Two members, cut at a place that depends on the input.
            let cut = usize::from(control) * 7 % json.len();
            let mut f = gz(&json[..cut], level);
            f.extend(gz(&json[cut..], level));
            f
        } else {
            gz(json, level)
        };
        let mut intact = true;
        if control & 0x8 != 0 && file.len() > 2 {
            // Truncate somewhere after the magic.
            let at = 2 + usize::from(control >> 4) * 13 % (file.len() - 2);
            file.truncate(at);
            intact = false;
        } else if control & 0x10 != 0 && file.len() > 2 {
            // Flip one byte after the magic.
            let at = 2 + (usize::from(control) * 31 + json.len()) % (file.len() - 2);
            file[at] ^= 1 << (control >> 5);
            intact = false;
        }
        (file, intact.then_some(json))
    };
    let whole = common::load(&file);
    if let Ok(series) = &whole {
        common::check_series(series);
    }
    let streamed = common::stream(common::ShortReads::new(&file));
    common::check_agree(&whole, &streamed);
    if let Some(json) = plain.filter(|j| !j.starts_with(&[0x1f, 0x8b])) {
        // gzip is transparent: the compressed document loads like the plain one.
        let direct = common::load(json);
        match (&direct, &whole) {
            (Ok(a), Ok(b)) => assert!(a == b, "gzip changes the loaded series"),
            (Err(_), Err(_)) => {}
            // An empty plain document is an error; so is an empty payload.
            (Ok(_), Err(e)) => panic!("plain loads, gzip of it fails: {e}"),
            (Err(e), Ok(_)) => panic!("plain fails ({e}), gzip of it loads"),
        }
    }
});
