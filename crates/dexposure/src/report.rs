//! Plain-text tables for terminal output of the example binaries.

use std::fmt::Write;
use std::io::Write as _;

use dexposure_graph::{ExposureGraph, NetworkMetrics, SectorSpillover, SystemicScores};
use dexposure_snapshot::{ProtocolCatalog, QualityReport};
use dexposure_stress::StressResult;

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
        let _ = writeln!(
            out,
            "nodes of unknown category {u:>11.1}%   pseudo nodes (tokens, buckets) {:.1}%; protocols of unknown category {}% of protocols",
            s.mean_pct_pseudo_nodes,
            s.mean_pct_protocols_unknown
                .map_or("-".to_owned(), |p| format!("{p:.1}"))
        );
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

/// Headline network metrics of one week.
pub fn headline_metrics(m: &NetworkMetrics) -> String {
    let mut out = String::new();
    let rows: [(&str, String); 12] = [
        ("week", m.date.to_string()),
        ("nodes / links", format!("{} / {}", m.nodes, m.links)),
        ("density", format!("{:.3e}", m.density)),
        ("total TVL (USD)", format!("{:.4e}", m.total_tvl)),
        ("total exposure (USD)", format!("{:.4e}", m.total_exposure)),
        (
            "TVL HHI / Gini",
            format!("{:.4} / {:.4}", m.tvl_hhi, m.tvl_gini),
        ),
        (
            "degree Gini / centralization",
            format!("{:.4} / {:.4}", m.degree_gini, m.degree_centralization),
        ),
        (
            "assortativity out->in",
            format!("{:.4}", m.assortativity_out_in),
        ),
        ("reciprocity", format!("{:.4}", m.reciprocity)),
        ("avg clustering", format!("{:.4}", m.avg_clustering)),
        (
            "largest WCC / SCC share",
            format!("{:.4} / {:.4}", m.largest_wcc_share, m.largest_scc_share),
        ),
        (
            "cross-sector exposure ratio",
            format!("{:.4}", m.cross_sector_ratio),
        ),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "{name:<30} {value}");
    }
    out
}

/// The `k` most systemically important protocols, with names from `catalog` when given.
pub fn sis_table(
    scores: &SystemicScores,
    graph: &ExposureGraph,
    catalog: Option<&ProtocolCatalog>,
    k: usize,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4} {:<10} {:<28} {:<14} {:>7} {:>9} {:>7} {:>7} {:>12}",
        "rank", "id", "name", "sector", "SIS", "PageRank", "Tail5", "TVL", "TVL (USD)"
    );
    for (rank, i) in scores.top_k(k).into_iter().enumerate() {
        let id = graph.name(i);
        let name = catalog.and_then(|c| c.name(id)).unwrap_or("-");
        let sector = graph.categories()[i].name();
        let _ = writeln!(
            out,
            "{:>4} {:<10} {:<28} {:<14} {:>7.4} {:>9.2e} {:>7.3} {:>7.3} {:>12.4e}",
            rank + 1,
            truncate(id, 10),
            truncate(name, 28),
            truncate(sector, 14),
            scores.sis[i],
            scores.pagerank[i],
            scores.tail5[i],
            scores.tvl_term[i],
            graph.tvl()[i]
        );
    }
    out
}

/// The sector spillover matrix (shares of all edge weight, in %) and its summary.
pub fn spillover_table(s: &SectorSpillover) -> String {
    let mut out = String::new();
    let short = |i: usize| truncate(s.labels[i].name(), 12);
    let _ = write!(out, "{:<14}", "from \\ to");
    for j in 0..s.labels.len() {
        let _ = write!(out, " {:>12}", short(j));
    }
    let _ = writeln!(out);
    let total = s.total_weight;
    for i in 0..s.labels.len() {
        let _ = write!(out, "{:<14}", short(i));
        for j in 0..s.labels.len() {
            let share = if total > 0.0 {
                100.0 * s.matrix[i][j] / total
            } else {
                0.0
            };
            let _ = write!(out, " {share:>11.2}%");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "spillover total {:.4e} USD, cross-sector ratio {:.4}, spillover index (HHI of off-diagonal cells) {:.4}",
        s.total, s.ratio, s.index
    );
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n - 1).chain(['…']).collect()
    }
}

/// A protocol's name from `catalog`, cut to 18 characters, or its id when the catalog has none.
fn short_name(id: &str, catalog: Option<&ProtocolCatalog>) -> String {
    catalog
        .and_then(|c| c.name(id))
        .map_or_else(|| id.to_owned(), |n| truncate(n, 18))
}

