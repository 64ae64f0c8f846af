"""notebooks/build_site.py: the course as a static site that reads offline.

One real notebook (09) is built, with the theory page and the index; every link and
picture must resolve inside the site and nothing may be fetched from outside it. Tiny
notebooks written here check the failure message and that OUTDIR is never half-written
or taken from its owner.
"""

from __future__ import annotations

import html
import importlib.util
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
from repository import ROOT

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
    out = tmp_path_factory.mktemp("site") / "course"
    pages = build_site.build(out, [NOTEBOOK[:2]], log=lambda line: None)
    assert sorted(p.name for p in pages) == sorted(["index.html", "theory.html", f"{NOTEBOOK}.html"])
    return out


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
    assert "data:image/png;base64," in page                     # matplotlib figures, embedded
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


def test_a_missing_package_is_named_with_the_install_command(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "latex2mathml", None)          # import latex2mathml now raises ImportError
    with pytest.raises(build_site.BuildError, match=r"missing Python packages: latex2mathml; .*pip install -e \"\.\[notebooks\]\""):
        build_site.build(tmp_path / "site", log=lambda line: None)
    assert not (tmp_path / "site").exists()
