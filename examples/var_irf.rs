//! A sector VAR around a market event: lag selection, stability, Granger causality,
//! Diebold–Yilmaz connectedness, impulse responses with bootstrap bands and FEVD.
//!
//! ```text
//! cargo run --release --example var_irf -- [--data network_data.json.gz --metadata DIR] \
//!     [--event terra|ftx|YYYY-MM-DD] [--pre 26 --post 26] [--lags N | --ic aic] \
//!     [--measure tvl|inflow|outflow|netflow] [--detailed] [--top N] [--periods 10] [--reps 1000] [--seed 42] [--out DIR]
//! ```
//! Builds weekly per-sector series (broad sectors, or detailed categories with `--detailed`; TVL log growth by default, net flow in
//! differences), keeps the weeks of the event window, fits a VAR and prints the lag-order table,
//! the companion eigenvalues, the Granger p-value matrix and the connectedness table. Writes
//! `irf.csv` (plain, orthogonalised and generalised responses with bands), `fevd.csv` and an
//! IRF grid plot `oirf_grid.svg` to `--out` (default `var_irf_out`). Without `--data` it runs
//! on the embedded (simulated) dataset and its metadata.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Parser;
use dexposure::econ::{
    BootstrapConfig, EventWindow, Grouping, InfoCriterion, IrfKind, Measure, Pelt, SectorConfig,
    SectorSeries, Transform, VarModel,
};
use dexposure::snapshot::{NaiveDate, ProtocolCatalog};
use dexposure::{datasets, plot};

#[derive(Parser, Debug)]
#[command(about = "Fit a sector VAR around a DeFi market event")]
struct Args {
    /// DeXposure file (JSON or gzip); the embedded dataset when absent.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Folder with id_to_info.json / meta_df.csv (sectors).
    #[arg(long)]
    metadata: Option<PathBuf>,
    /// Event: `terra` (2022-05-09), `ftx` (2022-11-07) or a date.
    #[arg(long, default_value = "terra")]
    event: String,
    /// Weeks before the event.
    #[arg(long, default_value_t = 26)]
    pre: usize,
    /// Weeks after the event week.
    #[arg(long, default_value_t = 26)]
    post: usize,
    /// Lag order (otherwise chosen by --ic).
    #[arg(long, conflicts_with = "ic")]
    lags: Option<usize>,
    /// Information criterion for the lag order: aic, bic, hqic, fpe.
    #[arg(long, default_value = "aic")]
    ic: String,
    /// Largest lag order tried (default: statsmodels' rule, capped by the sample).
    #[arg(long)]
    maxlags: Option<usize>,
    /// Sector measure: tvl, inflow, outflow, netflow.
    #[arg(long, default_value = "tvl")]
    measure: String,
    /// Use the detailed DefiLlama categories instead of the six broad sectors.
    #[arg(long)]
    detailed: bool,
    /// Keep only the N sectors with the largest mean TVL in the window (default: all broad
    /// sectors; 6 with --detailed).
    #[arg(long)]
    top: Option<usize>,
    /// IRF / FEVD / connectedness horizon.
    #[arg(long, default_value_t = 10)]
    periods: usize,
    /// Bootstrap replications.
    #[arg(long, default_value_t = 1000)]
    reps: usize,
    /// Band coverage.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// Bootstrap seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output folder.
    #[arg(long, default_value = "var_irf_out")]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (series, metadata) =
        datasets::load_or_embedded(args.data.as_deref(), args.metadata.as_deref())?;
    let empty = ProtocolCatalog::new();
    let catalog = metadata.as_ref().map_or(&empty, |m| &m.catalog);
    if catalog.is_empty() {
        eprintln!("note: no metadata (--metadata DIR): every protocol is Unknown");
    }
    let event = match args.event.to_ascii_lowercase().as_str() {
        "terra" => EventWindow::terra(args.pre, args.post),
        "ftx" => EventWindow::ftx(args.pre, args.post),
        other => EventWindow::new(
            other
                .parse::<NaiveDate>()
                .with_context(|| format!("--event {other}"))?,
            args.pre,
            args.post,
        ),
    };
    let measure = Measure::from_name(&args.measure).with_context(|| {
        format!(
            "--measure {}: expected tvl, inflow, outflow or netflow",
            args.measure
        )
    })?;
    let ic = InfoCriterion::from_name(&args.ic)
        .with_context(|| format!("--ic {}: expected aic, bic, hqic or fpe", args.ic))?;
    let transform = if measure == Measure::NetFlow {
        Transform::Diff
    } else {
        Transform::LogDiff
    };

