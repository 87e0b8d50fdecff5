//! The browser harness of the browser and accessibility tests: Chromium driven through
//! WebDriver (Debian's `chromium` and `chromium-driver`). Outside CI a test is skipped, with a
//! notice, when they are missing; in CI it fails. Set `KAM360_SCREENSHOTS=DIR` to also save
//! screenshots of what the tests see.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

pub(crate) struct Driver {
    child: Child,
    pub(crate) port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn which(name: &str) -> Option<String> {
    ["/usr/bin/", "/usr/local/bin/"]
        .iter()
        .map(|d| format!("{d}{name}"))
        .find(|p| std::path::Path::new(p).exists())
}

pub(crate) async fn start_browser() -> Option<(Driver, Client)> {
    // the WebDriver client links rustls; choose its crypto provider once
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (Some(driver), Some(chromium)) = (which("chromedriver"), which("chromium")) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but chromium/chromedriver are not installed (apt-get install chromium chromium-driver)");
        }
        eprintln!("chromium or chromedriver missing: skipping the browser test");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let mut child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    // chromedriver says when it listens
    let started = crate::helpers::ChildLines::of(child.stdout.take().expect("stdout"))
        .wait_for("started successfully", Duration::from_secs(10));
    let profile = tempfile::tempdir().expect("profile dir");
    let d = Driver {
        child,
        port,
        _profile: profile,
    };
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,900", format!("--user-data-dir={}", d._profile.path().display())]
        }
    }))
    .expect("caps");
    assert!(started, "chromedriver did not start");
    // a session starts Chromium, which on a loaded machine can fail to come up: try again
    let mut failure = None;
    for _ in 0..3 {
        match ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", d.port))
            .await
        {
            Ok(c) => return Some((d, c)),
            Err(e) => failure = Some(e),
        }
    }
    panic!("no WebDriver session: {failure:?}");
}

/// Clicks the element `at` points to.
pub(crate) async fn click(c: &Client, at: Locator<'_>) {
    c.find(at)
        .await
        .expect("element to click")
        .click()
        .await
        .expect("click");
}

/// Scrolls the element `css` selects to the middle of the screen and taps it, as a thumb would.
pub(crate) async fn tap(c: &Client, css: &str) {
    let el = c.find(Locator::Css(css)).await.expect("element to tap");
    c.execute(
        "arguments[0].scrollIntoView({block: 'center'})",
        vec![serde_json::to_value(&el).expect("el")],
    )
    .await
    .expect("scroll");
    el.click().await.expect("tap");
}

/// Waits until the element `at` points to is on the page.
pub(crate) async fn wait_for(c: &Client, at: Locator<'_>) {
    c.wait().for_element(at).await.expect("element to appear");
}

pub(crate) async fn shot(c: &Client, name: &str) {
    if let Ok(dir) = std::env::var("KAM360_SCREENSHOTS") {
        let png = c.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(format!("{dir}/{name}.png"), png).expect("write png");
    }
}

pub(crate) async fn full_page_shot(c: &Client, width: u32, name: &str) {
    if std::env::var("KAM360_SCREENSHOTS").is_err() {
        return;
    }
    c.set_window_size(width, 900).await.expect("resize");
    let h = c
        .execute("return document.documentElement.scrollHeight", vec![])
        .await
        .expect("height")
        .as_u64()
        .unwrap_or(900);
    c.set_window_size(width, (h as u32).min(4000))
        .await
        .expect("resize");
    shot(c, name).await;
    c.set_window_size(1280, 900).await.expect("resize");
}

/// Runs `script` in the page and returns its value as f64.
pub(crate) async fn number(c: &Client, script: &str) -> f64 {
    c.execute(script, vec![])
        .await
        .expect("script")
        .as_f64()
        .unwrap_or(f64::NAN)
}

/// Waits until `script` returns true (at most 10 s).
pub(crate) async fn until(c: &Client, script: &str, what: &str) {
    for _ in 0..100 {
        if c.execute(script, vec![])
            .await
            .expect("script")
            .as_bool()
            .unwrap_or(false)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = c
        .execute("var s = document.getElementById('save-status'); return s ? s.className + ': ' + s.textContent : '';", vec![])
        .await
        .expect("script");
    panic!("timed out waiting for {what} (save status: {status})");
}

/// Whether leaving the page now would ask first (a `beforeunload` the page cancels).
pub(crate) async fn leaving_warns(c: &Client) -> bool {
    c.execute(
        "var e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented;",
        vec![],
    )
    .await
    .expect("script")
    .as_bool()
    .unwrap_or(false)
}

/// Sizes the window so that the page itself (the viewport) is `width` × `height`.
pub(crate) async fn set_viewport(c: &Client, width: u32, height: u32) {
    c.set_window_size(width, height).await.expect("resize");
    let inner = number(c, "return window.innerHeight").await;
    let chrome = (f64::from(height) - inner).max(0.0) as u32;
    c.set_window_size(width, height + chrome)
        .await
        .expect("resize");
}

/// The page's height at `width` px (for the closing note's before/after figures).
pub(crate) async fn page_height(c: &Client, width: u32) -> f64 {
    c.set_window_size(width, 740).await.expect("resize");
    number(c, "return document.documentElement.scrollHeight").await
}

/// The page printed to PDF by Chromium (WebDriver's Print Page: A4, backgrounds on).
pub(crate) async fn print_pdf(c: &Client, driver: &Driver) -> Vec<u8> {
    use base64::Engine;
    let session = c
        .session_id()
        .await
        .expect("session")
        .expect("a session id");
    let r: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{}/session/{session}/print",
            driver.port
        ))
        .header("content-type", "application/json")
        .body(
            serde_json::json!({
                "page": {"width": 21.0, "height": 29.7},
                "background": true,
                "shrinkToFit": false
            })
            .to_string(),
        )
        .send()
        .await
        .expect("print")
        .text()
        .await
        .map(|t| serde_json::from_str(&t).expect("json"))
        .expect("body");
    let b64 = r["value"].as_str().expect("a PDF");
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64")
}

/// The number of pages of a PDF (its `/Type /Page` objects).
pub(crate) fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// Signs in through the sign-in form as `email` and waits for the home page.
pub(crate) async fn sign_in_with_form(c: &Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/login?lang=en"))
        .await
        .expect("login page");
    c.find(Locator::Id("email"))
        .await
        .expect("email")
        .send_keys(email)
        .await
        .expect("type");
    c.find(Locator::Id("password"))
        .await
        .expect("password")
        .send_keys(password)
        .await
        .expect("type");
    click(c, Locator::Css("form button[type='submit']")).await;
    wait_for(c, Locator::Css(".staff-bar")).await;
}
