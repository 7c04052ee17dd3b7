//! dexposure-econ against statsmodels (golden JSON written by `tests/golden/make_golden.py`),
//! plus behaviour on ill-conditioned input, PELT, bootstrap bands and sector series.

use std::path::PathBuf;

use dexposure_econ::{
    BootstrapConfig, CausalityKind, EconError, EventWindow, InfoCriterion, IntraSector, Matrix,
    Measure, Pelt, RollingConfig, RollingConnectedness, SectorConfig, SectorSeries, Transform,
    Trend, VarModel, VarResults,
};
use serde_json::Value;

const TOL: f64 = 1e-8;

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn golden(name: &str) -> Value {
    let text = std::fs::read_to_string(path(&format!("tests/golden/{name}")))
        .unwrap_or_else(|e| panic!("{name}: {e} (run tests/golden/make_golden.py)"));
    serde_json::from_str(&text).expect("golden JSON")
}

fn csv(name: &str) -> (Vec<String>, Matrix) {
    let text = std::fs::read_to_string(path(&format!("tests/data/{name}"))).expect("csv");
    let mut lines = text.lines();
    let names = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_string)
        .collect();
    let rows: Vec<Vec<f64>> = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(|v| v.parse().expect("number")).collect())
        .collect();
    (names, Matrix::from_rows(&rows).expect("matrix"))
}

fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        Value::Number(n) => vec![n.as_f64().expect("f64")],
        other => panic!("not numeric: {other}"),
    }
}

fn flat_m(ms: &[Matrix]) -> Vec<f64> {
    ms.iter().flat_map(|m| m.as_slice().to_vec()).collect()
}

/// Largest relative error seen, for the report printed by `--nocapture`.
fn close(what: &str, got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let mut worst = 0.0_f64;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let err = (g - w).abs() / scale;
        assert!(
            err <= TOL,
            "{what}[{i}]: got {g:e}, statsmodels {w:e} (relative error {err:e})"
        );
        worst = worst.max(err);
    }
    if std::env::var_os("ECON_GOLDEN_REPORT").is_some() {
        let abs = got
            .iter()
            .zip(want)
            .fold(0.0_f64, |m, (g, w)| m.max((g - w).abs()));
        println!("{what:<60} max abs {abs:9.2e}  max rel (to array max) {worst:9.2e}");
    }
    worst
}

fn close1(what: &str, got: f64, want: &Value) -> f64 {
    close(what, &[got], &[want.as_f64().expect("f64")])
}

fn trend_of(code: &str) -> Trend {
    Trend::from_code(code).expect("trend code")
}

fn macro_model() -> VarModel {
    let (names, data) = csv("macrodata_growth.csv");
    VarModel::new(data)
        .expect("model")
        .with_names(names)
        .expect("names")
}

fn defi_model() -> VarModel {
    let (names, data) = csv("defi_sectors.csv");
    VarModel::new(data)
        .expect("model")
        .with_names(names)
        .expect("names")
}

fn indices(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("index") as usize)
        .collect()
}