    let config = SectorConfig {
        grouping: if args.detailed {
            Grouping::Detailed
        } else {
            Grouping::Broad
        },
        ..SectorConfig::default()
    };
    let sectors = SectorSeries::from_series(&series, catalog, &config)?;
    // phase transitions of total TVL growth over the whole sample (PELT)
    let total: Vec<f64> = (0..sectors.tvl.nrows())
        .map(|t| sectors.tvl.row(t).iter().sum())
        .collect();
    if total.iter().all(|&v| v > 0.0) && total.len() > 8 {
        let growth: Vec<f64> = total.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
        if let Ok(cp) = Pelt::new(Pelt::bic_penalty(growth.len()))
            .min_size(4)
            .fit(&growth)
        {
            let dates: Vec<String> = cp
                .changepoints
                .iter()
                .map(|&i| sectors.dates[i + 1].to_string())
                .collect();
            println!(
                "change points in total TVL growth (PELT, BIC penalty): {}",
                if dates.is_empty() {
                    "none".into()
                } else {
                    dates.join(", ")
                }
            );
        }
    }
    let window = sectors.window(&event)?;
    let keep: Vec<usize> = match transform {
        Transform::LogDiff => window.positive_sectors(measure),
        _ => (0..window.sectors.len()).collect(),
    };
    let mut keep = keep;
    if let Some(n) = args.top.or(args.detailed.then_some(6)) {
        let mean_tvl = |j: usize| window.tvl.column(j).iter().sum::<f64>();
        keep.sort_by(|&a, &b| mean_tvl(b).total_cmp(&mean_tvl(a)));
        keep.truncate(n);
        keep.sort_unstable();
    }
    let window = window.select(&keep)?;
    let (dates, data) = window.transformed(measure, transform)?;
    // drop series that do not move in the window
    let moving: Vec<usize> = (0..data.ncols())
        .filter(|&j| {
            let c = data.column(j);
            c.iter().any(|&v| v != c[0])
        })
        .collect();
    let data = data.select_columns(&moving)?;
    let names: Vec<String> = moving.iter().map(|&j| window.sectors[j].clone()).collect();
    if names.len() < 2 {
        bail!(
            "fewer than two sectors with a usable {} series in the window",
            measure.name()
        );
    }
    println!(
        "event {} | weeks {} .. {} ({} observations of {} {:?}) | sectors: {}",
        event.event,
        dates.first().map_or("-".into(), |d| d.to_string()),
        dates.last().map_or("-".into(), |d| d.to_string()),
        dates.len(),
        measure.name(),
        transform,
        names.join(", ")
    );
    let model = VarModel::new(data)?.with_names(names.clone())?;
    let maxlags = args
        .maxlags
        .unwrap_or_else(|| model.max_estimable_lags().clamp(1, 4));
    let order = model.select_order(Some(maxlags))?;
    println!("\nlag order selection (maxlags {maxlags}, * = minimum):\n{order}");
    let lags = args.lags.unwrap_or_else(|| order.selected(ic).max(1));
    let res = model.fit(lags)?;
    println!(
        "VAR({lags}) [{}], nobs {}, llf {:.3}, AIC {:.4}",
        match args.lags {
            Some(_) => "--lags".to_string(),
            None => format!("{ic}, at least 1"),
        },
        res.nobs(),
        res.llf()?,
        res.aic()?
    );
    let eig = res.eigenvalues()?;
    println!(
        "stable: {} (companion eigenvalue moduli: {})",
        res.is_stable()?,
        eig.iter()
            .map(|z| format!("{:.3}", z.modulus()))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "\nGranger causality p-values (F test), row = caused, column = causing:\n{}",
        res.granger_matrix()?
    );
    let dy = res.connectedness(args.periods)?;
    println!(
        "Diebold–Yilmaz connectedness, horizon {} (percent):\n{dy}",
        args.periods
    );

    let config = BootstrapConfig::new(args.periods)
        .reps(args.reps)
        .level(args.level)
        .seed(args.seed);
    let bands = res.irf_bands(&config)?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("{}", args.out.display()))?;
    let mut csv = String::from("kind,response,impulse,h,value,lower,upper\n");
    for kind in [
        IrfKind::Plain,
        IrfKind::Orthogonalised,
        IrfKind::Generalised,
    ] {
        let point = bands.point.matrices(kind, false);
        let band = bands.band(kind);
        for (h, m) in point.iter().enumerate() {
            for i in 0..names.len() {
                for j in 0..names.len() {
                    writeln!(
                        csv,
                        "{},{:?},{:?},{h},{},{},{}",
                        kind.name(),
                        names[i],
                        names[j],
                        m[(i, j)],
                        band.lower[h][(i, j)],
                        band.upper[h][(i, j)]
                    )?;
                }
            }
        }
    }
    let irf_path = args.out.join("irf.csv");
    std::fs::write(&irf_path, csv).with_context(|| format!("{}", irf_path.display()))?;
    let fevd = res.fevd(args.periods)?;
    let mut csv = String::from("variable,h,shock,share\n");
    for (i, d) in fevd.decomp.iter().enumerate() {
        for h in 0..fevd.periods {
            for (j, name) in names.iter().enumerate() {
                writeln!(csv, "{:?},{},{:?},{}", names[i], h + 1, name, d[(h, j)])?;
            }
        }
    }
    let fevd_path = args.out.join("fevd.csv");
    std::fs::write(&fevd_path, csv).with_context(|| format!("{}", fevd_path.display()))?;
    let svg = args.out.join("oirf_grid.svg");
    plot::irf_grid_svg(
        &svg,
        &bands,
        IrfKind::Orthogonalised,
        &format!(
            "Orthogonalised IRF, {} weekly {} growth around {}",
            names.len(),
            measure.name(),
            event.event
        ),
    )?;
    println!(
        "wrote {}, {} and {} ({} bootstrap replications, seed {})",
        irf_path.display(),
        fevd_path.display(),
        svg.display(),
        args.reps,
        args.seed
    );
    Ok(())
}
