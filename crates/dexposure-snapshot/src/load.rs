//! Loading DeXposure files: the whole file at once ([`SeriesLoader::load`]) or one week at a
//! time ([`SeriesLoader::stream`]).
//!
//! Compression is detected from the first two bytes (gzip magic `1f 8b`), never from the file
//! name. Both paths cut the document with the same scanner and parse each week with simd-json.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;
use flate2::read::MultiGzDecoder;
use rayon::prelude::*;
use rustc_hash::FxHashSet;

use crate::error::{Result, SnapshotError};
use crate::scan::{TopLevelScanner, WeekEntry, read_error};
use crate::series::SnapshotSeries;
use crate::snapshot::Snapshot;
use crate::symbols::SymbolTable;
use crate::week::{ParsedWeek, WeekOrigin, WeekParser};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Progress callback: `(bytes done, bytes in all)` of the document being parsed (after
/// decompression for the whole-file path; of the file on disk for streams).
pub type ProgressFn = dyn Fn(u64, u64) + Send + Sync;

/// Options for reading a DeXposure file; build one, then [`load`](Self::load) or
/// [`stream`](Self::stream).
///
/// ```no_run
/// use dexposure_snapshot::SeriesLoader;
/// let from = "2022-01-03".parse()?;
/// let series = SeriesLoader::new().from(from).threads(1).load("network_data.json.gz")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct SeriesLoader {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    threads: usize,
    progress: Option<Arc<ProgressFn>>,
}

