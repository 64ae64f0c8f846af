"""notebooks/build_site.py: the course as a static site that reads offline.

One real notebook (09) is built into a folder outside the clone, with the theory page and the
index; every link and picture must resolve inside the site and nothing may be fetched from
outside it. Notebooks 02 and 07 are built with the README's own command, into ``site/`` of a
copy of the clone, and the site is served over HTTP on 127.0.0.1: a crawler follows every
href and src from the index and fails on a 404, a missing anchor or a link out of the site;
no page shows a temporary path; every page fits 420 px without sideways scrolling (headless
Chromium); notebook 07's live cell shows the replay of its run, and the pages the notebooks
wrote are linked from theirs. Tiny notebooks written here check the failure message and that
OUTDIR is never half-written or taken from its owner.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

import browser as chromium
import needs
from repository import ROOT, built_once

pytestmark = pytest.mark.notebooks  # each test runs cells in a Jupyter kernel

SPEC = importlib.util.spec_from_file_location("build_site", ROOT / "notebooks" / "build_site.py")
build_site = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(build_site)

NOTEBOOK = "09_second_order_and_newton"
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


class Refs(HTMLParser):
    """Every href/src (and SVG xlink:href) of a page, with its tag; every id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src", "xlink:href", "data", "poster", "srcset") and value is not None:
                self.refs.append((tag, name, value))


def parse(path: Path) -> Refs:
    refs = Refs()
    refs.feed(path.read_text(encoding="utf-8"))
    return refs


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    def build(folder: Path) -> None:
        pages = build_site.build(folder / "course", [NOTEBOOK[:2]], log=lambda line: None)
        assert sorted(p.name for p in pages) == sorted(["index.html", "theory.html", f"{NOTEBOOK}.html"])

    return built_once(tmp_path_factory, "site-09", build) / "course"


def tiny_notebooks(folder: Path, *sources: str) -> Path:
    """Notebooks 01_tiny_a.ipynb, 02_tiny_b.ipynb, ... with one code cell each."""
    folder.mkdir(parents=True, exist_ok=True)
    for n, source in enumerate(sources, start=1):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {n}. Tiny {n}\n\nA notebook made by the test."), nbformat.v4.new_code_cell(source)]
        nbformat.write(nb, folder / f"{n:02d}_tiny_{n}.ipynb")
    return folder