/// Every statsmodels quantity of one fitted model.
fn check_model(label: &str, res: &VarResults, g: &Value) -> f64 {
    let mut worst = 0.0_f64;
    let mut c = |what: &str, got: &[f64], want: &Value| {
        worst = worst.max(close(&format!("{label} {what}"), got, &flat(want)));
    };
    assert_eq!(res.k_ar() as u64, g["k_ar"].as_u64().expect("k_ar"));
    assert_eq!(res.nobs() as u64, g["nobs"].as_u64().expect("nobs"));
    assert_eq!(res.df_resid() as f64, g["df_resid"].as_f64().expect("df"));
    c("params", res.params().as_slice(), &g["params"]);
    c("coefs", &flat_m(res.coefs()), &g["coefs"]);
    c("stderr", res.stderr().as_slice(), &g["stderr"]);
    c("tvalues", res.tvalues().as_slice(), &g["tvalues"]);
    c(
        "pvalues",
        res.pvalues().expect("p").as_slice(),
        &g["pvalues"],
    );
    c("sigma_u", res.sigma_u().as_slice(), &g["sigma_u"]);
    c(
        "sigma_u_mle",
        res.sigma_u_mle().as_slice(),
        &g["sigma_u_mle"],
    );
    let n = res.resid().nrows();
    c(
        "resid head",
        res.resid().rows_range(0, 5).as_slice(),
        &g["resid_head"],
    );
    c(
        "resid tail",
        res.resid().rows_range(n - 5, n).as_slice(),
        &g["resid_tail"],
    );
    let ic = res.info_criteria().expect("ic");
    c("llf", &[res.llf().expect("llf")], &g["llf"]);
    c("aic", &[ic.aic], &g["aic"]);
    c("bic", &[ic.bic], &g["bic"]);
    c("hqic", &[ic.hqic], &g["hqic"]);
    c("fpe", &[ic.fpe], &g["fpe"]);
    let eig: Vec<f64> = res
        .eigenvalues()
        .expect("eig")
        .iter()
        .map(|z| z.modulus())
        .collect();
    c("eigenvalue moduli", &eig, &g["eigen_modulus"]);
    let roots: Vec<f64> = res
        .roots()
        .expect("roots")
        .iter()
        .map(|z| z.modulus())
        .collect();
    c("root moduli", &roots, &g["roots_modulus"]);
    assert_eq!(
        res.is_stable().expect("stable"),
        g["is_stable"].as_bool().expect("bool")
    );
    let steps = flat(&g["forecast"]).len() / res.neqs();
    c(
        "forecast",
        res.forecast(steps).expect("fc").as_slice(),
        &g["forecast"],
    );
    c("mse", &flat_m(&res.mse(steps)), &g["mse"]);
    let fi = res.forecast_interval(steps, 0.05).expect("fi");
    c("forecast lower", fi.lower.as_slice(), &g["forecast_lower"]);
    c("forecast upper", fi.upper.as_slice(), &g["forecast_upper"]);
    let periods = g["irf_periods"].as_u64().expect("periods") as usize;
    let irf = res.irf(periods);
    c("irfs", &flat_m(&irf.irfs), &g["irfs"]);
    c("orth_irfs", &flat_m(&irf.orth_irfs), &g["orth_irfs"]);
    c("cum_effects", &flat_m(&irf.cum_effects), &g["cum_effects"]);
    c(
        "orth_cum_effects",
        &flat_m(&irf.orth_cum_effects),
        &g["orth_cum_effects"],
    );
    c(
        "fevd",
        &flat_m(&res.fevd(periods).expect("fevd").decomp),
        &g["fevd"],
    );
    for t in g["causality"].as_array().expect("tests") {
        let kind = match t["kind"].as_str() {
            Some("f") => CausalityKind::F,
            _ => CausalityKind::Wald,
        };
        let caused = indices(&t["caused"]);
        let causing = indices(&t["causing"]);
        let r = res
            .test_causality(&caused, &causing, kind)
            .expect("granger");
        let what = format!("granger {caused:?}<-{causing:?} {kind:?}");
        c(
            &format!("{what} statistic"),
            &[r.statistic],
            &t["statistic"],
        );
        c(&format!("{what} pvalue"), &[r.pvalue], &t["pvalue"]);
        c(&format!("{what} crit"), &[r.crit_value], &t["crit_value"]);
        let mut df = vec![r.df.0];
        df.extend(r.df.1);
        c(&format!("{what} df"), &df, &t["df"]);
    }
    for t in g["inst_causality"].as_array().expect("inst") {
        let causing = indices(&t["causing"]);
        let r = res.test_inst_causality(&causing).expect("inst");
        let what = format!("inst {causing:?}");
        c(
            &format!("{what} statistic"),
            &[r.statistic],
            &t["statistic"],
        );
        c(&format!("{what} pvalue"), &[r.pvalue], &t["pvalue"]);
        c(&format!("{what} crit"), &[r.crit_value], &t["crit_value"]);
        c(&format!("{what} df"), &[r.df.0], &t["df"]);
    }
    let gm = res.granger_matrix().expect("granger matrix");
    for (i, row) in g["granger_pvalues"]
        .as_array()
        .expect("gm")
        .iter()
        .enumerate()
    {
        for (j, v) in row.as_array().expect("row").iter().enumerate() {
            match v.as_f64() {
                Some(p) => c(
                    &format!("granger p[{i}][{j}]"),
                    &[gm.pvalue(i, j).expect("p")],
                    &Value::from(p),
                ),
                None => assert!(gm.pvalue(i, j).is_none()),
            }
        }
    }
    // generalised IRF / FEVD / connectedness (numpy formulas in the golden script)
    let cg = &g["connectedness"];
    c("girf", &flat_m(&irf.girf), &cg["girf"]);
    c("cum_girf", &flat_m(&irf.cum_girf), &cg["cum_girf"]);
    let dy = res.connectedness(periods).expect("dy");
    c("gfevd raw", dy.gfevd_raw.as_slice(), &cg["gfevd_raw"]);
    c("gfevd", dy.table.as_slice(), &cg["gfevd"]);
    c("total", &[dy.total], &cg["total"]);
    c("to", &dy.to, &cg["to"]);
    c("from", &dy.from, &cg["from"]);
    c("net", &dy.net, &cg["net"]);
    c(
        "pairwise net",
        dy.pairwise_net.as_slice(),
        &cg["pairwise_net"],
    );
    worst
}

