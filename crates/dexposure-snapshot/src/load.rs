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
#[derive(Clone)]
pub struct SeriesLoader {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    threads: usize,
    progress: Option<Arc<ProgressFn>>,
    max_week: u64,
    max_document: u64,
}

/// Default of [`SeriesLoader::max_week_bytes`]: 64 MiB, about five times the largest week of
/// the real DeXposure file (~12 MB in 2025) and of the simulator's full preset.
pub const DEFAULT_MAX_WEEK_BYTES: u64 = 64 << 20;

/// Default of [`SeriesLoader::max_document_bytes`]: 8 GiB, about seven times the real
/// DeXposure file decompressed.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 8 << 30;

impl Default for SeriesLoader {
    fn default() -> Self {
        Self {
            from: None,
            to: None,
            threads: 0,
            progress: None,
            max_week: DEFAULT_MAX_WEEK_BYTES,
            max_document: DEFAULT_MAX_DOCUMENT_BYTES,
        }
    }
}

impl std::fmt::Debug for SeriesLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeriesLoader")
            .field("from", &self.from)
            .field("to", &self.to)
            .field("threads", &self.threads)
            .field("progress", &self.progress.is_some())
            .field("max_week", &self.max_week)
            .field("max_document", &self.max_document)
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

    /// Refuse a week whose JSON object is longer than `bytes` with
    /// [`SnapshotError::WeekTooLarge`] (default [`DEFAULT_MAX_WEEK_BYTES`]). Parsing a week
    /// takes several times its size in memory on each parsing thread (up to about 16 times
    /// for a week made of millions of distinct token symbols; docs/RELIABILITY.md), so this
    /// bounds the memory of both paths against a malformed or hostile file; the streaming path
    /// stops reading such a week once `bytes` of it are buffered. Weeks outside
    /// [`from`](Self::from)/[`to`](Self::to) are passed over whatever their size.
    pub fn max_week_bytes(mut self, bytes: u64) -> Self {
        self.max_week = bytes;
        self
    }

    /// Refuse a gzip file that decompresses to more than `bytes` on the whole-file path with
    /// [`SnapshotError::DocumentTooLarge`] (default [`DEFAULT_MAX_DOCUMENT_BYTES`]): that path
    /// holds the decompressed document in memory, so this bounds it against a gzip bomb. Plain
    /// files are memory-mapped and not limited; the streaming path needs no such limit.
    pub fn max_document_bytes(mut self, bytes: u64) -> Self {
        self.max_document = bytes;
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
            self.load_document(&gunzip(&map, path, self.max_document)?, path, None)
        } else {
            self.load_document(&map, path, Some(&map))
        }
    }

    /// Parses a document already in memory (plain JSON or gzip). `label` names it in errors.
    pub fn load_bytes(&self, bytes: &[u8], label: impl AsRef<Path>) -> Result<SnapshotSeries> {
        let label = label.as_ref();
        if bytes.starts_with(&GZIP_MAGIC) {
            self.load_document(&gunzip(bytes, label, self.max_document)?, label, None)
        } else {
            self.load_document(bytes, label, None)
        }
    }

    /// Parses `document`; `map`, when the document is that file mapping, lets parsed weeks'
    /// pages go (see [`release_pages`]).
    fn load_document(
        &self,
        document: &[u8],
        path: &Path,
        map: Option<&memmap2::Mmap>,
    ) -> Result<SnapshotSeries> {
        // A wrong guess of a week's end always ends in an error (the guessed piece is not valid
        // JSON, or the scan goes on from a wrong place), so any error is checked by an exact
        // scan, which also reports it at the right place. Errors are rare; the re-run costs
        // one more pass (pages already released are read back from the page cache).
        self.load_document_with(document, path, true, map)
            .or_else(|_| self.load_document_with(document, path, false, map))
    }

    fn load_document_with(
        &self,
        document: &[u8],
        path: &Path,
        guess_ends: bool,
        map: Option<&memmap2::Mmap>,
    ) -> Result<SnapshotSeries> {
        let mut scanner = TopLevelScanner::new(document, path, false).max_week_bytes(self.max_week);
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
            if let Some(map) = map {
                release_pages(map, entry.offset as usize, entry.len as usize);
            }
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
            scanner: TopLevelScanner::new(source, &path, gzip).max_week_bytes(self.max_week),
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

/// Maps a file read-only, pages loaded up front (one call instead of a page fault per 4 KiB).
/// Mapping avoids copying a gigabyte into a fresh heap buffer (half of the kernel time of a
/// `read`-based load), and lets the pages of weeks already parsed leave the process
/// ([`release_pages`]), so that the file and the series it becomes are never both resident.
#[allow(unsafe_code)]
fn map_file(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and private to this call; the only hazard is another
    // process truncating or rewriting the file while it is loaded, which the documentation of
    // `SeriesLoader::load` warns about (as ripgrep does for the same technique).
    unsafe { memmap2::MmapOptions::new().populate().map(file) }
}

/// Drops the whole pages inside `offset..offset + len` of `map` from this process's resident
/// set once the week there is parsed. The file stays in the page cache, so a later read of
/// those bytes (the exact re-scan after a failed load) reads them back from there.
#[allow(unsafe_code)]
fn release_pages(map: &memmap2::Mmap, offset: usize, len: usize) {
    const PAGE: usize = 4096;
    let start = offset.div_ceil(PAGE) * PAGE;
    let end = (offset + len) / PAGE * PAGE;
    if end > start {
        // SAFETY: the mapping is a read-only, shared map of a file; `MADV_DONTNEED` on it only
        // drops this process's page table entries, and touching the range again reads the same
        // bytes back from the file, so the `&[u8]` over the map still sees unchanged contents
        // (the same caveat as the map itself: nobody may rewrite the file meanwhile). Failure
        // is harmless: the pages simply stay resident.
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
        };
    }
}

/// Decompresses a whole gzip file (all members) in memory, refusing more than `limit` bytes.
fn gunzip(bytes: &[u8], path: &Path, limit: u64) -> Result<Vec<u8>> {
    // The trailer's ISIZE (size mod 2^32 of the last member) is only a capacity hint.
    let hint = bytes
        .len()
        .checked_sub(4)
        .and_then(|at| bytes.get(at..))
        .map_or(0, |t| u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize)
        .min(bytes.len().saturating_mul(64))
        .min(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut out = Vec::with_capacity(hint);
    MultiGzDecoder::new(bytes)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| read_error(path, true, e))?;
    if out.len() as u64 > limit {
        return Err(SnapshotError::DocumentTooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
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
