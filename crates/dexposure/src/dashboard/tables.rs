//! The report's tables, as [`DataTable`]s (CSV and Parquet files).

use dexposure_econ::IrfKind;

use super::{AnalystReport, Result};
use crate::monitor::measure_names;
use crate::table::{ColumnValues, DataTable};

fn text<T, F: Fn(&T) -> String>(rows: &[T], f: F) -> ColumnValues {
    ColumnValues::Text(rows.iter().map(f).collect())
}

fn float<T, F: Fn(&T) -> f64>(rows: &[T], f: F) -> ColumnValues {
    ColumnValues::Float(rows.iter().map(f).collect())
}

fn int<T, N: TryInto<i64>, F: Fn(&T) -> N>(rows: &[T], f: F) -> ColumnValues {
    ColumnValues::Int(
        rows.iter()
            .map(|r| f(r).try_into().unwrap_or(i64::MAX))
            .collect(),
    )
}

/// Every table of the report, in the order the page lists them.
pub(super) fn all(report: &AnalystReport) -> Result<Vec<DataTable>> {
    let mut out = Vec::new();

    let weekly = &report.weekly;
    let mut t = DataTable::new("weekly_metrics").with_column(
        "date",
        ColumnValues::Date(weekly.iter().map(|m| m.date).collect()),
    )?;
    for (k, name) in measure_names().into_iter().enumerate() {
        t = t.with_column(name, float(weekly, |m| m.values[k]))?;
    }
    out.push(t);

    let q = &report.quality.weeks;
    out.push(
        DataTable::new("data_quality")
            .with_column(
                "date",
                ColumnValues::Date(q.iter().map(|w| w.date).collect()),
            )?
            .with_column("nodes", int(q, |w| w.nodes))?
            .with_column("links", int(q, |w| w.links))?
            .with_column("raw_links", int(q, |w| w.raw_links))?
            .with_column("dropped_links", int(q, |w| w.dropped.total()))?
            .with_column("self_loops", int(q, |w| w.self_loops))?
            .with_column("duplicate_links", int(q, |w| w.duplicate_links))?
            .with_column(
                "pct_category_unknown",
                float(q, |w| w.pct_category_unknown.unwrap_or(f64::NAN)),
            )?
            .with_column("pct_pseudo_nodes", float(q, |w| w.pct_pseudo_nodes))?
            .with_column(
                "pct_protocols_unknown",
                float(q, |w| w.pct_protocols_unknown.unwrap_or(f64::NAN)),
            )?
            .with_column("repairs", int(q, |w| w.repairs.total()))?
            .with_column("total_node_size_usd", float(q, |w| w.total_node_size))?,
    );

    let s = &report.top_sis;
    out.push(
        DataTable::new("top_sis")
            .with_column("rank", ColumnValues::Int((1..=s.len() as i64).collect()))?
            .with_column("id", text(s, |r| r.id.clone()))?
            .with_column("name", text(s, |r| r.name.clone()))?
            .with_column("sector", text(s, |r| r.sector.clone()))?
            .with_column("sis", float(s, |r| r.sis))?
            .with_column("pagerank", float(s, |r| r.pagerank))?
            .with_column("tail5", float(s, |r| r.tail5))?
            .with_column("tvl_term", float(s, |r| r.tvl_term))?
            .with_column("tvl_usd", float(s, |r| r.tvl_usd))?,
    );

    let sp = &report.spillover;
    let cells: Vec<(usize, usize)> = (0..sp.labels.len())
        .flat_map(|i| (0..sp.labels.len()).map(move |j| (i, j)))
        .collect();
    out.push(
        DataTable::new("sector_spillovers")
            .with_column(
                "from_sector",
                text(&cells, |&(i, _)| sp.labels[i].name().to_owned()),
            )?
            .with_column(
                "to_sector",
                text(&cells, |&(_, j)| sp.labels[j].name().to_owned()),
            )?
            .with_column("weight_usd", float(&cells, |&(i, j)| sp.matrix[i][j]))?
            .with_column(
                "share_pct",
                float(&cells, |&(i, j)| {
                    if sp.total_weight > 0.0 {
                        100.0 * sp.matrix[i][j] / sp.total_weight
                    } else {
                        f64::NAN
                    }
                }),
            )?,
    );

    let st = &report.stress;
    out.push(
        DataTable::new("stress")
            .with_column("scenario", text(st, |r| r.scenario.clone()))?
            .with_column("engine", text(st, |r| r.engine.clone()))?
            .with_column("loss_pct_tvl", float(st, |r| r.loss_pct_tvl))?
            .with_column("loss_usd", float(st, |r| r.loss_usd))?
            .with_column("affected", int(st, |r| r.affected))?
            .with_column("distressed", int(st, |r| r.distressed))?
            .with_column("rounds", int(st, |r| r.rounds))?,
    );

    let al = &report.alerts;
    out.push(
        DataTable::new("alerts")
            .with_column(
                "date",
                ColumnValues::Date(al.iter().map(|a| a.alert.date).collect()),
            )?
            .with_column("measure", text(al, |a| a.alert.metric.clone()))?
            .with_column("rule", text(al, |a| a.rule.name().to_owned()))?
            .with_column("value", float(al, |a| a.alert.value))?
            .with_column("z", float(al, |a| a.alert.z))?,
    );

    if let Some(f) = &report.forecast {
        let names = measure_names();
        let rows: Vec<(usize, usize)> = (0..f.anchors.len())
            .flat_map(|a| (0..names.len()).map(move |k| (a, k)))
            .collect();
        let an = &f.anchors;
        out.push(
            DataTable::new("forecast_measures")
                .with_column(
                    "anchor",
                    ColumnValues::Date(rows.iter().map(|&(a, _)| an[a].anchor).collect()),
                )?
                .with_column(
                    "target",
                    ColumnValues::Date(rows.iter().map(|&(a, _)| an[a].target).collect()),
                )?
                .with_column("horizon", int(&rows, |&(a, _)| an[a].horizon))?
                .with_column("seed", int(&rows, |&(a, _)| an[a].seed))?
                .with_column("measure", text(&rows, |&(_, k)| names[k].to_owned()))?
                .with_column("realised", float(&rows, |&(a, k)| an[a].realised.values[k]))?
                .with_column("model", float(&rows, |&(a, k)| an[a].model.values[k]))?
                .with_column(
                    "persistence",
                    float(&rows, |&(a, k)| an[a].persistence.values[k]),
                )?,
        );
        let cases: Vec<(usize, usize)> = (0..an.len())
            .flat_map(|a| (0..an[a].stress.len()).map(move |c| (a, c)))
            .collect();
        let case = |&(a, c): &(usize, usize)| &an[a].stress[c];
        out.push(
            DataTable::new("forecast_stress")
                .with_column(
                    "anchor",
                    ColumnValues::Date(cases.iter().map(|&(a, _)| an[a].anchor).collect()),
                )?
                .with_column(
                    "target",
                    ColumnValues::Date(cases.iter().map(|&(a, _)| an[a].target).collect()),
                )?
                .with_column("horizon", int(&cases, |&(a, _)| an[a].horizon))?
                .with_column("seed", int(&cases, |&(a, _)| an[a].seed))?
                .with_column("scenario", text(&cases, |k| case(k).scenario.clone()))?
                .with_column("engine", text(&cases, |k| case(k).engine.clone()))?
                .with_column(
                    "selection",
                    text(&cases, |k| case(k).selection.name().to_owned()),
                )?
                .with_column(
                    "loss_current_pct",
                    float(&cases, |k| case(k).evaluation.loss_current),
                )?
                .with_column(
                    "loss_predicted_pct",
                    float(&cases, |k| case(k).evaluation.loss_predicted),
                )?
                .with_column(
                    "loss_realised_pct",
                    float(&cases, |k| case(k).evaluation.loss_realised),
                )?,
        );
    }

    if let Some(var) = &report.var {
        let names = &var.names;
        let k = names.len();
        let kinds = [
            IrfKind::Plain,
            IrfKind::Orthogonalised,
            IrfKind::Generalised,
        ];
        let mut rows = Vec::new();
        for kind in kinds {
            let point = var.bands.point.matrices(kind, false);
            let band = var.bands.band(kind);
            for (h, m) in point.iter().enumerate() {
                for i in 0..k {
                    for j in 0..k {
                        rows.push((
                            kind.name(),
                            i,
                            j,
                            h,
                            m[(i, j)],
                            band.lower[h][(i, j)],
                            band.upper[h][(i, j)],
                        ));
                    }
                }
            }
        }
        out.push(
            DataTable::new("var_irf")
                .with_column("kind", text(&rows, |r| r.0.to_owned()))?
                .with_column("response", text(&rows, |r| names[r.1].clone()))?
                .with_column("impulse", text(&rows, |r| names[r.2].clone()))?
                .with_column("h", int(&rows, |r| r.3))?
                .with_column("value", float(&rows, |r| r.4))?
                .with_column("lower", float(&rows, |r| r.5))?
                .with_column("upper", float(&rows, |r| r.6))?,
        );
    }
    Ok(out)
}