fn check_select(label: &str, model: &VarModel, g: &Value) -> f64 {
    let maxlags = g["maxlags"].as_u64().expect("maxlags") as usize;
    let sel = model.select_order(Some(maxlags)).expect("select");
    let mut worst = 0.0_f64;
    for ic in InfoCriterion::ALL {
        let got: Vec<f64> = sel.ics.iter().map(|c| c.get(ic)).collect();
        worst = worst.max(close(
            &format!("{label} select {ic}"),
            &got,
            &flat(&g["ics"][ic.name()]),
        ));
        assert_eq!(
            sel.selected(ic) as u64,
            g["selected"][ic.name()].as_u64().expect("order"),
            "{label}: order selected by {ic}"
        );
    }
    worst
}

#[test]
fn macrodata_matches_statsmodels() {
    let g = golden("macrodata.json");
    let mut worst = 0.0_f64;
    for code in ["c", "ct", "n"] {
        let res = macro_model()
            .with_trend(trend_of(code))
            .fit(2)
            .expect("fit");
        worst = worst.max(check_model(
            &format!("macro {code}"),
            &res,
            &g["models"][code],
        ));
        worst = worst.max(check_select(
            &format!("macro {code}"),
            &macro_model().with_trend(trend_of(code)),
            &g["select"][code],
        ));
    }
    let aic = macro_model()
        .fit_ic(8, InfoCriterion::Aic)
        .expect("fit aic");
    assert_eq!(aic.k_ar() as u64, g["fit_aic"]["k_ar"].as_u64().expect("k"));
    worst = worst.max(close(
        "macro fit_aic params",
        aic.params().as_slice(),
        &flat(&g["fit_aic"]["params"]),
    ));
    println!("macrodata: largest relative error {worst:e}");
}

#[test]
fn defi_fixture_matches_statsmodels() {
    let g = golden("defi.json");
    let res = defi_model().fit(2).expect("fit");
    let mut worst = check_model("defi c", &res, &g["models"]["c"]);
    worst = worst.max(check_select("defi c", &defi_model(), &g["select"]["c"]));
    let aic = defi_model().fit_ic(8, InfoCriterion::Aic).expect("fit aic");
    assert_eq!(aic.k_ar() as u64, g["fit_aic"]["k_ar"].as_u64().expect("k"));
    worst = worst.max(close(
        "defi fit_aic params",
        aic.params().as_slice(),
        &flat(&g["fit_aic"]["params"]),
    ));
    println!("defi: largest relative error {worst:e}");
}

#[test]
fn rolling_connectedness_matches_numpy() {
    let g = golden("macrodata.json");
    let r = &g["rolling"];
    let window = r["window"].as_u64().expect("w") as usize;
    let roll = RollingConnectedness::new(
        &macro_model(),
        RollingConfig::new(window).lags(1).horizon(10),
    )
    .expect("rolling");
    assert_eq!(roll.ends.first(), Some(&window));
    assert_eq!(roll.ends.last(), Some(&macro_model().n_totobs()));
    let mut worst = close("rolling total", &roll.total(), &flat(&r["total"]));
    let nets: Vec<f64> = roll.tables.iter().flat_map(|t| t.net.clone()).collect();
    worst = worst.max(close("rolling net", &nets, &flat(&r["net"])));
    println!("rolling: largest relative error {worst:e}");
}

