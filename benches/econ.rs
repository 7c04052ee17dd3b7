//! Econometrics benchmark (issue 6): on a 6-variable weekly series of 283 points (the DeFi-shaped
//! golden fixture), lag selection up to 8 + VAR fit + 20-step IRF + 1,000 residual-bootstrap
//! replications for the bands, and the pieces separately.
//!
//! ```text
//! cargo bench --bench econ
//! RAYON_NUM_THREADS=1 cargo bench --bench econ      # single-core figure
//! python3 benches/econ_statsmodels.py               # statsmodels doing the same work
//! ```

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dexposure::econ::{BootstrapConfig, InfoCriterion, Matrix, VarModel};

fn fixture() -> VarModel {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../dexposure-econ/tests/data/defi_sectors.csv"
    );
    let text = std::fs::read_to_string(path).expect("fixture");
    let mut lines = text.lines();
    let names: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(String::from)
        .collect();
    let rows: Vec<Vec<f64>> = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(|v| v.parse().expect("number")).collect())
        .collect();
    VarModel::new(Matrix::from_rows(&rows).expect("matrix"))
        .expect("model")
        .with_names(names)
        .expect("names")
}

fn pipeline(model: &VarModel, reps: usize) -> f64 {
    let order = model.select_order(Some(8)).expect("select");
    let res = model
        .fit(order.selected(InfoCriterion::Aic).max(1))
        .expect("fit");
    let irf = res.irf(20);
    let bands = res
        .irf_bands(&BootstrapConfig::new(20).reps(reps).level(0.95).seed(42))
        .expect("bands");
    irf.orth_irfs[20][(0, 0)] + bands.irf.upper[20][(0, 0)]
}

fn econ(c: &mut Criterion) {
    let model = fixture();
    assert_eq!(model.endog().shape(), (283, 6));
    let mut group = c.benchmark_group("econ_6x283");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("select_order_8_fit_irf20_boot1000", |b| {
        b.iter(|| pipeline(&model, 1000))
    });
    group.bench_function("select_order_8", |b| {
        b.iter(|| model.select_order(Some(8)).expect("select").ics.len())
    });
    group.bench_function("fit_var2", |b| b.iter(|| model.fit(2).expect("fit").nobs()));
    group.bench_function("irf20_fevd20_connectedness", |b| {
        let res = model.fit(2).expect("fit");
        b.iter(|| {
            let i = res.irf(20);
            let f = res.fevd(20).expect("fevd");
            let d = res.connectedness(20).expect("dy");
            i.girf.len() + f.decomp.len() + d.to.len()
        })
    });
    group.finish();
}

criterion_group!(benches, econ);
criterion_main!(benches);
