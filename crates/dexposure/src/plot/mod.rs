//! Figures for the examples and the analyst report, drawn with plotters to SVG and PNG.
//!
//! Every figure is a plain data type implementing [`Figure`]; [`render_svg`] and
//! [`write_png`] draw it with plotters' SVG and bitmap backends. Text is measured and, in
//! PNG files, rasterised with the bundled DejaVu Sans font (`assets/DejaVuSans.ttf`, its
//! licence beside it), so no fontconfig or system font is needed; SVG text names the
//! `sans-serif` family.
//!
//! ```
//! use dexposure::plot::{self, Panel, SeriesLine, SeriesPanels};
//! use dexposure::snapshot::NaiveDate;
//!
//! let (a, b): (NaiveDate, NaiveDate) = ("2022-05-02".parse()?, "2022-05-09".parse()?);
//! let figure = SeriesPanels::new("Density")
//!     .with_panel(Panel::new("density", "links / n(n-1)")
//!         .with_line(SeriesLine::solid("observed", vec![(a, 0.010), (b, 0.012)])));
//! let svg = plot::render_svg(&figure)?;
//! assert!(svg.starts_with("<svg"));
//! let png = std::env::temp_dir().join("dexposure_plot_doctest.png");
//! plot::write_png(&figure, &png)?;
//! assert_eq!(&std::fs::read(&png)?[1..4], b"PNG");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bars;
mod heatmap;
mod irf;
mod series;
mod timeline;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use bars::GroupedBars;
pub use heatmap::Heatmap;
pub use irf::IrfGrid;
pub use series::{EventMarker, Panel, SeriesLine, SeriesPanels, SeriesStyle};
pub use timeline::AlertTimeline;

/// The bundled font: DejaVu Sans (Bitstream Vera licence, `assets/DejaVuSans-LICENSE.txt`).
const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The font family every figure uses.
pub(crate) const FAMILY: &str = "sans-serif";

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// There is nothing to draw (no panel, no value, no variable).
    #[error("nothing to plot: {0}")]
    Empty(String),
    /// The bundled font could not be loaded.
    #[error("the bundled font could not be loaded")]
    Font,
    /// plotters failed; the message names the file when there is one.
    #[error("{0}")]
    Draw(String),
}

/// A figure: its pixel size and how to draw it on any plotters backend.
pub trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);

    /// Draws the figure on `root` (already sized, white background filled).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

/// Registers the bundled font with plotters, once per process.
fn register_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

/// Turns a plotters error into a [`PlotError`].
pub(crate) fn draw_err<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError::Draw(e.to_string())
}

fn render<DB: DrawingBackend, F: Figure + ?Sized>(
    figure: &F,
    root: DrawingArea<DB, Shift>,
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_err)?;
    figure.draw(&root)?;
    root.present().map_err(draw_err)
}

/// Draws `figure` as an SVG document.
pub fn render_svg<F: Figure + ?Sized>(figure: &F) -> Result<String, PlotError> {
    register_font()?;
    let mut svg = String::new();
    render(
        figure,
        SVGBackend::with_string(&mut svg, figure.size()).into_drawing_area(),
    )?;
    Ok(svg)
}

/// Draws `figure` to a PNG file.
pub fn write_png<F: Figure + ?Sized>(figure: &F, path: &Path) -> Result<(), PlotError> {
    register_font()?;
    render(
        figure,
        BitMapBackend::new(path, figure.size()).into_drawing_area(),
    )
    .map_err(|e| PlotError::Draw(format!("{}: {e}", path.display())))
}

/// The files of a figure written by [`write_figure`].
#[derive(Debug, Clone)]
pub struct FigureFiles {
    /// The SVG document (also written to [`FigureFiles::svg_path`]).
    pub svg: String,
    /// `DIR/<stem>.svg`.
    pub svg_path: PathBuf,
    /// `DIR/<stem>.png`.
    pub png_path: PathBuf,
}

/// Writes `figure` to `DIR/<stem>.svg` and `DIR/<stem>.png`.
pub fn write_figure<F: Figure + ?Sized>(
    figure: &F,
    dir: &Path,
    stem: &str,
) -> Result<FigureFiles, PlotError> {
    let svg = render_svg(figure)?;
    let svg_path = dir.join(format!("{stem}.svg"));
    std::fs::write(&svg_path, &svg)
        .map_err(|e| PlotError::Draw(format!("{}: {e}", svg_path.display())))?;
    let png_path = dir.join(format!("{stem}.png"));
    write_png(figure, &png_path)?;
    Ok(FigureFiles {
        svg,
        svg_path,
        png_path,
    })
}

/// The colours of successive series (Okabe–Ito, distinguishable with colour blindness).
pub(crate) const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
];

/// Colour of series `i`.
pub(crate) fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Draws a one-line legend (colour swatch and label per entry) across the top of `area`.
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor, bool)],
) -> Result<(), PlotError> {
    let style = (FAMILY, 14).into_font().color(&BLACK);
    let mut x = 12i32;
    for (label, colour, dashed) in entries {
        let y = 12i32;
        if *dashed {
            for k in 0..3 {
                area.draw(&PathElement::new(
                    vec![(x + 8 * k, y), (x + 8 * k + 5, y)],
                    colour.stroke_width(2),
                ))
                .map_err(draw_err)?;
            }
        } else {
            area.draw(&Rectangle::new(
                [(x, y - 5), (x + 22, y + 5)],
                colour.filled(),
            ))
            .map_err(draw_err)?;
        }
        area.draw(&Text::new(label.clone(), (x + 28, y - 8), style.clone()))
            .map_err(draw_err)?;
        let (w, _) = area.estimate_text_size(label, &style).map_err(draw_err)?;
        x += 28 + w as i32 + 24;
    }
    Ok(())
}

/// Days since 1970-01-01: the x coordinate of dated figures.
pub(crate) fn day_number(date: dexposure_snapshot::NaiveDate) -> f64 {
    let epoch = dexposure_snapshot::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (date - epoch).num_days() as f64
}

/// The `YYYY-MM` label of a day number.
pub(crate) fn month_label(day: &f64) -> String {
    let epoch = dexposure_snapshot::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let date = epoch + chrono::Duration::days(day.round() as i64);
    date.format("%Y-%m").to_string()
}

/// A compact number for axis labels: 3 significant digits, SI suffixes for large values.
pub(crate) fn axis_number(v: &f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1e9 {
        format!("{:.3}B", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.3}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 1e-3 {
        format!("{v:.4}")
    } else {
        format!("{v:.1e}")
    }
}
