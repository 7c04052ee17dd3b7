//! A small harness that opens a local HTML file in headless Chromium and
//! reports what a real browser saw.
//!
//! Chromium is launched with `--remote-debugging-port=0` and a fresh
//! temporary profile; the harness reads the `DevTools listening on ws://...`
//! line from its stderr and drives it over the Chrome DevTools Protocol (CDP)
//! on a plain WebSocket (`tungstenite`, sync). No unsafe code, no Python/Node.
//!
//! Use it from an integration test with `mod browser;`:
//!
//! ```ignore
//! mod browser;
//!
//! #[test]
//! fn report_renders() {
//!     let Some(_) = browser::require_chromium() else { return };
//!     let check = browser::check_page(path, "figure.figure", None).expect("chromium");
//!     assert!(check.problems().is_empty(), "{:#?}", check.problems());
//! }
//! ```
//!
//! Every wait has a deadline ([`DEFAULT_TIMEOUT`] unless changed with
//! [`Browser::set_timeout`]); a timeout is an `Err` naming what was awaited,
//! never a hang. The browser is closed (and killed if it does not exit in
//! time) when the [`Browser`] is dropped, also while unwinding from a panic.

// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

/// Deadline for every single wait (launch, each CDP call, page load).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Viewport width (CSS px, device scale factor 1) used for layout and screenshots.
pub const VIEWPORT_WIDTH: u32 = 1280;

/// Viewport height (CSS px) used for layout; screenshots cover the full page.
pub const VIEWPORT_HEIGHT: u32 = 800;

/// How long the page may settle after `load` (after two animation frames).
const SETTLE: Duration = Duration::from_millis(300);

/// How long a dropped browser gets to exit after `Browser.close` before it is killed.
const CLOSE_GRACE: Duration = Duration::from_secs(3);

/// Flags every launch uses (besides the profile dir and the debugging port).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
    // Containers often have a tiny /dev/shm; Chromium then crashes in shared memory.
    "--disable-dev-shm-usage",
    "--no-default-browser-check",
];

/// Lines of Chromium's stderr kept for error messages.
const STDERR_TAIL: usize = 40;

/// What the browser saw while loading one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageCheck {
    /// `console.error`/`console.assert` calls, uncaught exceptions and
    /// `Log` entries of level error, each as one line of text.
    pub console_errors: Vec<String>,
    /// Loads that failed (`Network.loadingFailed`) or answered HTTP >= 400,
    /// as `URL: reason`.
    pub failed_loads: Vec<String>,
    /// Every requested URL that is not local (`file:`, `data:`, `blob:`,
    /// `about:`): a self-contained page has none.
    pub network_requests: Vec<String>,
    /// One entry per element matching the figure selector, in document order.
    pub figures: Vec<FigureBox>,
    /// Every element with a `data-headline` attribute, in document order.
    pub headlines: Vec<Headline>,
    /// `document.title`.
    pub title: String,
}

/// The rendered box of a figure's first `svg` or `img` descendant.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureBox {
    /// The `id` of the matched figure element (empty when it has none).
    pub id: String,
    /// `svg` or `img`; empty when the figure holds neither.
    pub tag: String,
    /// Rendered width in CSS px (`getBoundingClientRect()`).
    pub width: f64,
    /// Rendered height in CSS px (`getBoundingClientRect()`).
    pub height: f64,
    /// For `img`: `complete && naturalWidth > 0`; for an inline `svg`: true;
    /// false when the figure holds neither.
    pub loaded: bool,
}

/// A number shown in the text of the page, marked with `data-headline="key"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    /// The `data-headline` attribute's value.
    pub key: String,
    /// The element's `textContent`, trimmed.
    pub text: String,
    /// The `data-decimals` attribute parsed as an integer (None when absent
    /// or not a non-negative integer).
    pub decimals: Option<u32>,
}

impl Headline {
    /// The leading number of [`Self::text`] (see [`parse_number`]).
    pub fn value(&self) -> Option<f64> {
        parse_number(&self.text)
    }

    /// How many digits follow the decimal point in the leading number of
    /// [`Self::text`] (0 when there is no point), to compare with
    /// [`Self::decimals`].
    pub fn text_decimals(&self) -> Option<u32> {
        let token = number_token(&self.text)?;
        parse_number(&self.text)?;
        let decimals = token.split_once('.').map_or(0, |(_, frac)| frac.len());
        u32::try_from(decimals).ok()
    }
}

