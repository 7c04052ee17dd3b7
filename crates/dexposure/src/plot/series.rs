//! Dated series in a grid of small panels, with market events marked.

use dexposure_snapshot::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    FAMILY, Figure, PlotError, axis_number, colour, day_number, draw_err, draw_legend, month_label,
};

/// A market event drawn as a dashed vertical line with its name.
#[derive(Debug, Clone, PartialEq)]
pub struct EventMarker {
    /// Name shown beside the line ("Terra").
    pub label: String,
    /// Week of the event.
    pub date: NaiveDate,
}

impl EventMarker {
    /// The Terra/LUNA collapse (week of 2022-05-09) and the FTX collapse (2022-11-07).
    pub fn terra_ftx() -> Vec<EventMarker> {
        [("Terra", (2022, 5, 9)), ("FTX", (2022, 11, 7))]
            .into_iter()
            .filter_map(|(label, (y, m, d))| {
                NaiveDate::from_ymd_opt(y, m, d).map(|date| EventMarker {
                    label: label.into(),
                    date,
                })
            })
            .collect()
    }
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesStyle {
    /// A solid line.
    Solid,
    /// A dashed line.
    Dashed,
    /// A line with a marker at every point.
    Markers,
}

/// One series of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesLine {
    /// Legend label (series of the same label share a colour across panels).
    pub label: String,
    /// (week, value) points; non-finite values are skipped.
    pub points: Vec<(NaiveDate, f64)>,
    /// How it is drawn.
    pub style: SeriesStyle,
}

impl SeriesLine {
    /// A solid line.
    pub fn solid(label: impl Into<String>, points: Vec<(NaiveDate, f64)>) -> Self {
        Self {
            label: label.into(),
            points,
            style: SeriesStyle::Solid,
        }
    }

    /// A dashed line.
    pub fn dashed(label: impl Into<String>, points: Vec<(NaiveDate, f64)>) -> Self {
        Self {
            label: label.into(),
            points,
            style: SeriesStyle::Dashed,
        }
    }

    /// A line with markers.
    pub fn markers(label: impl Into<String>, points: Vec<(NaiveDate, f64)>) -> Self {
        Self {
            label: label.into(),
            points,
            style: SeriesStyle::Markers,
        }
    }
}

/// One panel: a title, the unit of its y axis and its series.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Panel title (the measure).
    pub title: String,
    /// Unit of the y axis.
    pub unit: String,
    /// Series drawn in the panel.
    pub lines: Vec<SeriesLine>,
}

impl Panel {
    /// An empty panel.
    pub fn new(title: impl Into<String>, unit: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            unit: unit.into(),
            lines: Vec::new(),
        }
    }

    /// Adds a series.
    pub fn with_line(mut self, line: SeriesLine) -> Self {
        self.lines.push(line);
        self
    }
}

/// A grid of dated panels sharing one legend and the same event markers.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPanels {
    /// Figure title.
    pub title: String,
    /// The panels, row by row.
    pub panels: Vec<Panel>,
    /// Events marked in every panel.
    pub events: Vec<EventMarker>,
    /// Panels per row.
    pub columns: usize,
}

impl SeriesPanels {
    /// An empty figure with two panels per row.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            panels: Vec::new(),
            events: Vec::new(),
            columns: 2,
        }
    }

    /// Adds a panel.
    pub fn with_panel(mut self, panel: Panel) -> Self {
        self.panels.push(panel);
        self
    }

    /// Marks `events` in every panel.
    pub fn with_events(mut self, events: Vec<EventMarker>) -> Self {
        self.events = events;
        self
    }

    /// Sets the number of panels per row (at least 1).
    pub fn with_columns(mut self, columns: usize) -> Self {
        self.columns = columns.max(1);
        self
    }

    fn rows(&self) -> usize {
        self.panels.len().div_ceil(self.columns.max(1)).max(1)
    }

    /// The legend labels in first-seen order, with their colour index and style.
    fn legend(&self) -> Vec<(String, SeriesStyle)> {
        let mut out: Vec<(String, SeriesStyle)> = Vec::new();
        for line in self.panels.iter().flat_map(|p| &p.lines) {
            if !out.iter().any(|(l, _)| *l == line.label) {
                out.push((line.label.clone(), line.style));
            }
        }
        out
    }
}

