//! The grid of impulse responses with bootstrap bands.

use dexposure_econ::{IrfBands, IrfKind};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FAMILY, Figure, PlotError, draw_err};

/// A `K × K` grid of impulse responses of one kind with their bootstrap bands: panel `(i, j)`
/// (row `i`, column `j`) is the response of variable `i` to a shock in variable `j`, the point
/// estimate in blue, the band's bounds in grey, zero dashed.
#[derive(Debug, Clone, Copy)]
pub struct IrfGrid<'a> {
    /// Responses with their bands.
    pub bands: &'a IrfBands,
    /// Which responses are drawn.
    pub kind: IrfKind,
    /// Figure title (the band level and replications are appended).
    pub title: &'a str,
}

impl<'a> IrfGrid<'a> {
    /// The grid of `kind` responses of `bands`, titled `title`.
    pub fn new(bands: &'a IrfBands, kind: IrfKind, title: &'a str) -> Self {
        Self { bands, kind, title }
    }
}

const CELL: u32 = 260;

impl Figure for IrfGrid<'_> {
    fn size(&self) -> (u32, u32) {
        let k = self.bands.point.names.len() as u32;
        ((CELL * k + 20).max(640), CELL * k + 60)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let bands = self.bands;
        let point = bands.point.matrices(self.kind, false);
        let band = bands.band(self.kind);
        let k = bands.point.names.len();
        if k == 0 || point.is_empty() {
            return Err(PlotError::Empty("no variable or no horizon".into()));
        }
        let periods = point.len() - 1;
        let root = root
            .titled(
                &format!(
                    "{} ({:.0}% bootstrap bands, {} reps)",
                    self.title,
                    100.0 * bands.config.level,
                    bands.config.reps
                ),
                (FAMILY, 20),
            )
            .map_err(draw_err)?;
        let panels = root.split_evenly((k, k));
        for (idx, area) in panels.iter().enumerate() {
            let (i, j) = (idx / k, idx % k);
            let series = |ms: &[dexposure_econ::Matrix]| -> Vec<(f64, f64)> {
                ms.iter()
                    .enumerate()
                    .map(|(h, m)| (h as f64, m[(i, j)]))
                    .collect()
            };
            let p = series(point);
            let lo = series(&band.lower);
            let hi = series(&band.upper);
            let (mut ymin, mut ymax) = (0.0_f64, 0.0_f64);
            for &(_, v) in p.iter().chain(&lo).chain(&hi) {
                if v.is_finite() {
                    ymin = ymin.min(v);
                    ymax = ymax.max(v);
                }
            }
            let pad = ((ymax - ymin) * 0.08).max(1e-12);
            let names = &bands.point.names;
            let caption = format!("{} → {}", short(&names[j]), short(&names[i]));
            let mut chart = ChartBuilder::on(area)
                .caption(caption, (FAMILY, 15))
                .margin(6)
                .x_label_area_size(22)
                .y_label_area_size(58)
                .build_cartesian_2d(0.0..periods as f64, (ymin - pad)..(ymax + pad))
                .map_err(draw_err)?;
            chart
                .configure_mesh()
                .x_labels(5)
                .y_labels(5)
                .label_style((FAMILY, 12))
                .y_label_formatter(&|v| format!("{v:.1e}"))
                .light_line_style(RGBColor(238, 238, 238))
                .draw()
                .map_err(draw_err)?;
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, 0.0), (periods as f64, 0.0)],
                    4,
                    3,
                    BLACK.mix(0.5).stroke_width(1),
                ))
                .map_err(draw_err)?;
            for b in [lo, hi] {
                chart
                    .draw_series(LineSeries::new(b, RGBColor(140, 140, 140).stroke_width(1)))
                    .map_err(draw_err)?;
            }
            chart
                .draw_series(LineSeries::new(p, BLUE.stroke_width(2)))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

/// A name cut to 14 characters, so that "impulse → response" fits a panel.
fn short(name: &str) -> String {
    if name.chars().count() <= 14 {
        name.to_owned()
    } else {
        name.chars().take(13).chain(['…']).collect()
    }
}
