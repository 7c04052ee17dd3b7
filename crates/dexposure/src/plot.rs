//! Plots for the examples (plotters, SVG only).
//!
//! Only plotters' SVG backend is enabled: it writes text as SVG `<text>` elements, so no font
//! file or fontconfig is needed (a PNG backend would need a bundled TTF font for its text).
//!
//! ```
//! use dexposure::econ::{BootstrapConfig, IrfKind, Matrix, VarModel};
//!
//! let rows: Vec<Vec<f64>> = (0..80)
//!     .map(|t| { let x = t as f64; vec![(0.7 * x).sin(), (1.3 * x).cos() + 0.2 * (0.7 * x).sin()] })
//!     .collect();
//! let res = VarModel::new(Matrix::from_rows(&rows)?)?.fit(1)?;
//! let bands = res.irf_bands(&BootstrapConfig::new(8).reps(20).seed(1))?;
//! let path = std::env::temp_dir().join("dexposure_plot_doctest.svg");
//! dexposure::plot::irf_grid_svg(&path, &bands, IrfKind::Orthogonalised, "OIRF")?;
//! assert!(std::fs::read_to_string(&path)?.starts_with("<svg"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::path::Path;

use dexposure_econ::{IrfBands, IrfKind};
use plotters::prelude::*;

/// Why a plot could not be drawn.
#[derive(Debug)]
pub enum PlotError {
    /// The responses are empty (no variable or no horizon).
    Empty,
    /// plotters failed (e.g. the file could not be written); the message names the file.
    Draw(String),
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::Empty => f.write_str("nothing to plot: no variable or no horizon"),
            PlotError::Draw(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for PlotError {}

/// Draws a `K × K` grid of impulse responses of one kind with their bootstrap bands to an SVG
/// file: panel `(i, j)` (row `i`, column `j`) is the response of variable `i` to a shock in
/// variable `j`, the point estimate in blue, the band's bounds in grey, zero dashed.
pub fn irf_grid_svg(
    path: &Path,
    bands: &IrfBands,
    kind: IrfKind,
    title: &str,
) -> Result<(), PlotError> {
    let point = bands.point.matrices(kind, false);
    let band = bands.band(kind);
    let k = bands.point.names.len();
    if k == 0 || point.is_empty() {
        return Err(PlotError::Empty);
    }
    let periods = point.len() - 1;
    let cell = 260u32;
    let size = (cell * k as u32 + 20, cell * k as u32 + 60);
    let err = |e: &dyn fmt::Display| PlotError::Draw(format!("{}: {e}", path.display()));
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let root = root
        .titled(
            &format!(
                "{title} ({:.0}% bootstrap bands, {} reps)",
                100.0 * bands.config.level,
                bands.config.reps
            ),
            ("sans-serif", 22),
        )
        .map_err(|e| err(&e))?;
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
            .caption(caption, ("sans-serif", 13))
            .margin(6)
            .x_label_area_size(22)
            .y_label_area_size(48)
            .build_cartesian_2d(0.0..periods as f64, (ymin - pad)..(ymax + pad))
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_labels(5)
            .y_labels(5)
            .label_style(("sans-serif", 10))
            .y_label_formatter(&|v| format!("{v:.2e}"))
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, 0.0), (periods as f64, 0.0)],
                4,
                3,
                BLACK.mix(0.5).stroke_width(1),
            ))
            .map_err(|e| err(&e))?;
        for b in [lo, hi] {
            chart
                .draw_series(LineSeries::new(b, RGBColor(140, 140, 140).stroke_width(1)))
                .map_err(|e| err(&e))?;
        }
        chart
            .draw_series(LineSeries::new(p, BLUE.stroke_width(2)))
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

fn short(name: &str) -> String {
    name.chars().take(24).collect()
}