def test_the_pages_exist_and_link_each_other(site: Path) -> None:
    index = parse(site / "index.html")
    targets = {value.partition("#")[0] for _, name, value in index.refs if name == "href"}
    assert {f"{NOTEBOOK}.html", "theory.html"} <= targets
    page = (site / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    assert re.search(r"<title>9\. Second-order derivatives and Newton(&#39;|')s method</title>", page)
    assert 'href="theory.html#9-second-order-and-newtons-method"' in page       # ../docs/theory.md#... rewritten


def test_every_link_resolves_to_a_file_of_the_site(site: Path) -> None:
    pages = {p: parse(p) for p in site.rglob("*.html")}
    for page, refs in pages.items():
        for tag, name, value in refs.refs:
            if value.startswith("data:") or EXTERNAL.match(value):
                continue                                       # external ones are the next test's business
            target, _, anchor = unquote(value).partition("#")
            resolved = (page.parent / target).resolve() if target else page
            assert resolved.is_file() and site.resolve() in resolved.parents, f"{page.name}: <{tag} {name}={value!r}> is not in the site"
            if anchor and resolved.suffix == ".html":
                ids = pages[resolved].ids if resolved in pages else parse(resolved).ids
                assert anchor in ids, f"{page.name} links {value!r}, but {resolved.name} has no id {anchor!r}"


def test_nothing_is_fetched_from_outside(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for tag, name, value in parse(page).refs:
            assert not EXTERNAL.match(value) or value.startswith("data:"), f"{page.name}: <{tag} {name}={value!r}> leaves the site"
        assert not re.search(r"<script[^>]*\bsrc=", text), f"{page.name} loads a script"
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", text), f"{page.name}: a style fetches from outside"
        assert not re.search(r"@import\s+(?:url\()?\s*['\"]?(?:https?:)?//", text), f"{page.name} imports a style from outside"
        assert "mathjax" not in text.lower() and "require.js" not in text, f"{page.name} still refers to a CDN script"


def test_outputs_are_embedded_and_math_is_mathml(site: Path) -> None:
    page = (site / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    assert "data:image/svg+xml;base64," in page                 # the gradient graph, embedded
    assert re.search(r'<svg[^>]*class="mgp', page)               # the course's plots (micrograd.viz.plot), inline
    assert "<math" in page and "$$" not in page
    theory = (site / "theory.html").read_text(encoding="utf-8")
    assert theory.count("<math") > 100 and "$$" not in theory
    assert 'id="6-a-3-2-2-network-by-hand"' in theory and "10.4264359261" in theory


def test_solutions_are_folded_away(site: Path) -> None:
    nb = nbformat.read(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb", as_version=4)
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    page = (site / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    folded = re.findall(r'<details class="course-solution"><summary>Solution.*?</details>', page, re.S)
    assert solutions and len(folded) == len(solutions)
    assert "x.grad = 0.0" in html.unescape(re.sub(r"<[^>]+>", "", folded[0]))   # the first exercise's answer, inside the box
    assert "<details class=\"course-solution\" open" not in page


def test_a_failing_notebook_stops_the_build_and_says_where(tmp_path: Path) -> None:
    source = tiny_notebooks(tmp_path / "nbs", "print('fine')", "x = 1\nassert x == 2, 'x should be 2, planted by the test'")
    out = tmp_path / "site"
    with pytest.raises(build_site.BuildError) as caught:
        build_site.build(out, source=source, log=lambda line: None)
    message = str(caught.value)
    assert "02_tiny_2.ipynb" in message and "cell 2 of 2" in message and "x = 1" in message
    assert "AssertionError: x should be 2, planted by the test" in message
    assert not out.exists()                                            # nothing half-written
    assert [p.name for p in tmp_path.iterdir()] == ["nbs"]             # and no staging directory left behind


def test_the_command_reports_a_failure_in_one_line(tmp_path: Path, capsys) -> None:
    out = tmp_path / "site"
    assert build_site.main([str(out), "no-such-notebook"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("build_site: no notebook matches 'no-such-notebook'") and "05_a_3_2_2_network_by_hand.ipynb" in err
    assert not out.exists()


def test_a_directory_it_did_not_build_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    with pytest.raises(build_site.BuildError, match="not empty and is not a site this command built"):
        build_site.build(out, source=tiny_notebooks(tmp_path / "nbs", "print(1)"), log=lambda line: None)
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and (out / "notes.txt").read_text(encoding="utf-8") == "my notes"


def test_a_rebuild_replaces_the_previous_site_whole(tmp_path: Path) -> None:
    source = tiny_notebooks(tmp_path / "nbs", "print('first')")
    out = tmp_path / "site"
    build_site.build(out, source=source, log=lambda line: None)
    assert (out / "01_tiny_1.html").is_file() and (out / build_site.MARKER).is_file()
    (source / "01_tiny_1.ipynb").unlink()
    tiny_notebooks(tmp_path / "nbs2", "print('second')")
    (tmp_path / "nbs2" / "01_tiny_1.ipynb").rename(source / "01_tiny_1.ipynb")
    build_site.build(out, source=source, log=lambda line: None)
    assert "second" in (out / "01_tiny_1.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nbs", "nbs2", "site"]   # no staging or old copy left


def test_files_a_notebook_writes_come_along_and_its_links_to_them_work(tmp_path: Path) -> None:
    writes = (
        "from pathlib import Path\nfrom IPython.display import HTML\n"
        "Path('frames').mkdir()\nPath('frames/steps.html').write_text('<p>step 1</p>')\n"
        "HTML('<a href=\"frames/steps.html\">the steps</a>')"
    )
    out = tmp_path / "site"
    build_site.build(out, source=tiny_notebooks(tmp_path / "nbs", writes), log=lambda line: None)
    assert (out / "frames" / "steps.html").read_text(encoding="utf-8") == "<p>step 1</p>"
    assert 'href="frames/steps.html"' in (out / "01_tiny_1.html").read_text(encoding="utf-8")
    assert not list(tmp_path.glob("nbs/frames"))          # the notebook ran elsewhere, not beside its source


@pytest.mark.slow
def test_with_the_playground_the_index_links_to_it(tmp_path: Path) -> None:
    builder = build_site.browser_course("playground")
    try:
        builder.npm_modules()
    except builder.PlaygroundError as e:  # no npm, or no registry, and nothing cached
        needs.missing(f"the playground's assets: {e}")
    out = tmp_path / "site"
    build_site.build(out, source=tiny_notebooks(tmp_path / "nbs", "print(1)"), log=lambda line: None, playground=True)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="playground/index.html">The playground</a>' in index
    assert "micrograd playground" in (out / "playground" / "index.html").read_text(encoding="utf-8")
    assert len(list((out / "playground" / "wheels").glob("micrograd_backprop-*.whl"))) == 1
    build_site.build(tmp_path / "plain", source=tmp_path / "nbs", log=lambda line: None)
    assert 'href="playground/' not in (tmp_path / "plain" / "index.html").read_text(encoding="utf-8")  # and only then


def test_the_playground_alone_takes_only_the_folder(tmp_path: Path, capsys) -> None:
    assert build_site.main(["--playground", str(tmp_path / "page"), "05"]) == 1
    assert capsys.readouterr().err == "build_site: --playground builds the playground alone: give it only OUTDIR\n"
    assert build_site.main(["--lite", "--with-playground", str(tmp_path / "page")]) == 1
    assert capsys.readouterr().err.startswith("build_site: --lite builds the browser course; build the playground on its own")
    assert not (tmp_path / "page").exists()


def test_a_missing_package_is_named_with_the_install_command(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "latex2mathml", None)          # import latex2mathml now raises ImportError
    with pytest.raises(build_site.BuildError, match=r"missing Python packages: latex2mathml; .*pip install -e \"\.\[notebooks\]\""):
        build_site.build(tmp_path / "site", log=lambda line: None)
    assert not (tmp_path / "site").exists()


# --------------------------------------------------------------------------- the README's command, served

README_NOTEBOOKS = ("02", "07")  # the step-through page, the live view and the replay page
COPY_IGNORE = shutil.ignore_patterns(".*", "site", "build", "dist", "__pycache__", "*.egg-info", "02_backward_steps", "07_watching_it_train.html")
NARROW = 420  # px: a phone held upright


def readme_site_command() -> list[str]:
    """The README's site command, as written there (``python notebooks/build_site.py site/``)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^(python notebooks/build_site\.py site/)\s", readme, re.M)
    assert found, "the README no longer shows: python notebooks/build_site.py site/"
    return found.group(1).split()


@pytest.fixture(scope="module")
def clone_site(tmp_path_factory) -> Path:
    """Notebooks 02 and 07, built by the README's command run at the top of a copy of the clone
    (so the site lies inside the clone, beside docs/ and notebooks/)."""
    def build(folder: Path) -> None:
        clone = folder / "micrograd-backprop"
        shutil.copytree(ROOT, clone, ignore=COPY_IGNORE)
        command = [sys.executable if word == "python" else word for word in readme_site_command()] + list(README_NOTEBOOKS)
        done = subprocess.run(command, cwd=clone, capture_output=True, text=True)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"

    return built_once(tmp_path_factory, "readme-site", build) / "micrograd-backprop" / "site"


@pytest.fixture(scope="module")
def served(clone_site: Path):
    """The site served over HTTP on 127.0.0.1; its base URL."""
    with chromium.serve(clone_site) as url:
        yield url


def crawl(root: str) -> dict[str, Refs]:
    """Every page reachable from ``root + 'index.html'`` by href and src, parsed; fails on a link out
    of the site, a response other than 200 and an anchor its page does not have."""
    import urllib.error
    import urllib.request
    from urllib.parse import urldefrag, urljoin

    pages: dict[str, Refs] = {}
    fetched: set[str] = set()
    waiting = [(root + "index.html", "the start")]
    anchors: list[tuple[str, str, str]] = []
    while waiting:
        url, linked_from = waiting.pop()
        if url in fetched:
            continue
        fetched.add(url)
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                body, kind = response.read(), response.headers.get_content_type()
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{linked_from} links {url[len(root):]}: HTTP {error.code}") from None
        if kind != "text/html":
            continue
        refs = Refs()
        refs.feed(body.decode("utf-8"))
        pages[url] = refs
        for tag, name, value in refs.refs:
            if value.startswith("data:"):
                continue
            target, anchor = urldefrag(urljoin(url, value))
            assert target.startswith(root), f"{url[len(root):]}: <{tag} {name}={value!r}> leaves the site"
            if anchor:
                anchors.append((url, target, unquote(anchor)))
            waiting.append((target, url[len(root):]))
    for page, target, anchor in anchors:
        if target in pages:
            assert anchor in pages[target].ids, f"{page[len(root):]} links {target[len(root):]}#{anchor}, which has no such id"
    return pages


@pytest.fixture(scope="module")
def crawled(served) -> dict[str, Refs]:
    return crawl(served)


def test_the_readme_command_builds_a_site_whose_every_link_resolves_when_served(crawled, served) -> None:
    names = sorted(url[len(served):] for url in crawled)
    assert names == sorted(["index.html", "theory.html", "02_the_chain_rule_on_a_graph.html", "07_training_an_mlp.html",
                            "02_backward_steps/steps.html", "07_watching_it_train.html"])
    page = (crawled[served + "02_the_chain_rule_on_a_graph.html"].refs)
    assert ("a", "href", "theory.html#4-the-chain-rule-on-a-graph") in page      # not ../docs/theory.md#...


def test_the_pages_the_notebooks_wrote_are_linked_from_their_pages(crawled, served) -> None:
    for notebook, written in (("02_the_chain_rule_on_a_graph", "02_backward_steps/steps.html"), ("07_training_an_mlp", "07_watching_it_train.html")):
        assert ("a", "href", written) in crawled[served + f"{notebook}.html"].refs, f"{notebook} does not link {written}"


def test_no_page_shows_a_temporary_or_local_path(crawled, clone_site: Path) -> None:
    import tempfile
    import urllib.request

    local = [tempfile.gettempdir() + os.sep, "course-run-", str(clone_site.parent), str(ROOT)]
    for url in crawled:
        with urllib.request.urlopen(url, timeout=30) as response:
            text = html.unescape(response.read().decode("utf-8"))
        for path in local:
            assert path not in text, f"{url.rsplit('/', 1)[-1]} shows {path!r}: {text[max(0, text.index(path) - 80):text.index(path) + 80]!r}"


# the page's width, the width it is shown in (without a scroll bar) and the window's; how far it scrolls sideways
SCROLL = """const page = document.documentElement; window.scrollTo(100000, 0); const sideways = window.scrollX; window.scrollTo(0, 0);
return [page.scrollWidth, page.clientWidth, window.innerWidth, sideways];"""
WIDEST = """return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 5);"""


def test_every_page_of_the_site_fits_420_px_without_sideways_scrolling(browser, crawled, served) -> None:
    from browser import console_errors

    built = [url for url in crawled if "/" not in url[len(served):] and not url.endswith("07_watching_it_train.html")]
    assert len(built) == 4  # the index, the theory page and the two notebooks: the pages build_site.py writes
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": NARROW, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    try:
        for url in built:
            browser.get(url)
            width, shown, window, sideways = browser.execute_script(SCROLL)
            assert window == NARROW and width <= shown and sideways == 0, (url.rsplit("/", 1)[-1], width, shown, browser.execute_script(WIDEST))
            assert console_errors(browser) == [], url
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_notebook_07s_live_cell_shows_the_replay_of_its_run(browser, served) -> None:
    from browser import console_errors

    browser.set_window_size(1200, 900)
    browser.get(served + "07_training_an_mlp.html")
    shown = browser.page_source.count("VBox(children")
    assert shown == 0, f"the page shows {shown} widget(s) as their text form, VBox(children=..."
    frames = browser.find_elements("css selector", "iframe.mg-live-replay")
    assert len(frames) == 2  # the live=True run and the LiveView given as monitor
    browser.switch_to.frame(frames[0])
    try:
        browser.find_element("css selector", "button[data-action='last']").click()
        caption = browser.find_element("css selector", ".mg-caption").text
        assert caption.startswith("step 300 of 300 "), caption  # 100 moons in batches of 10, 30 epochs
        assert browser.find_element("css selector", ".mg-network") and browser.find_element("css selector", ".mg-boundary-view image.mg-boundary-cells")
    finally:
        browser.switch_to.default_content()
    assert console_errors(browser) == []


def test_a_progress_bar_shows_how_it_ended_not_its_first_text(served) -> None:
    import urllib.request

    with urllib.request.urlopen(served + "07_training_an_mlp.html", timeout=30) as response:
        page = html.unescape(response.read().decode("utf-8"))
    assert "| 0/80 [" not in page and "| 0/30 [" not in page          # tqdm's text form, drawn before the first epoch
    assert '<progress max="80" value="80">' in page and "80/80" in page  # the spiral's 80 epochs, with progress=True
