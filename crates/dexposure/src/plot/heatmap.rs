//! A labelled matrix of shares drawn as coloured cells.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FAMILY, Figure, PlotError, draw_err};

/// A heat map: `values[i][j]` is drawn in row `i`, column `j`, darker for larger values, with
/// the value written in the cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Figure title.
    pub title: String,
    /// Row labels (left).
    pub rows: Vec<String>,
    /// Column labels (bottom).
    pub columns: Vec<String>,
    /// Cell values (NaN: drawn grey, written "–").
    pub values: Vec<Vec<f64>>,
    /// What the rows are (axis title).
    pub row_title: String,
    /// What the columns are (axis title).
    pub column_title: String,
    /// Unit of the values (colour-bar title), e.g. "% of all exposure".
    pub unit: String,
    /// Decimals written in the cells.
    pub decimals: usize,
}

const CELL_W: i32 = 112;
const CELL_H: i32 = 44;
const LEFT: i32 = 190;
const TOP: i32 = 74;
const BOTTOM: i32 = 70;
const BAR: i32 = 160;

impl Heatmap {
    fn range(&self) -> (f64, f64) {
        let finite = self.values.iter().flatten().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        if lo > hi {
            (0.0, 1.0)
        } else {
            (lo.min(0.0), hi.max(lo.min(0.0) + 1e-12))
        }
    }
}

/// White to dark blue.
fn shade(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(247.0, 8.0), mix(251.0, 48.0), mix(255.0, 107.0))
}

fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

impl Figure for Heatmap {
    fn size(&self) -> (u32, u32) {
        let w = LEFT + CELL_W * self.columns.len() as i32 + BAR;
        let h = TOP + CELL_H * self.rows.len() as i32 + BOTTOM;
        (w.max(480) as u32, h as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (n, m) = (self.rows.len(), self.columns.len());
        if n == 0 || m == 0 || self.values.len() != n || self.values.iter().any(|r| r.len() != m) {
            return Err(PlotError::Empty(format!(
                "{}: no {n} × {m} matrix",
                self.title
            )));
        }
        let root = root.titled(&self.title, (FAMILY, 20)).map_err(draw_err)?;
        let top = TOP - 42;
        let (lo, hi) = self.range();
        let font = |size: i32, c: &RGBColor, h: HPos, v: VPos| {
            (FAMILY, size).into_font().color(c).pos(Pos::new(h, v))
        };
        for (i, row) in self.values.iter().enumerate() {
            let y = top + CELL_H * i as i32;
            root.draw(&Text::new(
                short(&self.rows[i], 22),
                (LEFT - 8, y + CELL_H / 2),
                font(13, &BLACK, HPos::Right, VPos::Center),
            ))
            .map_err(draw_err)?;
            for (j, &v) in row.iter().enumerate() {
                let x = LEFT + CELL_W * j as i32;
                let t = (v - lo) / (hi - lo);
                let fill = if v.is_finite() {
                    shade(t)
                } else {
                    RGBColor(220, 220, 220)
                };
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL_W, y + CELL_H)],
                    fill.filled(),
                ))
                .map_err(draw_err)?;
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL_W, y + CELL_H)],
                    WHITE.stroke_width(1),
                ))
                .map_err(draw_err)?;
                let text = if v.is_finite() {
                    format!("{v:.*}", self.decimals)
                } else {
                    "–".into()
                };
                let ink = if v.is_finite() && t > 0.55 {
                    WHITE
                } else {
                    BLACK
                };
                root.draw(&Text::new(
                    text,
                    (x + CELL_W / 2, y + CELL_H / 2),
                    font(13, &ink, HPos::Center, VPos::Center),
                ))
                .map_err(draw_err)?;
            }
        }
        let bottom = top + CELL_H * n as i32;
        for (j, label) in self.columns.iter().enumerate() {
            let x = LEFT + CELL_W * j as i32 + CELL_W / 2;
            root.draw(&Text::new(
                short(label, 15),
                (x, bottom + 8),
                font(12, &BLACK, HPos::Center, VPos::Top),
            ))
            .map_err(draw_err)?;
        }
        let centre = LEFT + CELL_W * m as i32 / 2;
        root.draw(&Text::new(
            self.column_title.clone(),
            (centre, bottom + 40),
            font(14, &BLACK, HPos::Center, VPos::Top),
        ))
        .map_err(draw_err)?;
        root.draw(&Text::new(
            self.row_title.clone(),
            (12, top - 4),
            font(14, &BLACK, HPos::Left, VPos::Bottom),
        ))
        .map_err(draw_err)?;
        // colour bar
        let bx = LEFT + CELL_W * m as i32 + 24;
        let steps = 40;
        let height = CELL_H * n as i32;
        for s in 0..steps {
            let y = top + height * s / steps;
            let y2 = top + height * (s + 1) / steps;
            let t = 1.0 - (s as f64 + 0.5) / steps as f64;
            root.draw(&Rectangle::new([(bx, y), (bx + 16, y2)], shade(t).filled()))
                .map_err(draw_err)?;
        }
        for (t, v) in [(0.0, hi), (1.0, lo)] {
            let y = top + (height as f64 * t) as i32;
            root.draw(&Text::new(
                format!("{v:.*}", self.decimals),
                (bx + 20, y),
                font(12, &BLACK, HPos::Left, VPos::Center),
            ))
            .map_err(draw_err)?;
        }
        root.draw(&Text::new(
            self.unit.clone(),
            (bx, bottom + 8),
            font(12, &BLACK, HPos::Left, VPos::Top),
        ))
        .map_err(draw_err)?;
        Ok(())
    }
}