/// The first whitespace-separated token of `text`, without thousands
/// separators, a trailing `%` and with a Unicode minus made ASCII.
fn number_token(text: &str) -> Option<String> {
    let first = text.split_whitespace().next()?;
    let token: String = first
        .chars()
        .filter(|&c| c != ',')
        .map(|c| if c == '\u{2212}' { '-' } else { c })
        .collect();
    let token = token.strip_suffix('%').unwrap_or(&token).to_string();
    Some(token)
}

/// Parses a displayed number: `"1,234.5 USD"` → 1234.5, `"12.3%"` → 12.3,
/// `"−0.4 pp"` → -0.4. Thousands separators `,` and a trailing `%` are
/// dropped, and anything after the first whitespace (a unit) is ignored.
/// Returns None when what is left is not a finite number.
pub fn parse_number(text: &str) -> Option<f64> {
    let token = number_token(text)?;
    let value: f64 = token.parse().ok()?;
    value.is_finite().then_some(value)
}

impl PageCheck {
    /// Everything that makes the page unfit for a self-contained report:
    /// console errors, failed loads, network requests, and figures that are
    /// missing their `svg`/`img`, did not load, or rendered with zero width
    /// or height. Empty when the page is clean.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        problems.extend(
            self.console_errors
                .iter()
                .map(|e| format!("console error: {e}")),
        );
        problems.extend(
            self.failed_loads
                .iter()
                .map(|e| format!("failed load: {e}")),
        );
        problems.extend(
            self.network_requests
                .iter()
                .map(|u| format!("network request: {u}")),
        );
        for fig in &self.figures {
            let id = if fig.id.is_empty() {
                "(no id)"
            } else {
                &fig.id
            };
            if fig.tag.is_empty() {
                problems.push(format!("figure {id}: no svg or img inside"));
                continue;
            }
            if !fig.loaded {
                problems.push(format!("figure {id}: {} did not load", fig.tag));
            }
            if fig.width <= 0.0 || fig.height <= 0.0 {
                problems.push(format!(
                    "figure {id}: {} rendered {}x{} px",
                    fig.tag, fig.width, fig.height
                ));
            }
        }
        problems
    }

    /// The headline with `data-headline="key"`, if any.
    pub fn headline(&self, key: &str) -> Option<&Headline> {
        self.headlines.iter().find(|h| h.key == key)
    }

    /// The figure with `id`, if any.
    pub fn figure(&self, id: &str) -> Option<&FigureBox> {
        self.figures.iter().find(|f| f.id == id)
    }
}

/// Where Chromium is: `$CHROMIUM` if it names an executable file, else
/// `/usr/bin/chromium`, else `chromium`, `chromium-browser`, `google-chrome`
/// or `google-chrome-stable` on `PATH`.
pub fn chromium_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if is_executable(&path) {
            return Some(path);
        }
    }
    let fixed = PathBuf::from("/usr/bin/chromium");
    if is_executable(&fixed) {
        return Some(fixed);
    }
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| dirs.iter().map(move |dir| dir.join(name)))
    .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// True when the environment variable `CI` is set to something other than
/// empty, `0` or `false`.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Chromium's path for a test that needs it. When Chromium is absent:
/// outside CI, prints a loud `skipped: ...` line (straight to stderr, past
/// libtest's output capture) and returns None so the test can return early;
/// in CI (`CI` set), panics, because CI must not skip silently.
pub fn require_chromium() -> Option<PathBuf> {
    if let Some(path) = chromium_path() {
        return Some(path);
    }
    let message = "skipped: chromium not found (install the Debian package chromium)";
    if in_ci() {
        panic!(
            "{message}; CI is set, so the browser checks must run: install chromium or set $CHROMIUM"
        );
    }
    // Written to the stderr handle, not with eprintln!, so that libtest's
    // capture does not swallow it.
    let _ = writeln!(std::io::stderr(), "\n*** {message} ***\n");
    None
}

/// Opens `html` in a freshly launched headless Chromium, measures the
/// elements matching `figure_selector` (e.g. `figure.figure`) and the
/// headline numbers, optionally saves a full-page PNG of it at 1280 px width
/// to `screenshot`, and closes the browser.
pub fn check_page(
    html: &Path,
    figure_selector: &str,
    screenshot: Option<&Path>,
) -> Result<PageCheck, String> {
    Browser::launch()?.check_page(html, figure_selector, screenshot)
}

