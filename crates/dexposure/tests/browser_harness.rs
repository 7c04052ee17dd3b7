//! Tests of the headless-Chromium harness (`tests/browser/mod.rs`) on
//! hand-written fixtures in `tests/data/browser/`: it must pass a clean page
//! and catch each kind of broken one.
//!
//! Without Chromium these tests print a loud `skipped:` line and pass,
//! except in CI (`CI` set), where they fail.

mod browser;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use browser::{Browser, Headline, PageCheck};

const FIGURES: &str = "figure.figure";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/browser")
        .join(name)
}

/// Checks one fixture in its own browser, or None when Chromium is absent.
fn check(name: &str, screenshot: Option<&Path>) -> Option<PageCheck> {
    browser::require_chromium()?;
    let started = Instant::now();
    let result = browser::check_page(&fixture(name), FIGURES, screenshot);
    println!("{name}: checked in {:.2?}", started.elapsed());
    match result {
        Ok(check) => {
            println!("{name}: {check:#?}");
            Some(check)
        }
        Err(e) => panic!("checking {name} failed: {e}"),
    }
}

/// Width and height from a PNG's IHDR chunk, after checking the magic bytes.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG: starts with {:?}",
        &bytes[..bytes.len().min(8)]
    );
    assert!(bytes.len() > 24, "PNG too short");
    assert_eq!(&bytes[12..16], b"IHDR", "first chunk is not IHDR");
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (be(16), be(20))
}

#[test]
fn clean_page_passes_every_check_and_screenshots_at_1280() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shot = dir.path().join("clean.png");
    let Some(check) = check("clean.html", Some(&shot)) else {
        return;
    };

    assert_eq!(check.problems(), Vec::<String>::new());
    assert_eq!(check.title, "Clean fixture");
    assert!(check.console_errors.is_empty());
    assert!(check.failed_loads.is_empty());
    assert!(check.network_requests.is_empty());

    assert_eq!(check.figures.len(), 2, "{:?}", check.figures);
    let svg = check.figure("fig-svg").expect("fig-svg measured");
    assert_eq!(svg.tag, "svg");
    assert!(svg.loaded);
    assert!(
        (svg.width - 400.0).abs() < 0.5 && (svg.height - 200.0).abs() < 0.5,
        "{svg:?}"
    );
    let img = check.figure("fig-img").expect("fig-img measured");
    assert_eq!(img.tag, "img");
    assert!(img.loaded, "data-URI PNG did not load: {img:?}");
    assert!(
        (img.width - 320.0).abs() < 0.5 && (img.height - 160.0).abs() < 0.5,
        "{img:?}"
    );

    assert_eq!(check.headlines.len(), 3, "{:?}", check.headlines);
    let total = check.headline("total_exposure").expect("total_exposure");
    assert_eq!(total.text, "1,234.5 USD");
    assert_eq!(total.decimals, Some(1));
    assert_eq!(total.value(), Some(1234.5));
    assert_eq!(total.text_decimals(), total.decimals);
    let share = check.headline("top_share").expect("top_share");
    assert_eq!(share.text, "12.34%");
    assert_eq!(share.decimals, Some(2));
    assert_eq!(share.value(), Some(12.34));
    assert_eq!(share.text_decimals(), share.decimals);
    let count = check.headline("protocols").expect("protocols");
    assert_eq!((count.value(), count.decimals), (Some(42.0), None));

    let bytes = std::fs::read(&shot).expect("screenshot written");
    let (width, height) = png_size(&bytes);
    println!("screenshot: {width}x{height} px, {} bytes", bytes.len());
    assert_eq!(width, browser::VIEWPORT_WIDTH);
    assert!(
        height > browser::VIEWPORT_HEIGHT,
        "not full-page: height {height}"
    );
}

#[test]
fn console_error_and_uncaught_exception_are_reported() {
    let Some(check) = check("errors.html", None) else {
        return;
    };
    let errors = check.console_errors.join("\n");
    assert!(
        check.console_errors.iter().any(|e| e == "console.error: x"),
        "console.error(\"x\") missing from:\n{errors}"
    );
    assert!(
        check
            .console_errors
            .iter()
            .any(|e| e.starts_with("exception: ") && e.contains("Error: boom")),
        "exception missing from:\n{errors}"
    );
    assert!(!check.problems().is_empty());
}

#[test]
fn missing_image_is_a_failed_load_and_an_unloaded_figure() {
    let Some(check) = check("missing_img.html", None) else {
        return;
    };
    assert!(
        check.failed_loads.iter().any(|f| f.contains("missing.png")),
        "{:?}",
        check.failed_loads
    );
    let fig = check.figure("fig-missing").expect("figure measured");
    assert_eq!(fig.tag, "img");
    assert!(!fig.loaded, "{fig:?}");
    assert!(
        check
            .problems()
            .iter()
            .any(|p| p.contains("fig-missing") && p.contains("did not load"))
    );
    assert!(
        check.network_requests.is_empty(),
        "a file: load is not a network request"
    );
}

