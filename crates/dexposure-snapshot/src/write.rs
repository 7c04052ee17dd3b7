//! Writing a series back to the DeXposure JSON format, plain or gzip.
//!
//! Numbers are written in their shortest round-trip form, so load → write → load gives the same
//! series bit for bit. Links set aside by cleaning are written back at their original positions
//! (unless [`SeriesWriter::include_dropped`] is turned off), so nothing the loader read is lost.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use crate::error::{Result, SnapshotError};
use crate::series::SnapshotSeries;
use crate::snapshot::{CompositionSpan, Snapshot};
use crate::symbols::{ProtocolId, SymbolTable};

/// Options for writing a series.
///
/// ```
/// # use dexposure_snapshot::{SeriesLoader, SeriesWriter};
/// let json = br#"{"data": {"2022-05-09": {"nodes": [{"id": "182", "size": 2.5, "composition": {"STETH": 2.5}}], "links": []}}}"#;
/// let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
/// let mut out = Vec::new();
/// SeriesWriter::new().write_to(&series, &mut out)?;
/// assert_eq!(SeriesLoader::new().load_bytes(&out, "out.json")?, series);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SeriesWriter {
    gzip: bool,
    include_dropped: bool,
    level: u32,
}

impl Default for SeriesWriter {
    fn default() -> Self {
        Self {
            gzip: false,
            include_dropped: true,
            level: 6,
        }
    }
}

impl SeriesWriter {
    /// Plain JSON, dropped links included.
    pub fn new() -> Self {
        Self::default()
    }

    /// Gzip the output (level 0–9, default 6).
    pub fn gzip(mut self, gzip: bool) -> Self {
        self.gzip = gzip;
        self
    }

    /// Gzip compression level (0–9).
    pub fn level(mut self, level: u32) -> Self {
        self.level = level.min(9);
        self
    }

    /// Write the links cleaning dropped back at their original positions (default true).
    pub fn include_dropped(mut self, include: bool) -> Self {
        self.include_dropped = include;
        self
    }

    /// Writes the series to a file.
    pub fn write(&self, series: &SnapshotSeries, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let file = File::create(path).map_err(|e| SnapshotError::io(path, e))?;
        self.write_to(series, BufWriter::with_capacity(1 << 20, file))
            .map_err(|e| SnapshotError::io(path, e))
    }

    /// Writes the series to any writer. Gzip output is a series of independent gzip members of
    /// up to 4 MiB of JSON each, compressed in parallel (rayon): RFC 1952 allows several
    /// members in one file, and gzip, Python's `gzip` module and this crate's loaders read
    /// them as one stream.
    pub fn write_to(&self, series: &SnapshotSeries, writer: impl Write) -> io::Result<()> {
        if self.gzip {
            let mut encoder = ParallelGz::new(writer, Compression::new(self.level), GZ_BLOCK);
            self.write_json(series, &mut encoder)?;
            encoder.finish()?.flush()
        } else {
            let mut writer = writer;
            self.write_json(series, &mut writer)?;
            writer.flush()
        }
    }

    fn write_json(&self, series: &SnapshotSeries, writer: &mut impl Write) -> io::Result<()> {
        let document = Document {
            series,
            include_dropped: self.include_dropped,
        };
        serde_json::to_writer(&mut *writer, &document).map_err(io::Error::other)
    }
}

/// JSON bytes per gzip member.
const GZ_BLOCK: usize = 4 << 20;

/// A gzip writer that compresses blocks of `block` bytes as independent members, a batch of
/// blocks at a time in parallel, and writes the members in order: a multi-member gzip stream
/// whose decompression is the input, with memory bounded by the batch.
struct ParallelGz<W: Write> {
    inner: W,
    level: Compression,
    block: usize,
    pending: Vec<u8>,
    blocks: Vec<Vec<u8>>,
    members: usize,
}

impl<W: Write> ParallelGz<W> {
    fn new(inner: W, level: Compression, block: usize) -> Self {
        Self {
            inner,
            level,
            block: block.max(1),
            pending: Vec::new(),
            blocks: Vec::new(),
            members: 0,
        }
    }

    /// Compresses the queued blocks in parallel and writes them, in order.
    fn flush_blocks(&mut self) -> io::Result<()> {
        use rayon::prelude::*;
        let level = self.level;
        let compressed: Vec<io::Result<Vec<u8>>> = self
            .blocks
            .par_iter()
            .map(|block| {
                let mut encoder = GzEncoder::new(Vec::with_capacity(block.len() / 4), level);
                encoder.write_all(block)?;
                encoder.finish()
            })
            .collect();
        self.blocks.clear();
        for member in compressed {
            self.inner.write_all(&member?)?;
            self.members += 1;
        }
        Ok(())
    }

    /// Writes what is left (at least one member, so that empty input is a valid gzip file) and
    /// returns the inner writer.
    fn finish(mut self) -> io::Result<W> {
        if !self.pending.is_empty() || self.members + self.blocks.len() == 0 {
            let last = std::mem::take(&mut self.pending);
            self.blocks.push(last);
        }
        self.flush_blocks()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for ParallelGz<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(data);
        while self.pending.len() >= self.block {
            let rest = self.pending.split_off(self.block);
            let full = std::mem::replace(&mut self.pending, rest);
            self.blocks.push(full);
            if self.blocks.len() >= 2 * rayon::current_num_threads().max(1) {
                self.flush_blocks()?;
            }
        }
        Ok(data.len())
    }

