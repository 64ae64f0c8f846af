"""A headless Chromium for tests that open our HTML pages (``file://``) and press their
controls: Debian's ``chromium`` and ``chromium-driver`` (/usr/bin), driven by selenium.

Use the ``browser`` fixture (tests/conftest.py). Where Chromium, its driver or selenium is
missing the fixture skips with the reason; under ``CI=true`` it fails instead, so CI never
passes without having run the browser tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1200,900",
)
INSTALL_HINT = "install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver) and selenium (pip install selenium)"


def missing() -> str | None:
    """Why the browser cannot start here (None when it can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return f"selenium is not installed; {INSTALL_HINT}"
    for program in (CHROMIUM, CHROMEDRIVER):
        if not os.access(program, os.X_OK):
            return f"{program} is missing; {INSTALL_HINT}"
    return None


#: Every host but 127.0.0.1 unresolvable: a page that fetches from anywhere else fails to.
ONLY_LOCALHOST = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"


def start(profile: Path, flags: tuple[str, ...] = (), network_log: bool = False) -> Any:
    """A headless Chromium with a fresh profile directory ``profile``, logging the console;
    ``flags`` added to ``FLAGS``; ``network_log``: also the DevTools performance log, whose
    Network events say what the browser requested (``requested_urls``)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + tuple(flags):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", **({"performance": "ALL"} if network_log else {})})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def requested_urls(driver: Any) -> list[str]:
    """Every URL the browser asked for since the last call (a browser started with
    ``network_log``): the requests and web sockets of the performance log's Network events."""
    import json

    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message.get("method") == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


@contextlib.contextmanager
def serve(directory: str | os.PathLike, requests: list[tuple[str, int]] | None = None) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1, on a free port, while the block runs
    (pages that load WebAssembly cannot be opened as files); yields the base URL. Each
    request's path and status are appended to ``requests`` when given."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                          ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript"}

        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            if requests is not None:
                requests.append((self.path, int(code) if str(code).isdigit() else 0))

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def open_browser(flags: tuple[str, ...] = (), network_log: bool = False) -> Iterator[Any]:
    """Start a browser (``start``'s ``flags`` and ``network_log``), yield it, quit it and
    remove its profile afterwards."""
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    driver = start(profile, flags, network_log)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def console_errors(driver: Any) -> list[str]:
    """The browser console's errors (and uncaught exceptions) since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def file_url(path: str | os.PathLike) -> str:
    return Path(path).resolve().as_uri()


# getBoundingClientRect of the first element each selector finds (None where none), as [x, y, width, height]
RECTS = """return arguments[0].map(s => { const e = document.querySelector(s); if (!e) return null;
  const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; });"""

# WCAG 2 contrast of each visible text element under ``arguments[0]`` (a selector) against the
# colour behind it: the first opaque background of it or an ancestor, semi-transparent ones
# blended in, the page's white at the end. Returns [[text, ratio, colour, background], ...].
TEXT_CONTRAST = """
function rgba(css) { const m = css.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
  const v = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; }
function over(top, below) { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + below[i] * (1 - a)).concat([1]); }
function behind(el) { const layers = []; for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor); if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
  let colour = [255, 255, 255, 1]; for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour); return colour; }
function luminance(c) { const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); }
const out = [];
for (const root of document.querySelectorAll(arguments[0])) {
  const all = [root].concat(Array.from(root.querySelectorAll('*')));
  for (const el of all) {
    if (el.closest('svg, script, style') || el.disabled) continue;
    const own = Array.from(el.childNodes).filter(n => n.nodeType === 3 && n.textContent.trim()).map(n => n.textContent.trim()).join(' ');
    const r = el.getBoundingClientRect();
    if (!own || r.width === 0 || r.height === 0) continue;
    const bg = behind(el), fg = over(rgba(getComputedStyle(el).color), bg);
    const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    out.push([own.slice(0, 40), (a + 0.05) / (b + 0.05), fg, bg]);
  }
}
return out;"""


class Page:
    """A page under test, pressed the way a reader would: its buttons (``data-action``) and
    keys, and measured: where things are on the page, and how readable its text is."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def press(self, action: str) -> None:
        self.driver.find_element("css selector", f"button[data-action='{action}']").click()

    def key(self, name: str) -> None:
        """Press a key (a selenium ``Keys`` name, or a character) on the page's body."""
        self.send(self.driver.find_element("tag name", "body"), name)

    def key_on(self, selector: str, name: str) -> None:
        """Focus the element ``selector`` finds and press a key there, as a keyboard user would."""
        element = self.driver.find_element("css selector", selector)
        self.driver.execute_script("arguments[0].focus();", element)
        self.send(element, name)

    def send(self, element: Any, name: str) -> None:
        from selenium.webdriver.common.keys import Keys

        element.send_keys(getattr(Keys, name) if hasattr(Keys, name) else name)

    def rects(self, selectors: list[str]) -> list[list[float] | None]:
        """Where each selector's element is on the page (``getBoundingClientRect``)."""
        return self.driver.execute_script(RECTS, selectors)

    def text_contrast(self, selector: str) -> list[list]:
        """[text, contrast ratio, colour, background] of every visible text under ``selector``."""
        return self.driver.execute_script(TEXT_CONTRAST, selector)


class StepPage(Page):
    """A page with the step-through viewer (``micrograd.viz.page``): its counter, the
    highlighted nodes, and the texts of a node."""

    @property
    def counter(self) -> str:
        return self.driver.find_element("css selector", ".mg-counter").text

    def current(self) -> list[str]:
        """The keys of the highlighted nodes (a Value and its op)."""
        return sorted(g.get_attribute("data-key") for g in self.driver.find_elements("css selector", ".mg-picture g.node.mg-current"))

    def texts(self, key: str) -> list[str]:
        g = self.driver.find_element("css selector", f".mg-picture g[data-key='{key}']")
        return [t.get_attribute("textContent") for t in g.find_elements("css selector", "text")]