#[test]
fn zero_size_and_empty_figures_are_reported() {
    let Some(check) = check("zero_size.html", None) else {
        return;
    };
    let flat = check.figure("fig-flat").expect("fig-flat measured");
    assert_eq!(flat.tag, "svg");
    assert!(flat.width > 0.0 && flat.height == 0.0, "{flat:?}");
    let ok = check.figure("fig-ok").expect("fig-ok measured");
    assert!(ok.width > 0.0 && ok.height > 0.0, "{ok:?}");
    let empty = check.figure("fig-empty").expect("fig-empty measured");
    assert_eq!(
        (empty.tag.as_str(), empty.width, empty.loaded),
        ("", 0.0, false)
    );

    let problems = check.problems();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("fig-flat") && p.contains("400x0"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("fig-empty") && p.contains("no svg or img"))
    );
}

#[test]
fn network_request_is_reported() {
    let Some(check) = check("network.html", None) else {
        return;
    };
    assert_eq!(
        check.network_requests,
        vec!["http://example.invalid/x.js".to_string()]
    );
    // The network is closed here (and .invalid never resolves), so the load fails too.
    assert!(
        check
            .failed_loads
            .iter()
            .any(|f| f.starts_with("http://example.invalid/x.js")),
        "{:?}",
        check.failed_loads
    );
}

#[test]
fn one_browser_checks_several_pages_and_is_gone_after_drop() {
    if browser::require_chromium().is_none() {
        return;
    }
    let mut chromium = Browser::launch().expect("launch");
    let pid = chromium.pid();
    let errors = chromium
        .check_page(&fixture("errors.html"), FIGURES, None)
        .expect("errors.html");
    let clean = chromium
        .check_page(&fixture("clean.html"), FIGURES, None)
        .expect("clean.html");
    // Nothing leaks from one tab into the next.
    assert!(!errors.console_errors.is_empty());
    assert_eq!(clean.problems(), Vec::<String>::new());

    let dropped = Instant::now();
    drop(chromium);
    println!("browser closed in {:.2?}", dropped.elapsed());
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "Chromium {pid} still running after drop"
    );
}

#[test]
fn a_page_that_never_loads_times_out_instead_of_hanging() {
    if browser::require_chromium().is_none() {
        return;
    }
    let started = Instant::now();
    let mut chromium = Browser::launch().expect("launch");
    chromium.set_timeout(Duration::from_secs(3));
    let err = chromium
        .check_page(&fixture("hang.html"), FIGURES, None)
        .expect_err("an endless script cannot pass");
    drop(chromium);
    println!(
        "hang.html: gave up after {:.2?}: {}",
        started.elapsed(),
        err.lines().next().unwrap_or("")
    );
    assert!(err.contains("timed out"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn missing_html_file_is_an_error() {
    let err = browser::file_url(&fixture("no-such-page.html")).expect_err("missing file");
    assert!(err.contains("no-such-page.html"), "{err}");
}

#[test]
fn file_urls_are_absolute_and_percent_encoded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("a page#1.html");
    std::fs::write(&page, "<p>hi</p>").expect("write");
    let url = browser::file_url(&page).expect("url");
    assert!(url.starts_with("file:///"), "{url}");
    assert!(url.ends_with("/a%20page%231.html"), "{url}");
}

#[test]
fn headline_values_parse_like_a_reader_would() {
    let h = |text: &str| Headline {
        key: "k".into(),
        text: text.into(),
        decimals: None,
    };
    assert_eq!(h("1,234.5 USD").value(), Some(1234.5));
    assert_eq!(h("12.34%").value(), Some(12.34));
    assert_eq!(h("\u{2212}0.40 pp").value(), Some(-0.4));
    assert_eq!(h("-3").value(), Some(-3.0));
    assert_eq!(h("42").value(), Some(42.0));
    assert_eq!(h("n/a").value(), None);
    assert_eq!(h("").value(), None);
    assert_eq!(h("1,234.50 USD").text_decimals(), Some(2));
    assert_eq!(h("7%").text_decimals(), Some(0));
    assert_eq!(h("n/a").text_decimals(), None);
}

#[test]
fn a_browser_that_dies_at_launch_is_a_quick_error() {
    let started = Instant::now();
    let err = match Browser::launch_with(Path::new("false"), Duration::from_secs(10)) {
        Ok(_) => panic!("`false` is not a browser"),
        Err(e) => e,
    };
    assert!(
        err.contains("exited before printing its DevTools URL"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
