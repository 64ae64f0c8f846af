"""Build the course as a static HTML site that works offline.

    python notebooks/build_site.py OUTDIR            # every notebook, in order
    python notebooks/build_site.py OUTDIR 05 06      # only the notebooks whose names start so

Each notebook is executed from top to bottom in a fresh kernel and written as one page,
with its pictures embedded and its solutions folded away (a "Solution" box to click
open). docs/theory.md becomes theory.html, and index.html lists everything. Math is
turned into MathML, which browsers draw without any script, and no page loads anything
from outside the site. A notebook that fails stops the build with the notebook, the
cell and the error; OUTDIR is then left as it was.

    python notebooks/build_site.py OUTDIR --with-playground   # and the playground, linked from the index
    python notebooks/build_site.py --playground OUTDIR       # the playground alone

The playground (notebooks/lite/playground.py) is one page on which the reader types an
expression and sees its graph, its gradients, backward() step by step and its compiled
program, with Python and Graphviz running in the browser as WebAssembly; building it
takes the pinned Pyodide, viz.js and graphviz wheel that --lite uses (cached in
.lite-cache/) and micrograd's wheel made from this tree. It must be served over HTTP
(python -m http.server).

OUTDIR must be new, empty, or a site this command built before (it then is replaced
whole, never half-written).

    python notebooks/build_site.py --lite SITE       # the course in the browser, to run
    python -m http.server -d SITE                    # then open http://localhost:8000/

--lite builds a different site: JupyterLab with Python compiled to WebAssembly (JupyterLite
and Pyodide), holding the notebooks to run and edit in the browser, with nothing to install
and no network needed once built. Its pinned parts are fetched at build time and cached in
.lite-cache/ (--cache DIR for another place); see notebooks/lite/build.py.
"""

from __future__ import annotations

import argparse
import html
import importlib
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterable, Sequence

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
THEORY = REPO / "docs" / "theory.md"
MARKER = ".course-site"          # written into every site, so a rebuild knows what it may replace
CELL_TIMEOUT = 300               # seconds for any one cell
COURSE_TITLE = "Backpropagation, one scalar at a time"

PAGE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.55; max-width: 56rem;
       margin: 2rem auto; padding: 0 1.2rem; color: #1d1d1f; }
