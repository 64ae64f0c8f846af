"""micrograd.viz.plot: SVG plots from the standard library. The SVG parses as XML; ticks are
the nice numbers worked out by hand below; data land where the axes say; the legend
names every labelled series; hostile labels stay text; the palette reads on light and
dark pages; the same plot gives the same text; the module loads without graphviz."""

from __future__ import annotations

import ast
import base64
import importlib.util
import math
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

import pytest

from micrograd.viz import plot
from micrograd.viz.plot import Figure, Plot, log_ticks, nice_ticks, tick_text
from repository import ROOT

SVG = "{http://www.w3.org/2000/svg}"


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)


def area_of(root: ET.Element) -> ET.Element:
    return next(e for e in root.iter(f"{SVG}svg") if e.get("class") == "mgp-area")


def texts(root: ET.Element, cls: str) -> list[str]:
    group = next(e for e in root.iter(f"{SVG}g") if e.get("class") == cls)
    return ["".join(t.itertext()) for t in group.iter(f"{SVG}text")]


# --- ticks at nice numbers -------------------------------------------------------------------

# (lo, hi, count) -> the ticks, worked out by hand: step = the smallest of 1, 2, 5 x 10^k that
# is at least (hi - lo) / count, then every multiple of the step inside [lo, hi].
NICE = [
    ((0, 0.688, 4), [0, 0.2, 0.4, 0.6]),            # 0.172 -> 0.2
    ((0, 100, 5), [0, 20, 40, 60, 80, 100]),        # 20 -> 20
    ((-1.6, 2.6, 5), [-1, 0, 1, 2]),                # 0.84 -> 1
    ((0, 30, 4), [0, 10, 20, 30]),                  # 7.5 -> 10
    ((0.001, 0.0042, 3), [0.002, 0.004]),           # 0.00107 -> 0.002
    ((-7, 7, 6), [-5, 0, 5]),                       # 2.33 -> 5 (2 is less than 2.33)
    ((1e-3, 1.0, 4), [0.5, 1.0]),                   # 0.24975 -> 0.5 (0.2 is less)
    ((-4.4, 4.4, 3), [-4, -2, 0, 2, 4]),            # 2.93 -> 5 gives 0 alone: one step smaller, 2
]


@pytest.mark.parametrize("args, expected", NICE)
def test_ticks_are_the_multiples_of_a_nice_step_inside_the_range(args, expected):
    ticks = nice_ticks(*args)
    assert ticks == pytest.approx(expected, abs=1e-12)
    assert all(str(t) in (str(e), str(float(e))) for t, e in zip(ticks, expected))  # 0.6, not 0.6000000000000001


def test_log_ticks_are_decades_thinned_to_the_count_with_one_among_them():
    assert log_ticks(1e-3, 1e3, 10) == [1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1000.0]
    assert log_ticks(1e-12, 1e10, 4) == [1e-12, 1e-6, 1.0, 1e6]  # 23 decades / 4: every 6th, anchored at 10^0
    assert log_ticks(0.3, 4, 5) == [0.5, 1.0, 2.0]  # less than a decade: 1, 2, 5 times it


@pytest.mark.parametrize("value, step, text", [
    (0.6, 0.2, "0.6"), (0.0, 0.2, "0"), (-3.0, 1.0, "−3"), (15.0, 5.0, "15"), (0.25, 0.05, "0.25"),
    (1.5e-5, 5e-6, "1.5×10⁻⁵"), (2e6, 1e6, "2×10⁶"), (1e7, 1e6, "1.0×10⁷"), (1e7, 1e7, "10⁷"),
])
def test_tick_labels_have_the_decimals_the_step_needs(value, step, text):
    assert tick_text(value, step) == text