impl std::fmt::Debug for SeriesLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeriesLoader")
            .field("from", &self.from)
            .field("to", &self.to)
            .field("threads", &self.threads)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl SeriesLoader {
    /// All weeks, parsed on rayon's global pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keep only weeks dated on or after `date`.
    pub fn from(mut self, date: NaiveDate) -> Self {
        self.from = Some(date);
        self
    }

    /// Keep only weeks dated on or before `date`.
    pub fn to(mut self, date: NaiveDate) -> Self {
        self.to = Some(date);
        self
    }

    /// Number of threads for the whole-file path: 1 parses on the calling thread, 0 (the
    /// default) uses rayon's global pool, n > 1 a dedicated pool of n threads.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Calls `progress(done, total)` as weeks are parsed.
    pub fn on_progress(mut self, progress: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    fn wanted(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| date >= f) && self.to.is_none_or(|t| date <= t)
    }

    /// Reads the whole file (memory-mapped; decompressed in memory if it is gzip) and parses
    /// its weeks, in parallel unless [`threads(1)`](Self::threads). The file must not be
    /// truncated or rewritten by another process while it loads.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<SnapshotSeries> {
        let path = path.as_ref();
        let file = open_file(path)?;
        let len = file
            .metadata()
            .map_err(|e| SnapshotError::io(path, e))?
            .len();
        if len == 0 {
            return Err(SnapshotError::Empty {
                path: path.to_path_buf(),
            });
        }
        let map = map_file(&file).map_err(|e| SnapshotError::io(path, e))?;
        if map.starts_with(&GZIP_MAGIC) {
            self.load_document(&gunzip(&map, path)?, path)
        } else {
            self.load_document(&map, path)
        }
    }

    /// Parses a document already in memory (plain JSON or gzip). `label` names it in errors.
    pub fn load_bytes(&self, bytes: &[u8], label: impl AsRef<Path>) -> Result<SnapshotSeries> {
        let label = label.as_ref();
        if bytes.starts_with(&GZIP_MAGIC) {
            self.load_document(&gunzip(bytes, label)?, label)
        } else {
            self.load_document(bytes, label)
        }
    }

    fn load_document(&self, document: &[u8], path: &Path) -> Result<SnapshotSeries> {
        // A wrong guess of a week's end always ends in an error (the guessed piece is not valid
        // JSON, or the scan goes on from a wrong place), so any error is checked by an exact
        // scan, which also reports it at the right place. Errors are rare; the re-run is cheap.
        self.load_document_with(document, path, true)
            .or_else(|_| self.load_document_with(document, path, false))
    }

    fn load_document_with(
        &self,
        document: &[u8],
        path: &Path,
        guess_ends: bool,
    ) -> Result<SnapshotSeries> {
        let mut scanner = TopLevelScanner::new(document, path, false);
        if guess_ends {
            scanner = scanner.guessing_ends();
        }
        let mut entries: Vec<WeekEntry> = Vec::new();
        let mut seen = FxHashSet::default();
        while let Some(entry) = scanner.next_week(None, |d| !self.wanted(d))? {
            check_unique(&mut seen, entry.date, path)?;
            entries.push(entry);
        }
        // Parse in date order so that the symbol table (and everything derived from handles)
        // does not depend on the order of keys in the file.
        entries.sort_by_key(|e| e.date);
        let total = document.len() as u64;
        let done = AtomicU64::new(0);
        let parse = |parser: &mut WeekParser, entry: &WeekEntry| -> Result<ParsedWeek> {
            let bytes = &document[entry.offset as usize..(entry.offset + entry.len) as usize];
            let week = parser.parse(
                bytes,
                WeekOrigin {
                    path,
                    date: entry.date,
                    offset: entry.offset,
                },
            )?;
            if let Some(progress) = &self.progress {
                progress(
                    done.fetch_add(entry.len, Ordering::Relaxed) + entry.len,
                    total,
                );
            }
            Ok(week)
        };
        let parsed: Vec<ParsedWeek> = match self.threads {
            1 => {
                let mut parser = WeekParser::default();
                entries
                    .iter()
                    .map(|e| parse(&mut parser, e))
                    .collect::<Result<_>>()?
            }
            0 => entries
                .par_iter()
                .map_init(WeekParser::default, parse)
                .collect::<Result<_>>()?,
            n => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| SnapshotError::io(path, io::Error::other(e)))?
                .install(|| {
                    entries
                        .par_iter()
                        .map_init(WeekParser::default, parse)
                        .collect::<Result<_>>()
                })?,
        };
        let mut symbols = SymbolTable::new();
        let snapshots = parsed
            .into_iter()
            .map(|w| w.into_series(&mut symbols))
            .collect();
        SnapshotSeries::new(symbols, snapshots)
    }

    /// Opens a file for reading one week at a time; memory stays at about one week's JSON
    /// plus its parsed snapshot. Weeks come in file order.
    pub fn stream(&self, path: impl AsRef<Path>) -> Result<SnapshotStream> {
        let path = path.as_ref();
        let file = open_file(path)?;
        let total = file.metadata().map(|m| m.len()).unwrap_or(0);
        self.stream_reader(file, path, total)
    }

    /// Streams from any reader (plain JSON or gzip, detected from the first bytes). `label`
    /// names it in errors; `total_bytes` (0 if unknown) is passed to the progress callback.
    pub fn stream_reader(
        &self,
        reader: impl Read + Send + 'static,
        label: impl AsRef<Path>,
        total_bytes: u64,
    ) -> Result<SnapshotStream> {
        let path = label.as_ref().to_path_buf();
        let read = Arc::new(AtomicU64::new(0));
        let mut reader = CountingReader {
            inner: reader,
            count: Arc::clone(&read),
        };
        // Look at the first bytes however the reader delivers them (two tell gzip, three a
        // byte order mark for the scanner's message), then put them back.
        let mut head = [0u8; 3];
        let mut got = 0;
        while got < head.len() {
            match reader.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(SnapshotError::io(&path, e)),
            }
        }
        let gzip = head[..got].starts_with(&GZIP_MAGIC);
        let raw = BufReader::with_capacity(
            1 << 20,
            io::Cursor::new(head).take(got as u64).chain(reader),
        );
        let source: Box<dyn BufRead + Send> = if gzip {
            Box::new(BufReader::with_capacity(1 << 20, MultiGzDecoder::new(raw)))
        } else {
            Box::new(raw)
        };
        Ok(SnapshotStream {
            scanner: TopLevelScanner::new(source, &path, gzip),
            parser: WeekParser::default(),
            symbols: SymbolTable::new(),
            loader: self.clone(),
            buffer: Vec::new(),
            seen: FxHashSet::default(),
            read,
            total: total_bytes,
            path,
            finished: false,
        })
    }
}

fn check_unique(seen: &mut FxHashSet<NaiveDate>, date: NaiveDate, path: &Path) -> Result<()> {
    if seen.insert(date) {
        Ok(())
    } else {
        Err(SnapshotError::DuplicateDate {
            path: path.to_path_buf(),
            date: date.to_string(),
        })
    }
}

/// Opens `path` for reading; a directory is refused by name (opening one succeeds on Linux and
/// reading it then fails with an unhelpful "No such device").
fn open_file(path: &Path) -> Result<File> {
    let file = File::open(path).map_err(|e| SnapshotError::io(path, e))?;
    match file.metadata() {
        Ok(m) if m.is_dir() => Err(SnapshotError::io(
            path,
            io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory, not a DeXposure file",
            ),
        )),
        _ => Ok(file),
    }
}