/// `file://` URL of an existing local file (absolute, percent-encoded).
pub fn file_url(path: &Path) -> Result<String, String> {
    let abs = path
        .canonicalize()
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    if !abs.is_file() {
        return Err(format!("{} is not a file", abs.display()));
    }
    let raw = abs
        .to_str()
        .ok_or_else(|| format!("{} is not valid UTF-8", abs.display()))?;
    let mut url = String::from("file://");
    for &b in raw.as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(url)
}

/// True for URLs a self-contained page may load.
fn is_local_url(url: &str) -> bool {
    let lower = url.get(..6).unwrap_or(url).to_ascii_lowercase();
    ["file:", "data:", "blob:", "about:"]
        .iter()
        .any(|s| lower.starts_with(s))
}

/// A running headless Chromium with a CDP connection. Closed (then killed
/// if needed) on drop, and its temporary profile removed.
pub struct Browser {
    child: Child,
    cdp: Cdp,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    timeout: Duration,
    // Dropped after the child is gone (see `Drop`).
    profile: Option<tempfile::TempDir>,
}

impl Browser {
    /// Launches Chromium (found by [`chromium_path`]) and connects to it.
    pub fn launch() -> Result<Browser, String> {
        let exe = chromium_path()
            .ok_or("chromium not found (install the Debian package chromium, or set $CHROMIUM)")?;
        Self::launch_with(&exe, DEFAULT_TIMEOUT)
    }

    /// Launches the Chromium at `exe`; `timeout` bounds each later wait.
    pub fn launch_with(exe: &Path, timeout: Duration) -> Result<Browser, String> {
        let profile = tempfile::Builder::new()
            .prefix("dexposure-chromium-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary Chromium profile: {e}"))?;
        let mut child = Command::new(exe)
            .args(CHROMIUM_FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;

        // Drain stderr for the whole life of the browser (a full pipe would
        // block it), hand over the DevTools URL, keep the last lines.
        let stderr_tail = Arc::new(Mutex::new(VecDeque::with_capacity(STDERR_TAIL)));
        let (url_tx, url_rx) = mpsc::channel::<String>();
        if let Some(stderr) = child.stderr.take() {
            let tail = Arc::clone(&stderr_tail);
            std::thread::spawn(move || {
                let mut url_tx = Some(url_tx);
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Some(rest) = line.trim().strip_prefix("DevTools listening on ")
                        && let Some(tx) = url_tx.take()
                    {
                        let _ = tx.send(rest.trim().to_string());
                    }
                    // Chromium complains about the missing D-Bus at length; keep the rest.
                    if line.contains("dbus") {
                        continue;
                    }
                    if let Ok(mut tail) = tail.lock() {
                        if tail.len() == STDERR_TAIL {
                            tail.pop_front();
                        }
                        tail.push_back(line);
                    }
                }
            });
        }