def test_a_plot_labels_its_axes_with_those_ticks():
    root = parse(Plot(x=(0, 30), y=(0, 0.688), width=400, height=260).line([0, 30], [0, 0.688]).svg())
    labels = texts(root, "mgp-ticks")
    assert {"0", "0.2", "0.4", "0.6"} <= set(labels)
    assert {"10", "20", "30"} <= set(labels)


# --- coordinates ---------------------------------------------------------------------------------


def test_points_land_where_the_axes_put_them():
    p = Plot(x=(0, 10), y=(-1, 1), width=500, height=300, legend=None).scatter([0, 5, 10], [-1, 0, 1], marker="o")
    frame = p.frame()
    left, top, w, h = frame.area
    root = parse(p.svg())
    area = area_of(root)
    assert (float(area.get("x")), float(area.get("y")), float(area.get("width")), float(area.get("height"))) == pytest.approx(
        (left, top, w, h), abs=0.06)
    circles = [float(c.get(a)) for c in area.iter(f"{SVG}circle") for a in ("cx", "cy")]
    # inside the area: x = (v - 0) / 10 * w, y = (1 - v) / 2 * h, from its top-left corner
    assert circles == pytest.approx([0, h, w / 2, h / 2, w, 0], abs=0.06)


def test_log_axes_place_points_by_their_logarithm():
    p = Plot(y=(1e-4, 1), ylog=True, x=(0, 2), width=400, height=300).scatter([0, 1, 2], [1e-4, 1e-2, 1])
    _, _, _, h = p.frame().area
    ys = [float(c.get("cy")) for c in area_of(parse(p.svg())).iter(f"{SVG}circle")]
    assert ys == pytest.approx([h, h / 2, 0], abs=0.06)


def test_a_curve_breaks_at_a_point_that_is_not_finite_and_at_zero_on_a_log_axis():
    root = parse(Plot(ylog=True).line([1, 2, 3, 4, 5, 6], [1, 10, math.nan, 100, 0, 1000]).svg())
    assert len(list(area_of(root).iter(f"{SVG}polyline"))) == 1  # 1-10; 100 and 1000 stand alone
    root = parse(Plot().line([1, 2, 3, 4, 5], [1, 2, math.inf, 4, 5]).svg())
    assert len(list(area_of(root).iter(f"{SVG}polyline"))) == 2


def test_a_curve_far_outside_the_limits_is_cut_at_the_edge_keeping_its_direction():
    p = Plot(x=(0, 1), y=(0, 1), width=300, height=300, legend=None).line([0, 1e300], [0, 1e300])
    _, _, w, h = p.frame().area
    (line,) = area_of(parse(p.svg())).iter(f"{SVG}polyline")
    (x0, y0), (x1, y1) = [tuple(map(float, pt.split(","))) for pt in line.get("points").split()]
    assert (x0, y0) == pytest.approx((0, h), abs=0.06)
    assert (x1 - x0) / w == pytest.approx((y0 - y1) / h, abs=1e-3)  # still the diagonal, however far it goes
    assert max(abs(x1), abs(y1)) < 5000


def test_equal_axes_give_one_unit_the_same_length_both_ways():
    frame = Plot(equal=True, width=600, height=300).line([-1, 1], [-1, 1]).frame()
    px_per_x = (frame.sx(1) - frame.sx(0))
    px_per_y = (frame.sy(0) - frame.sy(1))
    assert px_per_x == pytest.approx(px_per_y, rel=1e-9)


def test_bars_stand_on_zero_and_are_as_tall_as_their_values():
    p = Plot(legend=None, width=400, height=300).bars(["a", "b"], [1.0, 3.0])
    frame = p.frame()
    rects = list(area_of(parse(p.svg())).iter(f"{SVG}rect"))
    heights = [float(r.get("height")) for r in rects]
    assert heights[1] / heights[0] == pytest.approx(3.0, rel=2e-3)
    bottoms = [float(r.get("y")) + float(r.get("height")) for r in rects]
    assert bottoms == pytest.approx([frame.y(0)] * 2, abs=0.06)
    assert "a" in texts(parse(p.svg()), "mgp-ticks") and "b" in texts(parse(p.svg()), "mgp-ticks")


