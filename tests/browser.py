"""Measure a page in real headless Chromium: what a reader's browser lays out.

The page is copied with a small script added that, once everything has loaded, writes what it
measured into the page; Chromium's ``--dump-dom`` prints the page after that. The copy lets
that one script run (the preview itself allows none).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

REPORT_ID = "cardkit-browser-report"
_MEASURE = """
<script>
window.addEventListener("load", () => {
  const main = document.querySelector("main");
  const box = main.getBoundingClientRect();
  const inScroller = (el) => el.closest("pre") !== null && el.tagName !== "PRE";
  const wide = [];
  for (const el of main.querySelectorAll("*")) {
    if (inScroller(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1)) {
      wide.push(el.tagName + ": " + (el.textContent || "").slice(0, 60));
    }
  }
  const tables = [...main.querySelectorAll("article table")].map((t) => ({
    scrollWidth: t.scrollWidth, clientWidth: t.clientWidth,
    rows: t.rows.length, header: [...t.rows[0].cells].map((c) => c.textContent.trim()),
  }));
  const images = [...main.querySelectorAll("article img")].map((i) => ({
    alt: i.alt, complete: i.complete, naturalWidth: i.naturalWidth, width: i.width,
  }));
  const report = {
    innerWidth: window.innerWidth,
    pageWidth: document.documentElement.scrollWidth,
    mainWidth: box.width,
    wide, tables, images,
    text: main.querySelector("article").innerText,
  };
  const pre = document.createElement("pre");
  pre.id = "REPORT_ID";
  pre.textContent = JSON.stringify(report);
  document.body.appendChild(pre);
});
</script>
""".replace("REPORT_ID", REPORT_ID)


def chromium() -> str | None:
    """The Chromium of the system's packages, if there is one."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def dump_dom(
    page: Path, home: Path, width: int = 1000, height: int = 2000, budget_ms: int = 10000
) -> subprocess.CompletedProcess[str]:
    """Headless Chromium's page after its scripts ran (``budget_ms`` of virtual time), in a
    ``width`` x ``height`` window, its profile in ``home``."""
    browser = chromium()
    assert browser is not None, "Chromium is not installed (apt-get install chromium)"
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(home)},
    )


def measure(page: Path, work: Path, width: int = 1000, height: int = 2000) -> dict:
    """Lay ``page`` out in a ``width`` x ``height`` window; what the script measured."""
    html = page.read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    copy = work / f"measured-{page.name}"
    copy.write_text(html.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    done = dump_dom(copy, work, width, height)
    match = re.search(rf'<pre id="{REPORT_ID}">(.*?)</pre>', done.stdout, flags=re.S)
    assert match, f"Chromium wrote no report (exit {done.returncode}): {done.stderr[-2000:]}"
    text = match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return json.loads(text.replace("&amp;", "&"))
