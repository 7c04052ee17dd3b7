//! Grouped bar charts (one group per category, one bar per series).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FAMILY, Figure, PlotError, axis_number, colour, draw_err, draw_legend};

/// Grouped bars: for each group (a stress scenario) one bar per series (an engine), with the
/// value written above each bar.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedBars {
    /// Figure title.
    pub title: String,
    /// Group labels along the x axis.
    pub groups: Vec<String>,
    /// (series label, one value per group).
    pub series: Vec<(String, Vec<f64>)>,
    /// Y axis title with its unit.
    pub y_title: String,
    /// Decimals of the values written above the bars.
    pub decimals: usize,
}

const GROUP_W: u32 = 150;

impl Figure for GroupedBars {
    fn size(&self) -> (u32, u32) {
        ((120 + GROUP_W * self.groups.len() as u32).max(640), 460)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let n = self.groups.len();
        let k = self.series.len();
        if n == 0 || k == 0 || self.series.iter().any(|(_, v)| v.len() != n) {
            return Err(PlotError::Empty(format!(
                "{}: no complete group of bars",
                self.title
            )));
        }
        let (head, body) = root.split_vertically(76);
        let (title, legend) = head.split_vertically(44);
        title.titled(&self.title, (FAMILY, 20)).map_err(draw_err)?;
        let entries: Vec<(String, RGBColor, bool)> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, (label, _))| (label.clone(), colour(i), false))
            .collect();
        draw_legend(&legend, &entries)?;
        let top = self
            .series
            .iter()
            .flat_map(|(_, v)| v)
            .filter(|v| v.is_finite())
            .fold(0.0f64, |m, &v| m.max(v));
        let y1 = if top > 0.0 { top * 1.15 } else { 1.0 };
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .margin_right(20)
            .x_label_area_size(40)
            .y_label_area_size(72)
            .build_cartesian_2d(0.0..n as f64, 0.0..y1)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_x_axis()
            .y_labels(6)
            .y_desc(self.y_title.clone())
            .axis_desc_style((FAMILY, 14))
            .label_style((FAMILY, 12))
            .y_label_formatter(&axis_number)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(draw_err)?;
        let width = 0.8 / k as f64;
        for (s, (_, values)) in self.series.iter().enumerate() {
            let c = colour(s);
            for (g, &v) in values.iter().enumerate() {
                if !v.is_finite() {
                    continue;
                }
                let x = g as f64 + 0.1 + width * s as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x, 0.0), (x + width * 0.92, v)],
                        c.filled(),
                    )))
                    .map_err(draw_err)?;
                let label = (FAMILY, 11)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Bottom));
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((x + width * 0.46, v))
                            + Text::new(format!("{v:.*}", self.decimals), (0, -2), label),
                    ))
                    .map_err(draw_err)?;
            }
        }
        // chart.backend_coord is in the figure's pixels: the labels go on the root area
        let label = (FAMILY, 13)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        for (g, name) in self.groups.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(g as f64 + 0.5, 0.0));
            root.draw(&Text::new(name.clone(), (px, py + 8), label.clone()))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}
