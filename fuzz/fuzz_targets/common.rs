//! Helpers shared by the loader targets (included with `#[path]`, not a crate).
#![allow(dead_code)]

use std::io::{Cursor, Read};

use dexposure_snapshot::{Result, SeriesLoader, SeriesWriter, SnapshotSeries};

/// More weeks than this from a stream means it does not end.
pub const MAX_WEEKS: usize = 100_000;

/// The whole-file path, on the calling thread (deterministic for the fuzzer).
pub fn load(bytes: &[u8]) -> Result<SnapshotSeries> {
    SeriesLoader::new()
        .threads(1)
        .load_bytes(bytes, "fuzz.json")
}

/// A reader that hands out its bytes in reads of cycling sizes, as a pipe or socket may.
pub struct ShortReads {
    data: Cursor<Vec<u8>>,
    sizes: [usize; 4],
    turn: usize,
}

impl ShortReads {
    /// Read sizes derived from the input itself, so that the same input always reads the same
    /// way (libFuzzer needs determinism) while different inputs cut at different places.
    pub fn new(bytes: &[u8]) -> Self {
        let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        let sizes = [
            1 + (h & 0x7) as usize,
            1 + ((h >> 8) & 0xff) as usize,
            1 + ((h >> 16) & 0x3) as usize,
            1 << (10 + ((h >> 24) & 0x7)),
        ];
        Self {
            data: Cursor::new(bytes.to_vec()),
            sizes,
            turn: 0,
        }
    }
}

impl Read for ShortReads {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes[self.turn % self.sizes.len()];
        self.turn += 1;
        let n = size.min(buf.len());
        self.data.read(&mut buf[..n])
    }
}

/// The streaming path, drained with `next_week` (as a user's `while let` loop would), weeks
/// put into a series for comparison with the whole-file path.
pub fn stream(reader: impl Read + Send + 'static) -> Result<SnapshotSeries> {
    let mut stream = SeriesLoader::new().stream_reader(reader, "fuzz.json", 0)?;
    let mut weeks = Vec::new();
    while let Some(week) = stream.next_week()? {
        weeks.push(week);
        assert!(weeks.len() <= MAX_WEEKS, "the stream does not end");
    }
    // After the end (or an error) the stream stays over.
    assert!(matches!(stream.next_week(), Ok(None)));
    SnapshotSeries::new(stream.symbols().clone(), weeks)
}

/// Cheap invariants of a loaded series: dates strictly increasing, every composition span in
/// range, sizes finite and non-negative, every link endpoint among the week's nodes.
pub fn check_series(series: &SnapshotSeries) {
    let dates: Vec<_> = series.dates().collect();
    assert!(
        dates.windows(2).all(|w| w[0] < w[1]),
        "dates not sorted/unique"
    );
    for week in series {
        let ids: std::collections::HashSet<_> = week.nodes.iter().map(|n| n.id).collect();
        assert_eq!(ids.len(), week.nodes.len(), "duplicate node id kept");
        for node in &week.nodes {
            assert!(
                node.size.is_finite() && node.size >= 0.0,
                "node size {}",
                node.size
            );
            let _ = series.symbols().protocol(node.id);
            for amount in week.composition(node.composition) {
                assert!(amount.usd.is_finite(), "composition value {}", amount.usd);
                let _ = series.symbols().token(amount.token);
            }
        }
        for link in &week.links {
            assert!(
                link.size.is_finite() && link.size >= 0.0,
                "link size {}",
                link.size
            );
            assert!(
                ids.contains(&link.source) && ids.contains(&link.target),
                "dangling link kept"
            );
            let _ = week.composition(link.composition);
        }
        for dropped in &week.dropped {
            let _ = week.composition(dropped.composition);
        }
    }
}

/// What the writer writes, the loader reads back: same weeks, records and sizes.
pub fn check_round_trip(series: &SnapshotSeries) {
    let mut out = Vec::new();
    SeriesWriter::new()
        .write_to(series, &mut out)
        .expect("writing to memory");
    let again = match load(&out) {
        Ok(s) => s,
        Err(e) => panic!(
            "the writer's output does not load: {e}\n{}",
            String::from_utf8_lossy(&out)
        ),
    };
    assert_eq!(series.len(), again.len(), "round trip: week count");
    for (a, b) in series.iter().zip(&again) {
        assert_eq!(a.date, b.date, "round trip: date");
        assert_eq!(a.nodes.len(), b.nodes.len(), "round trip: nodes");
        assert_eq!(a.links.len(), b.links.len(), "round trip: links");
        assert_eq!(a.dropped.len(), b.dropped.len(), "round trip: dropped");
        for (x, y) in a.nodes.iter().zip(&b.nodes) {
            assert_eq!(x.size.to_bits(), y.size.to_bits(), "round trip: node size");
            assert_eq!(
                series.symbols().protocol(x.id),
                again.symbols().protocol(y.id),
                "round trip: node id"
            );
        }
        for (x, y) in a.links.iter().zip(&b.links) {
            assert_eq!(x.size.to_bits(), y.size.to_bits(), "round trip: link size");
        }
    }
}

/// Both paths agree: both fail, or both load the same series.
pub fn check_agree(whole: &Result<SnapshotSeries>, streamed: &Result<SnapshotSeries>) {
    match (whole, streamed) {
        (Err(_), Err(_)) => {}
        (Ok(a), Ok(b)) => assert!(
            a == b,
            "whole-file and streaming paths load different series"
        ),
        (Ok(_), Err(e)) => panic!("whole-file path loads it, the stream fails: {e}"),
        (Err(e), Ok(_)) => panic!("the stream loads it, the whole-file path fails: {e}"),
    }
}