# --- contours and shaded grids ------------------------------------------------------------------


def test_contour_of_a_bowl_lies_on_its_circle():
    xs = [-2 + 4 * k / 40 for k in range(41)]
    rows = [[a * a + b * b for a in xs] for b in xs]
    segments = plot.contour_segments(xs, xs, rows, 1.0)
    assert len(segments) > 20
    for a, b in segments:
        for x, y in (a, b):
            assert math.hypot(x, y) == pytest.approx(1.0, abs=0.01)  # linear interpolation of r^2 on a 0.1 grid


def test_contour_saddle_cells_follow_the_centre_value():
    # corners: high at bottom-left and top-right, low elsewhere; centre value decides how they join
    rows_high_centre = [[1.0, 0.0], [0.0, 1.0]]  # centre 0.5 >= 0.4: the high corners are joined
    segs = plot.contour_segments([0, 1], [0, 1], rows_high_centre, 0.4)
    assert len(segs) == 2
    # each segment cuts off a low corner: (1, 0) or (0, 1) lies on the low side of both
    for a, b in segs:
        mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        assert min(math.dist(mid, (1, 0)), math.dist(mid, (0, 1))) < 0.5


def decode_png(url: str) -> tuple[int, int, list[list[tuple[int, int, int, int]]]]:
    data = base64.b64decode(url.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    raw, pos = b"", 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            raw += data[pos + 8 : pos + 8 + n]
        assert zlib.crc32(data[pos + 4 : pos + 8 + n]) == struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])[0]
        pos += 12 + n
    pixels = zlib.decompress(raw)
    rows = []
    for r in range(height):
        line = pixels[r * (1 + 4 * width) : (r + 1) * (1 + 4 * width)]
        assert line[0] == 0
        rows.append([tuple(line[1 + 4 * c : 5 + 4 * c]) for c in range(width)])
    return width, height, rows


def test_cells_are_one_pixel_each_top_row_last_in_the_grid_first_in_the_image():
    palette = [("#ff0000", 1.0), ("#0000ff", 0.5)]
    p = Plot(legend=None).cells([[0, None], [1, 0]], (0, 2), (0, 2), palette)
    image = next(area_of(parse(p.svg())).iter(f"{SVG}image"))
    width, height, pixels = decode_png(image.get("href"))
    assert (width, height) == (2, 2)
    assert pixels[0] == [(0, 0, 255, 128), (255, 0, 0, 255)]  # grid row 1 (the top)
    assert pixels[1] == [(255, 0, 0, 255), (0, 0, 0, 0)]  # grid row 0: None is clear
    frame = p.frame()
    assert float(image.get("x")) == pytest.approx(frame.x(0), abs=0.06)
    assert float(image.get("y")) == pytest.approx(frame.y(2), abs=0.06)
    assert float(image.get("width")) == pytest.approx(frame.x(2) - frame.x(0), abs=0.1)


def test_shade_colours_each_side_of_the_centre_and_clears_the_centre():
    p = Plot(legend=None).shade([[-1.0, 0.0, 1.0]], [0, 1, 2], [0], center=0.0, levels=2)
    image = next(area_of(parse(p.svg())).iter(f"{SVG}image"))
    _, _, pixels = decode_png(image.get("href"))
    low, clear, high = pixels[0]
    assert low[:3] == plot._rgb(plot.BLUE) and high[:3] == plot._rgb(plot.VERMILLION)
    assert clear[3] == 0 and low[3] > 0 and high[3] > 0


def test_a_shaded_grid_on_a_log_axis_is_refused():
    with pytest.raises(ValueError, match="linear axes"):
        Plot(ylog=True).shade(lambda a, b: a, (1, 2), (1, 2), n=4).svg()


# --- legend, labels, accessibility ------------------------------------------------------------


