//! How well the issuer map reproduces the published `token_to_protocol.json`: tunes the TF-IDF
//! settings on one half of it and reports the other half (docs/ISSUER_MAPPING.md), lists the
//! override list and what it changes.
//!
//! ```text
//! cargo run --release --example issuer_fidelity -- --mapping ../shared/data/mapping --seed 42
//! ```
//!
//! Options: `--mapping DIR` (id_to_info.json, rev_map.json and token_to_protocol.json; default
//! `../shared/data/mapping`), `--seed N` (the split's seed, default 42), `--top N` (grid
//! settings to list, default 15), `--json PATH` (the whole tuning record as JSON).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Parser;
use dexposure::datasets;
use dexposure::snapshot::construct::{
    ISSUER_OVERRIDES, IssuerMapTuning, TuningCandidate, TuningGrid, is_pendle_pt_yt,
    issuer_override,
};
use dexposure::snapshot::{IssuerResolver, Metadata, ResolverSettings, SnapshotSeries};
use dexposure::synth::{Preset, Simulator};

#[derive(Parser, Debug)]
#[command(about = "Issuer-map fidelity against the published token_to_protocol.json")]
struct Args {
    /// Folder with id_to_info.json, rev_map.json and token_to_protocol.json.
    #[arg(long, default_value = "../shared/data/mapping")]
    mapping: PathBuf,
    /// Seed of the tuning / held-out split.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How many grid settings to list.
    #[arg(long, default_value_t = 15)]
    top: usize,
    /// Write the tuning record (every grid setting, both evaluations) here as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let meta = Metadata::from_dir(&args.mapping)
        .with_context(|| format!("reading {}", args.mapping.display()))?;
    let Some(published) = meta.tokens.as_ref() else {
        bail!(
            "{} has no token_to_protocol.json to evaluate against",
            args.mapping.display()
        );
    };
    println!(
        "published map: {} symbols; catalog: {} protocols; rev_map: {} symbols",
        published.len(),
        meta.catalog.len(),
        meta.rev_map.as_ref().map_or(0, |r| r.len())
    );

    let started = Instant::now();
    let grid = TuningGrid::default();
    let tuning = IssuerMapTuning::run(
        published,
        meta.rev_map.as_ref(),
        &meta.catalog,
        &grid,
        args.seed,
    );
    println!(
        "split seed {}: {} tuning / {} held-out symbols; {} grid settings scored on the tuning half in {:.1} s\n",
        tuning.seed,
        tuning.tuning_symbols,
        tuning.held_out_symbols,
        tuning.candidates.len(),
        started.elapsed().as_secs_f64()
    );

    println!("## Best settings on the tuning half\n");
    println!("| # | setting | correct | agreement |");
    println!("|---:|---|---:|---:|");
    for (i, c) in tuning.top(args.top).iter().enumerate() {
        println!(
            "| {} | {} | {} | {:.2}% |",
            i + 1,
            c.settings.label(),
            c.correct,
            100.0 * c.agreement
        );
    }
    println!("\nBest per analyzer and catalog text (tuning half):\n");
    println!("| analyzer / text | best setting | agreement |");
    println!("|---|---|---:|");
    for &analyzer in &grid.analyzers {
        for &text in &grid.texts {
            if let Some(c) = tuning
                .candidates
                .iter()
                .filter(|c| c.settings.analyzer == analyzer && c.settings.text == text)
                .fold(None::<&TuningCandidate>, |b, c| match b {
                    Some(b) if b.correct >= c.correct => Some(b),
                    _ => Some(c),
                })
            {
                println!(
                    "| {} {:?} | {} | {:.2}% |",
                    analyzer.label(),
                    text,
                    c.settings.label(),
                    100.0 * c.agreement
                );
            }
        }
    }
    println!(
        "\nThreshold sweep, DESIGN analyzer (char_wb(3,3), names, rev>manual), tuning half:\n"
    );
    println!("| threshold | tfidf>buckets | buckets>tfidf |");
    println!("|---:|---:|---:|");
    for &t in &grid.thresholds {
        let find = |buckets: bool| {
            tuning
                .candidates
                .iter()
                .find(|c| {
                    let s = &c.settings;
                    s.analyzer == ResolverSettings::DESIGN.analyzer
                        && s.text == ResolverSettings::DESIGN.text
                        && !s.manual_first
                        && s.name_buckets_first == buckets
                        && (s.threshold == t)
                })
                .map_or_else(
                    || "-".to_owned(),
                    |c| format!("{:.2}%", 100.0 * c.agreement),
                )
        };
        let label = if t.is_finite() {
            format!("{t:.2}")
        } else {
            "off".to_owned()
        };
        println!("| {label} | {} | {} |", find(false), find(true));
    }

    println!("\n## Chosen: {}\n", tuning.chosen.label());
    println!(
        "(compiled-in default: {})\n",
        ResolverSettings::DEFAULT.label()
    );
    println!(
        "### Chosen setting, tuning half\n\n{}",
        tuning.chosen_tuning
    );
    println!(
        "### Chosen setting, held-out half\n\n{}",
        tuning.chosen_held_out
    );
    println!(
        "### DESIGN.md setting ({}), held-out half\n\n{}",
        ResolverSettings::DESIGN.label(),
        tuning.design_held_out
    );
    println!(
        "DESIGN.md setting, tuning half: agreement {:.2}%\n",
        100.0 * tuning.design_tuning.agreement().unwrap_or(0.0)
    );

    overrides(&meta)?;
    sample()?;

    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&tuning)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The override list against the published map.
