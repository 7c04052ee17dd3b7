//! Network construction from holdings (DESIGN.md §4): hand-computed cases, the issuer map's
//! steps, the real mapping files (when present), CSV input, round trips and determinism.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use dexposure_snapshot::construct::MANUAL_TABLE;
use dexposure_snapshot::metadata::{ID_TO_INFO_FILE, Metadata};
use dexposure_snapshot::taxonomy::BroadCategory;
use dexposure_snapshot::{
    Construction, ConstructionOptions, HoldingRow, IssuerResolver, NaiveDate, NetworkBuilder,
    ProtocolCatalog, ProtocolInfo, QualityReport, ResolutionStep, ResolverSettings, RevMap,
    SeriesLoader, SeriesWriter, SnapshotError, SnapshotSeries, TokenIssuerMap,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// (date, protocol, chain, token, usd); quantity is 1.
type Row = (&'static str, &'static str, &'static str, &'static str, f64);

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn rev(pairs: &[(&str, &str)]) -> RevMap {
    pairs
        .iter()
        .map(|(s, id)| ((*s).to_owned(), (*id).to_owned()))
        .collect()
}

fn catalog(pairs: &[(&str, &str)]) -> ProtocolCatalog {
    pairs
        .iter()
        .map(|(id, name)| {
            (
                (*id).to_owned(),
                ProtocolInfo {
                    name: (*name).to_owned(),
                    category: BroadCategory::Unknown,
                    detailed_category: None,
                },
            )
        })
        .collect()
}

fn build_with(
    rows: &[Row],
    resolver: IssuerResolver,
    options: ConstructionOptions,
) -> Construction {
    let mut builder = NetworkBuilder::new(resolver, options);
    for &(d, protocol, chain, token, usd) in rows {
        builder
            .push(HoldingRow {
                date: date(d),
                protocol,
                chain,
                token,
                quantity: 1.0,
                usd,
            })
            .unwrap();
    }
    builder.finish().unwrap()
}

fn build(rows: &[Row], rev_pairs: &[(&str, &str)]) -> Construction {
    let rev = rev(rev_pairs);
    build_with(
        rows,
        IssuerResolver::from_parts(Some(&rev), None),
        ConstructionOptions::default(),
    )
}

type Comp = Vec<(String, f64)>;

fn comp(list: &[(&str, f64)]) -> Comp {
    list.iter().map(|(t, v)| ((*t).to_owned(), *v)).collect()
}

/// Nodes of week `i` as (id, size, composition).
fn nodes(series: &SnapshotSeries, i: usize) -> Vec<(String, f64, Comp)> {
    let s = series.symbols();
    let week = &series.snapshots()[i];
    week.nodes
        .iter()
        .map(|n| {
            (
                s.protocol(n.id).to_owned(),
                n.size,
                week.composition(n.composition)
                    .iter()
                    .map(|a| (s.token(a.token).to_owned(), a.usd))
                    .collect(),
            )
        })
        .collect()
}

/// Links of week `i` as (source, target, size, composition).
fn links(series: &SnapshotSeries, i: usize) -> Vec<(String, String, f64, Comp)> {
    let s = series.symbols();
    let week = &series.snapshots()[i];
    week.links
        .iter()
        .map(|l| {
            (
                s.protocol(l.source).to_owned(),
                s.protocol(l.target).to_owned(),
                l.size,
                week.composition(l.composition)
                    .iter()
                    .map(|a| (s.token(a.token).to_owned(), a.usd))
                    .collect(),
            )
        })
        .collect()
}

fn node(id: &str, size: f64, c: &[(&str, f64)]) -> (String, f64, Comp) {
    (id.to_owned(), size, comp(c))
}

fn link(source: &str, target: &str, size: f64, c: &[(&str, f64)]) -> (String, String, f64, Comp) {
    (source.to_owned(), target.to_owned(), size, comp(c))
}

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
}

/// Owned rows for generated data.
#[derive(Debug, Clone)]
struct OwnedRow {
    date: NaiveDate,
    protocol: String,
    chain: String,
    token: String,
    quantity: f64,
    usd: f64,
}

/// `weeks` weeks of holdings of `protocols` protocols over a few chains and tokens, with
/// several rows per holding per week (random days), entries, exits, and non-integer values.
fn generated(seed: u64, weeks: u32, protocols: u32) -> Vec<OwnedRow> {
    let mut rng = Rng(seed);
    let tokens = [
        "STETH", "WSTETH", "USDC", "DAI", "ETH", "CRV", "UNI-V2", "CAKE-LP", "P3TOK", "P7TOK",
        "FOO",
    ];
    let chains = ["Ethereum", "Arbitrum", "Base"];
    let start = date("2023-01-02");
    let mut rows = Vec::new();
    for p in 0..protocols {
        for &token in &tokens {
            for &chain in &chains {
                if rng.below(4) != 0 {
                    continue;
                }
                let mut level = 1000.0 * (1.0 + 50.0 * rng.unit());
                for w in 0..weeks {
                    // Skip some weeks entirely (entries and exits); a gap week for everyone.
                    if w == 5 || rng.below(10) == 0 {
                        continue;
                    }
                    level *= 1.0 + 0.1 * (rng.unit() - 0.5);
                    let days = 1 + rng.below(3);
                    for _ in 0..days {
                        let day = start + chrono::Days::new(u64::from(w) * 7 + rng.below(7));
                        let usd = level * (1.0 + 0.02 * (rng.unit() - 0.5));
                        rows.push(OwnedRow {
                            date: day,
                            protocol: p.to_string(),
                            chain: chain.to_owned(),
                            token: token.to_owned(),
                            quantity: usd / 3.0,
                            usd: if rng.below(50) == 0 { 0.0 } else { usd },
                        });
                    }
                }
            }
        }
    }
    rows
}

fn generated_resolver() -> IssuerResolver {
    let rev = rev(&[("P3TOK", "3"), ("P7TOK", "7"), ("FOO", "1")]);
    IssuerResolver::from_parts(Some(&rev), None)
}

fn build_owned(rows: &[OwnedRow], options: ConstructionOptions) -> Construction {
    let mut builder = NetworkBuilder::new(generated_resolver(), options);
    for r in rows {
        builder
            .push(HoldingRow {
                date: r.date,
                protocol: &r.protocol,
                chain: &r.chain,
                token: &r.token,
                quantity: r.quantity,
                usd: r.usd,
            })
            .unwrap();
    }
    builder.finish().unwrap()
}

fn written(series: &SnapshotSeries) -> Vec<u8> {
    let mut out = Vec::new();
    SeriesWriter::new().write_to(series, &mut out).unwrap();
    out
}

fn holdings_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/holdings/sample.csv")
}

