"""The test browser itself: it opens a local page, runs its script and reports console errors."""

from browser import console_errors, file_url


def test_the_browser_runs_a_local_pages_script_and_reports_its_console_errors(browser, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<!DOCTYPE html><title>t</title><p id=out>before</p>"
        "<script>document.getElementById('out').textContent = 'after'; undefinedFunction();</script>",
        encoding="utf-8",
    )
    browser.get(file_url(page))
    assert browser.find_element("id", "out").text == "after"
    errors = console_errors(browser)
    assert len(errors) == 1 and "undefinedFunction" in errors[0]
    assert console_errors(browser) == []  # read once