const PANEL_W: u32 = 440;
const PANEL_H: u32 = 270;
const HEAD: u32 = 76;

impl Figure for SeriesPanels {
    fn size(&self) -> (u32, u32) {
        let columns = self.columns.max(1).min(self.panels.len().max(1)) as u32;
        (PANEL_W * columns, HEAD + PANEL_H * self.rows() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        if self.panels.is_empty() {
            return Err(PlotError::Empty(format!("{}: no panel", self.title)));
        }
        let (head, body) = root.split_vertically(HEAD);
        let (title, legend_area) = head.split_vertically(44);
        title.titled(&self.title, (FAMILY, 22)).map_err(draw_err)?;
        let legend = self.legend();
        let mut entries: Vec<(String, RGBColor, bool)> = legend
            .iter()
            .enumerate()
            .map(|(i, (label, style))| (label.clone(), colour(i), *style == SeriesStyle::Dashed))
            .collect();
        if !self.events.is_empty() {
            entries.push(("market event".into(), RGBColor(200, 30, 30), true));
        }
        draw_legend(&legend_area, &entries)?;
        let columns = self.columns.max(1).min(self.panels.len());
        let areas = body.split_evenly((self.rows(), columns));
        for (panel, area) in self.panels.iter().zip(&areas) {
            draw_panel(panel, area, &legend, &self.events)?;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(
    panel: &Panel,
    area: &DrawingArea<DB, Shift>,
    legend: &[(String, SeriesStyle)],
    events: &[EventMarker],
) -> Result<(), PlotError> {
    let points = panel
        .lines
        .iter()
        .flat_map(|l| &l.points)
        .filter(|(_, v)| v.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (d, v) in points {
        let x = day_number(*d);
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(*v);
        y1 = y1.max(*v);
    }
    if x0 > x1 {
        return Err(PlotError::Empty(format!(
            "panel {}: no finite value",
            panel.title
        )));
    }
    if x1 - x0 < 7.0 {
        x0 -= 7.0;
        x1 += 7.0;
    }
    let pad = ((y1 - y0) * 0.08)
        .max(y1.abs().max(y0.abs()) * 0.02)
        .max(1e-12);
    let (y0, y1) = (y0 - pad, y1 + pad);
    let mut chart = ChartBuilder::on(area)
        .caption(format!("{} ({})", panel.title, panel.unit), (FAMILY, 16))
        .margin(8)
        .margin_right(18)
        .x_label_area_size(26)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_labels(5)
        .y_labels(5)
        .light_line_style(RGBColor(235, 235, 235))
        .label_style((FAMILY, 13))
        .x_label_formatter(&month_label)
        .y_label_formatter(&axis_number)
        .draw()
        .map_err(draw_err)?;
    let red = RGBColor(200, 30, 30);
    for event in events {
        let x = day_number(event.date);
        if x < x0 || x > x1 {
            continue;
        }
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x, y0), (x, y1)],
                5,
                4,
                red.stroke_width(1),
            ))
            .map_err(draw_err)?;
        let label = (FAMILY, 12).into_font().color(&red);
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((x, y1)) + Text::new(event.label.clone(), (4, 2), label),
            ))
            .map_err(draw_err)?;
    }
    for line in &panel.lines {
        let i = legend
            .iter()
            .position(|(l, _)| *l == line.label)
            .unwrap_or(0);
        let c = colour(i);
        let pts: Vec<(f64, f64)> = line
            .points
            .iter()
            .filter(|(_, v)| v.is_finite())
            .map(|(d, v)| (day_number(*d), *v))
            .collect();
        match line.style {
            SeriesStyle::Solid => {
                chart
                    .draw_series(LineSeries::new(pts, c.stroke_width(2)))
                    .map_err(draw_err)?;
            }
            SeriesStyle::Dashed => {
                chart
                    .draw_series(DashedLineSeries::new(pts, 6, 4, c.stroke_width(2)))
                    .map_err(draw_err)?;
            }
            SeriesStyle::Markers => {
                chart
                    .draw_series(LineSeries::new(pts.clone(), c.stroke_width(1)))
                    .map_err(draw_err)?;
                chart
                    .draw_series(pts.into_iter().map(|p| Circle::new(p, 3, c.filled())))
                    .map_err(draw_err)?;
            }
        }
    }
    Ok(())
}
