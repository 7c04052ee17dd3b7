//! The deterministic generator of a file with the shape of the real DeXposure file, shared by
//! the benches (`#[path = "fullscale_shape.rs"] mod fullscale_shape;`).
//!
//! 283 weekly snapshots from 2020-03-23, links growing from ~3k to ~72k per week (mean ~30k),
//! nodes from ~1.2k to ~10k, Python `json.dump` formatting, ~1.2 GB at scale 1.0. It has the
//! *shape* of the real file, not its content: it exists to time parsing and metrics.

// Each bench includes this module and uses a different part of it.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use dexposure::snapshot::taxonomy::DETAILED_CATEGORIES;
use dexposure::snapshot::{
    BroadCategory, NaiveDate, ProtocolCatalog, ProtocolInfo, SeriesLoader, SeriesWriter,
    SnapshotSeries,
};

/// SplitMix64: a tiny, seeded generator so the file is identical on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Heavy-tailed USD amount: log-uniform between 1e2 and 1e10, skewed low.
    fn usd(&mut self) -> f64 {
        let u = self.unit();
        10f64.powf(2.0 + 8.0 * u * u)
    }

    /// Zipf-like pick in 0..n (small indices far more likely).
    fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((n as f64).powf(u) - 1.0) as usize % n.max(1)
    }
}

const WEEKS: usize = 283;

