//! The report page: one HTML file, figures inlined as SVG, no script, no external resource.

use std::fmt::Write as _;
use std::path::Path;

use super::figures::DrawnFigure;
use super::{AnalystReport, ReportFiles};
use crate::table::DataTable;

/// Escapes text for HTML element content and attribute values.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `value` with `decimals` decimals and thousands separators ("—" when not finite).
pub fn number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "—".into();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), ""), |(i, f)| (i, f));
    let mut grouped = String::new();
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// A compact number for table cells: whole numbers without decimals, 4 decimals below 100,
/// 2 below a million, scientific notation beyond.
fn cell(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        "—".into()
    } else if v.fract() == 0.0 && a < 1e15 {
        number(v, 0)
    } else if (1e-3..100.0).contains(&a) {
        number(v, 4)
    } else if (100.0..1e6).contains(&a) {
        number(v, 2)
    } else {
        format!("{v:.3e}")
    }
}

const STYLE: &str = r#"
:root { --ink: #1d232b; --muted: #5b6573; --line: #dfe3e8; --accent: #0b5394; --warn: #b45309; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: #f6f7f9; }
.banner { position: sticky; top: 0; z-index: 2; padding: 6px 24px; font-weight: bold; color: #fff; background: #b91c1c; }
.banner.real { background: var(--accent); }
main { max-width: 1320px; margin: 0 auto; padding: 8px 24px 48px; }
header h1 { margin: 18px 0 4px; font-size: 26px; }
header p { margin: 2px 0; color: var(--muted); }
nav { margin: 12px 0 8px; display: flex; flex-wrap: wrap; gap: 6px 14px; }
nav a { color: var(--accent); text-decoration: none; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 20px 18px; margin: 18px 0; }
h2 { font-size: 20px; margin: 12px 0 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; margin: 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card dt { color: var(--muted); font-size: 13px; }
.card dd { margin: 0; font-size: 22px; font-weight: bold; }
.card .unit { font-size: 13px; color: var(--muted); font-weight: normal; margin-left: 4px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px; text-align: right; white-space: nowrap; }
th { background: #eef1f5; }
td.text, th.text { text-align: left; }
.scroll { overflow-x: auto; }
figure { margin: 10px 0; }
figure svg { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); background: #fff; }
figcaption { color: var(--muted); font-size: 13px; max-width: 1100px; margin-top: 4px; }
.flag-warn { color: var(--warn); font-weight: bold; }
.flag-ok { color: #15803d; }
code { background: #eef1f5; padding: 1px 4px; border-radius: 3px; }
footer { color: var(--muted); font-size: 13px; }
@media print { .banner { position: fixed; top: 0; left: 0; right: 0; } main { padding-top: 40px; } section { break-inside: avoid; } }
"#;

/// Makes an inline SVG scale with the page: a `viewBox` from its width and height.
fn responsive_svg(svg: &str) -> String {
    let attr = |name: &str| -> Option<String> {
        let start = svg.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = start + svg[start..].find('"')?;
        Some(svg[start..end].to_owned())
    };
    match (svg.contains("viewBox"), attr("width"), attr("height")) {
        (false, Some(w), Some(h)) => {
            svg.replacen("<svg ", &format!("<svg viewBox=\"0 0 {w} {h}\" "), 1)
        }
        _ => svg.to_owned(),
    }
}

struct Page<'a> {
    report: &'a AnalystReport,
    figures: &'a [DrawnFigure],
    out: String,
}

impl Page<'_> {
    fn data_note(&self) -> String {
        let label = &self.report.label;
        if label.simulated {
            format!("Data: {} — SIMULATED.", label.description)
        } else {
            format!("Data: {}.", label.description)
        }
    }

    fn figure(&mut self, section: &str) {
        let note = self.data_note();
        let command = escape(&self.report.command);
        for f in self.figures.iter().filter(|f| f.section == section) {
            let _ = writeln!(
                self.out,
                "<figure class=\"figure\" id=\"fig-{id}\">{svg}<figcaption>{caption} {note} Command: <code>{command}</code>. Files: <code>figures/{id}.png</code>, <code>figures/{id}.svg</code>.</figcaption></figure>",
                id = f.id,
                svg = responsive_svg(&f.files.svg),
                caption = escape(&f.caption),
                note = escape(&note),
            );
        }
    }

    fn open(&mut self, id: &str, title: &str) {
        let _ = writeln!(self.out, "<section id=\"{id}\"><h2>{}</h2>", escape(title));
    }

    fn close(&mut self) {
        self.out.push_str("</section>\n");
    }

    fn table(&mut self, header: &[&str], rows: &[Vec<Cell>]) {
        self.out
            .push_str("<div class=\"scroll\"><table><thead><tr>");
        for (k, h) in header.iter().enumerate() {
            let text = rows
                .first()
                .and_then(|r| r.get(k))
                .is_some_and(|c| c.1.starts_with("text"));
            let _ = write!(
                self.out,
                "<th{}>{}</th>",
                if text { " class=\"text\"" } else { "" },
                escape(h)
            );
        }
        self.out.push_str("</tr></thead><tbody>\n");
        for row in rows {
            self.out.push_str("<tr>");
            for (value, class) in row {
                let class = if class.is_empty() {
                    String::new()
                } else {
                    format!(" class=\"{class}\"")
                };
                let _ = write!(self.out, "<td{class}>{}</td>", escape(value));
            }
            self.out.push_str("</tr>\n");
        }
        self.out.push_str("</tbody></table></div>\n");
    }
}

/// A table cell: its text and its CSS class.
type Cell = (String, &'static str);

/// A text cell (left-aligned).
fn t(s: impl Into<String>) -> Cell {
    (s.into(), "text")
}

/// A number cell (right-aligned).
fn n(s: impl Into<String>) -> Cell {
    (s.into(), "")
}

/// The whole page.
pub(super) fn page(
    report: &AnalystReport,
    figures: &[DrawnFigure],
    tables: &[DataTable],
    files: &ReportFiles,
    dir: &Path,
) -> String {
    let mut p = Page {
        report,
        figures,
        out: String::new(),
    };
    let s = &report.quality.summary;
    let banner = if report.label.simulated {
        format!(
            "<div class=\"banner\" role=\"note\">SIMULATED DATA — {}: these numbers say nothing about the real DeXposure network.</div>",
            escape(&report.label.description)
        )
    } else {
        format!(
            "<div class=\"banner real\">Data: {}</div>",
            escape(&report.label.description)
        )
    };
    let _ = write!(
        p.out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>dexposure report — {title}</title><style>{STYLE}</style></head><body>\n{banner}\n<main>\n<header><h1>DeFi credit-exposure report</h1>\
         <p>{data} {weeks} weekly networks, {first} … {last}.</p><p>Made with <code>{command}</code> by dexposure {version}.</p></header>\n",
        title = escape(&report.label.description),
        data = escape(&p.data_note()),
        weeks = s.weeks,
        first = s.first_date.map(|d| d.to_string()).unwrap_or_default(),
        last = s.last_date.map(|d| d.to_string()).unwrap_or_default(),
        command = escape(&report.command),
        version = env!("CARGO_PKG_VERSION"),
    );
    let mut sections = vec![
        ("headline", "Headline numbers"),
        ("dataset", "Dataset and data quality"),
        ("metrics", "Network measures over time"),
        ("sis", "Systemic importance"),
        ("spillovers", "Sector spillovers"),
        ("stress", "Stress scenarios"),
        ("alerts", "Early-warning alerts"),
    ];
    if report.forecast.is_some() {
        sections.push(("forecast", "Forecast vs realised"));
    }
    if report.var.is_some() {
        sections.push(("var", "Sector VAR around the event"));
    }
    sections.push(("files", "Files"));
    p.out.push_str("<nav>");
    for (id, title) in &sections {
        let _ = write!(p.out, "<a href=\"#{id}\">{}</a>", escape(title));
    }
    p.out.push_str("</nav>\n");

    p.open(
        "headline",
        &format!("Headline numbers, week of {}", report.latest),
    );
    p.out.push_str("<dl class=\"cards\">\n");
    for h in &report.headline {
        let _ = writeln!(
            p.out,
            "<div class=\"card\"><dt>{}</dt><dd><span data-headline=\"{}\" data-decimals=\"{}\">{}</span><span class=\"unit\">{}</span></dd></div>",
            escape(&h.label),
            escape(&h.key),
            h.decimals,
            number(h.value, h.decimals),
            escape(&h.unit)
        );
    }
    p.out.push_str("</dl>\n");
    p.close();

    p.open("dataset", "Dataset and data quality");
    let overlap = s.mean_next_week_overlap;
    let pct = |v: Option<f64>| v.map_or("—".to_owned(), |x| format!("{}%", number(100.0 * x, 1)));
    p.table(
        &["quantity", "value"],
        &[
            vec![t("weeks"), n(number(s.weeks as f64, 0))],
            vec![
                t("distinct protocols"),
                n(number(s.distinct_protocols as f64, 0)),
            ],
            vec![t("distinct tokens"), n(number(s.distinct_tokens as f64, 0))],
            vec![
                t("nodes per week (mean, min, max)"),
                n(format!(
                    "{} ({} … {})",
                    number(s.nodes.mean, 1),
                    s.nodes.min,
                    s.nodes.max
                )),
            ],
            vec![
                t("links per week (mean, min, max)"),
                n(format!(
                    "{} ({} … {})",
                    number(s.links.mean, 1),
                    s.links.min,
                    s.links.max
                )),
            ],
            vec![
                t("mean overlap with the next week: nodes"),
                n(pct(overlap.map(|o| o.nodes))),
            ],
            vec![
                t("mean overlap with the next week: directed links"),
                n(pct(overlap.map(|o| o.directed_links))),
            ],
        ],
    );
    let flag = |bad: bool| {
        if bad {
            ("check".to_owned(), "text flag-warn")
        } else {
            ("ok".to_owned(), "text flag-ok")
        }
    };
    let unknown = s.mean_pct_protocols_unknown.unwrap_or(f64::NAN);
    let flags = vec![
        vec![
            t("gaps longer than 7 days"),
            n(s.gaps.to_string()),
            flag(s.gaps > 0),
        ],
        vec![
            t("dates that are not Mondays"),
            n(s.non_monday_dates.to_string()),
            flag(s.non_monday_dates > 0),
        ],
        vec![
            t("links dropped (null or missing endpoint)"),
            n(format!(
                "{} ({}%)",
                s.dropped.total(),
                number(s.pct_dropped, 2)
            )),
            flag(s.pct_dropped > 1.0),
        ],
        vec![
            t("pseudo nodes: primary tokens, LP/UNKNOWN/OTHER buckets (mean per week)"),
            n(format!("{}%", number(s.mean_pct_pseudo_nodes, 1))),
            ("info".to_owned(), "text"),
        ],
        vec![
            t("protocols of unknown category (mean per week, pseudo nodes left out)"),
            n(format!("{}%", number(unknown, 1))),
            flag(unknown.is_nan() || unknown > 20.0),
        ],
        vec![
            t("repairs applied"),
            n(s.repairs.total().to_string()),
            flag(s.repairs.total() > 0),
        ],
    ];
    p.out.push_str("<h3>Data-quality flags</h3>");
    p.table(&["check", "value", "flag"], &flags);
    p.out.push_str("<p>Flags: a gap or a non-Monday date breaks the weekly grid; more than 1% dropped links or 20% protocols of unknown category weaken sector-level results (pseudo nodes have no category by construction and are counted apart). Per-week values: <code>tables/data_quality.csv</code>.</p>\n");
    p.close();

    p.open("metrics", "Network measures over time");
    p.figure("metrics");
    p.close();

    p.open(
        "sis",
        &format!(
            "The {} most systemically important protocols, week of {}",
            report.top_sis.len(),
            report.latest
        ),
    );
    let rows: Vec<Vec<Cell>> = report
        .top_sis
        .iter()
        .enumerate()
        .map(|(k, r)| {
            vec![
                n((k + 1).to_string()),
                t(r.id.clone()),
                t(r.name.clone()),
                t(r.sector.clone()),
                n(number(r.sis, 4)),
                n(cell(r.pagerank)),
                n(number(r.tail5, 3)),
                n(number(r.tvl_term, 3)),
                n(number(r.tvl_usd / 1e6, 1)),
            ]
        })
        .collect();
    p.table(
        &[
            "rank",
            "id",
            "name",
            "sector",
            "SIS",
            "PageRank",
            "tail-5",
            "TVL term",
            "TVL (m USD)",
        ],
        &rows,
    );
    p.out.push_str("<p>SIS = weighted sum of weighted PageRank, the tail-5 exposure share and the TVL share (DESIGN.md §6).</p>\n");
    p.close();

    p.open("spillovers", "Sector spillovers");
    p.figure("spillovers");
    p.close();

    p.open(
        "stress",
        &format!("Stress scenarios, week of {}", report.latest),
    );
    p.figure("stress");
    let rows: Vec<Vec<Cell>> = report
        .stress
        .iter()
        .map(|r| {
            vec![
                t(r.scenario.clone()),
                t(r.engine.clone()),
                n(number(r.loss_pct_tvl, 3)),
                n(number(r.loss_usd / 1e6, 1)),
                n(r.affected.to_string()),
                n(r.distressed.to_string()),
                n(r.rounds.to_string()),
            ]
        })
        .collect();
    p.table(
        &[
            "scenario",
            "engine",
            "loss (% TVL)",
            "loss (m USD)",
            "affected",
            "distressed",
            "rounds",
        ],
        &rows,
    );
    p.close();

    p.open("alerts", "Early-warning alerts");
    p.figure("alerts");
    let rows: Vec<Vec<Cell>> = report
        .alerts
        .iter()
        .rev()
        .take(25)
        .map(|a| {
            vec![
                t(a.alert.date.to_string()),
                t(a.alert.metric.clone()),
                t(a.rule.name()),
                n(cell(a.alert.value)),
                n(number(a.alert.z, 2)),
            ]
        })
        .collect();
    let _ = writeln!(
        p.out,
        "<p>The {} most recent of {} alerts (all in <code>tables/alerts.csv</code>):</p>",
        rows.len(),
        report.alerts.len()
    );
    p.table(&["week", "measure", "rule", "value", "z"], &rows);
    p.close();

    if let Some(f) = &report.forecast {
        p.open("forecast", "Forecast vs realised");
        p.figure("forecast");
        let rows: Vec<Vec<Cell>> = f
            .errors
            .rows
            .iter()
            .filter(|r| {
                [
                    "density",
                    "tvl_hhi",
                    "link_weight_hhi",
                    "mean_sis",
                    "spillover_index",
                    "total_exposure",
                ]
                .contains(&r.measure.as_str())
            })
            .map(|r| {
                let interval = r.delta_mae_interval.map_or("—".to_owned(), |i| {
                    format!("[{}, {}]", cell(i.low), cell(i.high))
                });
                vec![
                    n(r.horizon.to_string()),
                    n(r.seed.to_string()),
                    t(r.measure.clone()),
                    n(r.anchors.to_string()),
                    n(cell(r.model.mae)),
                    n(cell(r.persistence.mae)),
                    n(cell(r.delta_mae)),
                    n(interval),
                ]
            })
            .collect();
        let _ = writeln!(
            p.out,
            "<p>Mean absolute error over the {} anchors of the {} part; ΔMAE = persistence − model (positive: the model is better), with a 95% bootstrap interval. All measures: <code>tables/forecast_measures.csv</code>.</p>",
            f.anchors.len(),
            escape(&f.part)
        );
        p.table(
            &[
                "h",
                "seed",
                "measure",
                "anchors",
                "MAE model",
                "MAE persistence",
                "ΔMAE",
                "95% interval",
            ],
            &rows,
        );
        p.close();
    }

    if let Some(var) = &report.var {
        p.open("var", "Sector VAR around the event");
        p.figure("var");
        let c = &var.connectedness;
        let rows: Vec<Vec<Cell>> = var
            .names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                vec![
                    t(name.clone()),
                    n(number(c.to[i], 1)),
                    n(number(c.from[i], 1)),
                    n(number(c.net[i], 1)),
                ]
            })
            .collect();
        let _ = writeln!(
            p.out,
            "<p>Diebold–Yilmaz connectedness at horizon {}: total {}%. Per sector, in % of forecast-error variance:</p>",
            c.horizon,
            number(c.total, 1)
        );
        p.table(&["sector", "to others", "from others", "net"], &rows);
        p.close();
    }

    p.open("files", "Files");
    let rel = |path: &Path| path.strip_prefix(dir).unwrap_or(path).display().to_string();
    p.out.push_str("<p>Beside this page: ");
    let listed: Vec<String> = files
        .figures
        .iter()
        .chain(&files.tables)
        .map(|f| format!("<code>{}</code>", escape(&rel(f))))
        .collect();
    p.out.push_str(&listed.join(", "));
    let _ = writeln!(
        p.out,
        ", and <code>report.json</code> (headline numbers, top SIS, stress and alerts). Tables: {}.</p>",
        tables
            .iter()
            .map(|t| format!("{} ({} rows)", escape(&t.name), t.rows()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (section, reason) in &report.skipped {
        let _ = writeln!(
            p.out,
            "<p class=\"flag-warn\">Section {} left out: {}</p>",
            escape(section),
            escape(reason)
        );
    }
    p.close();
    let _ = write!(
        p.out,
        "<footer><p>{}</p></footer>\n</main></body></html>\n",
        escape(&p.data_note())
    );
    p.out
}