/// `/work/shared/data/mapping`, or `None` (after saying so) when it is not there.
fn mapping_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/mapping"
    ))
    .to_path_buf();
    if dir.join(ID_TO_INFO_FILE).is_file() {
        Some(dir)
    } else {
        eprintln!("skipped: {} not found", dir.display());
        None
    }
}

// ---------------------------------------------------------------------------------------------
// The Lido → wstETH → Pendle chain (DeXposure-FM Fig. 1)
// ---------------------------------------------------------------------------------------------

/// Lido (182) issues stETH; a wrapper protocol "9001" holds stETH and issues wstETH (rev_map);
/// Pendle (382) holds wstETH on two chains; Lido also holds ETH (pseudo node WETH).
const FIG1: &[Row] = &[
    ("2024-03-04", "9001", "Ethereum", "STETH", 1000.0),
    ("2024-03-04", "382", "Ethereum", "WSTETH", 600.0),
    ("2024-03-04", "382", "Arbitrum", "WSTETH", 100.0),
    ("2024-03-04", "182", "Ethereum", "ETH", 5000.0),
    // rising week
    ("2024-03-11", "9001", "Ethereum", "STETH", 1200.0),
    ("2024-03-11", "382", "Ethereum", "WSTETH", 700.0),
    ("2024-03-11", "382", "Arbitrum", "WSTETH", 150.0),
    ("2024-03-11", "182", "Ethereum", "ETH", 5200.0),
    // falling week (Pendle leaves Arbitrum)
    ("2024-03-18", "9001", "Ethereum", "STETH", 1100.0),
    ("2024-03-18", "382", "Ethereum", "WSTETH", 640.0),
    ("2024-03-18", "182", "Ethereum", "ETH", 5000.0),
    // unchanged
    ("2024-03-25", "9001", "Ethereum", "STETH", 1100.0),
    ("2024-03-25", "382", "Ethereum", "WSTETH", 640.0),
    ("2024-03-25", "182", "Ethereum", "ETH", 5000.0),
];

