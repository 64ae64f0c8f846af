"""A headless Chromium for tests that open our HTML pages (``file://``) and press their
controls: Debian's ``chromium`` and ``chromium-driver`` (/usr/bin), driven by selenium.

Use the ``browser`` fixture (tests/conftest.py). Where Chromium, its driver or selenium is
missing the fixture skips with the reason; under ``CI=true`` it fails instead, so CI never
passes without having run the browser tests."""

from __future__ import annotations

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


def start(profile: Path) -> Any:
    """A headless Chromium with a fresh profile directory ``profile``, logging the console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def open_browser() -> Iterator[Any]:
    """Start a browser, yield it, quit it and remove its profile afterwards."""
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    driver = start(profile)
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


class Page:
    """A page under test, pressed the way a reader would: its buttons (``data-action``) and keys."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def press(self, action: str) -> None:
        self.driver.find_element("css selector", f"button[data-action='{action}']").click()

    def key(self, name: str) -> None:
        from selenium.webdriver.common.keys import Keys

        self.driver.find_element("tag name", "body").send_keys(getattr(Keys, name))