        // From here on, a failure drops `browser`, which kills the child.
        let mut browser = Browser {
            child,
            cdp: Cdp::placeholder(),
            stderr_tail,
            timeout,
            profile: Some(profile),
        };
        let ws_url = match url_rx.recv_timeout(timeout) {
            Ok(url) => url,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(browser.fail(&format!(
                    "timed out after {timeout:?} waiting for Chromium's `DevTools listening on` line"
                )));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(browser.fail("Chromium exited before printing its DevTools URL"));
            }
        };
        browser.cdp = Cdp::connect(&ws_url, Instant::now() + timeout)
            .map_err(|e| browser.fail(&format!("cannot connect to {ws_url}: {e}")))?;
        Ok(browser)
    }

    /// The browser process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Changes the deadline of each later wait.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// `what` plus the browser's exit status (if it exited) and its last
    /// stderr lines.
    fn fail(&mut self, what: &str) -> String {
        let status = match self.child.try_wait() {
            Ok(Some(status)) => format!("; Chromium exited: {status}"),
            _ => String::new(),
        };
        let tail = self
            .stderr_tail
            .lock()
            .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
            .unwrap_or_default();
        format!("{what}{status}\n--- Chromium stderr (last lines) ---\n{tail}")
    }

    /// Opens `html` in a new tab, waits for `load` and a short settle,
    /// collects what the browser reported, measures figures and headlines,
    /// optionally writes a full-page PNG to `screenshot`, and closes the tab.
    pub fn check_page(
        &mut self,
        html: &Path,
        figure_selector: &str,
        screenshot: Option<&Path>,
    ) -> Result<PageCheck, String> {
        let url = file_url(html)?;
        let result = self.check_url(&url, figure_selector, screenshot);
        result.map_err(|e| self.fail(&format!("checking {}: {e}", html.display())))
    }

    fn check_url(
        &mut self,
        url: &str,
        figure_selector: &str,
        screenshot: Option<&Path>,
    ) -> Result<PageCheck, String> {
        let timeout = self.timeout;
        let cdp = &mut self.cdp;
        let created = cdp.call(
            None,
            "Target.createTarget",
            json!({"url": "about:blank"}),
            timeout,
        )?;
        let target_id = str_field(&created, "targetId")?.to_string();
        let attached = cdp.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
            timeout,
        )?;
        let session = str_field(&attached, "sessionId")?.to_string();
        let mut page = PageSession {
            cdp,
            session,
            timeout,
            collector: Collector::default(),
        };
        let result = page.run(url, figure_selector, screenshot);
        // Close the tab whatever happened (a new one serves the next page).
        let _ = self.cdp.call(
            None,
            "Target.closeTarget",
            json!({"targetId": target_id}),
            Duration::from_secs(5),
        );
        result
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            // Ask politely; Chromium then takes its renderers down with it.
            let asked = self.cdp.send(None, "Browser.close", json!({})).is_ok();
            let deadline = Instant::now() + if asked { CLOSE_GRACE } else { Duration::ZERO };
            while Instant::now() < deadline {
                if !matches!(self.child.try_wait(), Ok(None)) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if matches!(self.child.try_wait(), Ok(None)) {
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
        // Only now remove the profile (Chromium no longer writes to it).
        drop(self.profile.take());
    }
}

/// One attached tab.
struct PageSession<'a> {
    cdp: &'a mut Cdp,
    session: String,
    timeout: Duration,
    collector: Collector,
}