fn overrides(meta: &Metadata) -> anyhow::Result<()> {
    let Some(published) = meta.tokens.as_ref() else {
        return Ok(());
    };
    println!("## Override list\n");
    println!("| symbol | published | override | frequency | reason |");
    println!("|---|---|---|---:|---|");
    for o in ISSUER_OVERRIDES {
        let p = published.get(o.symbol);
        let name = |id: &str| meta.catalog.name(id).unwrap_or("-").to_owned();
        println!(
            "| {} | {} | {} {} | {} | {} |",
            o.symbol,
            p.map_or_else(
                || "(absent)".to_owned(),
                |t| format!("{} {}", t.issuer, name(&t.issuer))
            ),
            o.issuer,
            o.issuer_name,
            p.map_or(0, |t| t.frequency),
            o.reason
        );
    }
    let (mut changed, mut pendle, mut changed_freq, mut total_freq) = (0usize, 0usize, 0u64, 0u64);
    for (symbol, t) in published.iter() {
        total_freq += t.frequency;
        if let Some(id) = issuer_override(symbol)
            && id != t.issuer
        {
            changed += 1;
            changed_freq += t.frequency;
            pendle += usize::from(is_pendle_pt_yt(symbol));
        }
    }
    println!(
        "\nOn the published token_to_protocol.json: the overrides change {changed} of {} entries \
         ({pendle} of them by the Pendle PT/YT rule), carrying {changed_freq} of {total_freq} \
         holdings rows by the file's `frequency` ({:.2}%).\n",
        published.len(),
        100.0 * changed_freq as f64 / total_freq.max(1) as f64
    );
    Ok(())
}

/// Tokens of `series` whose issuer differs between two resolvers, and the links (summed over
/// weeks) that carry at least one of them.
fn changed(series: &SnapshotSeries, a: &IssuerResolver, b: &IssuerResolver) -> (usize, u64, u64) {
    let symbols = series.symbols();
    let differs: BTreeSet<usize> = symbols
        .tokens()
        .filter(|(_, s)| a.resolve(s).issuer != b.resolve(s).issuer)
        .map(|(id, _)| id.index())
        .collect();
    let (mut links, mut all) = (0u64, 0u64);
    for week in series.snapshots() {
        for link in &week.links {
            all += 1;
            if week
                .composition(link.composition)
                .iter()
                .any(|t| differs.contains(&t.token.index()))
            {
                links += 1;
            }
        }
    }
    (differs.len(), links, all)
}

/// The embedded sample with and without the overrides (and the old and new defaults).
fn sample() -> anyhow::Result<()> {
    let series = datasets::embedded()?;
    let meta = datasets::embedded_metadata()?;
    let build = |s: ResolverSettings| {
        IssuerResolver::from_parts_with(meta.rev_map.as_ref(), Some(&meta.catalog), &s)
    };
    let design = build(ResolverSettings::DESIGN);
    let design_ov = build(ResolverSettings {
        overrides: true,
        ..ResolverSettings::DESIGN
    });
    let default = build(ResolverSettings::DEFAULT);
    let default_no = build(ResolverSettings {
        overrides: false,
        ..ResolverSettings::DEFAULT
    });
    println!(
        "## Embedded sample ({} tokens in its symbol table; simulated, made-up symbols)\n",
        series.symbols().token_count()
    );
    println!("| comparison | tokens whose issuer changes | links carrying one (all weeks) |");
    println!("|---|---:|---:|");
    for (label, a, b) in [
        (
            "DESIGN settings: without vs with overrides",
            &design,
            &design_ov,
        ),
        (
            "new defaults: without vs with overrides",
            &default_no,
            &default,
        ),
        (
            "DESIGN settings vs new defaults (both with overrides)",
            &design_ov,
            &default,
        ),
    ] {
        let (tokens, links, all) = changed(&series, a, b);
        println!("| {label} | {tokens} | {links} of {all} |");
    }
    println!(
        "\n(The sample was built with the DESIGN settings; a token whose issuer changes moves every \
         link that carries it, so the link count is what rebuilding would touch.)"
    );

    // Re-simulate the sample preset with today's code and compare (confounded by any other
    // simulator change since the sample was made).
    let started = Instant::now();
    let fresh = Simulator::preset(Preset::Sample, datasets::EMBEDDED_SEED)?.run()?;
    let tokens = |s: &SnapshotSeries| -> BTreeSet<String> {
        s.symbols().tokens().map(|(_, t)| t.to_owned()).collect()
    };
    let pairs = |s: &SnapshotSeries| -> BTreeSet<(String, String, String)> {
        let sym = s.symbols();
        s.snapshots()
            .iter()
            .flat_map(|w| {
                w.links.iter().map(move |l| {
                    (
                        w.date.to_string(),
                        sym.protocol(l.source).to_owned(),
                        sym.protocol(l.target).to_owned(),
                    )
                })
            })
            .collect()
    };
    let (old_links, new_links) = (pairs(&series), pairs(&fresh.series));
    println!(
        "\nSample preset re-simulated by the current code ({:.1} s; this includes every simulator \
         change since datasets/sample was made, not only the issuer map): same token symbols: {}, \
         same rev_map: {}, same catalog: {}; links (week, source, target) {} before, {} now, {} \
         in both; tokens resolved now: {:?}",
        started.elapsed().as_secs_f64(),
        tokens(&series) == tokens(&fresh.series),
        meta.rev_map.as_ref() == Some(&fresh.rev_map),
        meta.catalog == fresh.catalog,
        old_links.len(),
        new_links.len(),
        old_links.intersection(&new_links).count(),
        fresh.construction.tokens_resolved
    );
    Ok(())
}