nav.course-nav { font-size: 0.95rem; padding: 0.5rem 0; border-bottom: 1px solid #ddd; margin-bottom: 1.2rem; }
nav.course-nav a { margin-right: 1.2rem; }
table { border-collapse: collapse; margin: 1rem 0; display: block; max-width: 100%; overflow-x: auto; }  /* scrolls alone on a phone */
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; vertical-align: top; }
pre { background: #f6f8fa; padding: 0.7rem; overflow-x: auto; }
code { background: #f6f8fa; padding: 0 0.2rem; overflow-wrap: anywhere; }
math[display="block"] { margin: 0.8rem 0; display: block; max-width: 100%; overflow-x: auto; }
ol.course-index li { margin-bottom: 0.8rem; }
a.anchor-link { visibility: hidden; text-decoration: none; margin-left: 0.3rem; }
h1:hover a.anchor-link, h2:hover a.anchor-link, h3:hover a.anchor-link { visibility: visible; }
"""

NOTEBOOK_CSS = """
nav.course-nav { font-family: system-ui, sans-serif; padding: 0.6rem 1rem; border-bottom: 1px solid #ddd; }
nav.course-nav a { margin-right: 1.2rem; }
details.course-solution { margin: 0.3rem 0 0.3rem 0; border-left: 3px solid #e0a030; padding-left: 0.4rem; }
details.course-solution > summary { cursor: pointer; color: #a06000; font-family: system-ui, sans-serif; }
math[display="block"] { margin: 0.6rem 0; }
.celltag_exercise .jp-InputArea-editor { border-left: 4px solid #2a7ae2; }
.celltag_check .jp-InputArea-editor { border-left: 4px solid #9a9a9a; }
"""

# The lab template, without the scripts it would fetch from a CDN (require.js, MathJax,
# mermaid, the widget manager); solution cells folded into <details>; a navigation bar.
TEMPLATE = """
{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{% block extra_css %}<link rel="icon" href="data:,"><style type="text/css">{{ resources.course_css }}</style>{% endblock extra_css %}
{%- block body_header -%}
{{ super() }}
<nav class="course-nav">{{ resources.course_nav }}</nav>
{%- endblock body_header -%}
{% block input_group -%}
{%- if 'solution' in cell.metadata.get('tags', []) -%}
<details class="course-solution"><summary>Solution (click to show)</summary>
{{ super() }}
</details>
{%- else -%}
{{ super() }}
{%- endif -%}
{% endblock input_group %}
"""


class BuildError(Exception):
    """Something the person building the site must fix; the message says what."""


# --------------------------------------------------------------------------- markdown and math

def mathml(tex: str, display: bool) -> str:
    """LaTeX as MathML (drawn by the browser itself); the source in <code> if it cannot be converted."""
    from latex2mathml.converter import convert

    try:
        return convert(tex, display="block" if display else "inline")
    except Exception:  # a macro the converter does not know: show the TeX rather than fail the whole site
        return f'<code class="tex">{html.escape(tex)}</code>'


def markdown_renderer(base: Path, embed_images: bool = True):
    """nbconvert's markdown renderer with math as MathML and images read relative to `base`."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    class MathMLRenderer(IPythonRenderer):
        def block_math(self, body: str) -> str:
            return mathml(body, display=True)

        def inline_math(self, body: str) -> str:
            return mathml(body, display=False)

        def latex_environment(self, name: str, body: str) -> str:
            return mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

        def _embed_image_or_attachment(self, src: str) -> str:
            if src.startswith("attachment:") or not embed_images:
                return super()._embed_image_or_attachment(src)
            return data_uri(base, src) or src

    return MathMLRenderer


def data_uri(base: Path, src: str) -> str | None:
    """A repository file as a data: URI, so that a page needs no file beside it."""
    import base64
    import mimetypes

    if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
        return None
    path = (base / src.split("#")[0]).resolve()
    if not path.is_file() or REPO not in path.parents:
        return None
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def render_markdown(source: str, base: Path) -> str:
    from nbconvert.filters.markdown_mistune import MarkdownWithMath

    renderer = markdown_renderer(base)(escape=False, anchor_link_text="¶")
    return MarkdownWithMath(renderer=renderer).render(source)


def slug(text: str) -> str:
    """A heading's anchor as GitHub makes it: '9. Second order and Newton's method' -> '9-second-order-and-newtons-method'."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("¶", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def github_anchors(page: str) -> str:
    """Give every heading the id GitHub would, so links written for GitHub (#6-a-3-2-2-network-by-hand) work here."""

    def fix(m: re.Match) -> str:
        level, attrs, body = m.group(1), m.group(2), m.group(3)
        attrs = re.sub(r'\s*id="[^"]*"', "", attrs)
        anchor = slug(re.sub(r'<a class="anchor-link".*?</a>', "", body, flags=re.S))
        body = re.sub(r'(<a class="anchor-link" href=")#[^"]*"', lambda a: f'{a.group(1)}#{html.escape(anchor)}"', body)
        return f'<h{level} id="{html.escape(anchor)}"{attrs}>{body}</h{level}>'

    return re.sub(r"<h([1-6])([^>]*)>(.*?)</h\1>", fix, page, flags=re.S)


# --------------------------------------------------------------------------- links

def rewrite_links(page: str, source_dir: Path, site: Path, pages: dict[Path, str], where: str) -> str:
    """Point every relative href/src at a file of the site.

    A notebook or docs/theory.md becomes its page; a file the notebook wrote (already in
    the site) stays; any other file of the repository is copied under repo/ and linked there. A link out of the site is an error: the course
    must read offline, and nothing in the repository links outside it.
    """

    def fix(m: re.Match) -> str:
        attr, quote, target = m.group(1), m.group(2), html.unescape(m.group(3))
        if target.startswith(("#", "data:")) or not target:
            return m.group(0)
        if re.match(r"^[a-z][a-z0-9+.-]*:|^//", target, re.I):
            raise BuildError(f"{where} links outside the course: {target!r}; the site must work offline")
        path_part, _, anchor = target.partition("#")
        if path_part in pages.values() or in_site(site, path_part):
            return m.group(0)                    # a page of the site, or a file the notebook wrote for it
        resolved = (source_dir / path_part).resolve()
        if resolved in pages:
            new = pages[resolved]
        elif resolved.is_file() and REPO in resolved.parents:
            relative = resolved.relative_to(REPO)
            copy = site / "repo" / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(resolved, copy)
            new = (Path("repo") / relative).as_posix()
        else:
            raise BuildError(f"{where} links {target!r}, which is not a file of the repository ({resolved})")
        if anchor:
            new += "#" + anchor
        return f"{attr}={quote}{html.escape(new, quote=True)}{quote}"

    return re.sub(r"""\b(href|src)=(["'])(.*?)\2""", fix, page)


def in_site(site: Path, target: str) -> bool:
    """True when the relative link `target` names a file inside `site` (``../docs/theory.md`` never
    does, even when the site is built inside the clone, where that file exists)."""
    resolved = (site / target).resolve()
    return resolved.is_file() and site.resolve() in resolved.parents


# --------------------------------------------------------------------------- notebooks

def select(names: Sequence[str], source: Path = NOTEBOOKS) -> list[Path]:
    """The notebooks of `source` in order (NN_name.ipynb), or those whose file names start with one of `names`."""
    every = sorted(source.glob("[0-9][0-9]_*.ipynb"))
    if not every:
        raise BuildError(f"no notebooks (NN_name.ipynb) found in {source}")
    if not names:
        return every
    chosen = []
    for name in names:
        matches = [p for p in every if p.name.startswith(name) or p.stem == Path(name).stem]
        if not matches:
            raise BuildError(f"no notebook matches {name!r}; the notebooks are: {', '.join(p.name for p in every)}")
        chosen += [p for p in matches if p not in chosen]
    return sorted(chosen)


def title_of(nb) -> str:
    """'5. A 3-2-2 network by hand', from the notebook's first heading."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    return "untitled"


def summary_of(nb) -> str:
    """The first paragraph after the title, as markdown, for the index."""
    first = nb.cells[0].source if nb.cells and nb.cells[0].cell_type == "markdown" else ""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", first) if p.strip() and not p.lstrip().startswith("#")]
    if not paragraphs:
        return ""
    return paragraphs[0][:-1] + "." if paragraphs[0].endswith(":") else paragraphs[0]   # it introduced a list: end it


def execute(path: Path, workdir: Path, timeout: int):
    """Run a notebook top to bottom in a fresh kernel whose working directory is `workdir`."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(workdir)}},
    )
    try:
        client.execute(env=env)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        failed = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count") is None), None)
        for i, cell in enumerate(nb.cells):
            if any(o.output_type == "error" for o in cell.get("outputs", [])):
                failed = i
        where = "a cell"
        if failed is not None:
            first = next((line for line in nb.cells[failed].source.splitlines() if line.strip()), "")
            where = f"cell {failed + 1} of {len(nb.cells)} (which starts {first.strip()!r})"
        if isinstance(error, CellExecutionError):
            what = f"{error.ename}: {error.evalue}"
        else:
            what = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip().splitlines()[0]
        raise BuildError(f"{path.name} failed in {where}: {what}") from None
    except Exception as error:  # the kernel or Jupyter itself: still one line naming the notebook
        raise BuildError(f"{path.name} could not be run: {type(error).__name__}: {error}") from None
    # Widget state would make the page load the widget manager from a CDN: a widget is shown by
    # its output's static form (the live view's replay, say), or drawn once as it ended.
    static_widgets(nb)
    nb.metadata.pop("widgets", None)
    return nb


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def static_widgets(nb) -> None:
    """Give each widget output without a ``text/html`` form one drawn from the widget's last
    state, as nbclient saved it: a tqdm progress bar shows "100%" and its full bar, not the
    "0%" of its text form. Boxes, HTML, labels and progress bars are drawn; an output whose
    widgets are none of these keeps its text form."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "text/html" not in data:
                drawn = widget_html(data[WIDGET_VIEW].get("model_id"), state)
                if drawn:
                    data["text/html"] = f'<div class="course-widget">{drawn}</div>'


def widget_html(model_id: str | None, state: dict, depth: int = 0) -> str:
    """One widget, from its saved state, as static HTML ("" for a kind not drawn here)."""
    model = state.get(model_id or "")
    if model is None or depth > 20:
        return ""
    name, values = model.get("model_name", ""), model.get("state", {})
    if name in ("HBoxModel", "VBoxModel", "BoxModel", "GridBoxModel"):
        parts = [widget_html(str(child).removeprefix("IPY_MODEL_"), state, depth + 1) for child in values.get("children", [])]
        direction = "row" if name == "HBoxModel" else "column"
        return f'<div style="display: flex; flex-flow: {direction} wrap; align-items: center; gap: 0.4em;">{"".join(parts)}</div>'
    if name == "HTMLModel":
        return f"<span>{values.get('value', '')}</span>"
    if name == "LabelModel":
        return f"<span>{html.escape(str(values.get('value', '')))}</span>"
    if name in ("FloatProgressModel", "IntProgressModel"):
        low, high, value = (float(values.get(k, 0) or 0) for k in ("min", "max", "value"))
        return f'<progress value="{value - low:g}" max="{max(high - low, 0):g}"></progress>'
    return ""


def without_work_paths(nb, work: Path) -> None:
    """Outputs that print a path inside the notebook's working directory (a temporary one) print
    it relative to the notebook instead, as it is in the site: ``/tmp/course-run-x/07_run.html``
    becomes ``07_run.html``."""
    prefixes = {str(work), os.path.realpath(work)}

    def clean(text: str) -> str:
        for prefix in sorted(prefixes, key=len, reverse=True):
            text = text.replace(prefix + os.sep, "").replace(prefix, ".")
        return text

    def walk(value):
        if isinstance(value, str):
            return clean(value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for field in ("text", "data", "evalue", "traceback"):
                if field in output:
                    output[field] = walk(output[field])


def output_text(output) -> str:
    """What an output shows as text: a stream's text, or a display's plain text."""
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    else:
        text = output.get("data", {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else text


def link_written_pages(nb, written: list[str]) -> None:
    """Each page a notebook wrote (``07_watching_it_train.html``, ``02_backward_steps/steps.html``)
    gets a link right below the first output that names it; pages no output names are linked at
    the end of the notebook."""
    import nbformat

    pages = [name for name in written if name.endswith(".html")]
    linked: set[str] = set()
    for cell in nb.cells:
        outputs = []
        for output in cell.get("outputs", []):
            outputs.append(output)
            named = [name for name in pages if name not in linked and name in output_text(output)]
            if named:
                linked.update(named)
                outputs.append(nbformat.v4.new_output("display_data", data={"text/html": written_links(named, "this cell wrote")}))
        if "outputs" in cell:
            cell.outputs = outputs
    rest = [name for name in pages if name not in linked]
    if rest:
        nb.cells.append(nbformat.v4.new_markdown_cell(written_links(rest, "this notebook wrote")))


def written_links(names: list[str], what: str) -> str:
    links = ", ".join(f'<a href="{html.escape(n, quote=True)}">{html.escape(n)}</a>' for n in names)
    return f'<p class="course-written">The page{"s" if len(names) > 1 else ""} {what}, in this site: {links}</p>'


def nav(links: Iterable[tuple[str, str]]) -> str:
    return " ".join(f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>' for text, href in links)


def render_notebook(nb, path: Path, navigation: str) -> str:
    import jinja2
    from nbconvert import HTMLExporter

    class CourseExporter(HTMLExporter):
        @jinja2.pass_context
        def markdown2html(self, context, source):
            cell = context.get("cell", {})
            renderer = markdown_renderer(path.parent)(
                escape=False, attachments=cell.get("attachments", {}), anchor_link_text=self.anchor_link_text,
            )
            from nbconvert.filters.markdown_mistune import MarkdownWithMath

            return MarkdownWithMath(renderer=renderer).render(source)

    exporter = CourseExporter(
        template_name="lab", template_file="course.html.j2", embed_images=True,
        extra_loaders=[jinja2.DictLoader({"course.html.j2": TEMPLATE})],
    )
    nb.metadata["title"] = title_of(nb)
    body, _ = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": path.stem, "path": str(path.parent)}, "course_nav": navigation, "course_css": NOTEBOOK_CSS},
    )
    return github_anchors(body)


def plain_page(title: str, navigation: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1.0">\n<link rel="icon" href="data:,">\n<title>{html.escape(title)}</title>\n'
        f"<style>{PAGE_CSS}</style>\n</head>\n<body>\n<nav class=\"course-nav\">{navigation}</nav>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- the build

def check_requirements() -> None:
    missing = []
    for module in ("nbformat", "nbclient", "nbconvert", "latex2mathml", "ipykernel", "jinja2"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise BuildError(
            f"missing Python packages: {', '.join(missing)}; install them with: python -m pip install -e \".[notebooks]\""
        )


def check_outdir(outdir: Path) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise BuildError(f"{outdir} is a file; give a directory for the site")
    if outdir.is_dir() and any(outdir.iterdir()) and not (outdir / MARKER).exists():
        raise BuildError(
            f"{outdir} is not empty and is not a site this command built (it has no {MARKER} file); "
            "choose a new or empty directory, so nothing there is replaced"
        )


PLAYGROUND = "playground"         # the playground's folder in a site


def browser_course(name: str):
    """A module of notebooks/lite (the browser course's build.py and assets.py, the
    playground's playground.py), imported."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    return importlib.import_module(f"notebooks.lite.{name}")


def write_playground(folder: Path, log=print, cache: Path | None = None) -> Path:
    """The playground page and its files, built into `folder` (new); a BuildError saying what failed."""
    builder = browser_course("playground")
    started = time.perf_counter()
    try:
        page = builder.build_into(folder, cache)
    except builder.PlaygroundError as error:
        raise BuildError(f"the playground: {error}") from None
    log(f"playground: built in {time.perf_counter() - started:.1f} s, {builder.folder_size(folder) / 1e6:.1f} MB")
    return page


def build_playground(outdir: Path, log=print, cache: Path | None = None) -> Path:
    """The playground alone, as a site of its own in `outdir` (its index.html); replaced whole, as `build` does."""
    outdir = outdir.resolve()
    check_outdir(outdir)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = outdir.parent / f".{outdir.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        write_playground(staging, log, cache)
        (staging / MARKER).write_text("built by notebooks/build_site.py --playground; rebuilding replaces this directory\n", encoding="utf-8")
        replace_dir(staging, outdir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return outdir / "index.html"


def build(
    outdir: Path, names: Sequence[str] = (), timeout: int = CELL_TIMEOUT, log=print, source: Path = NOTEBOOKS,
    playground: bool = False, cache: Path | None = None,
) -> list[Path]:
    """Build the site from the notebooks in `source` into `outdir`; return the pages written.
    `playground`: the playground too, in `outdir`/playground/, linked from the index. Raises BuildError."""
    check_requirements()
    outdir = outdir.resolve()
    check_outdir(outdir)
    chosen = select(names, source)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = outdir.parent / f".{outdir.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()                                   # the usual permissions, unlike mkdtemp's 0700
    try:
        pages = {p.resolve(): p.stem + ".html" for p in chosen}
        pages[THEORY.resolve()] = "theory.html"
        pages[(NOTEBOOKS / "README.md").resolve()] = "index.html"
        entries = []
        for n, path in enumerate(chosen):
            started = time.perf_counter()
            with tempfile.TemporaryDirectory(prefix="course-run-") as work:
                nb = execute(path, Path(work), timeout)
                written = keep_files(Path(work), staging, path.name)
                without_work_paths(nb, Path(work))
            link_written_pages(nb, written)
            links = [("Course index", "index.html"), ("Theory", "theory.html")]
            if n > 0:
                links.append((f"← {title_of_path(chosen[n - 1])}", chosen[n - 1].stem + ".html"))
            if n + 1 < len(chosen):
                links.append((f"{title_of_path(chosen[n + 1])} →", chosen[n + 1].stem + ".html"))
            page = render_notebook(nb, path, nav(links))
            page = rewrite_links(page, path.parent, staging, pages, path.name)
            (staging / (path.stem + ".html")).write_text(page, encoding="utf-8")
            entries.append((path, title_of(nb), summary_of(nb)))
            log(f"{path.name}: executed and rendered in {time.perf_counter() - started:.1f} s")

        theory = github_anchors(render_markdown(THEORY.read_text(encoding="utf-8"), THEORY.parent))
        theory = rewrite_links(theory, THEORY.parent, staging, pages, "docs/theory.md")
        (staging / "theory.html").write_text(
            plain_page(f"Theory · {COURSE_TITLE}", nav([("Course index", "index.html")]), theory), encoding="utf-8"
        )

        if playground:
            write_playground(staging / PLAYGROUND, log, cache)
        items = "\n".join(
            f'<li><a href="{path.stem}.html">{html.escape(title)}</a>'
            f"<div>{render_markdown(summary, path.parent) if summary else ''}</div></li>"
            for path, title, summary in entries
        )
        index = (
            f"<h1>{html.escape(COURSE_TITLE)}: the course</h1>\n"
            "<p>Numbered notebooks, each adding one idea, executed with their outputs. Exercises have their solution "
            "folded under a <em>Solution</em> box. The formulas, the worked numbers and a Japanese glossary are on "
            '<a href="theory.html">the theory page</a>.</p>\n'
            f'<ol class="course-index">\n{items}\n</ol>\n<p><a href="theory.html">Theory: backpropagation step by step</a></p>\n'
        )
        if playground:
            index += (
                f'<p><a href="{PLAYGROUND}/index.html">The playground</a>: type an expression and see its graph, its '
                "gradients, <code>backward()</code> step by step and its compiled program, with Python running in the "
                "browser (it must be served over HTTP, e.g. <code>python -m http.server</code> in the site\'s folder).</p>\n"
            )
        index = rewrite_links(index, NOTEBOOKS, staging, pages, "index")
        (staging / "index.html").write_text(plain_page(COURSE_TITLE, nav([("Theory", "theory.html")]), index), encoding="utf-8")
        (staging / MARKER).write_text("built by notebooks/build_site.py; rebuilding replaces this directory\n", encoding="utf-8")
        written = sorted(p.relative_to(staging) for p in staging.rglob("*.html"))
        replace_dir(staging, outdir)
        return [outdir / p for p in written]
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def title_of_path(path: Path) -> str:
    import nbformat

    return title_of(nbformat.read(path, as_version=4))


def keep_files(work: Path, site: Path, notebook: str) -> list[str]:
    """Files a notebook wrote into its working directory (step-through pages, exported
    pictures) go into the site at the same relative path, so its links to them work; returns
    their relative paths."""
    kept = []
    for path in sorted(work.rglob("*")):
        relative = path.relative_to(work)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts) or not path.is_file():
            continue
        target = site / relative
        if target.exists():
            raise BuildError(f"{notebook} wrote {relative}, which another page of the site already uses")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        kept.append(relative.as_posix())
    return kept


def replace_dir(new: Path, outdir: Path) -> None:
    """Put the finished site at outdir in one rename; an older site there is removed only after."""
    if outdir.is_dir() and not any(outdir.iterdir()):
        outdir.rmdir()
    if not outdir.exists():
        new.rename(outdir)
        return
    old = outdir.parent / f".{outdir.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    outdir.rename(old)
    new.rename(outdir)
    shutil.rmtree(old, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build_site.py", description="Execute the course notebooks and write them, the theory page and an index as a static HTML site."
    )
    parser.add_argument("outdir", type=Path, help="directory for the site (new, empty, or a site built before)")
    parser.add_argument("notebooks", nargs="*", help="only these notebooks (a name or its start, e.g. 05); default all")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help=f"seconds allowed per cell (default {CELL_TIMEOUT})")
    parser.add_argument("--with-playground", action="store_true",
                        help="also build the playground into OUTDIR/playground/ and link it from the index")
    parser.add_argument("--playground", action="store_true",
                        help="build only the playground (one page, Python in the browser) into OUTDIR")
    parser.add_argument("--lite", action="store_true",
                        help="build the course to run in the browser (JupyterLite) instead; serve it with python -m http.server -d OUTDIR")
    parser.add_argument("--cache", type=Path, default=None,
                        help="with --lite or the playground: where downloads are cached (default .lite-cache/ in the repository)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.lite and (args.playground or args.with_playground):
        print("build_site: --lite builds the browser course; build the playground on its own (--playground OUTDIR)", file=sys.stderr)
        return 1
    if args.lite:
        return build_lite(args.outdir, args.notebooks, args.cache, started)
    try:
        if args.playground:
            if args.notebooks or args.with_playground:
                raise BuildError("--playground builds the playground alone: give it only OUTDIR")
            page = build_playground(args.outdir, cache=args.cache)
            print(f"wrote the playground to {page.parent} in {time.perf_counter() - started:.1f} s; serve it (python -m http.server "
                  f"--directory {page.parent}) and open http://localhost:8000/")
            return 0
        pages = build(args.outdir, args.notebooks, args.timeout, playground=args.with_playground, cache=args.cache)
    except BuildError as error:
        print(f"build_site: {error}", file=sys.stderr)
        return 1
    print(f"wrote {len(pages)} pages to {args.outdir.resolve()} in {time.perf_counter() - started:.1f} s; open {args.outdir / 'index.html'}")
    return 0




def build_lite(outdir: Path, names: Sequence[str], cache: Path | None, started: float) -> int:
    """--lite: the browser course (notebooks/lite/build.py) into outdir, with the same rules for outdir."""
    lite = browser_course("build")
    try:
        outdir = outdir.resolve()
        check_outdir(outdir)
        report = lite.build(outdir, select(names), replace_dir, cache=cache, log=print)
    except (BuildError, lite.BuildError, lite.assets.FetchError) as error:
        print(f"build_site: {error}", file=sys.stderr)
        return 1
    print(f"built the browser course ({report['bytes'] / 1e6:.1f} MB) in {outdir} in {time.perf_counter() - started:.1f} s; "
          f"serve it with: python -m http.server -d {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
