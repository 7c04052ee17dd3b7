//! A VAR event study (`dexposure::econ::EventStudy`) on the weekly sectors of the embedded
//! (simulated) dataset or `--data` (TVL log growth, net flow in differences), or on your own
//! series with `--csv` (date `YYYY-MM-DD`, one column per series; log growth when all values are
//! positive, else differences; the whole file unless `--event`). Prints the lag-order table, the
//! VAR, its stability, Granger p-values and connectedness; writes `irf.csv` (IRFs with bootstrap
//! bands), `fevd.csv` and the IRF grid `oirf_grid.svg`/`.png` to `--out`.
//!
//! ```text
//! cargo run --release --example var_irf -- [--data FILE --metadata DIR | --csv FILE] [--event terra|ftx|DATE] \
//!     [--pre 26 --post 26] [--lags N | --ic aic] [--maxlags N] [--measure tvl|inflow|outflow|netflow] \
//!     [--detailed] [--top N] [--transform level|diff|logdiff] [--periods 10] [--reps 1000] [--seed 42] [--out DIR]
//! ```

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use dexposure::econ::{
    DropReason, EventStudy, EventWindow, Grouping, InfoCriterion, IrfKind, Measure, SeriesTable,
    Transform,
};
use dexposure::{datasets, plot, report};

#[derive(Parser, Debug)]
#[command(about = "Fit a sector VAR around a DeFi market event")]
struct Args {
    /// DeXposure file (JSON or gzip); the embedded dataset when absent.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Folder with id_to_info.json / meta_df.csv (sectors).
    #[arg(long)]
    metadata: Option<PathBuf>,
    /// Your own series instead of sectors: CSV, a date column, then one column per series.
    #[arg(long, conflicts_with_all = ["data", "metadata", "detailed", "top", "measure"])]
    csv: Option<PathBuf>,
    /// Event: terra (2022-05-09), ftx (2022-11-07) or a date [default: terra; --csv: none].
    #[arg(long)]
    event: Option<String>,
    /// Weeks before the event.
    #[arg(long, default_value_t = 26)]
    pre: usize,
    /// Weeks after the event week.
    #[arg(long, default_value_t = 26)]
    post: usize,
    /// Lag order (otherwise chosen by --ic, at least 1).
    #[arg(long, conflicts_with = "ic")]
    lags: Option<usize>,
    /// Information criterion for the lag order: aic, bic, hqic, fpe.
    #[arg(long, default_value = "aic")]
    ic: InfoCriterion,
    /// Largest lag order tried (default: the sample's maximum, clamped to 1..=4).
    #[arg(long)]
    maxlags: Option<usize>,
    /// Sector measure: tvl, inflow, outflow, netflow.
    #[arg(long, default_value = "tvl")]
    measure: Measure,
    /// Use the detailed DefiLlama categories instead of the six broad sectors.
    #[arg(long)]
    detailed: bool,
    /// Keep the N sectors of largest mean TVL in the window [default: all; 6 with --detailed].
    #[arg(long)]
    top: Option<usize>,
    /// Transform: level, diff, logdiff (default: see above).
    #[arg(long)]
    transform: Option<Transform>,
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
    let a = Args::parse();
    let event = a.event.as_deref().or(a.csv.is_none().then_some("terra"));
    let window = event.map(|e| EventWindow::named(e, a.pre, a.post));
    let grouping = if a.detailed {
        Grouping::Detailed
    } else {
        Grouping::Broad
    };
    let study = EventStudy::whole_sample()
        .window(window.transpose()?)
        .measure(a.measure)
        .grouping(grouping)
        .top(a.top)
        .transform(a.transform)
        .lags(a.lags)
        .criterion(a.ic)
        .maxlags(a.maxlags)
        .periods(a.periods)
        .reps(a.reps)
        .level(a.level)
        .seed(a.seed);
    let results = if let Some(csv) = &a.csv {
        study.run_table(&SeriesTable::from_csv(csv)?)?
    } else {
        let (series, meta) = datasets::load_or_embedded(a.data.as_deref(), a.metadata.as_deref())?;
        let catalog = meta.map(|m| m.catalog).unwrap_or_default();
        if catalog.is_empty() {
            eprintln!("note: no metadata (--metadata DIR): every protocol is Unknown");
        }
        study.run_snapshots(&series, &catalog)?
    };
    for d in &results.dropped {
        if !matches!(d.reason, DropReason::NotInTop(_)) {
            eprintln!("note: left out {d}");
        }
    }
    report::print(&results.to_string())?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("{}", a.out.display()))?;
    let write = |name: &str, text: String| {
        let path = a.out.join(name);
        std::fs::write(&path, text).with_context(|| format!("{}", path.display()))
    };
    write("irf.csv", results.irf_csv())?;
    write("fevd.csv", results.fevd_csv())?;
    let kind = IrfKind::Orthogonalised;
    let title = results.irf_title(kind);
    let grid = plot::IrfGrid::new(&results.bands, kind, &title);
    plot::write_figure(&grid, &a.out, "oirf_grid")?;
    let (out, config) = (a.out.display(), &results.bands.config);
    report::print(&format!(
        "\nwrote irf.csv, fevd.csv, oirf_grid.svg and .png to {out} ({} bootstrap replications, seed {})\n",
        config.reps, config.seed
    ))?;
    Ok(())
}
