//! The report's figures, built from its sections and drawn to PNG and SVG files.

use std::path::Path;

use dexposure_econ::IrfKind;

use super::{AnalystReport, ReportError, Result};
use crate::monitor::WarningRule;
use crate::plot::{
    self, AlertTimeline, EventMarker, Figure, FigureFiles, GroupedBars, Heatmap, IrfGrid, Panel,
    SeriesLine, SeriesPanels,
};

/// A figure written to disk, with its caption.
pub(super) struct DrawnFigure {
    /// HTML id and file stem.
    pub id: &'static str,
    /// The section it belongs to.
    pub section: &'static str,
    /// What was measured (the data and command are appended by the page).
    pub caption: String,
    /// Its files and SVG text.
    pub files: FigureFiles,
}

/// The weekly measures drawn over time: (measure, panel title, unit, scale).
pub(super) const TIME_SERIES: [(&str, &str, &str, f64); 6] = [
    ("density", "Density", "links / n(n−1)", 1.0),
    ("tvl_hhi", "TVL concentration (HHI)", "0–1", 1.0),
    (
        "link_weight_hhi",
        "Edge-weight concentration (HHI)",
        "0–1",
        1.0,
    ),
    ("mean_sis", "Mean systemic-importance score", "SIS", 1.0),
    (
        "spillover_index",
        "Sector spillover index",
        "HHI of off-diagonal cells",
        1.0,
    ),
    ("total_exposure", "Total exposure", "bn USD", 1e-9),
];

/// The measures drawn forecast against realised.
const FORECAST_MEASURES: [&str; 4] = ["density", "tvl_hhi", "mean_sis", "spillover_index"];

fn markers(report: &AnalystReport) -> Vec<EventMarker> {
    report
        .events
        .iter()
        .map(|e| EventMarker {
            label: e.name.clone(),
            date: e.date,
        })
        .collect()
}

fn draw<F: Figure>(
    figure: &F,
    dir: &Path,
    id: &'static str,
    section: &'static str,
    caption: String,
) -> Result<DrawnFigure> {
    let files = plot::write_figure(figure, dir, id).map_err(|source| ReportError::Plot {
        figure: id.to_owned(),
        source,
    })?;
    Ok(DrawnFigure {
        id,
        section,
        caption,
        files,
    })
}