def test_the_legend_names_every_labelled_series_in_order():
    p = Plot("t").line([1, 2], label="first").line([2, 1], label="second", dash="--").hline(1.5, label="level")
    p.points([(0, 0), (1, 1)], [0, 1])
    assert texts(parse(p.svg()), "mgp-legend") == ["first", "second", "level", "class 0", "class 1"]


def test_points_by_class_take_the_palettes_colours_and_float_targets_read_as_classes():
    p = Plot().points([(0, 0), (1, 1), (2, 0), (3, 1)], [0.0, 1.0, 0.0, 1.0], names={0: "left", 1: "right"})
    root = parse(p.svg())
    groups = [g for g in area_of(root).iter(f"{SVG}g") if "mgp-class" in g.get("class")]
    assert [g.get("data-label") for g in groups] == ["left", "right"]
    assert [next(iter(g)).get("fill") for g in groups] == [plot.PALETTE[0], plot.PALETTE[1]]
    assert [next(iter(g)).tag for g in groups] == [f"{SVG}circle", f"{SVG}path"]  # a shape per class too


@pytest.mark.parametrize("where", ["upper right", "upper left", "lower right", "lower left"])
def test_a_legend_inside_sits_in_its_corner_of_the_axes(where):
    p = Plot(legend=where, width=400, height=300).line([0, 1], label="a curve")
    left, top, w, h = p.frame().area
    rect = next(e for e in parse(p.svg()).iter(f"{SVG}rect") if e.get("class") == "mgp-paper")
    x, y = float(rect.get("x")), float(rect.get("y"))
    assert left <= x and x + float(rect.get("width")) <= left + w and top <= y and y + float(rect.get("height")) <= top + h
    assert (x < left + w / 2) == ("left" in where) and (y < top + h / 2) == ("upper" in where)


HOSTILE = "</text></svg><script>alert('x')</script>&amp; \"quoted\" \x00\x1b\udc80"


