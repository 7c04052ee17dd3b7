//! The malformed-input policy (crate docs, "Malformed input policy") checked on a corpus.
//!
//! Every file of `tests/data/malformed/` is listed in `cases.tsv` with its expected outcome:
//! an error whose message contains given substrings, or a load (possibly with counted repairs)
//! with given counts. Each case is read by the whole-file path and by the streaming path; both
//! must agree and neither may panic. A property test feeds arbitrary bytes and mutations of a
//! valid document to both paths.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{Cursor, Write as _};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use dexposure_snapshot::{
    NaiveDate, QualityReport, Result, SeriesLoader, Snapshot, SnapshotSeries, SnapshotStream,
    SymbolTable,
};
use proptest::prelude::*;

/// Files of the corpus folder that are not cases.
const NOT_CASES: [&str; 2] = ["cases.tsv", "make_gzip_cases.py"];
const MANIFEST: &str = "cases.tsv";
const MIN_CASES: usize = 34;
/// A stream that yields more weeks than this is assumed to loop forever.
const MAX_WEEKS: usize = 10_000;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/malformed")
}

// ---------------------------------------------------------------------------------------------
// Manifest

#[derive(Debug)]
enum Expect {
    /// The message must contain each substring (and the file name).
    Error(Vec<String>),
    /// Loaded; `repair` says the case exercises a documented repair.
    Loaded {
        repair: bool,
        checks: Vec<(String, String)>,
    },
}

#[derive(Debug)]
struct Case {
    file: String,
    expect: Expect,
}

