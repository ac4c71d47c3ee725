//! Headless Chromium for the postmortem test: find it (or install Debian's `chromium` when
//! running as root with apt), load a page at a given CSS width inside a harness page, and
//! read back what the page measured of itself (scrollWidth against clientWidth, elements
//! that scroll sideways or stick out past the right edge) or take a screenshot.
//!
//! New headless Chromium will not make a window narrower than 500 px, so the page is shown
//! in an iframe exactly `width` px wide (its `srcdoc`, same origin as the harness, whose
//! script measures the framed document); the screenshot window is `width` px wide too.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Chromium binary on `$PATH`; when there is none and this runs as root with apt-get,
/// Debian's `chromium` package is installed first. None: not found and not installable.
pub fn find_or_install() -> Option<PathBuf> {
    if let Some(found) = find() {
        return Some(found);
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root && Path::new("/usr/bin/apt-get").exists() {
        eprintln!("postmortem test: installing chromium with apt-get (tests/run.sh does this too)");
        let _ = Command::new("apt-get")
            .args(["install", "-y", "-qq", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status();
    }
    find()
}

fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A page that frames `html` at `width` px and, once it loaded, writes its measurements as
/// JSON into `<pre id="probe">` (with every `<details>` opened first when `open_details`).
pub fn harness(html: &str, width: u32, height: u32, open_details: bool) -> String {
    let srcdoc = html
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{{margin:0}}iframe{{border:0;display:block}}</style></head><body>
<iframe id="page" width="{width}" height="{height}" style="width:{width}px;height:{height}px" srcdoc="{srcdoc}"></iframe>
<pre id="probe">not measured</pre>
<script>
function measure() {{
  const doc = document.getElementById('page').contentDocument;
  if ({open_details}) for (const d of doc.querySelectorAll('details')) d.open = true;
  const de = doc.documentElement;
  const bad = [];
  for (const el of doc.body.querySelectorAll('*')) {{
    const style = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'visible' && style.display !== 'inline')
      bad.push('scrolls sideways: ' + el.tagName + (el.className ? '.' + el.className : ''));
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > de.clientWidth + 1)
      bad.push('past the right edge: ' + el.tagName + (el.className ? '.' + el.className : '') + ' right=' + Math.round(r.right));
  }}
  document.getElementById('probe').textContent = JSON.stringify({{
    scroll_width: de.scrollWidth, client_width: de.clientWidth,
    body_scroll_width: doc.body.scrollWidth, bad: bad.slice(0, 20)
  }});
}}
const frame = document.getElementById('page');
if (frame.contentDocument && frame.contentDocument.readyState === 'complete' && frame.contentDocument.body && frame.contentDocument.body.childElementCount) measure();
else frame.addEventListener('load', measure);
</script></body></html>"#
    )
}

fn command(chromium: &Path, profile: &Path, width: u32, height: u32) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.arg("120").arg(chromium).args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]);
    cmd.arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={width},{height}"));
    cmd
}

/// Load `page` (a harness file) and return the JSON its script wrote.
pub fn measure(chromium: &Path, profile: &Path, page: &Path, width: u32) -> serde_json::Value {
    let out = command(chromium, profile, width.max(500), 900)
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| panic!("chromium: {e}"));
    let dom = String::from_utf8_lossy(&out.stdout);
    let json = dom
        .split_once("<pre id=\"probe\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(json, _)| {
            json.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&")
        })
        .unwrap_or_default();
    serde_json::from_str(&json).unwrap_or_else(|e| {
        panic!(
            "no measurement from chromium ({e}): {json:?}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Screenshot `page` (a harness file) in a window `width` x `height` px into `png`.
pub fn screenshot(
    chromium: &Path,
    profile: &Path,
    page: &Path,
    width: u32,
    height: u32,
    png: &Path,
) {
    let _ = std::fs::remove_file(png);
    let out = command(chromium, profile, width, height)
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| panic!("chromium: {e}"));
    let size = std::fs::metadata(png).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 1000,
        "no screenshot at {}: {}",
        png.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}
