//! Load paths, cleaning, quality records, writer round trips and the series API, on the
//! hand-made fixture `datasets/fixture/tiny.json` and on generated series.
//!
//! Expected numbers for the fixture are counted by hand from the file (see the comments).

use std::path::PathBuf;

use dexposure_snapshot::{
    DropReason, NaiveDate, Node, QualityReport, SeriesLoader, SeriesWriter, Snapshot,
    SnapshotSeries, SymbolTable, TokenAmount,
};
use proptest::prelude::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/fixture")
        .join(name)
}

fn date(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

fn load_all_ways(path: &PathBuf) -> Vec<SnapshotSeries> {
    vec![
        SeriesLoader::new()
            .threads(1)
            .load(path)
            .expect("sequential load"),
        SeriesLoader::new()
            .threads(2)
            .load(path)
            .expect("parallel load"),
        SeriesLoader::new()
            .stream(path)
            .expect("open stream")
            .into_series()
            .expect("stream"),
        SeriesLoader::new()
            .load_bytes(&std::fs::read(path).expect("read"), path)
            .expect("load_bytes"),
    ]
}

#[test]
fn every_load_path_gives_the_same_series() {
    let plain = load_all_ways(&fixture("tiny.json"));
    let gzip = load_all_ways(&fixture("tiny.json.gz"));
    for series in plain.iter().chain(&gzip) {
        assert_eq!(series, &plain[0]);
    }
    assert_eq!(plain[0].len(), 4);
}

#[test]
fn fixture_week_is_cleaned_as_designed() {
    let series = SnapshotSeries::load(fixture("tiny.json")).expect("load");
    let week = series.get(date("2022-05-02")).expect("week");
    let symbols = series.symbols();
    // 13 nodes; 12 links in the file: one with a null target (UNKNOWN -> null), one whose target
    // "9999" is not a node (OTHER -> 9999); the duplicate 2269 -> 2272 and the self-loop
    // 4321 -> 4321 are kept.
    assert_eq!(week.nodes.len(), 13);
    assert_eq!(week.raw_link_count(), 12);
    assert_eq!(week.links.len(), 10);
    let counts = week.drop_counts();
    assert_eq!(
        (
            counts.null_target,
            counts.null_source,
            counts.missing_endpoint
        ),
        (1, 0, 1)
    );
    assert_eq!(week.dropped[0].reason, DropReason::NullTarget);
    assert_eq!(week.dropped[0].file_index, 10);
    assert_eq!(
        symbols.protocol(week.dropped[1].target.expect("target kept")),
        "9999"
    );
    assert_eq!(
        week.links.iter().filter(|l| l.source == l.target).count(),
        1
    );
    // The multi-token, signed composition of WETH -> 1599.
    let weth = symbols.find_protocol("WETH").expect("WETH");
    let link = week
        .links
        .iter()
        .find(|l| l.source == weth)
        .expect("WETH link");
    let composition: Vec<(&str, f64)> = week
        .composition(link.composition)
        .iter()
        .map(|a| (symbols.token(a.token), a.usd))
        .collect();
    assert_eq!(
        composition,
        vec![("WETH", 71_000_000.0), ("ETH", -7_000_000.0)]
    );
    // The 2022-05-23 week has a link with a null source.
    assert_eq!(
        series
            .get(date("2022-05-23"))
            .expect("week")
            .drop_counts()
            .null_source,
        1
    );
}

#[test]
fn quality_record_matches_hand_counts() {
    let series = SnapshotSeries::load(fixture("tiny.json")).expect("load");
    let report = QualityReport::new(&series, None);
    let first = &report.weeks[0];
    assert_eq!((first.nodes, first.links, first.raw_links), (13, 10, 12));
    assert_eq!((first.self_loops, first.duplicate_links), (1, 1));
    assert!((first.pct_target_null_dropped - 100.0 / 12.0).abs() < 1e-12);
    assert!((first.pct_endpoint_missing_dropped - 100.0 / 12.0).abs() < 1e-12);
    // 2022-05-02 -> 2022-05-09: the same 13 nodes. Distinct directed pairs at t: 9; of them
    // 382->182, USDC->1599, 2269->2272 and 4321->4321 recur: 4/9. All 9 unordered pairs recur.
    let overlap = first.next_week_overlap.expect("overlap");
    assert_eq!(overlap.nodes, 1.0);
    assert!((overlap.directed_links - 4.0 / 9.0).abs() < 1e-12);
    assert_eq!(overlap.undirected_pairs, 1.0);
    // 2022-05-09 -> 2022-05-16: PancakeSwap Perps (3538) leaves, 12 of 13 nodes stay.
    assert!(
        (report.weeks[1].next_week_overlap.expect("overlap").nodes - 12.0 / 13.0).abs() < 1e-12
    );
    assert!(report.weeks[3].next_week_overlap.is_none());
    assert_eq!(report.summary.weeks, 4);
    assert_eq!(report.summary.raw_links, 41);
    assert_eq!(report.summary.dropped.total(), 5);
    assert_eq!(report.summary.non_monday_dates, 0);
    assert_eq!(report.summary.gaps, 0);
    // Streaming gives the same report.
    let streamed = QualityReport::from_stream(
        SeriesLoader::new()
            .stream(fixture("tiny.json"))
            .expect("open"),
        None,
    )
    .expect("report");
    assert_eq!(streamed, report);
    // And it serializes.
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("valid JSON");
    assert_eq!(json["weeks"][0]["date"], "2022-05-02");
}

#[test]
fn date_filters_apply_on_both_paths() {
    let from = date("2022-05-09");
    let to = date("2022-05-16");
    let loader = SeriesLoader::new().from(from).to(to);
    let whole = loader.load(fixture("tiny.json.gz")).expect("load");
    let streamed = loader
        .stream(fixture("tiny.json.gz"))
        .expect("open")
        .into_series()
        .expect("stream");
    assert_eq!(whole, streamed);
    assert_eq!(whole.dates().collect::<Vec<_>>(), vec![from, to]);
    let everything = SnapshotSeries::load(fixture("tiny.json")).expect("load");
    assert_eq!(everything.range(Some(from), Some(to)).len(), 2);
}

#[test]
fn write_then_load_round_trips_exactly() {
    let series = SnapshotSeries::load(fixture("tiny.json")).expect("load");
    for writer in [SeriesWriter::new(), SeriesWriter::new().gzip(true)] {
        let mut bytes = Vec::new();
        writer.write_to(&series, &mut bytes).expect("write");
        let again = SeriesLoader::new()
            .load_bytes(&bytes, "copy")
            .expect("reload");
        assert_eq!(again, series);
        // Writing is deterministic: the copy writes to the same bytes.
        let mut bytes_again = Vec::new();
        writer.write_to(&again, &mut bytes_again).expect("write");
        assert_eq!(bytes, bytes_again);
    }
    // The written file keeps the dropped links at their positions in the original.
    let mut bytes = Vec::new();
    SeriesWriter::new()
        .write_to(&series, &mut bytes)
        .expect("write");
    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("tiny.json")).expect("read")).expect("JSON");
    assert_eq!(value, original);
    // Without dropped links, the reloaded series has none.
    let mut clean = Vec::new();
    SeriesWriter::new()
        .include_dropped(false)
        .write_to(&series, &mut clean)
        .expect("write");
    let reloaded = SeriesLoader::new()
        .load_bytes(&clean, "clean")
        .expect("reload");
    assert!(reloaded.iter().all(|w| w.dropped.is_empty()));
    assert_eq!(reloaded.iter().map(|w| w.links.len()).sum::<usize>(), 36);
}

