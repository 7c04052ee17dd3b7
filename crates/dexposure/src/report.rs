//! Plain-text tables for terminal output of the example binaries.

use std::fmt::Write;
use std::io::Write as _;

use dexposure_snapshot::QualityReport;

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |v| format!("{:.1}", 100.0 * v))
}

/// Dataset summary: weeks, date range, sizes, drops, overlaps.
pub fn summary_table(report: &QualityReport) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let range = match (&s.first_date, &s.last_date) {
        (Some(a), Some(b)) => format!("{a} .. {b}"),
        _ => "(empty)".to_owned(),
    };
    let overlap = s.mean_next_week_overlap;
    let _ = writeln!(out, "weeks                     {:>12}   {range}", s.weeks);
    let _ = writeln!(
        out,
        "gaps (> 7 days)           {:>12}   non-Monday dates: {}",
        s.gaps, s.non_monday_dates
    );
    let _ = writeln!(
        out,
        "distinct protocols        {:>12}",
        s.distinct_protocols
    );
    let _ = writeln!(out, "distinct tokens           {:>12}", s.distinct_tokens);
    let _ = writeln!(
        out,
        "nodes / week  mean        {:>12.1}   min {} max {}",
        s.nodes.mean, s.nodes.min, s.nodes.max
    );
    let _ = writeln!(
        out,
        "links / week  mean        {:>12.1}   min {} max {}",
        s.links.mean, s.links.min, s.links.max
    );
    let _ = writeln!(
        out,
        "links dropped             {:>12}   {:.2}% of {} (null target {}, null source {}, missing endpoint {})",
        s.dropped.total(),
        s.pct_dropped,
        s.raw_links,
        s.dropped.null_target,
        s.dropped.null_source,
        s.dropped.missing_endpoint
    );
    let _ = writeln!(
        out,
        "mean overlap t -> t+1     nodes {}%  directed links {}%  undirected pairs {}%",
        pct(overlap.map(|o| o.nodes)),
        pct(overlap.map(|o| o.directed_links)),
        pct(overlap.map(|o| o.undirected_pairs))
    );
    if let Some(u) = s.mean_pct_category_unknown {
        let _ = writeln!(out, "nodes of unknown category {u:>11.1}%");
    }
    let _ = writeln!(out, "repairs applied           {:>12}", s.repairs.total());
    out
}

/// One line per week (all weeks when `limit` is None, else the first and last `limit / 2`).
pub fn quality_table(report: &QualityReport, limit: Option<usize>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:>7} {:>8} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>16}",
        "date",
        "nodes",
        "links",
        "raw",
        "null%",
        "miss%",
        "node%",
        "edge%",
        "pair%",
        "unkcat%",
        "node TVL (USD)"
    );
    let n = report.weeks.len();
    let keep = limit.map_or(n, |l| l.max(2));
    for (i, w) in report.weeks.iter().enumerate() {
        if n > keep && i == keep / 2 {
            let _ = writeln!(out, "{:<10} ({} weeks not shown)", "...", n - keep);
        }
        if n > keep && i >= keep / 2 && i < n - keep / 2 {
            continue;
        }
        let o = w.next_week_overlap;
        let _ = writeln!(
            out,
            "{:<10} {:>7} {:>8} {:>8} {:>7.2} {:>7.2} {:>7} {:>7} {:>7} {:>8} {:>16.4e}",
            w.date,
            w.nodes,
            w.links,
            w.raw_links,
            w.pct_target_null_dropped,
            w.pct_endpoint_missing_dropped,
            pct(o.map(|o| o.nodes)),
            pct(o.map(|o| o.directed_links)),
            pct(o.map(|o| o.undirected_pairs)),
            w.pct_category_unknown
                .map_or_else(|| "-".to_owned(), |u| format!("{u:.1}")),
            w.total_node_size
        );
    }
    out
}

/// Writes `text` to standard output. A reader that went away (`inspect ... | head`) is not an
/// error: the rest is dropped quietly instead of panicking as `println!` does.
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