    /// Queued blocks are written; the partial block waits for more input or `finish`.
    fn flush(&mut self) -> io::Result<()> {
        self.flush_blocks()?;
        self.inner.flush()
    }
}

struct Document<'a> {
    series: &'a SnapshotSeries,
    include_dropped: bool,
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Data<'a>(&'a Document<'a>);
        impl Serialize for Data<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.series.len()))?;
                for week in self.0.series {
                    let view = WeekView {
                        week,
                        symbols: self.0.series.symbols(),
                        include_dropped: self.0.include_dropped,
                    };
                    map.serialize_entry(&week.date.to_string(), &view)?;
                }
                map.end()
            }
        }
        let mut root = serializer.serialize_map(Some(1))?;
        root.serialize_entry("data", &Data(self))?;
        root.end()
    }
}

struct WeekView<'a> {
    week: &'a Snapshot,
    symbols: &'a SymbolTable,
    include_dropped: bool,
}

impl Serialize for WeekView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("nodes", &Nodes(self))?;
        map.serialize_entry("links", &Links(self))?;
        map.end()
    }
}

struct Nodes<'a>(&'a WeekView<'a>);

impl Serialize for Nodes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let WeekView { week, symbols, .. } = *self.0;
        let mut seq = serializer.serialize_seq(Some(week.nodes.len()))?;
        for node in &week.nodes {
            seq.serialize_element(&Record {
                week,
                symbols,
                fields: Fields::Node(node.id),
                size: node.size,
                composition: node.composition,
            })?;
        }
        seq.end()
    }
}

struct Links<'a>(&'a WeekView<'a>);

impl Serialize for Links<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let WeekView {
            week,
            symbols,
            include_dropped,
        } = *self.0;
        let dropped: &[crate::DroppedLink] = if include_dropped { &week.dropped } else { &[] };
        let mut seq = serializer.serialize_seq(Some(week.links.len() + dropped.len()))?;
        let (mut kept, mut removed) = (week.links.iter().peekable(), dropped.iter().peekable());
        let mut position = 0u32;
        loop {
            // A dropped link goes back to its position in the file; kept links fill the rest.
            let record = match removed.peek() {
                Some(d) if d.file_index <= position || kept.peek().is_none() => {
                    let d = removed.next().copied();
                    d.map(|d| (d.source, d.target, d.size, d.composition))
                }
                _ => kept
                    .next()
                    .map(|l| (Some(l.source), Some(l.target), l.size, l.composition)),
            };
            let Some((source, target, size, composition)) = record else {
                break;
            };
            seq.serialize_element(&Record {
                week,
                symbols,
                fields: Fields::Link(source, target),
                size,
                composition,
            })?;
            position += 1;
        }
        seq.end()
    }
}

enum Fields {
    Node(ProtocolId),
    Link(Option<ProtocolId>, Option<ProtocolId>),
}

struct Record<'a> {
    week: &'a Snapshot,
    symbols: &'a SymbolTable,
    fields: Fields,
    size: f64,
    composition: CompositionSpan,
}

impl Serialize for Record<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match self.fields {
            Fields::Node(id) => map.serialize_entry("id", self.symbols.protocol(id))?,
            Fields::Link(source, target) => {
                map.serialize_entry("source", &source.map(|id| self.symbols.protocol(id)))?;
                map.serialize_entry("target", &target.map(|id| self.symbols.protocol(id)))?;
            }
        }
        map.serialize_entry("size", &self.size)?;
        map.serialize_entry("composition", &Composition(self))?;
        map.end()
    }
}

struct Composition<'a>(&'a Record<'a>);

impl Serialize for Composition<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let amounts = self.0.week.composition(self.0.composition);
        let mut map = serializer.serialize_map(Some(amounts.len()))?;
        for a in amounts {
            map.serialize_entry(self.0.symbols.token(a.token), &a.usd)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use flate2::Compression;
    use flate2::read::MultiGzDecoder;

    use super::ParallelGz;

    fn round_trip(input: &[u8], block: usize) -> (Vec<u8>, usize) {
        let mut gz = ParallelGz::new(Vec::new(), Compression::new(6), block);
        for chunk in input.chunks(7) {
            gz.write_all(chunk).expect("write");
        }
        let members_before_finish = gz.members;
        let bytes = gz.finish().expect("finish");
        let mut out = Vec::new();
        MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .expect("a valid gzip stream");
        let members = bytes
            .windows(3)
            .filter(|w| *w == [0x1f, 0x8b, 0x08])
            .count();
        assert!(members >= members_before_finish);
        (out, members)
    }

    #[test]
    fn members_decompress_to_the_input_in_order() {
        let input: Vec<u8> = (0..10_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let (out, members) = round_trip(&input, 1000);
        assert_eq!(out, input);
        // 40,000 bytes in blocks of 1,000: 40 members (a stray magic inside compressed data
        // could only add to the count)
        assert!(members >= 40, "{members} members");
        let (out, members) = round_trip(b"", 1000);
        assert!(out.is_empty());
        assert_eq!(members, 1, "empty input is one empty member");
    }
}