#[test]
fn a_stream_ends_after_an_error() {
    let json = br#"{"data": {"2022-05-02": {"nodes": [], "links": []}, "2022-05-09": {"nodes": 5, "links": []}, "2022-05-16": {"nodes": [], "links": []}}}"#;
    let mut stream = SeriesLoader::new()
        .stream_reader(std::io::Cursor::new(json.to_vec()), "bad.json", 0)
        .expect("open");
    assert!(stream.next_week().expect("first week").is_some());
    let error = stream
        .next_week()
        .expect_err("second week is bad")
        .to_string();
    assert!(
        error.contains("bad.json") && error.contains("2022-05-09") && error.contains("nodes"),
        "{error}"
    );
    assert!(stream.next_week().expect("over").is_none());
    assert!(stream.next().is_none());
}

#[test]
fn write_to_file_and_load_back() {
    let series = SnapshotSeries::load(fixture("tiny.json")).expect("load");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("out.json.gz");
    SeriesWriter::new()
        .gzip(true)
        .write(&series, &path)
        .expect("write");
    assert_eq!(SnapshotSeries::load(&path).expect("reload"), series);
}

#[test]
fn series_api() {
    let series = SnapshotSeries::load(fixture("tiny.json")).expect("load");
    assert_eq!(series.position(date("2022-05-16")), Some(2));
    assert!(series.get(date("2022-05-17")).is_none());
    assert_eq!(series.windows(3).count(), 2);
    assert_eq!(series.windows(0).count(), 0);
    assert_eq!(series.windows(5).count(), 0);
    let pairs: Vec<_> = series
        .horizon_pairs(2)
        .map(|(a, b)| (a.date, b.date))
        .collect();
    assert_eq!(
        pairs,
        vec![
            (date("2022-05-02"), date("2022-05-16")),
            (date("2022-05-09"), date("2022-05-23"))
        ]
    );
    assert_eq!(series.range(None, Some(date("2022-05-01"))).len(), 0);
    assert_eq!(series.range(Some(date("2022-05-24")), None).len(), 0);
    // Two snapshots with one date are refused.
    let (symbols, mut weeks) = series.into_parts();
    weeks.push(weeks[0].clone());
    assert!(SnapshotSeries::new(symbols, weeks).is_err());
}