/// Draws every figure the report has data for.
pub(super) fn draw_all(report: &AnalystReport, dir: &Path) -> Result<Vec<DrawnFigure>> {
    let mut out = Vec::new();
    let events = markers(report);
    let weekly = &report.weekly;

    let mut metrics = SeriesPanels::new("Network measures per week")
        .with_columns(3)
        .with_events(events.clone());
    for (name, title, unit, scale) in TIME_SERIES {
        let points = weekly
            .iter()
            .map(|m| (m.date, m.get(name).unwrap_or(f64::NAN) * scale))
            .collect();
        metrics = metrics
            .with_panel(Panel::new(title, unit).with_line(SeriesLine::solid("observed", points)));
    }
    out.push(draw(
        &metrics,
        dir,
        "network-measures",
        "metrics",
        format!(
            "Density, TVL and edge-weight HHI, mean SIS, sector spillover index and total exposure of each of the {} weekly networks ({} … {}); dashed red lines mark market events.",
            weekly.len(),
            weekly.first().map(|m| m.date.to_string()).unwrap_or_default(),
            report.latest
        ),
    )?);

    let s = &report.spillover;
    let labels: Vec<String> = s.labels.iter().map(|l| l.name().to_owned()).collect();
    let share = |w: f64| {
        if s.total_weight > 0.0 {
            100.0 * w / s.total_weight
        } else {
            f64::NAN
        }
    };
    let heatmap = Heatmap {
        title: format!("Sector spillovers, week of {}", report.latest),
        rows: labels.clone(),
        columns: labels,
        values: s
            .matrix
            .iter()
            .map(|row| row.iter().map(|&w| share(w)).collect())
            .collect(),
        row_title: "holder sector (from)".into(),
        column_title: "issuer sector (to)".into(),
        unit: "% of all exposure".into(),
        decimals: 2,
    };
    out.push(draw(
        &heatmap,
        dir,
        "sector-spillovers",
        "spillovers",
        format!(
            "Share of all exposure (edge weight) held by each sector (row) in tokens issued by each sector (column), week of {}. Spillover index {:.4}, cross-sector ratio {:.4}.",
            report.latest, s.index, s.ratio
        ),
    )?);

    let mut scenarios: Vec<String> = Vec::new();
    let mut engines: Vec<String> = Vec::new();
    for r in &report.stress {
        if !scenarios.contains(&r.scenario) {
            scenarios.push(r.scenario.clone());
        }
        if !engines.contains(&r.engine) {
            engines.push(r.engine.clone());
        }
    }
    let series = engines
        .iter()
        .map(|e| {
            let values = scenarios
                .iter()
                .map(|sc| {
                    report
                        .stress
                        .iter()
                        .find(|r| r.engine == *e && r.scenario == *sc)
                        .map_or(f64::NAN, |r| r.loss_pct_tvl)
                })
                .collect();
            (e.clone(), values)
        })
        .collect();
    let bars = GroupedBars {
        title: format!(
            "Stress scenarios, week of {}: loss by engine",
            report.latest
        ),
        groups: scenarios,
        series,
        y_title: "loss, % of total TVL".into(),
        decimals: 2,
    };
    out.push(draw(
        &bars,
        dir,
        "stress-scenarios",
        "stress",
        format!(
            "Total loss in % of TVL of the six standard scenarios on the week of {}, through the loss cascade ({}), DebtRank and Eisenberg–Noe.",
            report.latest, report.allocation
        ),
    )?);

    let rows = crate::monitor::WATCHED
        .iter()
        .map(|(measure, rule)| {
            let tag = match rule {
                WarningRule::ZScore => "z-score",
                WarningRule::DeltaRise => "ΔHHI rise",
            };
            let alerts = report
                .alerts
                .iter()
                .filter(|a| a.alert.metric == *measure)
                .map(|a| (a.alert.date, a.alert.z))
                .collect();
            (format!("{measure} ({tag})"), alerts)
        })
        .collect();
    let timeline = AlertTimeline {
        title: "Early-warning alerts of the observed measures".into(),
        span: (
            weekly.first().map_or(report.latest, |m| m.date),
            report.latest,
        ),
        rows,
        events: events.clone(),
    };
    out.push(draw(
        &timeline,
        dir,
        "early-warning-alerts",
        "alerts",
        format!(
            "Weeks where a measure's rolling z-score over the previous {} weeks exceeded ±{} (levels), or its one-week change rose above {} standard deviations of the previous changes (HHIs); {} alerts in all. The first {} weeks cannot alert (no window yet).",
            report.warning.window,
            report.warning.threshold,
            report.warning.threshold,
            report.alerts.len(),
            report.warning.window
        ),
    )?);

    if let Some(f) = &report.forecast {
        let first = &f.anchors[0];
        let group: Vec<_> = f
            .anchors
            .iter()
            .filter(|a| a.horizon == first.horizon && a.seed == first.seed)
            .collect();
        let start = group
            .first()
            .map(|a| a.anchor - chrono::Duration::weeks(12))
            .unwrap_or(report.latest);
        let mut panels = SeriesPanels::new(format!(
            "Forecast vs realised, h = {} week(s), {} anchors",
            first.horizon,
            group.len()
        ))
        .with_columns(2)
        .with_events(events.clone());
        for name in FORECAST_MEASURES {
            let Some((_, title, unit, _)) = TIME_SERIES.iter().find(|m| m.0 == name) else {
                continue;
            };
            let realised = weekly
                .iter()
                .filter(|m| m.date >= start)
                .map(|m| (m.date, m.get(name).unwrap_or(f64::NAN)))
                .collect();
            let at = |pick: &dyn Fn(&crate::monitor::MeasuredAnchor) -> f64| {
                group
                    .iter()
                    .map(|a| (a.target, pick(a)))
                    .collect::<Vec<_>>()
            };
            let model = at(&|a| a.model.get(name).unwrap_or(f64::NAN));
            let persistence = at(&|a| a.persistence.get(name).unwrap_or(f64::NAN));
            panels = panels.with_panel(
                Panel::new(*title, *unit)
                    .with_line(SeriesLine::solid("realised", realised))
                    .with_line(SeriesLine::markers("model forecast", model))
                    .with_line(SeriesLine::dashed("persistence (G_t)", persistence)),
            );
        }
        out.push(draw(
            &panels,
            dir,
            "forecast-vs-realised",
            "forecast",
            format!(
                "Measures of the forecast graph Ĝ_t+h (model, {} links) and of the persistence forecast G_t, plotted at the target week t + {}, against the realised graph; {} anchors of the {} part, forecaster {}, seed {}.",
                f.links,
                first.horizon,
                group.len(),
                f.part,
                f.source,
                first.seed
            ),
        )?);
    }

    if let Some(var) = &report.var {
        let title = var.irf_title(IrfKind::Orthogonalised);
        let grid = IrfGrid {
            bands: &var.bands,
            kind: IrfKind::Orthogonalised,
            title: &title,
        };
        out.push(draw(
            &grid,
            dir,
            "var-irf",
            "var",
            format!(
                "Responses of each sector's series (row) to a one-standard-deviation orthogonalised shock in each sector (column) of a VAR({}) fitted on {} weeks ({} … {}); grey: {:.0}% residual-bootstrap bands, {} replications, seed {}.",
                var.lags,
                var.dates.len(),
                var.dates.first().map(|d| d.to_string()).unwrap_or_default(),
                var.dates.last().map(|d| d.to_string()).unwrap_or_default(),
                100.0 * var.bands.config.level,
                var.bands.config.reps,
                var.bands.config.seed
            ),
        )?);
    }
    Ok(out)
}