#[test]
fn lido_wsteth_pendle() {
    let built = build(FIG1, &[("WSTETH", "9001")]);
    let series = &built.series;
    assert_eq!(
        series.dates().collect::<Vec<_>>(),
        [date("2024-03-04"), date("2024-03-11"), date("2024-03-18")]
    );

    // Rising week: issuer → holder all along the chain.
    assert_eq!(
        nodes(series, 0),
        [
            node("182", 5000.0, &[("ETH", 5000.0)]),
            node("382", 700.0, &[("WSTETH", 700.0)]),
            node("9001", 1000.0, &[("STETH", 1000.0)]),
            node("WETH", 0.0, &[]),
        ]
    );
    assert_eq!(
        links(series, 0),
        [
            link("182", "9001", 200.0, &[("STETH", 200.0)]),
            link("9001", "382", 150.0, &[("WSTETH", 150.0)]),
            link("WETH", "182", 200.0, &[("ETH", 200.0)]),
        ]
    );

    // Falling week: holder → issuer (Pendle: −60 on Ethereum, −150 exit on Arbitrum).
    assert_eq!(
        nodes(series, 1),
        [
            node("182", 5200.0, &[("ETH", 5200.0)]),
            node("382", 850.0, &[("WSTETH", 850.0)]),
            node("9001", 1200.0, &[("STETH", 1200.0)]),
            node("WETH", 0.0, &[]),
        ]
    );
    assert_eq!(
        links(series, 1),
        [
            link("182", "WETH", 200.0, &[("ETH", 200.0)]),
            link("382", "9001", 210.0, &[("WSTETH", 210.0)]),
            link("9001", "182", 100.0, &[("STETH", 100.0)]),
        ]
    );

    // Unchanged week: no links, and no issuer-only nodes.
    assert!(links(series, 2).is_empty());
    assert_eq!(
        nodes(series, 2)
            .iter()
            .map(|n| n.0.as_str())
            .collect::<Vec<_>>(),
        ["182", "382", "9001"]
    );

    let r = &built.report;
    assert_eq!(r.rows_read, 14);
    assert_eq!(r.holding_weeks, 4);
    assert_eq!(r.snapshots, 3);
    assert_eq!(r.calendar_gaps, 0);
    assert_eq!(r.holding_exits, 1);
    assert_eq!(r.holding_entries, 0);
    assert_eq!(r.holdings_unchanged, 3);
    assert_eq!(r.links, 6);
    assert_eq!(r.nodes, 11);
    assert_eq!(r.issuer_only_nodes, 2);
    assert_eq!(r.resolved(ResolutionStep::RevMap), 1);
    // STETH and ETH: the override list (which agrees with the manual table on both).
    assert_eq!(r.resolved(ResolutionStep::Override), 2);
    assert_eq!(r.resolved(ResolutionStep::ManualTable), 0);
    assert_eq!(r.distinct_tokens, 3);
    assert_eq!(r.distinct_holders, 3);
    assert_eq!(r.distinct_chains, 2);

    // Without the wrapper entry, WSTETH goes to Lido through the manual table.
    let direct = build(FIG1, &[]);
    assert_eq!(
        links(&direct.series, 0),
        [
            link("182", "382", 150.0, &[("WSTETH", 150.0)]),
            link("182", "9001", 200.0, &[("STETH", 200.0)]),
            link("WETH", "182", 200.0, &[("ETH", 200.0)]),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Netting
// ---------------------------------------------------------------------------------------------

#[test]
fn netting_of_opposite_flows() {
    let rows: &[Row] = &[
        // 10 and 20 hold each other's tokens.
        ("2024-01-01", "10", "Ethereum", "BTOK", 100.0),
        ("2024-01-01", "10", "Ethereum", "BTOK2", 100.0),
        ("2024-01-01", "20", "Ethereum", "ATOK", 100.0),
        ("2024-01-08", "10", "Ethereum", "BTOK", 150.0), // +50: flow 20 → 10
        ("2024-01-08", "10", "Ethereum", "BTOK2", 80.0), // −20: flow 10 → 20
        ("2024-01-08", "20", "Ethereum", "ATOK", 110.0), // +10: flow 10 → 20
        // 30 and 40: exactly opposite, the pair vanishes.
        ("2024-01-01", "30", "Ethereum", "DTOK", 10.0),
        ("2024-01-01", "40", "Ethereum", "CTOK", 10.0),
        ("2024-01-08", "30", "Ethereum", "DTOK", 40.0), // flow 40 → 30 of 30
        ("2024-01-08", "40", "Ethereum", "CTOK", 40.0), // flow 30 → 40 of 30
        // 50 holds 60's token on two chains in opposite directions: cancels per token.
        ("2024-01-01", "50", "Ethereum", "FTOK", 10.0),
        ("2024-01-01", "50", "Base", "FTOK", 10.0),
        ("2024-01-08", "50", "Ethereum", "FTOK", 15.0),
        ("2024-01-08", "50", "Base", "FTOK", 5.0),
        // 70 and 80: the holder side wins.
        ("2024-01-01", "70", "Ethereum", "HTOK", 100.0),
        ("2024-01-01", "80", "Ethereum", "GTOK", 100.0),
        ("2024-01-08", "70", "Ethereum", "HTOK", 30.0), // −70: flow 70 → 80
        ("2024-01-08", "80", "Ethereum", "GTOK", 70.0), // −30: flow 80 → 70
        // 90 holds its own token: a self-loop of Σ|Δ|, never netted.
        ("2024-01-01", "90", "Ethereum", "ITOK", 10.0),
        ("2024-01-01", "90", "Base", "ITOK", 10.0),
        ("2024-01-08", "90", "Ethereum", "ITOK", 17.0),
        ("2024-01-08", "90", "Base", "ITOK", 7.0), // −3
    ];
    let built = build(
        rows,
        &[
            ("ATOK", "10"),
            ("BTOK", "20"),
            ("BTOK2", "20"),
            ("CTOK", "30"),
            ("DTOK", "40"),
            ("FTOK", "60"),
            ("GTOK", "70"),
            ("HTOK", "80"),
            ("ITOK", "90"),
        ],
    );
    assert_eq!(built.series.len(), 1);
    assert_eq!(
        links(&built.series, 0),
        [
            // 10 → 20: ATOK +10, BTOK −50, BTOK2 +20 → net −20: the link is 20 → 10.
            link(
                "20",
                "10",
                20.0,
                &[("ATOK", -10.0), ("BTOK", 50.0), ("BTOK2", -20.0)]
            ),
            // 70 → 80: HTOK +70, GTOK −30 → 40.
            link("70", "80", 40.0, &[("GTOK", -30.0), ("HTOK", 70.0)]),
            link("90", "90", 10.0, &[("ITOK", 10.0)]), // +7 and −3
        ]
    );
    assert_eq!(built.report.links_netted_away, 2); // {30, 40} and {50, 60}
    assert_eq!(built.report.self_loops, 1);
    // 60 is the endpoint of no link, so it is not a node.
    let ids: Vec<String> = nodes(&built.series, 0).into_iter().map(|n| n.0).collect();
    assert_eq!(ids, ["10", "20", "30", "40", "50", "70", "80", "90"]);
}

// ---------------------------------------------------------------------------------------------
// Issuer map
// ---------------------------------------------------------------------------------------------

fn step(resolver: &IssuerResolver, token: &str) -> (String, ResolutionStep) {
    let r = resolver.resolve(token);
    (r.issuer, r.step)
}

fn is(issuer: &str, step: ResolutionStep) -> (String, ResolutionStep) {
    (issuer.to_owned(), step)
}

#[test]
fn rev_map_and_manual_table() {
    let r = IssuerResolver::from_parts(
        Some(&rev(&[("FOO", "77"), ("WBTC", "999"), ("DAI", "999")])),
        None,
    );
    assert_eq!(step(&r, "FOO"), is("77", ResolutionStep::RevMap));
    // rev_map is exact; the manual table is case-insensitive.
    assert_eq!(step(&r, "foo"), is("foo", ResolutionStep::PrimaryToken));
    assert_eq!(step(&r, "wbtc"), is("2", ResolutionStep::ManualTable));
    assert_eq!(step(&r, "Usdc"), is("USDC", ResolutionStep::ManualTable));
    // DESIGN order: rev_map first; manual_first flips it.
    assert_eq!(step(&r, "WBTC"), is("999", ResolutionStep::RevMap));
    let manual = r.clone().manual_first(true);
    assert_eq!(step(&manual, "WBTC"), is("2", ResolutionStep::ManualTable));
    // The override list comes before both (DAI is on it), unless turned off.
    assert_eq!(step(&r, "DAI"), is("118", ResolutionStep::Override));
    assert_eq!(step(&manual, "DAI"), is("118", ResolutionStep::Override));
    let plain = r.clone().with_overrides(false);
    assert_eq!(step(&plain, "DAI"), is("999", ResolutionStep::RevMap));
    // Overrides match exactly (case-sensitive), unlike the manual table.
    assert_eq!(step(&plain, "dai"), is("118", ResolutionStep::ManualTable));
    assert_eq!(step(&manual, "FOO"), is("77", ResolutionStep::RevMap));
    let extra = r.with_manual_entry("Foo", "5").manual_first(true);
    assert_eq!(step(&extra, "FOO"), is("5", ResolutionStep::ManualTable));
    assert_eq!(
        step(&IssuerResolver::new(), "LUNA"),
        is("TERRA", ResolutionStep::ManualTable)
    );
    assert!(IssuerResolver::new().resolve("LUNA").similarity.is_none());
}

#[test]
fn tfidf_hit_and_miss_at_threshold() {
    let cat = catalog(&[("2197", "Uniswap V2"), ("1", "Lido"), ("119", "SushiSwap")]);
    let r = IssuerResolver::from_parts(None, Some(&cat));
    let hit = r.resolve("UNISWAP");
    assert_eq!(
        (hit.issuer.as_str(), hit.step),
        ("2197", ResolutionStep::TfIdf)
    );
    let s = hit.similarity.unwrap();
    assert!(s > 0.2 && s < 1.0, "{s}");
    // At the threshold: accepted; just above: rejected, falls to the buckets.
    let at = r.clone().with_tfidf_threshold(s).resolve("UNISWAP");
    assert_eq!(at.step, ResolutionStep::TfIdf);
    let above = r
        .clone()
        .with_tfidf_threshold(s.next_up())
        .resolve("UNISWAP");
    assert_eq!(
        (above.issuer.as_str(), above.step),
        ("UNISWAP", ResolutionStep::PrimaryToken)
    );
    assert_eq!(above.similarity, None);
    // No shared n-gram: a miss whatever the threshold.
    let zero = r.clone().with_tfidf_threshold(0.0);
    assert_eq!(step(&zero, "QQQ"), is("QQQ", ResolutionStep::PrimaryToken));
    // Manual table comes before TF-IDF.
    assert_eq!(step(&r, "LDO"), is("182", ResolutionStep::ManualTable));
}

/// The public TF-IDF path against scikit-learn's golden values (tests/golden/tfidf.py).
#[test]
fn tfidf_matches_scikit_learn_through_the_resolver() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/tfidf.json"
    ))
    .unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut hits = 0;
    let mut misses = 0;
    for case in cases.as_array().unwrap() {
        let ids: Vec<&str> = case["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let names: Vec<&str> = case["names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let pairs: Vec<(&str, &str)> = ids.iter().copied().zip(names.iter().copied()).collect();
        // The golden values are char_wb 3-grams at DESIGN.md's threshold 0.2.
        let r = IssuerResolver::from_parts_with(
            None,
            Some(&catalog(&pairs)),
            &ResolverSettings::DESIGN,
        );
        for q in case["queries"].as_array().unwrap() {
            let symbol = q["symbol"].as_str().unwrap();
            if MANUAL_TABLE
                .iter()
                .any(|(s, _, _)| s.eq_ignore_ascii_case(symbol))
            {
                continue;
            }
            let best = q["best"].as_str();
            let top = q["similarities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .fold(0.0, f64::max);
            let got = r.resolve(symbol);
            match best {
                Some(id) if top >= 0.2 => {
                    assert_eq!(got.issuer, id, "{symbol}");
                    assert_eq!(got.step, ResolutionStep::TfIdf);
                    assert!((got.similarity.unwrap() - top).abs() <= 1e-12, "{symbol}");
                    hits += 1;
                }
                _ => {
                    assert_ne!(got.step, ResolutionStep::TfIdf, "{symbol}");
                    misses += 1;
                }
            }
        }
    }
    assert!(hits >= 10 && misses >= 5, "{hits} hits, {misses} misses");
}

#[test]
fn buckets() {
    let r = IssuerResolver::new();
    assert_eq!(step(&r, "CAKE-LP"), is("LP", ResolutionStep::LpBucket));
    assert_eq!(step(&r, "slp"), is("LP", ResolutionStep::LpBucket));
    assert_eq!(
        step(&r, "UNKNOWN (0xabc)"),
        is("UNKNOWN", ResolutionStep::UnknownBucket)
    );
    assert_eq!(step(&r, "A-B"), is("OTHER", ResolutionStep::OtherBucket));
    assert_eq!(step(&r, "XYZ"), is("XYZ", ResolutionStep::PrimaryToken));
}

#[test]
fn published_map() {
    let map = TokenIssuerMap::from_json_str(
        r#"{"MAP": {"AAA": {"id": "5", "frequency": 1}, "USDT": {"id": "2810", "frequency": 1}},
            "LP": {"X-LP": {"id": "LP", "frequency": 1}},
            "PRIMARY": {"FOO": {"id": "FOO", "frequency": 1}}}"#,
        "token_to_protocol.json",
    )
    .unwrap();
    let r = IssuerResolver::from_token_map(&map);
    assert_eq!(step(&r, "AAA"), is("5", ResolutionStep::PublishedMap));
    assert_eq!(step(&r, "X-LP"), is("LP", ResolutionStep::PublishedMap));
    assert_eq!(step(&r, "FOO"), is("FOO", ResolutionStep::PublishedMap));
    // USDT is on the override list, which runs first.
    assert_eq!(step(&r, "USDT"), is("USDT", ResolutionStep::Override));
    let exact = r.clone().with_overrides(false);
    assert_eq!(
        step(&exact, "USDT"),
        is("2810", ResolutionStep::PublishedMap)
    );
    // Tokens it lacks fall through to the manual table and the buckets.
    assert_eq!(step(&r, "USDC"), is("USDC", ResolutionStep::ManualTable));
    assert_eq!(step(&r, "Y-LP"), is("LP", ResolutionStep::LpBucket));
    let m = exact.manual_first(true);
    assert_eq!(step(&m, "USDT"), is("USDT", ResolutionStep::ManualTable));
}

#[test]
fn real_mapping_files() {
    let Some(dir) = mapping_dir() else { return };
    let meta = Metadata::from_dir(&dir).unwrap();
    // The manual table's ids and names are those of id_to_info.json.
    for (symbol, id, name) in MANUAL_TABLE {
        if id.bytes().all(|b| b.is_ascii_digit()) {
            assert_eq!(meta.catalog.name(id), Some(*name), "{symbol} → {id}");
        } else {
            assert!(!meta.catalog.contains(id), "{id} is a DefiLlama id");
        }
    }
    let r = IssuerResolver::from_metadata(&meta);
    let m = r.clone().manual_first(true);
    use ResolutionStep::{ManualTable, Override, RevMap};
    // STETH, DAI, USDT, ETH, CRV, CAKE and MKR are on the override list.
    assert_eq!(step(&r, "STETH"), is("182", Override));
    assert_eq!(step(&r, "WSTETH"), is("182", ManualTable));
    assert_eq!(step(&r, "USDC"), is("USDC", ManualTable));
    assert_eq!(step(&r, "DAI"), is("118", Override));
    assert_eq!(step(&r, "LDO"), is("182", RevMap));
    assert_eq!(step(&r, "PENDLE"), is("382", RevMap));
    assert_eq!(step(&r, "CRV"), is("3", Override));
    assert_eq!(step(&r, "CAKE"), is("194", Override));
    // Without the overrides, rev_map.json maps CRV to Curve LlamaLend and CAKE to PancakeSwap
    // Perps.
    let plain = r.clone().with_overrides(false);
    let plain_m = plain.clone().manual_first(true);
    assert_eq!(step(&plain, "STETH"), is("182", ManualTable));
    assert_eq!(step(&plain, "CRV"), is("4321", RevMap));
    assert_eq!(meta.catalog.name("4321"), Some("Curve LlamaLend"));
    assert_eq!(step(&plain, "CAKE"), is("3538", RevMap));
    assert_eq!(meta.catalog.name("3538"), Some("PancakeSwap Perps"));
    assert_eq!(step(&plain_m, "CRV"), is("3", ManualTable));
    assert_eq!(step(&plain_m, "CAKE"), is("194", ManualTable));
    assert_eq!(step(&m, "LDO"), is("182", ManualTable));
    // More, checked against the files by hand.
    assert_eq!(step(&r, "RPL"), is("900", RevMap));
    assert_eq!(step(&r, "RETH"), is("900", ManualTable));
    assert_eq!(step(&r, "METH"), is("3882", RevMap));
    assert_eq!(step(&r, "FXS"), is("359", RevMap));
    assert_eq!(step(&r, "AAVE"), is("1839", RevMap)); // Aave Arc, as rev_map.json says
    assert_eq!(step(&r, "USDT"), is("USDT", Override));
    assert_eq!(step(&r, "ETH"), is("WETH", Override));
    assert_eq!(step(&r, "LUNA"), is("TERRA", ManualTable));
    assert_eq!(step(&r, "MKR"), is("118", Override));
    assert_eq!(step(&plain, "MKR"), is("3665", RevMap)); // Maker RWA
    assert_eq!(
        step(&r, "PT-WSTETH-26JUN2025"),
        is(dexposure_snapshot::construct::PENDLE_ID, Override)
    );
    // TF-IDF on the real catalog names.
    let lido = r.resolve("LIDO");
    assert_eq!(
        (lido.issuer.as_str(), lido.step),
        ("182", ResolutionStep::TfIdf)
    );
    assert_eq!(step(&r, "QZXJV"), is("QZXJV", ResolutionStep::PrimaryToken));

    // The published map reproduces DeXposure's own mapping without the overrides.
    let published = IssuerResolver::from_token_map(meta.tokens.as_ref().unwrap());
    let exact = published.clone().with_overrides(false);
    use ResolutionStep::PublishedMap;
    assert_eq!(step(&published, "WSTETH"), is("182", PublishedMap));
    assert_eq!(step(&exact, "STETH"), is("2908", PublishedMap));
    assert_eq!(step(&exact, "CAKE"), is("1779", PublishedMap));
    assert_eq!(step(&published, "STETH"), is("182", Override));
    assert_eq!(step(&published, "CAKE"), is("194", Override));
    assert_eq!(step(&published, "USDC"), is("USDC", PublishedMap));

    // The sample holdings through the real mapping.
    let mut builder = NetworkBuilder::new(r, ConstructionOptions::default());
    builder.push_csv(holdings_fixture()).unwrap();
    let built = builder.finish().unwrap();
    assert_eq!(built.series.len(), 3);
    // Pendle's wstETH is Lido's: the first week it grows by 160000 (150000 + 10000).
    assert!(links(&built.series, 0).contains(&link(
        "182",
        "382",
        160_000.0,
        &[("WSTETH", 160_000.0)]
    )));
}

// ---------------------------------------------------------------------------------------------
// Weeks, deltas, report
// ---------------------------------------------------------------------------------------------

#[test]
fn weekly_averaging_and_monday_buckets() {
    let rows: &[Row] = &[
        ("2024-01-02", "1", "Ethereum", "TOK", 10.0), // Tuesday
        ("2024-01-07", "1", "Ethereum", "TOK", 40.0), // Sunday: same week
        ("2024-01-05", "1", "Ethereum", "TOK", 20.0),
        ("2024-01-03", "1", "Ethereum", "TOK", 0.0), // skipped
        ("2024-01-08", "1", "Ethereum", "TOK", 100.0), // Monday: next week
    ];
    let built = build(rows, &[("TOK", "2")]);
    let mean = (10.0 + 20.0 + 40.0) / 3.0;
    assert_eq!(built.series.len(), 1);
    assert_eq!(built.series.snapshots()[0].date, date("2024-01-01"));
    assert_eq!(
        nodes(&built.series, 0),
        [node("1", mean, &[("TOK", mean)]), node("2", 0.0, &[])]
    );
    assert_eq!(
        links(&built.series, 0),
        [link("2", "1", 100.0 - mean, &[("TOK", 100.0 - mean)])]
    );
    assert_eq!(built.report.rows_skipped_non_positive, 1);
    assert_eq!(built.report.rows_used, 4);
    assert_eq!(built.report.first_week, Some(date("2024-01-01")));
    assert_eq!(built.report.last_week, Some(date("2024-01-08")));
}

#[test]
fn entries_exits_and_gaps() {
    let rows: &[Row] = &[
        ("2024-01-01", "1", "Ethereum", "TOK", 50.0),
        ("2024-01-08", "1", "Ethereum", "TOK", 50.0),
        ("2024-01-08", "3", "Base", "TOK", 30.0), // entry
        // two missing Mondays (01-15, 01-22)
        ("2024-01-29", "3", "Base", "TOK", 30.0), // holder 1 exits
    ];
    let built = build(rows, &[("TOK", "2")]);
    let s = &built.series;
    assert_eq!(
        s.dates().collect::<Vec<_>>(),
        [date("2024-01-01"), date("2024-01-08")]
    );
    // Holder 3 enters: it holds nothing at 01-01, so it is a size-0 node.
    assert_eq!(
        nodes(s, 0),
        [
            node("1", 50.0, &[("TOK", 50.0)]),
            node("2", 0.0, &[]),
            node("3", 0.0, &[])
        ]
    );
    assert_eq!(links(s, 0), [link("2", "3", 30.0, &[("TOK", 30.0)])]);
    // The period 01-08 .. 01-29 spans the gap; holder 1 exits.
    assert_eq!(links(s, 1), [link("1", "2", 50.0, &[("TOK", 50.0)])]);
    let r = &built.report;
    assert_eq!((r.holding_weeks, r.snapshots, r.calendar_gaps), (3, 2, 2));
    assert_eq!(
        (r.holding_entries, r.holding_exits, r.holdings_unchanged),
        (1, 1, 2)
    );
}

#[test]
fn n_weeks_give_n_minus_one_snapshots() {
    for n in 0..5u64 {
        let mut builder =
            NetworkBuilder::new(IssuerResolver::new(), ConstructionOptions::default());
        for w in 0..n {
            let d = date("2024-01-01") + chrono::Days::new(7 * w);
            builder
                .push(HoldingRow {
                    date: d,
                    protocol: "1",
                    chain: "",
                    token: "USDC",
                    quantity: 1.0,
                    usd: 1.0 + w as f64,
                })
                .unwrap();
        }
        let built = builder.finish().unwrap();
        assert_eq!(built.series.len() as u64, n.saturating_sub(1));
        assert_eq!(built.report.snapshots, n.saturating_sub(1));
        assert_eq!(built.report.holding_weeks, n);
    }
}

#[test]
fn row_errors_name_the_row() {
    let mut b = NetworkBuilder::new(IssuerResolver::new(), ConstructionOptions::default());
    let ok = HoldingRow {
        date: date("2024-01-03"),
        protocol: "1",
        chain: "Ethereum",
        token: "USDC",
        quantity: 1.0,
        usd: 5.0,
    };
    b.push(ok).unwrap();
    b.push(HoldingRow { usd: -1.0, ..ok }).unwrap(); // skipped
    let e = b
        .push(HoldingRow {
            usd: f64::NAN,
            ..ok
        })
        .unwrap_err();
    assert!(
        matches!(e, SnapshotError::HoldingRow { index: 2, .. }),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains("row 2") && text.contains("2024-01-03") && text.contains("non-finite"),
        "{text}"
    );
    let e = b
        .push(HoldingRow {
            quantity: f64::INFINITY,
            ..ok
        })
        .unwrap_err();
    assert!(e.to_string().contains("row 3"), "{e}");
    let e = b.push(HoldingRow { protocol: "", ..ok }).unwrap_err();
    assert!(e.to_string().contains("empty protocol"), "{e}");
    let e = b.push(HoldingRow { token: "", ..ok }).unwrap_err();
    assert!(e.to_string().contains("empty token"), "{e}");
    // The builder is still usable.
    b.push(HoldingRow {
        date: date("2024-01-10"),
        usd: 7.0,
        ..ok
    })
    .unwrap();
    let built = b.finish().unwrap();
    assert_eq!(built.report.rows_read, 7);
    assert_eq!(built.report.rows_used, 2);
    assert_eq!(built.report.rows_skipped_non_positive, 1);
    assert_eq!(
        links(&built.series, 0),
        [link("USDC", "1", 2.0, &[("USDC", 2.0)])]
    );
}

#[test]
fn time_ordered_rejects_sealed_weeks() {
    let options = ConstructionOptions {
        time_ordered: true,
        ..ConstructionOptions::default()
    };
    let mut b = NetworkBuilder::new(IssuerResolver::new(), options);
    let row = |d: &'static str| HoldingRow {
        date: date(d),
        protocol: "1",
        chain: "Ethereum",
        token: "USDC",
        quantity: 1.0,
        usd: 5.0,
    };
    b.push(row("2024-01-09")).unwrap();
    b.push(row("2024-01-08")).unwrap(); // same week, earlier day: fine
    b.push(row("2024-01-16")).unwrap(); // seals 2024-01-08
    let e = b.push(row("2024-01-14")).unwrap_err();
    assert!(
        matches!(e, SnapshotError::HoldingRow { index: 3, .. }),
        "{e:?}"
    );
    let text = e.to_string();
    for needle in ["row 3", "2024-01-14", "2024-01-08", "2024-01-15"] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    b.push(row("2024-01-17")).unwrap();
    let built = b.finish().unwrap();
    assert_eq!(built.series.len(), 1);
}