/// Maps a file read-only, pages loaded up front. Mapping avoids copying a gigabyte into a fresh
/// heap buffer (half of the kernel time of a `read`-based load).
#[allow(unsafe_code)]
fn map_file(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and private to this call; the only hazard is another
    // process truncating or rewriting the file while it is loaded, which the documentation of
    // `SeriesLoader::load` warns about (as ripgrep does for the same technique).
    unsafe { memmap2::MmapOptions::new().populate().map(file) }
}

/// Decompresses a whole gzip file (all members) in memory.
fn gunzip(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    // The trailer's ISIZE (size mod 2^32 of the last member) is only a capacity hint.
    let hint = bytes
        .len()
        .checked_sub(4)
        .and_then(|at| bytes.get(at..))
        .map_or(0, |t| u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize)
        .min(bytes.len().saturating_mul(64));
    let mut out = Vec::with_capacity(hint);
    MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| read_error(path, true, e))?;
    Ok(out)
}

/// Counts bytes read from the underlying file, for progress reporting.
struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Weeks of a file, read and parsed one at a time ([`SeriesLoader::stream`]).
///
/// Use it as an iterator, or call [`next_week`](Self::next_week) in a `while let` loop to look
/// ids up in [`symbols`](Self::symbols) between weeks:
///
/// ```no_run
/// use dexposure_snapshot::SeriesLoader;
/// let mut stream = SeriesLoader::new().stream("network_data.json")?;
/// while let Some(week) = stream.next_week()? {
///     let biggest = week.nodes.iter().max_by(|a, b| a.size.total_cmp(&b.size));
///     if let Some(node) = biggest {
///         println!("{} {}", week.date, stream.symbols().protocol(node.id));
///     }
/// }
/// # Ok::<(), dexposure_snapshot::SnapshotError>(())
/// ```
pub struct SnapshotStream {
    scanner: TopLevelScanner<Box<dyn BufRead + Send>>,
    parser: WeekParser,
    symbols: SymbolTable,
    loader: SeriesLoader,
    buffer: Vec<u8>,
    seen: FxHashSet<NaiveDate>,
    read: Arc<AtomicU64>,
    total: u64,
    path: PathBuf,
    finished: bool,
}

impl SnapshotStream {
    /// The next week in file order, or None after the last one (the rest of the document is
    /// checked before None is returned). After an error the stream is over: later calls give
    /// None.
    pub fn next_week(&mut self) -> Result<Option<Snapshot>> {
        if self.finished {
            return Ok(None);
        }
        let next = self.read_week();
        if !matches!(next, Ok(Some(_))) {
            self.finished = true;
        }
        next
    }

    fn read_week(&mut self) -> Result<Option<Snapshot>> {
        self.buffer.clear();
        let loader = &self.loader;
        let Some(entry) = self
            .scanner
            .next_week(Some(&mut self.buffer), |d| !loader.wanted(d))?
        else {
            return Ok(None);
        };
        check_unique(&mut self.seen, entry.date, &self.path)?;
        let origin = WeekOrigin {
            path: &self.path,
            date: entry.date,
            offset: entry.offset,
        };
        let week = self
            .parser
            .parse(&self.buffer, origin)?
            .into_series(&mut self.symbols);
        if let Some(progress) = &self.loader.progress {
            progress(self.bytes_read(), self.total);
        }
        Ok(Some(week))
    }

    /// The table the streamed weeks' handles refer to (it grows as weeks are read).
    pub fn symbols(&self) -> &SymbolTable {
        &self.symbols
    }

    /// Bytes read from the file so far (compressed bytes for gzip files).
    pub fn bytes_read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// Bytes of the (decompressed) document scanned so far.
    pub fn document_offset(&self) -> u64 {
        self.scanner.offset()
    }

    /// Reads the remaining weeks into a series (sorted by date).
    pub fn into_series(mut self) -> Result<SnapshotSeries> {
        let mut weeks = Vec::new();
        while let Some(week) = self.next_week()? {
            weeks.push(week);
        }
        SnapshotSeries::new(self.symbols, weeks)
    }
}

impl Iterator for SnapshotStream {
    type Item = Result<Snapshot>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_week().transpose()
    }
}