def test_hostile_labels_stay_text():
    p = Plot(HOSTILE, xlabel=HOSTILE, ylabel=HOSTILE, description=HOSTILE).line([1, 2], label=HOSTILE).bars([HOSTILE], [1])
    for text in (p.svg(), p.html(), Figure(p, title=HOSTILE).svg()):
        root = parse(text)  # parses: nothing closed early, no character XML forbids
        assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))
        assert "<script>" not in text
        assert any("</text></svg><script>alert('x')</script>&amp;" in "".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def test_bad_input_is_refused_naming_what_and_the_value():
    with pytest.raises(TypeError, match=r"Plot.line: y\[1\] must be a number, got str 'a'"):
        Plot().line([1, "a"])
    with pytest.raises(ValueError, match="x has 2 numbers but y has 3"):
        Plot().line([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match=r"colour must be a palette index .* got 'red\"/><script>'"):
        Plot().line([1, 2], colour='red"/><script>')
    with pytest.raises(ValueError, match=r"Plot: y = \(1.0, 1.0\) must have lo < hi"):
        Plot(y=(1, 1))
    with pytest.raises(ValueError, match="legend must be one of"):
        Plot(legend="top")
    with pytest.raises(ValueError, match="finite and > 0 on a log axis"):
        Plot(y=(0, 1), ylog=True)
    with pytest.raises(TypeError, match="Figure: give one or more Plots, got str"):
        Figure("not a plot")


def test_the_svg_says_what_it_shows_to_a_screen_reader():
    p = Plot("loss per epoch", xlabel="epoch", ylabel="loss", ylog=True).line([1.0, 0.1, 0.01], label="SGD")
    root = parse(p.svg())
    assert root.get("role") == "img"
    assert root.get("aria-label") == "loss per epoch: loss against epoch"
    assert root.find(f"{SVG}title").text == root.get("aria-label")
    desc = root.find(f"{SVG}desc").text
    assert "log scale" in desc and "curve SGD, 3 points" in desc


def test_the_palette_reads_on_white_and_on_near_black():
    def luminance(colour):
        rgb = [int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    def contrast(a, b):
        la, lb = sorted((luminance(a), luminance(b)))
        return (lb + 0.05) / (la + 0.05)

    assert len(set(plot.PALETTE)) == len(plot.PALETTE) >= 6
    for colour in plot.PALETTE:
        assert contrast(colour, "#ffffff") >= 3.0, colour  # WCAG 1.4.11: lines and marks
        assert contrast(colour, plot.PAPER_ON_DARK) >= 3.0, colour
    for ink, paper in ((plot.INK, plot.PAPER), (plot.INK_ON_DARK, plot.PAPER_ON_DARK)):
        assert contrast(ink, paper) >= 4.5  # text


def test_text_follows_the_page_ink_inline_and_the_readers_preference_in_a_file():
    p = Plot("t").line([1, 2])
    assert "prefers-color-scheme:dark" in p.svg() and "prefers-color-scheme" not in p.html()
    for text in (p.svg(), p.html()):
        assert "var(--mgp-ink,var(--jp-content-font-color1" in text
        assert all(t.get("fill") in (None, "currentColor") for t in parse(text).iter(f"{SVG}text"))


def test_the_same_plot_gives_the_same_text_and_sizes_fit_a_pane():
    def make():
        p = Plot("a", xlabel="x", ylabel="y").line([0.1 * k for k in range(50)], label="l").contour(
            lambda a, b: a * a - b, (-1, 1), (-1, 1), levels=5)
        return Figure(p, Plot("b").shade(lambda a, b: a + b, (0, 1), (0, 1)), Plot("c").bars(["u", "v"], [1, 2]))
    assert make().svg() == make().svg()
    root = parse(make().svg())
    assert int(root.get("width")) <= plot.MAX_WIDTH
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert "max-width:100%" in root.get("style")
    sizes = [float(t.get("font-size")) for t in root.iter() if t.get("font-size")]
    assert min(sizes) >= 11


def test_a_figure_puts_plots_in_rows_of_columns():
    plots = [Plot(str(k)).line([0, k]) for k in range(5)]
    root = parse(Figure(*plots, columns=3).svg())
    panels = [e for e in root.iter(f"{SVG}svg") if e.get("class") == "mgp-panel"]
    places = [(float(e.get("x")), float(e.get("y"))) for e in panels]
    assert len({y for _, y in places[:3]}) == 1 and places[3][1] > places[0][1]
    assert places[3][0] == places[0][0] and places[4][0] == places[1][0]


def test_notebooks_get_html_and_svg():
    p = Plot().line([1, 2])
    html, svg = p._repr_html_(), p._repr_svg_()
    for shown in (html, svg):  # the picture itself, inline, in both forms
        assert shown.lstrip().startswith("<svg") and 'role="img"' in shown and "<polyline" in shown


def test_save_writes_the_svg(tmp_path):
    path = Plot("saved").line([1, 2]).save(tmp_path / "p.svg")
    assert parse(path.read_text()).get("aria-label") == "saved"


def test_the_module_loads_and_draws_without_graphviz(monkeypatch):
    """plot.py imports only the standard library: loaded from its file with the graphviz
    package made unimportable, it still draws."""
    monkeypatch.setitem(sys.modules, "graphviz", None)
    spec = importlib.util.spec_from_file_location("standalone_plot", ROOT / "micrograd" / "viz" / "plot.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "standalone_plot", module)
    spec.loader.exec_module(module)
    assert parse(module.Plot("alone").line([1, 2, 3]).svg()).get("aria-label") == "alone"
    tree = ast.parse((ROOT / "micrograd" / "viz" / "plot.py").read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= {"__future__", "base64", "html", "math", "re", "struct", "zlib", "dataclasses", "typing", "micrograd.files"}