#[test]
fn pruning() {
    let rows: &[Row] = &[
        ("2024-01-01", "big", "Ethereum", "TOK", 1000.0),
        ("2024-01-01", "small", "Ethereum", "TOK", 5.0),
        ("2024-01-01", "small", "Ethereum", "BIGTOK", 4.0),
        ("2024-01-08", "big", "Ethereum", "TOK", 1100.0),
        ("2024-01-08", "small", "Ethereum", "TOK", 1.0),
        ("2024-01-08", "small", "Ethereum", "BIGTOK", 9.0),
    ];
    let rev = rev(&[("TOK", "issuer"), ("BIGTOK", "big")]);
    let resolver = IssuerResolver::from_parts(Some(&rev), None);
    let all = build_with(rows, resolver.clone(), ConstructionOptions::default());
    assert_eq!(
        links(&all.series, 0),
        [
            link("big", "small", 5.0, &[("BIGTOK", 5.0)]),
            link("issuer", "big", 100.0, &[("TOK", 100.0)]),
            link("small", "issuer", 4.0, &[("TOK", 4.0)]),
        ]
    );
    let pruned = build_with(
        rows,
        resolver.clone(),
        ConstructionOptions {
            min_node_size: Some(9.0),
            ..ConstructionOptions::default()
        },
    );
    // "small" (size 9) stays, "issuer" (size 0) goes with its two links.
    assert_eq!(
        links(&pruned.series, 0),
        [link("big", "small", 5.0, &[("BIGTOK", 5.0)])]
    );
    assert_eq!(
        nodes(&pruned.series, 0)
            .iter()
            .map(|n| n.0.as_str())
            .collect::<Vec<_>>(),
        ["big", "small"]
    );
    assert_eq!(pruned.report.nodes_pruned, 1);
    assert_eq!(pruned.report.links_removed_by_pruning, 2);
    let more = build_with(
        rows,
        resolver,
        ConstructionOptions {
            min_node_size: Some(9.5),
            ..ConstructionOptions::default()
        },
    );
    assert!(links(&more.series, 0).is_empty());
    assert_eq!(more.report.nodes_pruned, 2);
    assert_eq!(more.report.links_removed_by_pruning, 3);
    // Pruned ids are not in the series' symbol table.
    assert!(more.series.symbols().find_protocol("issuer").is_none());
}