#[test]
fn bootstrap_bands_match_reference_implementation() {
    let g = golden("bootstrap.json");
    let mut worst = 0.0_f64;
    for (key, model) in [("macro_c", macro_model()), ("defi_ct", defi_model())] {
        let b = &g[key];
        let trend = trend_of(b["trend"].as_str().expect("trend"));
        let res = model
            .with_trend(trend)
            .fit(b["lags"].as_u64().expect("lags") as usize)
            .expect("fit");
        let config = BootstrapConfig::new(b["periods"].as_u64().expect("p") as usize)
            .reps(b["reps"].as_u64().expect("reps") as usize)
            .level(b["level"].as_f64().expect("level"))
            .seed(b["seed"].as_u64().expect("seed"));
        let bands = res.irf_bands(&config).expect("bands");
        worst = worst.max(close(
            &format!("{key} irf lower"),
            &flat_m(&bands.irf.lower),
            &flat(&b["irf_lower"]),
        ));
        worst = worst.max(close(
            &format!("{key} irf upper"),
            &flat_m(&bands.irf.upper),
            &flat(&b["irf_upper"]),
        ));
        worst = worst.max(close(
            &format!("{key} orth lower"),
            &flat_m(&bands.orth.lower),
            &flat(&b["orth_lower"]),
        ));
        worst = worst.max(close(
            &format!("{key} orth upper"),
            &flat_m(&bands.orth.upper),
            &flat(&b["orth_upper"]),
        ));
        worst = worst.max(close(
            &format!("{key} irf mean"),
            &flat_m(&bands.irf_mean),
            &flat(&b["irf_mean"]),
        ));
        // same seed, same bands; another seed, other bands
        assert_eq!(res.irf_bands(&config).expect("again"), bands);
        let other = res.irf_bands(&config.seed(config.seed + 1)).expect("other");
        assert_ne!(other.irf.lower, bands.irf.lower);
        // a narrower level gives narrower bands
        let narrow = res.irf_bands(&config.level(0.5)).expect("narrow");
        for h in 1..=config.periods {
            for i in 0..res.neqs() {
                for j in 0..res.neqs() {
                    assert!(narrow.irf.lower[h][(i, j)] >= bands.irf.lower[h][(i, j)] - 1e-15);
                    assert!(narrow.irf.upper[h][(i, j)] <= bands.irf.upper[h][(i, j)] + 1e-15);
                }
            }
        }
    }
    println!("bootstrap: largest relative error {worst:e}");
}

#[test]
fn pelt_matches_exact_optimal_partitioning() {
    let g = golden("pelt.json");
    let (_, data) = csv("pelt_series.csv");
    let x = data.column(0);
    let mut worst = 0.0_f64;
    for case in g["cases"].as_array().expect("cases") {
        let penalty = case["penalty"].as_f64().expect("penalty");
        let min_size = case["min_size"].as_u64().expect("min") as usize;
        let found = Pelt::new(penalty).min_size(min_size).fit(&x).expect("pelt");
        assert_eq!(
            found.changepoints,
            indices(&case["changepoints"]),
            "penalty {penalty}, min_size {min_size}"
        );
        worst = worst.max(close1("pelt cost", found.cost, &case["cost"]));
        close1("pelt floor", found.floor, &g["floor"]);
        // a level shift of 1e9 changes nothing
        let shifted: Vec<f64> = x.iter().map(|v| v + 1e9).collect();
        let again = Pelt::new(penalty)
            .min_size(min_size)
            .fit(&shifted)
            .expect("shifted");
        assert_eq!(again.changepoints, found.changepoints);
        assert!(found.segments.iter().all(|s| s.end - s.start >= min_size));
    }
    println!("pelt: largest relative error {worst:e}");
}