impl PageSession<'_> {
    fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let result = self
            .cdp
            .call(Some(&self.session), method, params, self.timeout);
        self.drain_events();
        result
    }

    fn drain_events(&mut self) {
        while let Some(event) = self.cdp.events.pop_front() {
            self.collector.handle(&self.session, &event);
        }
    }

    /// Pumps events until `until` (no error when nothing comes).
    fn pump_until(&mut self, until: Instant) -> Result<(), String> {
        while let Some(event) = self.cdp.next_event(until)? {
            self.collector.handle(&self.session, &event);
        }
        Ok(())
    }

    fn evaluate(&mut self, expression: &str, await_promise: bool) -> Result<Value, String> {
        let reply = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": await_promise}),
        )?;
        if let Some(details) = reply.get("exceptionDetails") {
            return Err(format!(
                "page script failed: {}",
                describe_exception(details)
            ));
        }
        Ok(reply
            .get("result")
            .and_then(|r| r.get("value"))
            .cloned()
            .unwrap_or(Value::Null))
    }

    fn run(
        &mut self,
        url: &str,
        figure_selector: &str,
        screenshot: Option<&Path>,
    ) -> Result<PageCheck, String> {
        for domain in ["Runtime", "Log", "Network", "Page"] {
            self.call(&format!("{domain}.enable"), json!({}))?;
        }
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": VIEWPORT_WIDTH, "height": VIEWPORT_HEIGHT,
                   "deviceScaleFactor": 1, "mobile": false}),
        )?;
        let nav = self.call("Page.navigate", json!({"url": url}))?;
        if let Some(error) = nav.get("errorText").and_then(Value::as_str) {
            return Err(format!("navigation to {url} failed: {error}"));
        }

        let deadline = Instant::now() + self.timeout;
        while !self.collector.loaded {
            match self.cdp.next_event(deadline)? {
                Some(event) => self.collector.handle(&self.session, &event),
                None => {
                    return Err(format!(
                        "timed out after {:?} waiting for Page.loadEventFired of {url}",
                        self.timeout
                    ));
                }
            }
            if let Some(why) = &self.collector.crashed {
                return Err(format!("the page died: {why}"));
            }
        }

        // Settle: two animation frames, then a short quiet period for late events.
        self.evaluate(
            "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))",
            true,
        )?;
        self.pump_until(Instant::now() + SETTLE)?;

        let figures = self.measure_figures(figure_selector)?;
        let headlines = self.read_headlines()?;
        let title = self
            .evaluate("document.title", false)?
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some(path) = screenshot {
            self.screenshot(path)?;
        }
        self.drain_events();
        if let Some(why) = &self.collector.crashed {
            return Err(format!("the page died: {why}"));
        }

        let collector = std::mem::take(&mut self.collector);
        Ok(PageCheck {
            console_errors: collector.console_errors,
            failed_loads: collector.failed_loads,
            network_requests: collector.network_requests,
            figures,
            headlines,
            title,
        })
    }

    fn measure_figures(&mut self, selector: &str) -> Result<Vec<FigureBox>, String> {
        let selector_js = serde_json::to_string(selector).map_err(|e| e.to_string())?;
        let script = format!(
            r#"Array.from(document.querySelectorAll({selector_js})).map(f => {{
                const c = f.querySelector('svg, img');
                if (!c) return {{id: f.id || '', tag: '', width: 0, height: 0, loaded: false}};
                const r = c.getBoundingClientRect();
                const tag = c.tagName.toLowerCase();
                const loaded = tag === 'img' ? (c.complete && c.naturalWidth > 0) : true;
                return {{id: f.id || '', tag, width: r.width, height: r.height, loaded}};
            }})"#
        );
        let value = self.evaluate(&script, false)?;
        let items = value
            .as_array()
            .ok_or_else(|| format!("figure measurement returned {value}"))?;
        Ok(items
            .iter()
            .map(|item| FigureBox {
                id: item["id"].as_str().unwrap_or_default().to_string(),
                tag: item["tag"].as_str().unwrap_or_default().to_string(),
                width: item["width"].as_f64().unwrap_or(0.0),
                height: item["height"].as_f64().unwrap_or(0.0),
                loaded: item["loaded"].as_bool().unwrap_or(false),
            })
            .collect())
    }

    fn read_headlines(&mut self) -> Result<Vec<Headline>, String> {
        let script = r#"Array.from(document.querySelectorAll('[data-headline]')).map(e => ({
            key: e.getAttribute('data-headline'),
            text: (e.textContent || '').trim(),
            decimals: e.getAttribute('data-decimals'),
        }))"#;
        let value = self.evaluate(script, false)?;
        let items = value
            .as_array()
            .ok_or_else(|| format!("headline read returned {value}"))?;
        Ok(items
            .iter()
            .map(|item| Headline {
                key: item["key"].as_str().unwrap_or_default().to_string(),
                text: item["text"].as_str().unwrap_or_default().to_string(),
                decimals: item["decimals"]
                    .as_str()
                    .and_then(|d| d.trim().parse().ok()),
            })
            .collect())
    }

    fn screenshot(&mut self, path: &Path) -> Result<(), String> {
        let metrics = self.call("Page.getLayoutMetrics", json!({}))?;
        let size = metrics
            .get("cssContentSize")
            .or_else(|| metrics.get("contentSize"))
            .ok_or_else(|| format!("Page.getLayoutMetrics without a content size: {metrics}"))?;
        let width = size["width"]
            .as_f64()
            .unwrap_or(0.0)
            .ceil()
            .max(f64::from(VIEWPORT_WIDTH));
        let height = size["height"].as_f64().unwrap_or(0.0).ceil().max(1.0);
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true, "fromSurface": true,
                   "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
        )?;
        let data = str_field(&shot, "data")?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| format!("screenshot is not base64: {e}"))?;
        std::fs::write(path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// Turns CDP events of one session into the report's lists.
#[derive(Default)]
struct Collector {
    /// The main frame committed to a non-`about:` URL (our page, not the blank tab).
    navigated: bool,
    loaded: bool,
    crashed: Option<String>,
    console_errors: Vec<String>,
    failed_loads: Vec<String>,
    network_requests: Vec<String>,
    request_urls: HashMap<String, String>,
}

impl Collector {
    fn handle(&mut self, session: &str, event: &Value) {
        let Some(method) = event.get("method").and_then(Value::as_str) else {
            return;
        };
        let params = event.get("params").unwrap_or(&Value::Null);
        let event_session = event.get("sessionId").and_then(Value::as_str);
        if event_session.is_none() {
            // Browser-level events: notice our tab going away.
            if method == "Target.detachedFromTarget"
                && params.get("sessionId").and_then(Value::as_str) == Some(session)
            {
                self.crashed = Some("detached from target".into());
            }
            return;
        }
        if event_session != Some(session) {
            return;
        }
        match method {
            "Page.frameNavigated" => {
                let frame = &params["frame"];
                let url = frame["url"].as_str().unwrap_or_default();
                if frame.get("parentId").is_none() && !url.starts_with("about:") {
                    self.navigated = true;
                }
            }
            "Page.loadEventFired" => self.loaded |= self.navigated,
            "Inspector.targetCrashed" => self.crashed = Some("renderer crashed".into()),
            "Inspector.detached" => {
                self.crashed = Some(format!("inspector detached: {}", params["reason"]));
            }
            "Runtime.consoleAPICalled" => {
                let kind = params["type"].as_str().unwrap_or_default();
                if kind == "error" || kind == "assert" {
                    let args = params["args"]
                        .as_array()
                        .map(|args| {
                            args.iter()
                                .map(remote_object_text)
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .unwrap_or_default();
                    self.console_errors.push(format!("console.{kind}: {args}"));
                }
            }
            "Runtime.exceptionThrown" => {
                self.console_errors.push(format!(
                    "exception: {}",
                    describe_exception(&params["exceptionDetails"])
                ));
            }
            "Log.entryAdded" => {
                let entry = &params["entry"];
                if entry["level"].as_str() == Some("error") {
                    let mut line = format!(
                        "log ({}): {}",
                        entry["source"].as_str().unwrap_or("?"),
                        entry["text"].as_str().unwrap_or_default()
                    );
                    if let Some(url) = entry["url"].as_str().filter(|u| !u.is_empty()) {
                        line.push_str(&format!(" [{url}]"));
                    }
                    self.console_errors.push(line);
                }
            }
            "Network.requestWillBeSent" => {
                let url = params["request"]["url"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if let Some(id) = params["requestId"].as_str() {
                    self.request_urls.insert(id.to_string(), url.clone());
                }
                if !is_local_url(&url) && !self.network_requests.contains(&url) {
                    self.network_requests.push(url);
                }
            }
            "Network.responseReceived" => {
                let status = params["response"]["status"].as_f64().unwrap_or(0.0);
                if status >= 400.0 {
                    let url = params["response"]["url"].as_str().unwrap_or_default();
                    self.failed_loads.push(format!("{url}: HTTP {status}"));
                }
            }
            "Network.loadingFailed" => {
                let url = params["requestId"]
                    .as_str()
                    .and_then(|id| self.request_urls.get(id))
                    .cloned()
                    .unwrap_or_else(|| "(unknown URL)".into());
                let mut reason = params["errorText"].as_str().unwrap_or("failed").to_string();
                if let Some(blocked) = params["blockedReason"].as_str() {
                    reason.push_str(&format!(" (blocked: {blocked})"));
                }
                if params["canceled"].as_bool() == Some(true) {
                    reason.push_str(" (canceled)");
                }
                self.failed_loads.push(format!("{url}: {reason}"));
            }
            _ => {}
        }
    }
}

/// A console argument as text: its value, else its description, else its type.
fn remote_object_text(arg: &Value) -> String {
    match arg.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(v) if !v.is_null() => v.to_string(),
        _ => arg["description"]
            .as_str()
            .or_else(|| arg["unserializableValue"].as_str())
            .or_else(|| arg["type"].as_str())
            .unwrap_or_default()
            .to_string(),
    }
}

/// `Uncaught Error: boom (file:///x.html:3:9)` from `Runtime.ExceptionDetails`.
fn describe_exception(details: &Value) -> String {
    let text = details["text"].as_str().unwrap_or("exception");
    let mut out = text.to_string();
    if let Some(desc) = details["exception"]["description"].as_str() {
        // The description is the stack; its first line names the error.
        out.push(' ');
        out.push_str(desc.lines().next().unwrap_or(desc));
    } else if let Some(value) = details["exception"].get("value").filter(|v| !v.is_null()) {
        out.push(' ');
        out.push_str(&value.to_string());
    }
    if let Some(url) = details["url"].as_str().filter(|u| !u.is_empty()) {
        let line = details["lineNumber"].as_i64().unwrap_or(-1) + 1;
        let col = details["columnNumber"].as_i64().unwrap_or(-1) + 1;
        out.push_str(&format!(" ({url}:{line}:{col})"));
    }
    out
}

fn str_field<'v>(value: &'v Value, key: &str) -> Result<&'v str, String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("CDP reply without `{key}`: {value}"))
}

/// A CDP connection: numbered commands, replies matched by id, and events
/// queued in arrival order.
struct Cdp {
    ws: Option<WebSocket<TcpStream>>,
    next_id: u64,
    events: VecDeque<Value>,
}

impl Cdp {
    fn placeholder() -> Cdp {
        Cdp {
            ws: None,
            next_id: 1,
            events: VecDeque::new(),
        }
    }

    fn connect(ws_url: &str, deadline: Instant) -> Result<Cdp, String> {
        let rest = ws_url
            .strip_prefix("ws://")
            .ok_or_else(|| format!("not a ws:// URL: {ws_url}"))?;
        let host = rest.split('/').next().unwrap_or(rest);
        let addr = std::net::ToSocketAddrs::to_socket_addrs(host)
            .map_err(|e| format!("bad address {host}: {e}"))?
            .next()
            .ok_or_else(|| format!("no address for {host}"))?;
        let stream = TcpStream::connect_timeout(&addr, remaining(deadline)?)
            .map_err(|e| format!("TCP connect: {e}"))?;
        stream
            .set_read_timeout(Some(remaining(deadline)?))
            .and_then(|()| stream.set_write_timeout(Some(DEFAULT_TIMEOUT)))
            .and_then(|()| stream.set_nodelay(true))
            .map_err(|e| e.to_string())?;
        // Screenshots of long pages are large base64 strings.
        let config = WebSocketConfig::default()
            .max_message_size(Some(512 << 20))
            .max_frame_size(Some(512 << 20));
        let (ws, _response) = tungstenite::client::client_with_config(ws_url, stream, Some(config))
            .map_err(|e| format!("WebSocket handshake: {e}"))?;
        Ok(Cdp {
            ws: Some(ws),
            next_id: 1,
            events: VecDeque::new(),
        })
    }

    fn ws(&mut self) -> Result<&mut WebSocket<TcpStream>, String> {
        self.ws.as_mut().ok_or_else(|| "not connected".to_string())
    }

    /// Sends a command and returns its id without waiting.
    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<u64, String> {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = Value::from(session);
        }
        self.ws()?
            .send(Message::text(message.to_string()))
            .map_err(|e| format!("sending {method}: {e}"))?;
        Ok(id)
    }

    /// Sends a command and waits (at most `timeout`) for its reply's
    /// `result`; events that arrive meanwhile are queued.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, String> {
        let id = self.send(session, method, params)?;
        let deadline = Instant::now() + timeout;
        loop {
            let Some(message) = self.read(deadline)? else {
                return Err(format!(
                    "timed out after {timeout:?} waiting for the reply to {method}"
                ));
            };
            if message.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(error) = message.get("error") {
                    return Err(format!("{method} failed: {error}"));
                }
                return Ok(message.get("result").cloned().unwrap_or(Value::Null));
            }
            if message.get("method").is_some() {
                self.events.push_back(message);
            }
        }
    }

    /// The next queued or incoming event, or None once `deadline` passes.
    fn next_event(&mut self, deadline: Instant) -> Result<Option<Value>, String> {
        if let Some(event) = self.events.pop_front() {
            return Ok(Some(event));
        }
        loop {
            let Some(message) = self.read(deadline)? else {
                return Ok(None);
            };
            if message.get("method").is_some() {
                return Ok(Some(message));
            }
        }
    }

    /// The next JSON message, or None once `deadline` passes.
    fn read(&mut self, deadline: Instant) -> Result<Option<Value>, String> {
        let ws = self.ws()?;
        loop {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return Ok(None);
            };
            ws.get_ref()
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .map_err(|e| e.to_string())?;
            match ws.read() {
                Ok(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str())
                        .map(Some)
                        .map_err(|e| format!("bad CDP message: {e}"));
                }
                Ok(Message::Close(frame)) => {
                    return Err(format!(
                        "Chromium closed the DevTools connection: {frame:?}"
                    ));
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(format!("DevTools connection: {e}")),
            }
        }
    }
}

fn remaining(deadline: Instant) -> Result<Duration, String> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| "timed out".to_string())
}