// ---------------------------------------------------------------------------------------------
// Invariants, determinism, round trips
// ---------------------------------------------------------------------------------------------

#[test]
fn generated_series_invariants() {
    let rows = generated(11, 12, 30);
    let built = build_owned(&rows, ConstructionOptions::default());
    let series = &built.series;
    assert_eq!(series.len(), 10); // 12 weeks, one absent for everyone → 11 weeks → 10
    assert_eq!(built.report.calendar_gaps, 1);
    assert!(built.report.links > 500, "{}", built.report.links);
    assert!(built.report.self_loops > 0);
    assert!(built.report.rows_skipped_non_positive > 0);
    for step in ResolutionStep::ALL {
        assert!(built.report.tokens_resolved.contains_key(&step));
    }
    assert_eq!(
        built.report.tokens_resolved.values().sum::<u64>(),
        built.report.distinct_tokens
    );
    let s = series.symbols();
    for week in series {
        assert_eq!(week.drop_counts().total(), 0);
        let ids: Vec<&str> = week.nodes.iter().map(|n| s.protocol(n.id)).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "nodes sorted and unique"
        );
        let pairs: Vec<(&str, &str)> = week
            .links
            .iter()
            .map(|l| (s.protocol(l.source), s.protocol(l.target)))
            .collect();
        assert!(
            pairs.windows(2).all(|w| w[0] < w[1]),
            "links sorted and unique"
        );
        for n in &week.nodes {
            let c = week.composition(n.composition);
            assert_eq!(n.size, c.iter().map(|a| a.usd).sum::<f64>());
            assert!(c.iter().all(|a| a.usd > 0.0));
        }
        for l in &week.links {
            let c = week.composition(l.composition);
            assert!(l.size > 0.0 && !c.is_empty());
            assert_eq!(l.size, c.iter().map(|a| a.usd).sum::<f64>());
            let tokens: Vec<&str> = c.iter().map(|a| s.token(a.token)).collect();
            assert!(tokens.windows(2).all(|w| w[0] < w[1]));
        }
        // No pair appears in both directions.
        for (a, b) in &pairs {
            if a != b {
                assert!(!pairs.contains(&(*b, *a)));
            }
        }
    }
    let quality = QualityReport::new(series, None);
    assert_eq!(quality.summary.weeks, 10);
}