#[test]
fn week_end_guess_is_proven_by_the_parser() {
    // Inside strings the boundary pattern `]}, "YYYY-MM-DD"` cannot occur (quotes are escaped),
    // but it can in a nested unknown field. The whole-file loader's guess then splits the week
    // wrongly, simd-json rejects the piece, and the loader re-scans exactly.
    let json = r#"{"data": {"2021-01-04": {"nodes": [{"id": "1", "size": 1.0, "composition": {"X]}, \"2021-01-11\": {": 1.0},
        "extra": {"a": [1]}, "2021-01-11": {"b": [2]}}], "links": []}, "2021-01-11": {"nodes": [], "links": []}}}"#;
    let whole = SeriesLoader::new()
        .threads(1)
        .load_bytes(json.as_bytes(), "tricky.json")
        .expect("load");
    let streamed = SeriesLoader::new()
        .stream_reader(
            std::io::Cursor::new(json.as_bytes().to_vec()),
            "tricky.json",
            0,
        )
        .expect("open")
        .into_series()
        .expect("stream");
    assert_eq!(whole, streamed);
    assert_eq!(whole.len(), 2);
    let week = whole.first().expect("week");
    assert_eq!(week.nodes.len(), 1);
    let token = week.composition(week.nodes[0].composition)[0].token;
    assert_eq!(whole.symbols().token(token), r#"X]}, "2021-01-11": {"#);
}

/// A generated node: id, size, composition.
type NodeSpec = (String, f64, Vec<(String, f64)>);

/// Builds a series from generated records.
fn build(weeks: Vec<Vec<NodeSpec>>, links: Vec<Vec<(usize, usize, f64)>>) -> SnapshotSeries {
    let mut symbols = SymbolTable::new();
    let first = date("2020-03-23");
    let snapshots = weeks
        .into_iter()
        .zip(links)
        .enumerate()
        .map(|(w, (nodes, links))| {
            let mut week = Snapshot::new(first.iter_weeks().nth(w).expect("date in range"));
            let mut seen = std::collections::HashSet::new();
            for (id, size, composition) in nodes {
                if !seen.insert(id.clone()) {
                    continue; // ids are unique within a week
                }
                let amounts: Vec<TokenAmount> = dedup(composition)
                    .into_iter()
                    .map(|(t, usd)| TokenAmount {
                        token: symbols.intern_token(&t),
                        usd,
                    })
                    .collect();
                let composition = week.push_composition(amounts);
                week.nodes.push(Node {
                    id: symbols.intern_protocol(&id),
                    size,
                    composition,
                });
            }
            if !week.nodes.is_empty() {
                for (s, t, size) in links {
                    let (source, target) = (
                        week.nodes[s % week.nodes.len()].id,
                        week.nodes[t % week.nodes.len()].id,
                    );
                    let composition = week.push_composition([]);
                    week.links.push(dexposure_snapshot::Link {
                        source,
                        target,
                        size,
                        composition,
                    });
                }
            }
            week
        })
        .collect();
    SnapshotSeries::new(symbols, snapshots).expect("unique dates")
}

fn dedup(items: Vec<(String, f64)>) -> Vec<(String, f64)> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|(k, _)| seen.insert(k.clone()))
        .collect()
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,6}",                              // numeric ids, including leading zeros
        "[A-Z]{2,8}",                              // token-like symbols
        ".{1,24}",                                 // any unicode, quotes and backslashes included
        Just(r#"]}, "2021-01-04": {"#.to_owned()), // the week-boundary pattern itself
    ]
}

