//! Alerts on a timeline: one row per measure, a marker per alert.

use dexposure_snapshot::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    EventMarker, FAMILY, Figure, PlotError, day_number, draw_err, draw_legend, month_label,
};

/// Early-warning alerts over time: row `i` shows the alerts of measure `i`, a red triangle up
/// for a rise (z > 0), a blue triangle down for a fall; market events are dashed lines.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertTimeline {
    /// Figure title.
    pub title: String,
    /// First and last week of the span the rules were applied to.
    pub span: (NaiveDate, NaiveDate),
    /// (row label, alerts as (week, z)).
    pub rows: Vec<(String, Vec<(NaiveDate, f64)>)>,
    /// Market events.
    pub events: Vec<EventMarker>,
}

const ROW_H: u32 = 34;

impl Figure for AlertTimeline {
    fn size(&self) -> (u32, u32) {
        (1120, 150 + ROW_H * self.rows.len() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        if self.rows.is_empty() {
            return Err(PlotError::Empty(format!("{}: no measure", self.title)));
        }
        let (head, body) = root.split_vertically(76);
        let (title, legend) = head.split_vertically(44);
        title.titled(&self.title, (FAMILY, 20)).map_err(draw_err)?;
        let up = RGBColor(200, 30, 30);
        let down = RGBColor(0, 90, 180);
        draw_legend(
            &legend,
            &[
                ("alert, rise (z > threshold)".into(), up, false),
                ("alert, fall (z < −threshold)".into(), down, false),
                ("market event".into(), RGBColor(120, 120, 120), true),
            ],
        )?;
        let (mut x0, mut x1) = (day_number(self.span.0), day_number(self.span.1));
        if x1 - x0 < 14.0 {
            x0 -= 7.0;
            x1 += 7.0;
        }
        let n = self.rows.len() as f64;
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(28)
            .y_label_area_size(170)
            .build_cartesian_2d(x0..x1, -0.5..n - 0.5)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .x_labels(8)
            .label_style((FAMILY, 12))
            .x_label_formatter(&month_label)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(draw_err)?;
        let grey = RGBColor(120, 120, 120);
        for event in &self.events {
            let x = day_number(event.date);
            if x < x0 || x > x1 {
                continue;
            }
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x, -0.5), (x, n - 0.5)],
                    5,
                    4,
                    grey.stroke_width(1),
                ))
                .map_err(draw_err)?;
            let style = (FAMILY, 12).into_font().color(&grey);
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x, n - 0.5)) + Text::new(event.label.clone(), (4, 2), style),
                ))
                .map_err(draw_err)?;
        }
        let label = (FAMILY, 13)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Right, VPos::Center));
        for (i, (name, alerts)) in self.rows.iter().enumerate() {
            // the first row at the top
            let y = n - 1.0 - i as f64;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x0, y), (x1, y)],
                    RGBColor(225, 225, 225).stroke_width(1),
                )))
                .map_err(draw_err)?;
            let (px, py) = chart.backend_coord(&(x0, y));
            // backend_coord is in the figure's pixels: the label goes on the root area
            root.draw(&Text::new(name.clone(), (px - 8, py), label.clone()))
                .map_err(draw_err)?;
            for &(date, z) in alerts {
                let x = day_number(date);
                let (c, points) = if z > 0.0 {
                    (up, vec![(0, -7), (-6, 5), (6, 5)])
                } else {
                    (down, vec![(0, 7), (-6, -5), (6, -5)])
                };
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((x, y)) + Polygon::new(points, c.filled()),
                    ))
                    .map_err(draw_err)?;
            }
        }
        Ok(())
    }
}