#[test]
fn pelt_rejects_bad_input() {
    assert!(matches!(
        Pelt::new(1.0).fit(&[2.0; 30]),
        Err(EconError::ConstantSeries { .. })
    ));
    assert!(matches!(
        Pelt::new(1.0).fit(&[1.0, f64::NAN, 2.0]),
        Err(EconError::NonFinite { .. })
    ));
    assert!(matches!(
        Pelt::new(1.0).min_size(1).fit(&[1.0, 2.0]),
        Err(EconError::InvalidArgument(_))
    ));
    assert!(matches!(
        Pelt::new(-1.0).fit(&[1.0, 2.0]),
        Err(EconError::InvalidArgument(_))
    ));
    assert!(matches!(
        Pelt::new(1.0).fit(&[1.0]),
        Err(EconError::Shape(_))
    ));
    // a huge penalty leaves one segment
    let x: Vec<f64> = (0..40).map(|i| (i as f64).sin()).collect();
    let one = Pelt::new(1e9).fit(&x).expect("pelt");
    assert!(one.changepoints.is_empty());
    assert_eq!(one.segments.len(), 1);
}

#[test]
fn ill_conditioned_input_gives_typed_errors() {
    let (_, data) = csv("macrodata_growth.csv");
    // collinear: third series = first + second
    let rows: Vec<Vec<f64>> = (0..data.nrows())
        .map(|i| {
            let r = data.row(i);
            vec![r[0], r[1], r[0] + r[1]]
        })
        .collect();
    let m = VarModel::new(Matrix::from_rows(&rows).expect("m")).expect("model");
    assert!(
        matches!(m.fit(2), Err(EconError::Collinear { .. })),
        "{:?}",
        m.fit(2).err()
    );
    // constant series
    let rows: Vec<Vec<f64>> = (0..data.nrows())
        .map(|i| vec![data.row(i)[0], 1.5])
        .collect();
    assert!(matches!(
        VarModel::new(Matrix::from_rows(&rows).expect("m")),
        Err(EconError::ConstantSeries { column: 1, .. })
    ));
    // too few observations for the lag order
    let short = data.rows_range(0, 8);
    let m = VarModel::new(short).expect("model");
    assert!(matches!(
        m.fit(2),
        Err(EconError::TooFewObservations { .. })
    ));
    assert!(m.fit(1).is_ok());
    assert!(matches!(
        m.select_order(Some(5)),
        Err(EconError::InvalidArgument(_))
    ));
    // non-finite and empty data
    let mut bad = data.clone();
    bad[(3, 1)] = f64::NAN;
    assert!(matches!(
        VarModel::new(bad),
        Err(EconError::NonFinite {
            row: 3,
            column: 1,
            ..
        })
    ));
    assert!(matches!(
        VarModel::new(Matrix::zeros(0, 3)),
        Err(EconError::Shape(_))
    ));
    // bad arguments
    let res = macro_model().fit(1).expect("fit");
    assert!(matches!(
        res.test_causality(&[0], &[0], CausalityKind::F),
        Err(EconError::InvalidArgument(_))
    ));
    assert!(matches!(
        res.test_causality(&[0], &[7], CausalityKind::F),
        Err(EconError::UnknownVariable(_))
    ));
    assert!(matches!(
        res.test_inst_causality(&[0, 1, 2]),
        Err(EconError::InvalidArgument(_))
    ));
    assert!(matches!(res.fevd(0), Err(EconError::InvalidArgument(_))));
    assert!(matches!(
        res.connectedness(0),
        Err(EconError::InvalidArgument(_))
    ));
    assert!(matches!(
        res.irf_bands(&BootstrapConfig::new(5).level(1.5)),
        Err(EconError::InvalidArgument(_))
    ));
    assert!(matches!(
        res.forecast_interval(3, 0.0),
        Err(EconError::InvalidArgument(_))
    ));
    assert!(matches!(
        macro_model().with_names(["a"]),
        Err(EconError::Shape(_))
    ));
    assert!(matches!(
        res.index_of("nope"),
        Err(EconError::UnknownVariable(_))
    ));
    assert_eq!(res.index_of("realinv"), Ok(2));
    // a window with a series constant inside it
    let mut rows = data.to_rows();
    for r in rows.iter_mut().take(60) {
        r[2] = 0.25;
    }
    let m = VarModel::new(Matrix::from_rows(&rows).expect("m")).expect("model");
    let err = RollingConnectedness::new(&m, RollingConfig::new(40)).expect_err("constant window");
    assert!(matches!(err, EconError::Window { .. }), "{err}");
}