fn amount() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.0..1e12f64,
        (0u32..1u32 << 31).prop_map(f64::from),
        Just(f64::MIN_POSITIVE),
        Just(f64::MAX)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn generated_series_round_trip_through_every_path(
        weeks in prop::collection::vec(
            prop::collection::vec((name(), amount(), prop::collection::vec((name(), -1e9..1e9f64), 0..4)), 0..6),
            1..5),
        links in prop::collection::vec(prop::collection::vec((0usize..8, 0usize..8, amount()), 0..8), 5),
    ) {
        let series = build(weeks, links);
        let mut bytes = Vec::new();
        SeriesWriter::new().write_to(&series, &mut bytes).expect("write");
        let whole = SeriesLoader::new().threads(1).load_bytes(&bytes, "prop.json").expect("load");
        prop_assert_eq!(&whole, &series);
        let streamed = SeriesLoader::new()
            .stream_reader(std::io::Cursor::new(bytes), "prop.json", 0)
            .expect("open")
            .into_series()
            .expect("stream");
        prop_assert_eq!(&streamed, &series);
    }
}

#[test]
fn a_directory_is_named_as_such_on_both_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    let whole = SeriesLoader::new()
        .load(dir.path())
        .map(|_| ())
        .map_err(|e| e.to_string());
    let stream = SeriesLoader::new()
        .stream(dir.path())
        .map(|_| ())
        .map_err(|e| e.to_string());
    for result in [whole, stream] {
        let message = result.expect_err("a directory is not a file");
        assert!(
            message.ends_with(": is a directory, not a DeXposure file"),
            "{message}"
        );
        assert!(
            message.starts_with(&dir.path().display().to_string()),
            "{message}"
        );
    }
}

#[test]
fn pseudo_nodes_are_counted_apart_from_protocols_of_unknown_category() {
    use dexposure_snapshot::{BroadCategory, ProtocolCatalog, ProtocolInfo};
    // protocols 182 (known), 999 (not in the catalog), parent#aave (known); pseudo nodes USDC,
    // LP, OTHER
    let ids = ["182", "999", "parent#aave", "USDC", "LP", "OTHER"];
    let nodes: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"id": "{id}", "size": 1.0, "composition": {{}}}}"#))
        .collect();
    let json = format!(
        r#"{{"data": {{"2024-01-01": {{"nodes": [{}], "links": []}}}}}}"#,
        nodes.join(", ")
    );
    let series = SeriesLoader::new()
        .load_bytes(json.as_bytes(), "inline.json")
        .expect("inline week");
    let mut catalog = ProtocolCatalog::new();
    for (id, category) in [
        ("182", BroadCategory::AssetManagement),
        ("parent#aave", BroadCategory::LendingBorrowingRwa),
    ] {
        catalog.insert(
            id,
            ProtocolInfo {
                name: id.to_owned(),
                category,
                detailed_category: None,
            },
        );
    }
    let report = QualityReport::new(&series, Some(&catalog));
    let week = &report.weeks[0];
    let close = |got: Option<f64>, want: f64| got.is_some_and(|g| (g - want).abs() < 1e-12);
    assert!(
        close(week.pct_category_unknown, 100.0 * 4.0 / 6.0),
        "{week:?}"
    );
    assert_eq!(week.pct_pseudo_nodes, 50.0);
    assert!(close(week.pct_protocols_unknown, 100.0 / 3.0), "{week:?}");
    assert_eq!(report.summary.mean_pct_pseudo_nodes, 50.0);
    assert!(close(
        report.summary.mean_pct_protocols_unknown,
        100.0 / 3.0
    ));
    // without metadata only the pseudo-node share is known
    let bare = QualityReport::new(&series, None);
    assert_eq!(bare.weeks[0].pct_pseudo_nodes, 50.0);
    assert_eq!(bare.weeks[0].pct_protocols_unknown, None);
    for (id, protocol) in [
        ("7", true),
        ("parent#x", true),
        ("parent#", false),
        ("", false),
        ("W3", false),
    ] {
        assert_eq!(ProtocolCatalog::is_protocol_id(id), protocol, "{id:?}");
    }
}