/// Writes the synthetic file at `scale` (1.0 = full scale) and returns its size in bytes.
fn write_fullscale_shape(path: &Path, scale: f64) -> std::io::Result<u64> {
    let mut rng = SplitMix(0x5EED_DE70_5E72);
    let tokens: Vec<String> = (0..24_300).map(|i| format!("TKN{i}")).collect();
    let ids: Vec<String> = (0..(10_000.0 * scale.max(0.01)) as usize + 4)
        .map(|i| match i {
            0 => "WETH".into(),
            1 => "LP".into(),
            2 => "UNKNOWN".into(),
            3 => "OTHER".into(),
            i => (i * 7_919 % 10_007 + 1).to_string(), // a bijection on 0..10_007: ids stay unique
        })
        .collect();
    let first = NaiveDate::from_ymd_opt(2020, 3, 23).unwrap_or_default();
    let dates: Vec<NaiveDate> = first.iter_weeks().take(WEEKS).collect();
    let mut out = BufWriter::with_capacity(1 << 22, File::create(path)?);
    out.write_all(b"{\"data\": {")?;
    let mut line = String::with_capacity(1 << 16);
    for (week, date) in dates.iter().enumerate() {
        let progress = week as f64 / (WEEKS - 1) as f64;
        let nodes = ((1_200.0 + 8_800.0 * progress.powf(1.2)) * scale).max(5.0) as usize;
        let links = ((3_000.0 + 69_000.0 * progress.powf(1.5)) * scale).max(5.0) as usize;
        let nodes = nodes.min(ids.len());
        if week > 0 {
            out.write_all(b", ")?;
        }
        write!(out, "\"{date}\": {{\"nodes\": [")?;
        for (n, id) in ids.iter().take(nodes).enumerate() {
            line.clear();
            let k = 1 + rng.skewed(8);
            let mut total = 0.0;
            let mut comp = String::new();
            let mut held: Vec<usize> = Vec::with_capacity(k);
            while held.len() < k {
                let token = rng.skewed(tokens.len());
                if held.contains(&token) {
                    continue; // a composition is a map: each token once
                }
                let usd = rng.usd();
                total += usd;
                let _ = write!(
                    comp,
                    "{}\"{}\": {}",
                    if held.is_empty() { "" } else { ", " },
                    tokens[token],
                    usd
                );
                held.push(token);
            }
            let _ = write!(
                line,
                "{}{{\"id\": \"{}\", \"size\": {}, \"composition\": {{{comp}}}}}",
                if n > 0 { ", " } else { "" },
                id,
                total
            );
            out.write_all(line.as_bytes())?;
        }
        out.write_all(b"], \"links\": [")?;
        for l in 0..links {
            line.clear();
            let source = &ids[rng.skewed(nodes)];
            let usd = rng.usd() / 100.0;
            let target = if rng.unit() < 0.03 {
                "null".to_owned()
            } else {
                format!("\"{}\"", ids[rng.skewed(nodes)])
            };
            let token = &tokens[rng.skewed(tokens.len())];
            let second = &tokens[rng.skewed(tokens.len())];
            let composition = if rng.unit() < 0.15 && second != token {
                format!("\"{token}\": {}, \"{second}\": {}", usd * 1.25, -usd * 0.25)
            } else {
                format!("\"{token}\": {usd}")
            };
            let _ = write!(
                line,
                "{}{{\"source\": \"{source}\", \"target\": {target}, \"size\": {usd}, \"composition\": {{{composition}}}}}",
                if l > 0 { ", " } else { "" }
            );
            out.write_all(line.as_bytes())?;
        }
        out.write_all(b"]}")?;
    }
    out.write_all(b"}}")?;
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// The benchmark file at the scale in `DEXPOSURE_BENCH_SCALE` (else `default_scale`),
/// generated once into `target/bench-data/`.
pub fn bench_file(default_scale: f64) -> (PathBuf, u64) {
    let scale: f64 = std::env::var("DEXPOSURE_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_scale);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let path = dir.join(format!("fullscale-shape-{scale}.json"));
    let size = match std::fs::metadata(&path) {
        Ok(m) if m.len() > 0 => m.len(),
        _ => write_fullscale_shape(&path, scale).expect("write the benchmark file"),
    };
    eprintln!(
        "benchmark file: {} ({:.1} MB)",
        path.display(),
        size as f64 / 1e6
    );
    (path, size)
}

/// FNV-1a of an id: a fixed, platform-independent hash for synthetic categories.
fn id_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Broad sector of an id: a fixed hash into the published category mix (Trading 42%, Asset
/// Management 26%, Lending 15%, Infrastructure 15%, others 2%), and a detailed category drawn
/// (by a second hash) among that sector's DefiLlama categories.
pub fn synthetic_category(id: &str) -> (BroadCategory, &'static str) {
    let h = id_hash(id);
    let broad = match h % 100 {
        0..42 => BroadCategory::TradingExchanges,
        42..68 => BroadCategory::AssetManagement,
        68..83 => BroadCategory::LendingBorrowingRwa,
        83..98 => BroadCategory::InfrastructureServices,
        98 => BroadCategory::PrivacySecurity,
        _ => BroadCategory::Others,
    };
    let detailed: Vec<&'static str> = DETAILED_CATEGORIES
        .iter()
        .filter(|(_, b)| *b == broad)
        .map(|(name, _)| *name)
        .collect();
    (broad, detailed[(h / 100) as usize % detailed.len()])
}

/// A catalog giving every protocol of `series` its synthetic categories.
pub fn synthetic_catalog(series: &SnapshotSeries) -> ProtocolCatalog {
    let mut catalog = ProtocolCatalog::new();
    for (_, id) in series.symbols().protocols() {
        let (category, detailed) = synthetic_category(id);
        let info = ProtocolInfo {
            name: format!("protocol {id}"),
            category,
            detailed_category: Some(detailed.to_owned()),
        };
        catalog.insert(id, info);
    }
    catalog
}

/// The synthetic categories of `series` in id_to_info.json form (plus a "detailed" field),
/// for the Python comparison scripts.
pub fn synthetic_categories_json(series: &SnapshotSeries) -> String {
    let map: serde_json::Map<String, serde_json::Value> = series
        .symbols()
        .protocols()
        .map(|(_, id)| {
            let (broad, detailed) = synthetic_category(id);
            let info = serde_json::json!({"name": format!("protocol {id}"), "category": broad.name(), "detailed": detailed});
            (id.to_owned(), info)
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// The full-scale-shape series (generated on first use) with its synthetic catalog. Also writes
/// its last week (`week-70k.json`) and that week's categories (`week-70k-categories.json`) to
/// `target/bench-data/` for the Python comparison scripts.
pub fn full_series_with_last_week_files() -> (SnapshotSeries, ProtocolCatalog) {
    let (path, _) = bench_file(1.0);
    let series = SeriesLoader::new()
        .load(&path)
        .expect("load the full-scale file");
    let catalog = synthetic_catalog(&series);
    let last = series.last().expect("weeks").date;
    let one = SeriesLoader::new()
        .from(last)
        .load(&path)
        .expect("load the last week");
    let dir = path.parent().expect("bench-data folder").to_path_buf();
    SeriesWriter::new()
        .write(&one, dir.join("week-70k.json"))
        .expect("write the week");
    std::fs::write(
        dir.join("week-70k-categories.json"),
        synthetic_categories_json(&one),
    )
    .expect("write categories");
    (series, catalog)
}