#[test]
fn orthogonalised_responses_depend_on_order_generalised_do_not() {
    let (_, data) = csv("defi_sectors.csv");
    let res = VarModel::new(data.clone()).expect("m").fit(1).expect("fit");
    let rev = VarModel::new(data.select_columns(&[5, 4, 3, 2, 1, 0]).expect("cols"))
        .expect("m")
        .fit(1)
        .expect("fit");
    let (a, b) = (res.irf(4), rev.irf(4));
    let k = 6;
    let mut orth_differs = false;
    for h in 0..=4 {
        for i in 0..k {
            for j in 0..k {
                let (ri, rj) = (k - 1 - i, k - 1 - j);
                assert!((a.girf[h][(i, j)] - b.girf[h][(ri, rj)]).abs() < 1e-12);
                assert!((a.irfs[h][(i, j)] - b.irfs[h][(ri, rj)]).abs() < 1e-12);
                orth_differs |= (a.orth_irfs[h][(i, j)] - b.orth_irfs[h][(ri, rj)]).abs() > 1e-6;
            }
        }
    }
    assert!(orth_differs);
    let dy = res.connectedness(10).expect("dy");
    for i in 0..k {
        let s: f64 = dy.table.row(i).iter().sum();
        assert!((s - 1.0).abs() < 1e-12);
    }
    assert!(dy.net.iter().sum::<f64>().abs() < 1e-9);
    let text = dy.to_string();
    assert!(text.contains("total connectedness"));
}

// ---- sector series ----------------------------------------------------------------------------

fn sample_series() -> (
    dexposure_snapshot::SnapshotSeries,
    dexposure_snapshot::ProtocolCatalog,
) {
    let json = br#"{"data": {
      "2022-04-25": {"nodes": [{"id": "1", "size": 10.0, "composition": {}}, {"id": "2", "size": 4.0, "composition": {}},
                               {"id": "3", "size": 2.0, "composition": {}}, {"id": "9", "size": 7.0, "composition": {}}],
                     "links": [{"source": "1", "target": "2", "size": 3.0, "composition": {}},
                               {"source": "3", "target": "1", "size": 1.0, "composition": {}},
                               {"source": "1", "target": "4", "size": 0.5, "composition": {}},
                               {"source": "9", "target": "1", "size": 2.0, "composition": {}}]},
      "2022-05-02": {"nodes": [{"id": "1", "size": 12.0, "composition": {}}, {"id": "2", "size": 5.0, "composition": {}},
                               {"id": "4", "size": 1.0, "composition": {}}],
                     "links": [{"source": "1", "target": "4", "size": 2.0, "composition": {}},
                               {"source": "2", "target": "1", "size": 1.5, "composition": {}}]},
      "2022-05-09": {"nodes": [{"id": "1", "size": 6.0, "composition": {}}, {"id": "2", "size": 5.0, "composition": {}}],
                     "links": []},
      "2022-05-16": {"nodes": [{"id": "1", "size": 3.0, "composition": {}}, {"id": "2", "size": 2.5, "composition": {}}],
                     "links": [{"source": "1", "target": "1", "size": 1.0, "composition": {}}]}}}"#;
    let series = dexposure_snapshot::SeriesLoader::new()
        .load_bytes(json, "inline.json")
        .expect("series");
    let catalog = dexposure_snapshot::ProtocolCatalog::from_id_to_info_str(
        r#"{"1": {"name": "A", "category": "Asset Management"},
            "2": {"name": "B", "category": "Trading & Exchanges"},
            "3": {"name": "C", "category": "Trading & Exchanges"},
            "4": {"name": "D", "category": "Asset Management"}}"#,
        "id_to_info.json",
    )
    .expect("catalog");
    (series, catalog)
}