/// One line per scenario: loss in % of TVL and USD, affected and distressed nodes, rounds, and
/// the five largest losers (by name when `catalog` has them).
pub fn stress_table(
    runs: &[(String, StressResult)],
    graph: &ExposureGraph,
    catalog: Option<&ProtocolCatalog>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<28} {:>8} {:>12} {:>8} {:>10} {:>6}  top-5 losers",
        "scenario", "loss %", "loss (USD)", "affected", "distressed", "rounds"
    );
    for (name, r) in runs {
        let mut order: Vec<usize> = (0..r.node_loss_usd.len())
            .filter(|&i| r.node_loss_usd[i] > 0.0)
            .collect();
        order.sort_by(|&a, &b| {
            r.node_loss_usd[b]
                .total_cmp(&r.node_loss_usd[a])
                .then(a.cmp(&b))
        });
        let losers: Vec<String> = order
            .iter()
            .take(5)
            .map(|&i| short_name(graph.name(i), catalog))
            .collect();
        let _ = writeln!(
            out,
            "{:<28} {:>8.3} {:>12.4e} {:>8} {:>10} {:>6}  {}",
            truncate(name, 28),
            r.loss_pct_tvl,
            r.total_loss_usd,
            r.affected,
            r.distressed,
            r.rounds,
            losers.join(", ")
        );
    }
    out
}

/// The forecast block of the quickstart: the forecast Ĝ measured and stressed next to the
/// persistence forecast G_t ([`crate::monitor::Outlook`]; protocol names from `catalog` when it
/// has them), then the recorded test-week rows of the transformer and the two persistence
/// baselines.
pub fn forecast_summary(
    outlook: &crate::monitor::Outlook,
    symbols: &dexposure_snapshot::SymbolTable,
    catalog: Option<&ProtocolCatalog>,
    recorded: &[dexposure_model::evaluate::ForecastScores],
) -> String {
    let mut out = format!(
        "{:<34} {:>16} {:>16}\n",
        "", "forecast Ĝ", "persistence G_t"
    );
    let rows = [
        ("nodes", "nodes"),
        ("links", "links"),
        ("density", "density"),
        ("TVL HHI", "tvl_hhi"),
        ("edge HHI", "link_weight_hhi"),
        ("mean SIS", "mean_sis"),
        ("spillover index", "spillover_index"),
        ("total exposure (USD)", "total_exposure"),
    ];
    for (label, measure) in rows {
        let value = |m: &crate::monitor::WeekMeasures| m.get(measure).map_or("–".to_owned(), short);
        out.push_str(&format!(
            "{label:<34} {:>16} {:>16}\n",
            value(&outlook.forecast),
            value(&outlook.persistence)
        ));
    }
    let top5 = |m: &crate::monitor::WeekMeasures| -> Vec<String> {
        m.top_sis
            .iter()
            .take(5)
            .map(|&p| short_name(symbols.protocol(p), catalog))
            .collect()
    };
    out.push_str(&format!(
        "top-5 SIS, forecast Ĝ:    {}\ntop-5 SIS, persistence G_t: {}\n",
        top5(&outlook.forecast).join(", "),
        top5(&outlook.persistence).join(", ")
    ));
    for l in &outlook.losses {
        out.push_str(&format!(
            "{:<34} {:>16.3} {:>16.3}\n",
            format!("loss % TVL, {}", truncate(&l.scenario, 22)),
            l.forecast_pct,
            l.persistence_pct
        ));
    }
    out.push_str(&format!(
        "\n{:<26} {:>8} {:>8} {:>8} {:>9} {:>9} {:>8} {:>9}\n",
        "recorded, test weeks",
        "AUROC",
        "AUPRC",
        "hard AP",
        "new AP",
        "w MAE",
        "node MAE",
        "expo/act"
    ));
    let opt = |x: Option<f64>| x.map_or("–".to_owned(), |v| format!("{v:.3}"));
    for s in recorded.iter().filter(|s| {
        [
            "graph_tabular_transformer",
            "directed_persistence",
            "undirected_persistence",
        ]
        .contains(&s.name.as_str())
    }) {
        out.push_str(&format!(
            "{:<26} {:>8} {:>8} {:>8} {:>9} {:>9} {:>8} {:>9}\n",
            s.name,
            opt(s.uniform_auroc),
            opt(s.uniform_auprc),
            opt(s.hard_auprc),
            opt(s.new_link_auprc),
            opt(s.weight_mae),
            opt(s.node_mae),
            opt(s.exposure_ratio()),
        ));
    }
    out
}

/// A number in 4 significant digits, scientific beyond 1e6.
fn short(x: f64) -> String {
    if x.abs() >= 1e6 || (x != 0.0 && x.abs() < 1e-3) {
        format!("{x:.3e}")
    } else if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}
