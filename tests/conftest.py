"""Shared test settings: hypothesis profiles (quick by default, thorough under CI=true)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=60, deadline=None)
settings.register_profile("ci", max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))


# --- a headless browser for the tests of our HTML pages (tests/browser.py) ---

import pytest  # noqa: E402

import browser as chromium  # noqa: E402


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (selenium WebDriver), one per test session. Skips where Chromium,
    chromedriver or selenium is missing; fails instead under CI=true."""
    reason = chromium.missing()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true, and the browser tests cannot run: {reason}")
        pytest.skip(reason)
    yield from chromium.open_browser()