#[test]
fn sector_series_hand_computed() {
    let (series, catalog) = sample_series();
    let s = SectorSeries::from_series(&series, &catalog, &SectorConfig::default()).expect("s");
    assert_eq!(s.sectors[0], "Asset Management");
    assert_eq!(s.sectors.len(), 6);
    // week 0: AM = 1 (10) ; TE = 2 (4) + 3 (2); node 9 is Unknown and left out
    assert_eq!(s.tvl.row(0)[..2], [10.0, 6.0]);
    // links: 1→2 AM→TE 3; 3→1 TE→AM 1; 1→4 is not a link (4 is not a node that week);
    // 9→1 Unknown→AM counts as inflow of AM only
    assert_eq!(s.outflow.row(0)[..2], [3.0, 1.0]);
    assert_eq!(s.inflow.row(0)[..2], [1.0 + 2.0, 3.0]);
    assert_eq!(s.net_flow.row(0)[..2], [0.0, 2.0]);
    // week 1: 1→4 is intra-AM (excluded); 2→1 TE→AM 1.5
    assert_eq!(s.outflow.row(1)[..2], [0.0, 1.5]);
    assert_eq!(s.inflow.row(1)[..2], [1.5, 0.0]);
    let inc = SectorSeries::from_series(
        &series,
        &catalog,
        &SectorConfig {
            intra_sector: IntraSector::Include,
            include_unknown: true,
            ..SectorConfig::default()
        },
    )
    .expect("s");
    assert_eq!(inc.sectors.last().map(String::as_str), Some("Unknown"));
    assert_eq!(inc.tvl[(0, 6)], 7.0);
    assert_eq!(inc.outflow.row(1)[..2], [2.0, 1.5]);
    assert_eq!(inc.inflow.row(1)[..2], [3.5, 0.0]);
    assert_eq!(inc.outflow[(3, 0)], 1.0); // the self-loop counts on both sides
    assert_eq!(inc.net_flow[(3, 0)], 0.0);
    // transforms
    // sectors with zero TVL cannot be log-differenced: a typed error naming the sector
    let err = s
        .transformed(Measure::Tvl, Transform::LogDiff)
        .expect_err("zero TVL sectors");
    assert!(
        matches!(err, EconError::NonPositive { ref name, .. } if name.starts_with("Lending")),
        "{err}"
    );
    let two = s.select(&s.positive_sectors(Measure::Tvl)).expect("select");
    assert_eq!(two.sectors, ["Asset Management", "Trading & Exchanges"]);
    let (dates, g) = two
        .transformed(Measure::Tvl, Transform::LogDiff)
        .expect("logdiff");
    assert_eq!(dates.len(), 3);
    assert!((g[(0, 0)] - (13.0_f64 / 10.0).ln()).abs() < 1e-14);
    assert!((g[(2, 1)] - (0.5_f64).ln()).abs() < 1e-14);
    let (_, d) = two
        .transformed(Measure::NetFlow, Transform::Diff)
        .expect("diff");
    assert_eq!(d[(0, 0)], 1.5 - 0.0);
    // event windows
    let w = s.window(&EventWindow::terra(1, 1)).expect("window");
    assert_eq!(
        w.dates.first().map(|d| d.to_string()),
        Some("2022-05-02".to_string())
    );
    assert_eq!(w.dates.len(), 3);
    assert!(s.window(&EventWindow::ftx(4, 4)).is_err());
    // detailed grouping uses detailed categories (none in this catalog → all unknown)
    let det = SectorSeries::from_series(
        &series,
        &catalog,
        &SectorConfig {
            grouping: dexposure_econ::Grouping::Detailed,
            include_unknown: true,
            ..SectorConfig::default()
        },
    )
    .expect("detailed");
    assert_eq!(det.sectors, ["Unknown"]);
    assert_eq!(det.tvl[(0, 0)], 23.0);
}

#[test]
fn explosive_var_is_not_stable() {
    // y_t = 1.02 y_{t-1} + 0.1 x_{t-1} + e_t, x_t = 0.5 x_{t-1} + u_t with deterministic noise
    let mut rows = vec![vec![1.0, 0.0]];
    for t in 1..200 {
        let e = ((t as f64) * 12.9898).sin() * 0.3;
        let u = ((t as f64) * 78.233).cos() * 0.3;
        let p = rows[t - 1].clone();
        rows.push(vec![1.02 * p[0] + 0.1 * p[1] + e, 0.5 * p[1] + u]);
    }
    let res = VarModel::new(Matrix::from_rows(&rows).expect("m"))
        .expect("model")
        .fit(1)
        .expect("fit");
    let eig = res.eigenvalues().expect("eig");
    assert!(eig[0].modulus() > 1.0, "{eig:?}");
    assert!(!res.is_stable().expect("stable"));
    assert!(
        res.roots()
            .expect("roots")
            .iter()
            .any(|r| r.modulus() < 1.0)
    );
}