#[test]
fn shuffled_rows_give_the_same_series() {
    let rows = generated(3, 9, 25);
    let reference = build_owned(&rows, ConstructionOptions::default());
    let mut rng = Rng(99);
    let mut shuffled = rows.clone();
    rng.shuffle(&mut shuffled);
    let again = build_owned(&shuffled, ConstructionOptions::default());
    assert_eq!(again.series, reference.series);
    assert_eq!(written(&again.series), written(&reference.series));
    assert_eq!(again.report, reference.report);

    // Time-ordered input (rows of each week shuffled) with time_ordered: the same again.
    let mut by_week = shuffled.clone();
    by_week.sort_by_key(|r| {
        use chrono::Datelike;
        r.date - chrono::Days::new(u64::from(r.date.weekday().num_days_from_monday()))
    });
    let streamed = build_owned(
        &by_week,
        ConstructionOptions {
            time_ordered: true,
            ..ConstructionOptions::default()
        },
    );
    assert_eq!(written(&streamed.series), written(&reference.series));
    assert_eq!(streamed.report, reference.report);
}

#[test]
fn write_load_round_trip_is_exact() {
    let built = build_owned(&generated(5, 8, 20), ConstructionOptions::default());
    let bytes = written(&built.series);
    let loaded = SeriesLoader::new()
        .load_bytes(&bytes, "constructed.json")
        .unwrap();
    assert_eq!(loaded, built.series);
    assert_eq!(written(&loaded), bytes);
    let fig1 = build(FIG1, &[("WSTETH", "9001")]);
    let loaded = SeriesLoader::new()
        .load_bytes(&written(&fig1.series), "fig1.json")
        .unwrap();
    assert_eq!(loaded, fig1.series);
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

fn csv_err(text: &str) -> String {
    let mut b = NetworkBuilder::new(IssuerResolver::new(), ConstructionOptions::default());
    let e = b
        .push_csv_reader(text.as_bytes(), "holdings.csv")
        .unwrap_err();
    assert!(matches!(e, SnapshotError::HoldingsCsv { .. }), "{e:?}");
    let message = e.to_string();
    assert!(message.starts_with("holdings.csv: "), "{message}");
    message
}

#[test]
fn csv_errors_name_file_line_and_column() {
    let e = csv_err("date,protocol,chain,token,quantity\n2024-01-01,1,Ethereum,USDC,5\n");
    assert!(
        e.contains("line 1") && e.contains("missing column \"usd\""),
        "{e}"
    );
    let e = csv_err(
        "date,protocol,chain,token,quantity,usd\n2024-01-01,1,E,USDC,5,5\n2024-01-01,1,E,USDC,5,abc\n",
    );
    assert!(
        e.contains("line 3, column \"usd\"") && e.contains("\"abc\" is not a number"),
        "{e}"
    );
    let e = csv_err("date,protocol,chain,token,quantity,usd\n2024-01-01,1,E,USDC,inf,5\n");
    assert!(
        e.contains("line 2, column \"quantity\"") && e.contains("not a finite"),
        "{e}"
    );
    let e = csv_err("date,protocol,chain,token,quantity,usd\n2024-13-01,1,E,USDC,5,5\n");
    assert!(e.contains("line 2, column \"date\""), "{e}");
    let e = csv_err("date,protocol,chain,token,quantity,usd\n2024-01-01,1,E,USDC,5\n");
    assert!(
        e.contains("line 2") && e.contains("expected 6 fields"),
        "{e}"
    );
    let e = csv_err("date,protocol,chain,token,quantity,usd\n2024-01-01,,E,USDC,5,5\n");
    assert!(
        e.contains("line 2") && e.contains("empty protocol") && e.contains("row 0"),
        "{e}"
    );
    let e = csv_err("usd,USD,date,protocol,chain,token,quantity\n");
    assert!(e.contains("appears more than once"), "{e}");
    let e = csv_err("");
    assert!(e.contains("missing column \"date\""), "{e}");
    // A file that does not exist: an I/O error naming it.
    let mut b = NetworkBuilder::new(IssuerResolver::new(), ConstructionOptions::default());
    let e = b.push_csv("/nonexistent/holdings.csv").unwrap_err();
    assert!(e.to_string().contains("/nonexistent/holdings.csv"), "{e}");
}

#[test]
fn csv_time_ordered_error_names_line() {
    let options = ConstructionOptions {
        time_ordered: true,
        ..ConstructionOptions::default()
    };
    let mut b = NetworkBuilder::new(IssuerResolver::new(), options);
    let e = b
        .push_csv_reader(
            "date,protocol,chain,token,quantity,usd\n2024-01-08,1,E,USDC,5,5\n2024-01-01,1,E,USDC,5,5\n"
                .as_bytes(),
            "h.csv",
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("h.csv: line 3") && e.contains("2024-01-01") && e.contains("2024-01-08"),
        "{e}"
    );
}

#[test]
fn csv_aliases_timestamps_and_gzip() {
    let plain = "Timestamp,Protocol_ID,CHAIN,Symbol,Amount,Value,extra\n\
                 1704067200,182.0,Ethereum,USDC,10,10,x\n\
                 2024-01-08T12:00:00Z,182,Ethereum,USDC,12,12,y\n";
    let mut b = NetworkBuilder::new(IssuerResolver::new(), ConstructionOptions::default());
    b.push_csv_reader(plain.as_bytes(), "a.csv").unwrap();
    let built = b.finish().unwrap();
    assert_eq!(built.series.snapshots()[0].date, date("2024-01-01"));
    assert_eq!(
        links(&built.series, 0),
        [link("USDC", "182", 2.0, &[("USDC", 2.0)])]
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(plain.as_bytes()).unwrap();
    gz.finish().unwrap();
    let mut b = NetworkBuilder::new(IssuerResolver::new(), ConstructionOptions::default());
    b.push_csv(&path).unwrap();
    assert_eq!(b.finish().unwrap().series, built.series);
}

#[test]
fn sample_csv_fixture() {
    let mut b = NetworkBuilder::new(IssuerResolver::new(), ConstructionOptions::default());
    b.push_csv(holdings_fixture()).unwrap();
    let built = b.finish().unwrap();
    let r = &built.report;
    assert_eq!(
        (r.rows_read, r.rows_used, r.rows_skipped_non_positive),
        (39, 38, 1)
    );
    assert_eq!((r.holding_weeks, r.snapshots), (4, 3));
    // MakerDAO (118) holds USDC on 03-11 and (Sunday) 03-17: one week, mean 3.1M.
    let week1 = nodes(&built.series, 1);
    assert!(
        week1.contains(&node("118", 3_100_000.0, &[("USDC", 3_100_000.0)])),
        "{week1:?}"
    );
    // Curve's CRV is its own (manual table: 3) → a self-loop when it first appears.
    assert!(links(&built.series, 0).contains(&link("3", "3", 60_000.0, &[("CRV", 60_000.0)])));
}

// ---------------------------------------------------------------------------------------------
// Throughput (not a test of speed: run by hand and read the figure)
// ---------------------------------------------------------------------------------------------

/// Pushes `total` time-ordered rows of `keys` (one row per holding per week, holdings in key
/// order, 3% of them absent each week) and prints the throughput.
fn time_push(label: &str, keys: &[(String, String, String, f64)], rev: &RevMap, total: usize) {
    use std::time::Instant;
    let mut rng = Rng(1);
    let weeks = total / keys.len() + 1;
    let mut rows: Vec<(u32, u32, f64)> = Vec::with_capacity(total); // (week, key, usd)
    'outer: for w in 0..weeks {
        for (k, key) in keys.iter().enumerate() {
            if rows.len() == total {
                break 'outer;
            }
            if rng.below(33) == 0 {
                continue;
            }
            let drift = 1.0 + 0.05 * w as f64 * (rng.unit() - 0.5);
            rows.push((w as u32, k as u32, key.3 * drift));
        }
    }
    let dates: Vec<NaiveDate> = (0..weeks as u64)
        .map(|w| date("2020-01-06") + chrono::Days::new(7 * w))
        .collect();
    let options = ConstructionOptions {
        time_ordered: true,
        ..ConstructionOptions::default()
    };
    let started = Instant::now();
    let mut builder = NetworkBuilder::new(IssuerResolver::from_parts(Some(rev), None), options);
    for &(w, k, usd) in &rows {
        let (p, c, t, _) = &keys[k as usize];
        builder
            .push(HoldingRow {
                date: dates[w as usize],
                protocol: p,
                chain: c,
                token: t,
                quantity: 1.0,
                usd,
            })
            .unwrap();
    }
    let built = builder.finish().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let r = &built.report;
    println!(
        "{label}: {} rows, {} holdings/week, {} weeks, {:.0} links/week, {:.0} nodes/week: \
         {seconds:.2} s, {:.2} M rows/s",
        r.rows_read,
        keys.len(),
        r.holding_weeks,
        r.links as f64 / r.snapshots as f64,
        r.nodes as f64 / r.snapshots as f64,
        r.rows_read as f64 / seconds / 1e6
    );
}

/// `cargo test --release -p dexposure-snapshot --test construct -- --ignored --nocapture throughput`
///
/// 5M time-ordered rows, ~150k (protocol, chain, token) holdings per week, 4,000 protocols,
/// 600 chains, 25,000 tokens (two-thirds issued by a protocol through a rev_map):
/// - "shaped": each protocol holds a few popular tokens on a few chains (links ≈ a third of
///   the holdings, as in DeXposure);
/// - "scattered": every holding a random (protocol, chain, token), so nearly every holding
///   makes its own link (a worst case for the per-week work).
#[test]
#[ignore = "timing, run by hand"]
fn throughput() {
    let rev: RevMap = (0..25_000)
        .filter(|i| i % 3 != 0)
        .map(|i| (format!("TOK{i}"), (i % 4000).to_string()))
        .collect();
    let mut rng = Rng(7);
    let skewed = |rng: &mut Rng, n: f64| (n * rng.unit().powi(3)) as usize;
    let mut shaped = Vec::new();
    for p in 0..4000 {
        for _ in 0..1 + rng.below(18) {
            let t = skewed(&mut rng, 25_000.0);
            for _ in 0..1 + rng.below(7) {
                let c = skewed(&mut rng, 600.0);
                shaped.push((
                    p.to_string(),
                    format!("Chain{c}"),
                    format!("TOK{t}"),
                    1e3 + 1e6 * rng.unit(),
                ));
            }
        }
    }
    shaped.sort_by(|a, b| (&a.0, &a.2, &a.1).cmp(&(&b.0, &b.2, &b.1)));
    shaped.dedup_by(|a, b| (&a.0, &a.1, &a.2) == (&b.0, &b.1, &b.2));
    let scattered: Vec<_> = (0..150_000)
        .map(|_| {
            (
                rng.below(4000).to_string(),
                format!("Chain{}", rng.below(600)),
                format!("TOK{}", rng.below(25_000)),
                1e3 + 1e6 * rng.unit(),
            )
        })
        .collect();
    // THROUGHPUT=shaped or THROUGHPUT=scattered runs one of them (for a profiler).
    let only = std::env::var("THROUGHPUT").unwrap_or_default();
    if only != "scattered" {
        time_push("shaped", &shaped, &rev, 5_000_000);
    }
    if only != "shaped" {
        time_push("scattered", &scattered, &rev, 5_000_000);
    }
}

/// `cargo test --release -p dexposure-snapshot --test construct -- --ignored --nocapture resolve_all`
///
/// Resolves every symbol of the real token_to_protocol.json with `IssuerResolver::from_metadata`
/// (TF-IDF against every catalog name) and prints the time and the steps taken.
#[test]
#[ignore = "timing, run by hand"]
fn resolve_all_real_symbols() {
    let Some(dir) = mapping_dir() else { return };
    let meta = Metadata::from_dir(&dir).unwrap();
    let symbols: Vec<String> = meta
        .tokens
        .as_ref()
        .unwrap()
        .iter()
        .map(|(s, _)| s.to_owned())
        .collect();
    let started = std::time::Instant::now();
    let resolver = IssuerResolver::from_metadata(&meta);
    let built = started.elapsed().as_secs_f64();
    let mut counts = std::collections::BTreeMap::new();
    let resolutions: Vec<_> = symbols.iter().map(|s| resolver.resolve(s)).collect();
    let seconds = started.elapsed().as_secs_f64();
    for r in &resolutions {
        *counts.entry(r.step).or_insert(0u32) += 1;
    }
    println!(
        "{} symbols against {} names: index {built:.3} s, total {seconds:.3} s; {counts:?}",
        symbols.len(),
        meta.catalog.len()
    );
    // Agreement with DeXposure's own published mapping, per step.
    let published = meta.tokens.as_ref().unwrap();
    let mut agree = std::collections::BTreeMap::new();
    for (s, r) in symbols.iter().zip(&resolutions) {
        let same = published.get(s).is_some_and(|t| t.issuer == r.issuer);
        let e = agree.entry(r.step).or_insert((0u32, 0u32));
        e.0 += u32::from(same);
        e.1 += 1;
    }
    println!("agreeing with token_to_protocol.json (agree, of): {agree:?}");
    for threshold in [0.3, 0.5, 0.7, 0.9] {
        let r = resolver.clone().with_tfidf_threshold(threshold);
        let (mut hits, mut same, mut all_same) = (0, 0, 0);
        for s in &symbols {
            let x = r.resolve(s);
            let agrees = published.get(s).is_some_and(|t| t.issuer == x.issuer);
            all_same += u32::from(agrees);
            if x.step == ResolutionStep::TfIdf {
                hits += 1;
                same += u32::from(agrees);
            }
        }
        println!(
            "threshold {threshold}: {hits} TF-IDF hits, {same} of them agree; {all_same} of {} agree overall",
            symbols.len()
        );
    }
}