/// Both paths over in-memory bytes (the stream through a reader), as `Ok(weeks)` or the error
/// message.
fn both_paths(loader: &SeriesLoader, bytes: &[u8], label: &str) -> [Result<usize, String>; 2] {
    let whole = loader
        .load_bytes(bytes, label)
        .map(|s| s.len())
        .map_err(|e| e.to_string());
    let stream = loader
        .stream_reader(std::io::Cursor::new(bytes.to_vec()), label, 0)
        .and_then(|s| s.into_series())
        .map(|s| s.len())
        .map_err(|e| e.to_string());
    [whole, stream]
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

#[test]
fn a_week_over_the_size_limit_is_refused_on_both_paths_unless_filtered_out() {
    let big_node = format!(
        r#"{{"id": "1", "size": 1.0, "composition": {{{}}}}}"#,
        (0..200)
            .map(|i| format!(r#""T{i}": 0.005"#))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let json = format!(
        r#"{{"data": {{"2021-01-04": {{"nodes": [], "links": []}}, "2021-01-11": {{"nodes": [{big_node}], "links": []}}}}}}"#
    );
    assert!(json.len() > 3000, "the second week is about 3 kB");
    let limited = SeriesLoader::new().max_week_bytes(1000);
    for bytes in [json.as_bytes().to_vec(), gzip(json.as_bytes())] {
        for result in both_paths(&limited, &bytes, "big.json") {
            let message = result.expect_err("the second week is over the limit");
            assert!(
                message.starts_with("big.json: byte 66: week 2021-01-11 is larger than 1000 bytes"),
                "{message}"
            );
        }
        // Under the limit, or filtered out by date, the same file loads.
        for result in both_paths(&SeriesLoader::new(), &bytes, "big.json") {
            assert_eq!(result, Ok(2));
        }
        let first_only = limited.clone().to(date("2021-01-04"));
        for result in both_paths(&first_only, &bytes, "big.json") {
            assert_eq!(result, Ok(1));
        }
    }
}

#[test]
fn a_gzip_bomb_is_refused_by_the_whole_file_path_and_streamed_in_bounded_memory() {
    // 16 MiB of trailing whitespace after a valid document: legal JSON that compresses ~1000:1.
    let mut json = br#"{"data": {"2021-01-04": {"nodes": [], "links": []}}}"#.to_vec();
    json.resize(json.len() + (16 << 20), b' ');
    let bomb = gzip(&json);
    assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
    let limited = SeriesLoader::new().max_document_bytes(1 << 20);
    let [whole, stream] = both_paths(&limited, &bomb, "bomb.json.gz");
    let message = whole.expect_err("over the document limit");
    assert_eq!(
        message,
        "bomb.json.gz: decompresses to more than 1048576 bytes, the whole-file limit \
         (SeriesLoader::max_document_bytes); SeriesLoader::stream reads it in about one week of memory"
    );
    assert_eq!(stream, Ok(1));
    assert_eq!(
        both_paths(&SeriesLoader::new(), &bomb, "bomb.json.gz")[0],
        Ok(1)
    );
}

#[test]
fn a_million_levels_of_nesting_neither_overflow_nor_abort() {
    const DEPTH: usize = 1_000_000;
    let deep = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let week = r#""2021-01-04": {"nodes": [], "links": []}"#;
    // In an ignored root key the scanner passes over it without recursion: the file loads.
    let in_root = format!(r#"{{"meta": {deep}, "data": {{{week}}}}}"#);
    for result in both_paths(&SeriesLoader::new(), in_root.as_bytes(), "deep.json") {
        assert_eq!(result, Ok(1));
    }
    // Inside a week simd-json's depth limit applies: a clear error naming the week.
    let in_week =
        format!(r#"{{"data": {{"2021-01-04": {{"nodes": [], "links": [], "extra": {deep}}}}}}}"#);
    for result in both_paths(&SeriesLoader::new(), in_week.as_bytes(), "deep.json") {
        let message = result.expect_err("too deep for simd-json");
        assert!(message.contains("2021-01-04"), "{message}");
        assert!(
            message.contains("nested more than 1024 levels"),
            "{message}"
        );
    }
}

#[test]
fn many_tiny_weeks_load_on_both_paths() {
    // 20,000 empty weeks, one per day from 1970: the per-week overhead, not the data, is what
    // such a file stresses (docs/RELIABILITY.md measures a million).
    let start = date("1970-01-01");
    let mut json = String::from(r#"{"data": {"#);
    for day in 0..20_000 {
        if day > 0 {
            json.push(',');
        }
        let d = start + chrono::Days::new(day);
        json.push_str(&format!(r#""{d}":{{"nodes":[],"links":[]}}"#));
    }
    json.push_str("}}");
    for result in both_paths(&SeriesLoader::new(), json.as_bytes(), "tiny-weeks.json") {
        assert_eq!(result, Ok(20_000));
    }
}