fn manifest() -> Vec<Case> {
    let path = corpus_dir().join(MANIFEST);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut cases = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut cols = line.split('\t');
        let file = cols.next().unwrap().to_owned();
        let outcome = cols
            .next()
            .unwrap_or_else(|| panic!("{MANIFEST}:{}: no outcome column", n + 1));
        let rest: Vec<String> = cols.map(str::to_owned).collect();
        let expect = match outcome {
            "error" => Expect::Error(rest),
            "ok" | "repair" => Expect::Loaded {
                repair: outcome == "repair",
                checks: rest
                    .iter()
                    .map(|kv| {
                        let (k, v) = kv.split_once('=').unwrap_or_else(|| {
                            panic!("{MANIFEST}:{}: {kv:?} is not key=value", n + 1)
                        });
                        (k.to_owned(), v.to_owned())
                    })
                    .collect(),
            },
            other => panic!("{MANIFEST}:{}: unknown outcome {other:?}", n + 1),
        };
        cases.push(Case { file, expect });
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Running both paths

/// Per-week counts that both paths must agree on.
#[derive(Debug, Clone, PartialEq)]
struct WeekSummary {
    date: NaiveDate,
    nodes: usize,
    links: usize,
    dropped: usize,
    null_composition_values: u64,
    duplicate_composition_tokens: u64,
    composition_usd: f64,
    composition_entries: usize,
}

impl WeekSummary {
    fn of(week: &Snapshot) -> Self {
        let spans = week
            .nodes
            .iter()
            .map(|n| n.composition)
            .chain(week.links.iter().map(|l| l.composition))
            .chain(week.dropped.iter().map(|d| d.composition));
        let (mut usd, mut entries) = (0.0, 0);
        for span in spans {
            for amount in week.composition(span) {
                usd += amount.usd;
                entries += 1;
            }
        }
        Self {
            date: week.date,
            nodes: week.nodes.len(),
            links: week.links.len(),
            dropped: week.dropped.len(),
            null_composition_values: week.repairs.null_composition_values,
            duplicate_composition_tokens: week.repairs.duplicate_composition_tokens,
            composition_usd: usd,
            composition_entries: entries,
        }
    }
}

/// What one load path gave.
#[derive(Debug)]
enum Outcome {
    Panicked(String),
    Failed(String),
    Loaded(SnapshotSeries),
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(non-string panic payload)".to_owned())
}

fn outcome(run: impl FnOnce() -> Result<SnapshotSeries>) -> Outcome {
    match catch_unwind(AssertUnwindSafe(run)) {
        Err(payload) => Outcome::Panicked(panic_message(payload.as_ref())),
        Ok(Err(e)) => Outcome::Failed(e.to_string()),
        Ok(Ok(series)) => Outcome::Loaded(series),
    }
}

/// Drains a stream with `next_week` until `None` or the first error; the weeks read are put
/// into a series (sorted by date) so that they compare with the whole-file path.
fn drain(mut stream: SnapshotStream) -> Result<SnapshotSeries> {
    let mut weeks = Vec::new();
    while let Some(week) = stream.next_week()? {
        weeks.push(week);
        assert!(weeks.len() <= MAX_WEEKS, "the stream does not end");
    }
    let symbols: SymbolTable = stream.symbols().clone();
    Ok(SnapshotSeries::new(symbols, weeks).unwrap())
}

fn load_file(path: &Path) -> Outcome {
    outcome(|| SeriesLoader::new().threads(1).load(path))
}

fn stream_file(path: &Path) -> Outcome {
    outcome(|| drain(SeriesLoader::new().stream(path)?))
}

fn load_mem(bytes: &[u8]) -> Outcome {
    outcome(|| {
        SeriesLoader::new()
            .threads(1)
            .load_bytes(bytes, "prop.json")
    })
}

fn stream_mem(bytes: &[u8]) -> Outcome {
    let owned = bytes.to_vec();
    outcome(move || drain(SeriesLoader::new().stream_reader(Cursor::new(owned), "prop.json", 0)?))
}

// ---------------------------------------------------------------------------------------------
// Checking one case

/// The value of a manifest key on a loaded series.
fn measure(series: &SnapshotSeries, key: &str, value: &str) -> std::result::Result<String, String> {
    let weeks: Vec<WeekSummary> = series.iter().map(WeekSummary::of).collect();
    let sum = |f: fn(&WeekSummary) -> u64| weeks.iter().map(f).sum::<u64>().to_string();
    Ok(match key {
        "weeks" => series.len().to_string(),
        "nodes" => sum(|w| w.nodes as u64),
        "links" => sum(|w| w.links as u64),
        "dropped" => sum(|w| w.dropped as u64),
        "null_composition_values" => sum(|w| w.null_composition_values),
        "duplicate_composition_tokens" => sum(|w| w.duplicate_composition_tokens),
        "composition_entries" => sum(|w| w.composition_entries as u64),
        "composition_usd" => {
            let total: f64 = weeks.iter().map(|w| w.composition_usd).sum();
            let expected: f64 = value.parse().map_err(|e| format!("{key}={value}: {e}"))?;
            // Compared as numbers: report the expected spelling when they are equal.
            if (total - expected).abs() <= 1e-9 * expected.abs().max(1.0) {
                value.to_owned()
            } else {
                total.to_string()
            }
        }
        "non_monday_dates" => QualityReport::new(series, None)
            .summary
            .non_monday_dates
            .to_string(),
        "dates" => series
            .dates()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(","),
        "has_protocol" => {
            if series.symbols().find_protocol(value).is_some() {
                value.to_owned()
            } else {
                "(not interned)".to_owned()
            }
        }
        other => return Err(format!("unknown manifest key {other:?}")),
    })
}

/// Checks one path's outcome against the expectation; returns the problems found.
fn check_path(case: &Case, path_name: &str, got: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    let tag = format!("{} [{path_name}]", case.file);
    match (&case.expect, got) {
        (_, Outcome::Panicked(msg)) => problems.push(format!("{tag}: PANICKED: {msg}")),
        (Expect::Error(needles), Outcome::Failed(msg)) => {
            let missing: Vec<&str> = std::iter::once(case.file.as_str())
                .chain(needles.iter().map(String::as_str))
                .filter(|n| !msg.contains(n))
                .collect();
            if !missing.is_empty() {
                problems.push(format!(
                    "{tag}: error message lacks {missing:?}\n      message: {msg}"
                ));
            }
        }
        (Expect::Error(_), Outcome::Loaded(series)) => problems.push(format!(
            "{tag}: expected an error, but it loaded {} week(s)",
            series.len()
        )),
        (Expect::Loaded { .. }, Outcome::Failed(msg)) => {
            problems.push(format!("{tag}: expected a load, got error: {msg}"));
        }
        (Expect::Loaded { repair, checks }, Outcome::Loaded(series)) => {
            for (key, value) in checks {
                match measure(series, key, value) {
                    Ok(got) if &got == value => {}
                    Ok(got) => problems.push(format!("{tag}: {key}: expected {value}, got {got}")),
                    Err(e) => problems.push(format!("{tag}: {e}")),
                }
            }
            // Repair counters not named in the manifest must be zero.
            for counter in ["null_composition_values", "duplicate_composition_tokens"] {
                if !checks.iter().any(|(k, _)| k == counter) {
                    let got = measure(series, counter, "0").unwrap();
                    if got != "0" {
                        problems.push(format!("{tag}: {counter}: expected 0, got {got}"));
                    }
                }
            }
            let total: u64 = series.iter().map(|w| w.repairs.total()).sum();
            if *repair && total == 0 {
                problems.push(format!("{tag}: a repair case, but no repair was counted"));
            }
        }
    }
    problems
}

fn summaries(series: &SnapshotSeries) -> Vec<WeekSummary> {
    series.iter().map(WeekSummary::of).collect()
}

fn check_case(case: &Case) -> Vec<String> {
    let path = corpus_dir().join(&case.file);
    let whole = load_file(&path);
    let streamed = stream_file(&path);
    let mut problems = check_path(case, "load", &whole);
    problems.extend(check_path(case, "stream", &streamed));
    if let (Outcome::Loaded(a), Outcome::Loaded(b)) = (&whole, &streamed) {
        if summaries(a) != summaries(b) {
            problems.push(format!(
                "{}: the paths disagree:\n      load:   {:?}\n      stream: {:?}",
                case.file,
                summaries(a),
                summaries(b)
            ));
        } else if a != b {
            problems.push(format!("{}: the paths give different series", case.file));
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn manifest_lists_every_file_and_enough_cases() {
    let cases = manifest();
    let listed: Vec<&str> = cases.iter().map(|c| c.file.as_str()).collect();
    let unique: BTreeSet<&str> = listed.iter().copied().collect();
    assert_eq!(
        unique.len(),
        listed.len(),
        "a file is listed twice in {MANIFEST}"
    );
    assert!(
        cases.len() >= MIN_CASES,
        "the corpus has {} cases, fewer than {MIN_CASES}",
        cases.len()
    );

    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let entry = entry.unwrap();
        assert!(
            entry.file_type().unwrap().is_file(),
            "{:?} is not a file",
            entry.path()
        );
        let name = entry.file_name().into_string().unwrap();
        if NOT_CASES.contains(&name.as_str()) {
            continue;
        }
        let len = entry.metadata().unwrap().len();
        assert!(
            len < 300_000,
            "{name} is {len} bytes; keep corpus files under 300 KB"
        );
        on_disk.insert(name);
    }
    let unlisted: Vec<&String> = on_disk
        .iter()
        .filter(|f| !unique.contains(f.as_str()))
        .collect();
    assert!(
        unlisted.is_empty(),
        "files without an expectation in {MANIFEST}: {unlisted:?}"
    );
    let absent: Vec<&&str> = unique.iter().filter(|f| !on_disk.contains(**f)).collect();
    assert!(
        absent.is_empty(),
        "{MANIFEST} lists files that do not exist: {absent:?}"
    );

    let errors = cases
        .iter()
        .filter(|c| matches!(c.expect, Expect::Error(_)))
        .count();
    let repairs = cases
        .iter()
        .filter(|c| matches!(c.expect, Expect::Loaded { repair: true, .. }))
        .count();
    assert!(
        errors > 0 && repairs > 0,
        "the corpus needs error and repair cases"
    );
}

#[test]
fn corpus_cases_follow_the_policy_on_both_paths() {
    let cases = manifest();
    let mut report = String::new();
    let mut failed = 0;
    for case in &cases {
        let problems = check_case(case);
        if !problems.is_empty() {
            failed += 1;
            for p in problems {
                writeln!(report, "  - {p}").unwrap();
            }
        }
    }
    assert!(
        failed == 0,
        "{failed} of {} malformed-input cases failed:\n{report}",
        cases.len()
    );
}

/// The same document as whole file and stream, from memory (no file system), must agree.
#[test]
fn corpus_cases_agree_from_memory() {
    for case in manifest() {
        let bytes = std::fs::read(corpus_dir().join(&case.file)).unwrap();
        let (a, b) = (load_mem(&bytes), stream_mem(&bytes));
        if let Err(e) = agree(&a, &b) {
            panic!("{}: {e}", case.file);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Short reads: a pipe or socket may hand the stream fewer bytes than asked for, so the scanner
// sees keys, strings, escapes and braces cut at any point.

/// Yields its bytes in reads of the given sizes (cycled; a size of 0 counts as 1).
struct ShortReads {
    data: Cursor<Vec<u8>>,
    sizes: Vec<usize>,
    turn: usize,
}

impl std::io::Read for ShortReads {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes[self.turn % self.sizes.len()].max(1);
        self.turn += 1;
        let n = size.min(buf.len());
        self.data.read(&mut buf[..n])
    }
}

fn stream_short_reads(bytes: &[u8], sizes: Vec<usize>) -> Outcome {
    let reader = ShortReads {
        data: Cursor::new(bytes.to_vec()),
        sizes,
        turn: 0,
    };
    outcome(move || drain(SeriesLoader::new().stream_reader(reader, "prop.json", 0)?))
}

/// Every corpus case read one byte at a time (after a first read of two bytes, so that the gzip
/// magic is seen whole: see the next test) gives what the whole-file path gives.
#[test]
fn stream_with_one_byte_reads_matches_whole_file() {
    let mut problems = Vec::new();
    for case in manifest() {
        let bytes = std::fs::read(corpus_dir().join(&case.file)).unwrap();
        let sizes = std::iter::once(2)
            .chain(std::iter::repeat_n(1, bytes.len()))
            .collect();
        if let Err(e) = agree(&load_mem(&bytes), &stream_short_reads(&bytes, sizes)) {
            problems.push(format!("{}: {e}", case.file));
        }
    }
    assert!(
        problems.is_empty(),
        "one-byte reads:\n{}",
        problems.join("\n")
    );
}

/// The gzip magic is two bytes; a reader whose first read returns one byte must not make the
/// stream take a gzip file for JSON.
#[test]
fn stream_detects_gzip_when_the_first_read_is_one_byte() {
    let bytes = gzip(VALID);
    let got = stream_short_reads(&bytes, vec![1, 4096]);
    assert!(
        matches!(&got, Outcome::Loaded(s) if s.len() == 2),
        "gzip read with a one-byte first read: {got:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Property tests

const VALID: &[u8] = br#"{"meta": {"v": [1, "}"]}, "data": {
 "2022-05-09": {"nodes": [{"id": "182", "size": 1.5e3, "composition": {"STETH": 1000, "ETH": null, "STETH": 500}},
                          {"id": "2269", "size": 2, "composition": {}}],
                "links": [{"source": "182", "target": "2269", "size": 1.0, "composition": {"STETH": 1.0}},
                          {"source": "182", "target": null, "size": 0, "composition": {"X\"}": 0.0}}]},
 "2022-05-02": {"nodes": [{"id": "7", "size": 0.25, "composition": {"A": 0.25}, "x": [[{}]]}], "links": []}}}
"#;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Both outcomes without panic, both errors or both the same series.
fn agree(a: &Outcome, b: &Outcome) -> std::result::Result<(), String> {
    match (a, b) {
        (Outcome::Panicked(m), _) => Err(format!("load_bytes panicked: {m}")),
        (_, Outcome::Panicked(m)) => Err(format!("stream panicked: {m}")),
        (Outcome::Failed(_), Outcome::Failed(_)) => Ok(()),
        (Outcome::Loaded(x), Outcome::Loaded(y)) if x == y => Ok(()),
        (Outcome::Loaded(x), Outcome::Loaded(y)) => Err(format!(
            "both loaded, but differently:\n load:   {:?}\n stream: {:?}",
            summaries(x),
            summaries(y)
        )),
        (Outcome::Loaded(_), Outcome::Failed(m)) => {
            Err(format!("load_bytes accepted it, the stream failed: {m}"))
        }
        (Outcome::Failed(m), Outcome::Loaded(_)) => {
            Err(format!("the stream accepted it, load_bytes failed: {m}"))
        }
    }
}

fn check_agree(bytes: &[u8]) -> std::result::Result<(), TestCaseError> {
    agree(&load_mem(bytes), &stream_mem(bytes)).map_err(|e| {
        TestCaseError::fail(format!("{e}\n input: {:?}", String::from_utf8_lossy(bytes)))
    })
}

/// JSON-ish fragments, so that random sequences get past the first byte of the scanner.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    " ",
    "\"",
    "\\",
    "\"data\"",
    "\"2022-05-02\"",
    "\"2022-05-09\"",
    "\"nodes\"",
    "\"links\"",
    "\"id\"",
    "\"size\"",
    "\"composition\"",
    "\"source\"",
    "\"target\"",
    "\"182\"",
    "\"T\"",
    "1.0",
    "-1",
    "1e400",
    "0",
    "null",
    "true",
    "NaN",
    "Infinity",
    "\"\"",
];

/// 1024 cases per property unless `PROPTEST_CASES` says otherwise; no regression files.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 1024;
    }
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn valid_document_loads_on_both_paths(gz in any::<bool>()) {
        let bytes = if gz { gzip(VALID) } else { VALID.to_vec() };
        let a = load_mem(&bytes);
        prop_assert!(matches!(a, Outcome::Loaded(ref s) if s.len() == 2), "{a:?}");
        check_agree(&bytes)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_paths_agree(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        check_agree(&bytes)?;
    }

    #[test]
    fn token_soup_never_panics_and_paths_agree(
        parts in proptest::collection::vec(proptest::sample::select(TOKENS), 0..60),
        wrap in any::<bool>(),
    ) {
        let body = parts.concat();
        let text = if wrap { format!("{{\"data\": {{\"2022-05-02\": {body}}}}}") } else { body };
        check_agree(text.as_bytes())?;
    }

    #[test]
    fn truncated_document_never_panics_and_paths_agree(
        cut in 0..VALID.len(),
        gz in any::<bool>(),
    ) {
        let bytes = if gz { let z = gzip(VALID); z[..cut * z.len() / VALID.len()].to_vec() }
                    else { VALID[..cut].to_vec() };
        check_agree(&bytes)?;
        // A strict prefix of the JSON (ignoring trailing whitespace) is never accepted.
        if !gz && VALID[cut..].iter().any(|b| !b.is_ascii_whitespace()) {
            prop_assert!(matches!(load_mem(&bytes), Outcome::Failed(_)), "prefix of {cut} bytes accepted");
        }
    }

    #[test]
    fn flipped_byte_never_panics_and_paths_agree(
        at in any::<proptest::sample::Index>(),
        byte in any::<u8>(),
        gz in any::<bool>(),
    ) {
        let mut bytes = if gz { gzip(VALID) } else { VALID.to_vec() };
        let i = at.index(bytes.len());
        bytes[i] = byte;
        check_agree(&bytes)?;
    }

    #[test]
    fn short_reads_give_the_same_result(
        sizes in proptest::collection::vec(1usize..9, 1..6),
        cut in 0..=VALID.len(),
        at in any::<proptest::sample::Index>(),
        byte in any::<u8>(),
        flip in any::<bool>(),
    ) {
        // Plain JSON only: the first read of a gzip file must hold both magic bytes (see
        // stream_detects_gzip_when_the_first_read_is_one_byte).
        let mut bytes = VALID[..cut].to_vec();
        if flip && !bytes.is_empty() {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let whole = load_mem(&bytes);
        agree(&whole, &stream_short_reads(&bytes, sizes))
            .map_err(|e| TestCaseError::fail(format!("{e}\n input: {:?}", String::from_utf8_lossy(&bytes))))?;
    }

    #[test]
    fn spliced_documents_never_panic_and_paths_agree(
        a in any::<proptest::sample::Index>(),
        b in any::<proptest::sample::Index>(),
        len in 0usize..40,
    ) {
        // A copy of a random slice inserted at a random place (repeated keys, records, braces).
        let (i, j) = (a.index(VALID.len()), b.index(VALID.len()));
        let mut bytes = VALID[..i].to_vec();
        bytes.extend_from_slice(&VALID[j..(j + len).min(VALID.len())]);
        bytes.extend_from_slice(&VALID[i..]);
        check_agree(&bytes)?;
    }
}
