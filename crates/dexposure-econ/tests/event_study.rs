//! `EventStudy` on small deterministic sector series and tables, and the CSV reader of
//! `SeriesTable` on good and bad files.

use std::path::PathBuf;

use dexposure_econ::{
    CsvProblem, DropReason, EconError, EventStudy, EventWindow, Grouping, InfoCriterion, LagChoice,
    Matrix, Measure, SectorSeries, SeriesTable, StudyData, Transform,
};
use dexposure_snapshot::NaiveDate;

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn date(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// Mondays from 2022-01-03.
fn weeks(n: usize) -> Vec<NaiveDate> {
    (0..n)
        .map(|t| date("2022-01-03") + chrono::Days::new(7 * t as u64))
        .collect()
}

/// A deterministic uniform in [-0.5, 0.5) (SplitMix64 of `(stream, t)`).
fn noise(stream: u64, t: usize) -> f64 {
    let mut z = (stream * 1_000_003 + t as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

/// A positive level series: `scale · exp(Σ growth)`, growth = 0.3 × its last value + noise.
fn level(stream: u64, n: usize, scale: f64) -> Vec<f64> {
    let (mut g, mut x) = (0.0, scale);
    (0..n)
        .map(|t| {
            g = 0.3 * g + 0.1 * noise(stream, t);
            x *= f64::exp(g);
            x
        })
        .collect()
}

/// A positive level series with independent weekly growth (a geometric random walk).
fn walk(stream: u64, n: usize) -> Vec<f64> {
    let mut x = 1e9;
    (0..n)
        .map(|t| {
            x *= f64::exp(0.1 * noise(stream, t));
            x
        })
        .collect()
}

/// Sector series with the given TVL columns; flows are TVL / 10 (inflow), net flow = noise.
fn sectors(names: &[&str], tvl: &[Vec<f64>]) -> SectorSeries {
    let n = tvl[0].len();
    let tvl = Matrix::from_columns(tvl).expect("tvl");
    let net: Vec<Vec<f64>> = (0..names.len())
        .map(|j| (0..n).map(|t| 100.0 * noise(50 + j as u64, t)).collect())
        .collect();
    SectorSeries {
        dates: weeks(n),
        sectors: names.iter().map(|s| s.to_string()).collect(),
        inflow: tvl.map(|v| v / 10.0),
        outflow: tvl.map(|v| v / 20.0),
        tvl,
        net_flow: Matrix::from_columns(&net).expect("net"),
    }
}

/// Five sectors over 80 weeks: three moving ones of different size, one with a zero week
/// (no log growth), one constant.
fn five_sectors() -> SectorSeries {
    let n = 80;
    let mut gappy = level(4, n, 5e8);
    gappy[40] = 0.0;
    sectors(
        &["small", "large", "medium", "gappy", "flat"],
        &[
            level(1, n, 1e8),
            level(2, n, 9e9),
            level(3, n, 2e9),
            gappy,
            vec![3e8; n],
        ],
    )
}

fn reasons(r: &dexposure_econ::EventStudyResults) -> Vec<(String, DropReason)> {
    r.dropped
        .iter()
        .map(|d| (d.name.clone(), d.reason))
        .collect()
}

#[test]
fn sectors_not_positive_or_constant_are_left_out() {
    let s = five_sectors();
    let r = EventStudy::whole_sample().reps(20).run(&s).expect("study");
    assert_eq!(r.transform, Transform::LogDiff);
    assert_eq!(r.names, ["small", "large", "medium"]);
    assert_eq!(
        reasons(&r),
        [
            ("gappy".to_string(), DropReason::NotPositive),
            ("flat".to_string(), DropReason::Constant),
        ]
    );
    assert_eq!(r.dates.len(), 79); // one week lost to the log growth
    assert_eq!(r.dates[0], date("2022-01-10"));
    assert_eq!(r.var.names(), ["small", "large", "medium"]);
    assert_eq!(r.data, StudyData::Sectors(Measure::Tvl));

    // in differences, the gappy sector stays (and the constant one still goes)
    let r = EventStudy::whole_sample()
        .transform(Some(Transform::Diff))
        .reps(20)
        .run(&s)
        .expect("study");
    assert_eq!(r.names, ["small", "large", "medium", "gappy"]);
    assert_eq!(reasons(&r), [("flat".to_string(), DropReason::Constant)]);
}

#[test]
fn top_keeps_the_largest_mean_tvl_in_data_order() {
    let s = five_sectors();
    let r = EventStudy::whole_sample()
        .top(Some(2))
        .reps(20)
        .run(&s)
        .expect("study");
    assert_eq!(r.names, ["large", "medium"]);
    assert!(reasons(&r).contains(&("small".to_string(), DropReason::NotInTop(2))));
    // the default top is 6 with detailed categories, none with broad sectors
    let names: Vec<String> = (0..8).map(|j| format!("s{j}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let tvl: Vec<Vec<f64>> = (0..8)
        .map(|j| level(10 + j, 120, 1e8 * 3f64.powi(j as i32)))
        .collect();
    let s = sectors(&refs, &tvl);
    let detailed = EventStudy::whole_sample()
        .grouping(Grouping::Detailed)
        .maxlags(Some(1))
        .reps(10)
        .run(&s)
        .expect("detailed");
    assert_eq!(detailed.names, ["s2", "s3", "s4", "s5", "s6", "s7"]);
    let broad = EventStudy::whole_sample()
        .maxlags(Some(1))
        .reps(10)
        .run(&s)
        .expect("broad");
    assert_eq!(broad.names.len(), 8);
}

#[test]
fn lag_defaults_fixed_lags_and_the_window() {
    let s = five_sectors();
    // 80 weeks, 3 series: max_estimable_lags = (79 − 3 − 1) / 4 = 18, clamped to 4
    let r = EventStudy::whole_sample().reps(20).run(&s).expect("study");
    assert_eq!(r.maxlags, 4);
    assert_eq!(r.lag_order.maxlags, 4);
    assert_eq!(r.lag_choice, LagChoice::Criterion(InfoCriterion::Aic));
    assert_eq!(r.lags, r.lag_order.selected(InfoCriterion::Aic).max(1));
    assert_eq!(r.var.k_ar(), r.lags);
    // a window of 7 + 1 + 6 = 14 weeks (with the gappy sector's zero week, 2022-10-10): 13
    // growth rates of 3 sectors, (13 − 3 − 1) / 4 = 2 lags
    let event = EventWindow::new(date("2022-10-03"), 7, 6);
    let r = EventStudy::new(event)
        .lags(Some(1)) // (a VAR(2) on 11 observations is too fragile to bootstrap)
        .reps(20)
        .run(&s)
        .expect("window");
    assert_eq!(r.names.len(), 3);
    assert_eq!(r.dates.len(), 13);
    assert_eq!(r.dates[0], date("2022-08-22"));
    assert_eq!(r.maxlags, 2);
    assert_eq!(r.window, Some(event));
    // BIC on white-noise growth picks 0; the VAR still gets 1 lag
    let s = sectors(&["x", "y", "z"], &[walk(1, 80), walk(2, 80), walk(3, 80)]);
    let r = EventStudy::whole_sample()
        .criterion(InfoCriterion::Bic)
        .reps(20)
        .run(&s)
        .expect("bic");
    assert_eq!(r.lag_order.selected(InfoCriterion::Bic), 0);
    assert_eq!(r.lags, 1);
    assert!(r.to_string().contains("VAR(1) [bic, at least 1]"));
    // fixed lags
    let s = five_sectors();
    let r = EventStudy::whole_sample()
        .lags(Some(3))
        .maxlags(Some(5))
        .reps(20)
        .run(&s)
        .expect("fixed");
    assert_eq!((r.lags, r.var.k_ar(), r.maxlags), (3, 3, 5));
    assert_eq!(r.lag_choice, LagChoice::Fixed);
    assert!(r.to_string().contains("VAR(3) [fixed], nobs 76,"));
    // the event must fall inside the series
    let outside = EventStudy::new(EventWindow::new(date("2023-07-17"), 4, 4)).run(&s);
    assert!(
        matches!(outside, Err(EconError::InvalidArgument(_))),
        "{outside:?}"
    );
}

#[test]
fn fewer_than_two_usable_series_is_an_error() {
    let n = 30;
    let s = sectors(
        &["a", "b", "c"],
        &[level(1, n, 1e8), vec![5.0; n], vec![-1.0; n]],
    );
    let err = EventStudy::whole_sample().run(&s).expect_err("one series");
    let EconError::TooFewSeries {
        what,
        usable,
        dropped,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(what, "tvl");
    assert_eq!(usable, &["a"]);
    assert_eq!(dropped.len(), 2);
    assert_eq!(
        (dropped[0].name.as_str(), dropped[0].reason),
        ("c", DropReason::NotPositive)
    );
    assert_eq!(
        (dropped[1].name.as_str(), dropped[1].reason),
        ("b", DropReason::Constant)
    );
    let msg = err.to_string();
    assert!(msg.contains("usable: a;"), "{msg}");
    assert!(msg.contains("b (constant in the window)"), "{msg}");
}

#[test]
fn results_print_and_write_the_example_files() {
    let s = five_sectors();
    let r = EventStudy::new(EventWindow::new(date("2022-06-06"), 20, 20))
        .periods(6)
        .reps(30)
        .seed(7)
        .run(&s)
        .expect("study");
    let text = r.to_string();
    let lines: Vec<&str> = text.lines().collect();
    // 80 positive weekly totals: change points are computed (possibly none)
    assert!(lines[0].starts_with("change points in total TVL growth (PELT, BIC penalty): "));
    assert_eq!(
        lines[1],
        "event 2022-06-06 | weeks 2022-01-24 .. 2022-10-24 (40 observations of tvl LogDiff) | \
         sectors: small, large, medium"
    );
    assert!(text.contains("\nlag order selection (maxlags 4, * = minimum):\n lag "));
    assert!(text.contains("Diebold–Yilmaz connectedness, horizon 6 (percent):"));
    assert!(text.ends_with("%\n") && !text.ends_with("\n\n"));
    // irf.csv: 3 kinds × 7 horizons × 3 × 3; fevd.csv: 6 horizons × 3 × 3
    let irf = r.irf_csv();
    assert_eq!(irf.lines().count(), 1 + 3 * 7 * 9);
    assert!(irf.contains("\noirf,\"medium\",\"small\",6,"));
    let fevd = r.fevd_csv();
    assert_eq!(fevd.lines().count(), 1 + 6 * 9);
    // the FEVD shares of one variable and horizon sum to 1
    let shares: f64 = fevd
        .lines()
        .filter(|l| l.starts_with("\"large\",3,"))
        .map(|l| {
            l.rsplit(',')
                .next()
                .and_then(|v| v.parse::<f64>().ok())
                .expect("share")
        })
        .sum();
    assert!((shares - 1.0).abs() < 1e-12, "{shares}");
    assert_eq!(
        r.irf_title(dexposure_econ::IrfKind::Orthogonalised),
        "Orthogonalised IRF, 3 weekly tvl growth around 2022-06-06"
    );
    assert_eq!((r.bands.config.reps, r.bands.config.seed), (30, 7));
    // same seed, same bands
    let again = EventStudy::new(EventWindow::new(date("2022-06-06"), 20, 20))
        .periods(6)
        .reps(30)
        .seed(7)
        .run(&s)
        .expect("again");
    assert_eq!(again.irf_csv(), irf);
}

#[test]
fn change_points_need_positive_totals_and_nine_dates() {
    let n = 8;
    let s = sectors(&["a", "b"], &[level(1, n, 1e8), level(2, n, 1e8)]);
    let r = EventStudy::whole_sample()
        .maxlags(Some(1))
        .reps(10)
        .run(&s)
        .expect("short");
    assert_eq!(r.change_points, None);
    assert!(!r.to_string().contains("change points"));
    // a shift in the growth of the total after week 40 is found
    let n = 80;
    let shifted = |stream| {
        let mut x = level(stream, n, 1e9);
        for (t, v) in x.iter_mut().enumerate().skip(40) {
            *v *= f64::exp(-0.2 * (t - 39) as f64);
        }
        x
    };
    let s = sectors(&["a", "b"], &[shifted(1), shifted(2)]);
    let r = EventStudy::whole_sample().reps(10).run(&s).expect("long");
    let cp = r.change_points.expect("computed");
    assert!(cp.contains(&weeks(n)[40]), "{cp:?}");
}

#[test]
fn a_table_of_the_sector_tvl_gives_the_sector_study() {
    let s = five_sectors();
    let table = SeriesTable::new("tvl.csv", s.dates.clone(), s.sectors.clone(), s.tvl.clone())
        .expect("table");
    let event = EventWindow::new(date("2022-06-06"), 20, 20);
    let study = EventStudy::new(event).periods(4).reps(25);
    let a = study.run(&s).expect("sectors");
    let b = study.run_table(&table).expect("table");
    // the gappy sector's zero week (2022-10-10) is in the window: a table is then modelled in
    // differences unless told otherwise
    assert_eq!(b.transform, Transform::Diff);
    assert_eq!(b.names, ["small", "large", "medium", "gappy"]);
    let b = study
        .clone()
        .transform(Some(Transform::LogDiff))
        .run_table(&table)
        .expect("table");
    assert_eq!(b.names, a.names);
    assert_eq!(b.dropped, a.dropped);
    assert_eq!(b.dates, a.dates);
    assert!(a.change_points.is_some());
    assert_eq!(b.change_points, a.change_points);
    assert_eq!(b.var.params(), a.var.params());
    assert_eq!(b.irf_csv(), a.irf_csv());
    assert_eq!(b.fevd_csv(), a.fevd_csv());
    assert_eq!(b.data, StudyData::Table("tvl.csv".into()));
    let text = b.to_string();
    assert!(
        text.contains(
            "\ntvl.csv: event 2022-06-06 | dates 2022-01-24 .. 2022-10-24 (40 observations, LogDiff) | series: small, large, medium\n"
        ),
        "{text}"
    );
    // top is for sector series only
    let top = EventStudy::whole_sample().top(Some(2)).run_table(&table);
    assert!(matches!(top, Err(EconError::InvalidArgument(_))), "{top:?}");
}

#[test]
fn csv_file_round_trip_and_study() {
    let file = path("tests/data/event_series.csv");
    let t = SeriesTable::from_csv(&file).expect("read");
    assert_eq!(t.names, ["lending", "dexes", "cdp", "bridges"]);
    assert_eq!(t.dates.len(), 60);
    assert_eq!(t.dates[0], date("2022-01-03"));
    assert_eq!(t.dates[59], date("2023-02-20"));
    assert_eq!(t.values[(0, 0)], 1_976_391_000.0);
    assert_eq!(t.values[(1, 3)], 257_497_000.0);
    assert_eq!(t.source, file.display().to_string());
    let again =
        SeriesTable::from_csv_reader(t.to_csv().as_bytes(), t.source.clone()).expect("round trip");
    assert_eq!(again, t);

    let r = EventStudy::whole_sample()
        .reps(20)
        .run_table(&t)
        .expect("whole");
    assert_eq!(r.transform, Transform::LogDiff);
    assert_eq!(r.dates.len(), 59);
    assert!(r.change_points.is_some());
    assert!(
        r.to_string()
            .contains("change points in the growth of the row sum")
    );
    let r = EventStudy::new(EventWindow::new(date("2022-06-06"), 10, 10))
        .reps(20)
        .run_table(&t)
        .expect("window");
    assert_eq!(r.dates.len(), 21 - 1);
    assert_eq!(r.dates[0], date("2022-04-04"));

    // quoted names, spaces, blank lines
    let text = "day,\"a, b\", c\n\n2022-01-03, 1.5 ,-2\n2022-01-04,2,3e2\n";
    let t = SeriesTable::from_csv_reader(text.as_bytes(), "x").expect("quoted");
    assert_eq!(t.names, ["a, b", "c"]);
    assert_eq!(t.values.as_slice(), [1.5, -2.0, 2.0, 300.0]);
    assert_eq!(
        SeriesTable::from_csv_reader(t.to_csv().as_bytes(), "x").expect("again"),
        t
    );
}

#[test]
fn table_transform_follows_the_sign_of_the_values() {
    let mut t = SeriesTable::from_csv(path("tests/data/event_series.csv")).expect("read");
    for i in 0..t.dates.len() {
        t.values[(i, 3)] -= 2.6e8; // bridges: some weeks negative
    }
    let r = EventStudy::whole_sample()
        .reps(10)
        .run_table(&t)
        .expect("auto");
    assert_eq!(r.transform, Transform::Diff);
    assert_eq!(r.names.len(), 4);
    assert!(r.dropped.is_empty());
    assert!(r.change_points.is_some()); // the row sums stay positive
    let r = EventStudy::whole_sample()
        .transform(Some(Transform::LogDiff))
        .reps(10)
        .run_table(&t)
        .expect("logdiff");
    assert_eq!(r.names, ["lending", "dexes", "cdp"]);
    assert_eq!(
        reasons(&r),
        [("bridges".to_string(), DropReason::NotPositive)]
    );
    let r = EventStudy::whole_sample()
        .transform(Some(Transform::Level))
        .reps(10)
        .run_table(&t)
        .expect("level");
    assert_eq!((r.transform, r.dates.len()), (Transform::Level, 60));
}

/// Reads `text` and returns the error's line, column, problem and message.
fn bad(text: &str) -> (Option<u64>, Option<usize>, CsvProblem, String) {
    let e = SeriesTable::from_csv_reader(text.as_bytes(), "in.csv").expect_err(text);
    let EconError::Csv {
        file,
        line,
        column,
        problem,
    } = &e
    else {
        panic!("expected a CSV error for {text:?}, got {e:?}")
    };
    assert_eq!(file, "in.csv");
    let msg = e.to_string();
    assert!(msg.starts_with("in.csv"), "{msg}");
    (*line, *column, problem.clone(), msg)
}

#[test]
fn csv_errors_name_the_line_and_column() {
    const H: &str = "date,a,b\n";
    let (line, col, p, msg) = bad(&format!("{H}2022-01-03,1,2\n2022-01-10,1,abc\n"));
    assert_eq!((line, col), (Some(3), Some(3)));
    assert_eq!(
        p,
        CsvProblem::NotANumber {
            series: "b".into(),
            cell: "abc".into()
        }
    );
    assert_eq!(
        msg,
        r#"in.csv, line 3, column 3: "abc" is not a number (series "b")"#
    );

    let (line, col, p, msg) = bad(&format!("{H}2022-01-03,1,2\n2022-01-10,1\n"));
    assert_eq!((line, col), (Some(3), None));
    assert_eq!(
        p,
        CsvProblem::Ragged {
            expected: 3,
            found: 2
        }
    );
    assert!(msg.starts_with("in.csv, line 3: 2 field(s)"), "{msg}");
    let (line, _, p, _) = bad(&format!("{H}2022-01-03,1,2,4\n"));
    assert_eq!(
        (line, p),
        (
            Some(2),
            CsvProblem::Ragged {
                expected: 3,
                found: 4
            }
        )
    );

    let (line, col, p, _) = bad(&format!("{H}2022-01-10,1,2\n2022-01-03,1,2\n"));
    assert_eq!((line, col), (Some(3), Some(1)));
    assert_eq!(
        p,
        CsvProblem::Unsorted {
            previous: date("2022-01-10"),
            date: date("2022-01-03")
        }
    );
    // a blank line is skipped but still counted
    let (line, col, p, msg) = bad(&format!("{H}2022-01-03,1,2\n\n2022-01-03,1,2\n"));
    assert_eq!((line, col), (Some(4), Some(1)));
    assert_eq!(
        p,
        CsvProblem::DuplicateDate {
            date: date("2022-01-03"),
            first_line: 2
        }
    );
    assert_eq!(
        msg,
        "in.csv, line 4, column 1: date 2022-01-03 repeats line 2"
    );

    // Windows line ends
    let (line, col, _, _) = bad("date,a,b\r\n2022-01-03,1,2\r\n\r\n2022-01-10,x,2\r\n");
    assert_eq!((line, col), (Some(4), Some(2)));
    let (line, col, p, _) = bad(&format!("{H}03/01/2022,1,2\n"));
    assert_eq!((line, col), (Some(2), Some(1)));
    assert_eq!(
        p,
        CsvProblem::BadDate {
            cell: "03/01/2022".into()
        }
    );
    let (line, col, p, _) = bad(&format!("{H}2022-01-03,,2\n"));
    assert_eq!(
        (line, col, p),
        (Some(2), Some(2), CsvProblem::Missing { series: "a".into() })
    );
    for cell in ["NaN", "inf", "1,5"] {
        let (line, col, p, _) = bad(&format!("{H}2022-01-03,2,\"{cell}\"\n"));
        assert_eq!((line, col), (Some(2), Some(3)), "{cell}");
        assert!(matches!(p, CsvProblem::NotANumber { .. }), "{cell}: {p:?}");
    }

    let (line, _, p, msg) = bad("date,a\n2022-01-03,1\n");
    assert_eq!((line, p), (Some(1), CsvProblem::TooFewSeries { found: 1 }));
    assert!(msg.contains("need at least 2"), "{msg}");
    let (line, col, p, _) = bad("date,a,a\n");
    assert_eq!((line, col), (Some(1), Some(3)));
    assert_eq!(
        p,
        CsvProblem::DuplicateName {
            name: "a".into(),
            first_column: 2
        }
    );
    let (_, col, p, _) = bad("date,a,\n");
    assert_eq!((col, p), (Some(3), CsvProblem::EmptyName));
    let (line, col, p, msg) = bad("");
    assert_eq!((line, col, p), (None, None, CsvProblem::Empty));
    assert!(msg.starts_with("in.csv: empty file"), "{msg}");
    let (line, _, p, _) = bad(H);
    assert_eq!((line, p), (Some(1), CsvProblem::NoData));
    let (_, _, p, _) = bad("date,a,b\n2022-01-03,\"1,2\n");
    assert!(
        matches!(p, CsvProblem::Ragged { .. } | CsvProblem::Parse(_)),
        "{p:?}"
    );
}

#[test]
fn csv_file_errors_name_the_file() {
    let missing = path("tests/data/no_such_file.csv");
    let err = SeriesTable::from_csv(&missing).expect_err("missing");
    assert!(matches!(
        err,
        EconError::Csv {
            problem: CsvProblem::Io(_),
            line: None,
            ..
        }
    ));
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot read", missing.display()))
    );
    let bad = path("tests/data/event_series_bad.csv");
    let err = SeriesTable::from_csv(&bad).expect_err("bad");
    assert_eq!(
        err.to_string(),
        format!(
            "{}, line 4, column 4: \"n/a\" is not a number (series \"cdp\")",
            bad.display()
        )
    );
}
