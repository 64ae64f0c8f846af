"""Benchmark: the browser course (``python notebooks/build_site.py --lite``).

    python benchmarks/lite.py                      # build, size, cold kernel start, notebook 02's Run All
    python benchmarks/lite.py --notebook 07        # another notebook's Run All

Reports: the build's wall time with the downloads already cached (run it once before to fill
``.lite-cache/``), the site's size, and in a headless Chromium with a fresh profile (nothing
cached: a reader's first visit) the seconds from opening the notebook's address to an idle
kernel, then the seconds of Run All (every code cell run, the kernel idle again). The site is
served on 127.0.0.1 by Python's http.server.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--window-size=1200,900",
         "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
IDLE = """const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
return k && k.status === 'idle' && k.connectionStatus === 'connected'
  ? w.content.widgets.filter(c => c.model.type === 'code' && c.model.executionCount === null).length : -1;"""


def until(check, limit: float = 600) -> None:
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit("gave up waiting (the page never got there)")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", default="02", help="the notebook to run (its number; default 02)")
    args = parser.parse_args()
    notebook = next(p.name for p in sorted((REPO / "notebooks").glob(f"{args.notebook}*.ipynb")))
    work = Path(tempfile.mkdtemp(prefix="bench-lite-"))
    try:
        site = work / "site"
        started = time.perf_counter()
        subprocess.run([sys.executable, str(REPO / "notebooks" / "build_site.py"), "--lite", str(site)], check=True,
                       stdout=subprocess.DEVNULL)
        built = time.perf_counter() - started
        size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *a) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={work / 'profile'}")
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            started = time.perf_counter()
            driver.get(f"http://127.0.0.1:{server.server_address[1]}/lab/index.html?path=notebooks/{notebook}")
            until(lambda: driver.execute_script(IDLE) is not None and driver.execute_script(IDLE) >= 0)
            ready = time.perf_counter() - started
            started = time.perf_counter()
            driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells');")
            time.sleep(0.2)
            until(lambda: driver.execute_script(IDLE) == 0)
            ran = time.perf_counter() - started
        finally:
            driver.quit()
            server.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, load average {load:.1f}")
    print(f"build (downloads cached): {built:.1f} s")
    print(f"site: {size / 1e6:.1f} MB")
    print(f"cold kernel ready ({notebook}, fresh browser profile): {ready:.1f} s")
    print(f"Run All of {notebook}: {ran:.1f} s")


if __name__ == "__main__":
    main()
