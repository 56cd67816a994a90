"""Every figure the course draws, rendered as the learner sees it, and checked for text a learner cannot read.

Each entry of ``FIGURES`` calls one of ``pki_lab``'s drawing functions the way its chapter does (same kind of
inputs, built with the lab: named keys, the lab clock, the chapters' own helpers) and returns the figure. The
figure is then rendered the way it is shown (:mod:`pki_lab.plots`): a notebook figure as matplotlib-inline does
(Agg, 100 dpi, ``bbox_inches="tight"``), a widget's picture as :func:`pki_lab.plots.widget_png` does. While it
renders, every artist actually drawn is recorded with its place in the saved image, and the test asserts:

* every visible, non-empty text (titles, axis and tick labels, legend entries, annotations, node labels) lies
  inside the saved image, is not cut by its clip box, and text placed in a plot stays inside its Axes;
* its size on screen is at least ``plots.MIN_TEXT_PX`` pixels: its size in points at the rendered dpi, scaled down
  as JupyterLab scales an image wider than the output area (``plots.OUTPUT_WIDTH_PX``) to fit;
* a label drawn on a node marker (networkx graphs) fits inside that marker;
* no text is cut short with "..." (the reason a learner needs is then missing);
* no legend covers plotted data (lines, markers, bars);
* axes that count things (roots, devices) have whole-number ticks, and a percentage axis's data stay in 0..100.

``test_every_drawing_function_is_in_the_registry`` scans the package's source for the calls that create a
matplotlib figure (``plt.subplots``, ``plt.figure``, ``Figure(``, ``plots.new_figure``) and fails when a
function that creates one has no entry here; each entry also checks, while it builds, that the figure really is
created by the function it names (``matplotlib.figure.Figure.__init__`` is watched).
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import io
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib
import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.cbook import STEP_LOOKUP_MAP
from matplotlib.collections import PathCollection
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.text import Text

from pki_lab import plots

plt.switch_backend("Agg")
ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pki_lab"
TOLERANCE_PX = 1.0


# --- The registry: each figure as its chapter draws it ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Entry:
    """One figure: the function that creates it (``module:qualname``) and how the chapter calls it.

    ``integer``: (axes index, "x" or "y") of the axes that count things. ``spread``: (axes index, fraction): the
    measured points (markers) of that Axes span at least that fraction of its width and of its height, so they
    are not squashed into a corner. ``widget``: shown in a widget's image (rendered by ``plots.widget_png``)
    rather than inline.
    """

    function: str
    build: Callable[[], object]
    integer: tuple[tuple[int, str], ...] = ()
    spread: tuple[tuple[int, float], ...] = ()
    widget: bool = False


@functools.cache
def _timings():
    from pki_lab.factoring import time_factoring

    return time_factoring(range(24, 65, 8), "pollard rho", seeds=(1, 2, 3))


def _ch01_work():
    from pki_lab.factoring import plot_factoring_work

    return plot_factoring_work(_timings())


def _ch01_times():
    from pki_lab.factoring import plot_factoring_times

    return plot_factoring_times(_timings())


def _ch04_broken_signature():
    from pki_lab.validation.gallery import scenario

    return scenario("broken-signature").validate().graph()


def _ch04_cross_signed():
    from pki_lab.ca import CertificateAuthority
    from pki_lab.validation import validate_chain

    old_root = CertificateAuthority.create_root("Old Root CA")
    new_root = CertificateAuthority.create_root("New Root CA")
    cross = old_root.cross_sign(new_root)
    new_issuing = new_root.create_intermediate("New Issuing CA")
    new_leaf = new_issuing.issue("www.example.com")
    return validate_chain(new_leaf, [new_issuing.certificate, cross], trust=[old_root], name="www.example.com").graph()


def _ch04_every_fault():
    from pki_lab.widgets.chain import FAULTS, chain_figure, fault_report

    return chain_figure(fault_report(list(FAULTS)))


def _ch04_no_fault():
    from pki_lab.widgets.chain import chain_figure, fault_report

    return chain_figure(fault_report([]))


def _bridge_policy():
    from pki_lab.ca import CertificateAuthority
    from pki_lab.validation import validate_chain
    from pki_lab.validation.policy_tree import mappings_extension, policies_extension

    a, b = "1.3.6.1.4.1.55555.4.1", "1.3.6.1.4.1.55556.4.1"
    root = CertificateAuthority.create_root("Ch04 Root CA")
    bridge = root.create_intermediate("Ch04 Bridge CA", path_length=None, extensions=[(policies_extension(a), False)])
    partner = bridge.create_intermediate("Partner CA", extensions=[(policies_extension(a), False),
                                                                    (mappings_extension([(a, b)]), True)])
    leaf = partner.issue("www.partner.example", extensions=[(policies_extension(b), False)])
    return validate_chain(leaf, [bridge.certificate, partner.certificate], trust=[root], initial_policies=[a]).policy


def _ch04_policy_tree():
    return _bridge_policy().draw()


@functools.cache
def _snapshot():
    from pki_lab.truststore import TrustStore

    return TrustStore.snapshot()


def _ch05_expiry():
    from pki_lab.truststore import plot_expiry_years

    return plot_expiry_years(_snapshot())


def _ch05_validity():
    from pki_lab import data
    from pki_lab.truststore import plot_validity

    roots = [data.certificate("dst_root_ca_x3"), data.certificate("isrg_root_x1"), data.certificate("isrg_root_x2")]
    return plot_validity(roots, events=[(roots[0].not_valid_after_utc, "DST Root CA X3 expires")])


def _ch06_sequence():
    from pki_lab.ca import CertificateAuthority
    from pki_lab.enrollment import Administrator, Device, EventLog, IssuancePolicy, IssuingService, plot_sequence

    log = EventLog()
    issuing = CertificateAuthority.create_root("Fleet Root CA").create_intermediate("Fleet Issuing CA")
    service = IssuingService(issuing, IssuancePolicy(allowed_names=("*.devices.example.com",), days=365), log=log,
                             notify=[lambda d: None])
    admin, device = Administrator(log=log), Device("cam-7.devices.example.com", log=log)
    admin.request_key(device)
    decision = admin.submit(admin.request_csr(device), service)
    admin.install(device, admin.retrieve(service, decision))
    return plot_sequence(log, title="Enrollment of cam-7, as it happened")


@functools.cache
def _fleet():
    from pki_lab.renewal import RenewalPolicy, make_fleet

    return make_fleet(300, seed=2026, lifetime_days=90), RenewalPolicy(fraction=2 / 3)


def _ch06_fleet():
    from pki_lab.renewal import plot_fleet

    return plot_fleet(*_fleet())


def _ch06_outage():
    from pki_lab.renewal import plot_outage, simulate_outage

    fleet, policy = _fleet()
    runs = [simulate_outage(fleet, policy, days=120, failure_day=day) for day in (None, 0, 30)]
    return plot_outage(*runs, labels=["agent works", "agent broken on day 0", "agent broken on day 30"])


def _ch07_crl_growth():
    from pki_lab import demo_hierarchy
    from pki_lab.widgets.revocation import plot_crl_growth

    plot_crl_growth(demo_hierarchy().intermediate, counts=(0, 2_500, 5_000, 10_000, 20_000))
    return plt.gcf()


@functools.cache
def _ct_log(size: int):
    """Chapter 08's log after its first ``size`` submissions: 5 at the audit path, 8 at the consistency proof,
    10 (two from a rogue CA) when the widget is shown."""
    from pki_lab.ca import CertificateAuthority
    from pki_lab.transparency import CTLog

    good_ca, rogue_ca = CertificateAuthority.create_root("Good CA"), CertificateAuthority.create_root("Rogue CA")
    log = CTLog("PKI Lab Log 2026")
    hosts = ["www.example.com", "mail.example.com", "shop.example.net", "api.example.com", "blog.example.org",
             "cdn.example.com", "vpn.example.net", "status.example.com"]
    certs = [good_ca.issue(h) for h in hosts] + [rogue_ca.issue("login.example.com"), rogue_ca.issue("www.example.org")]
    for cert in certs[:size]:
        log.submit(cert)
    return log


def _ch08_audit_path():
    from pki_lab.widgets.transparency import draw_merkle_tree

    return draw_merkle_tree(_ct_log(5).tree, index=3)


def _ch08_consistency():
    from pki_lab.widgets.transparency import draw_merkle_tree

    return draw_merkle_tree(_ct_log(8).tree, old_size=5)


def _ch08_widget_full():
    from pki_lab.widgets.transparency import proof_figure

    tree = _ct_log(10).tree
    return proof_figure(tree, len(tree), len(tree) - 1)


def _ch08_widget_small():
    from pki_lab.widgets.transparency import proof_figure

    return proof_figure(_ct_log(10).tree, 1, 0)


def _ch09_migration():
    from pki_lab.rotation import simulate_fleet

    return simulate_fleet(per_group=20, seed=2023).plot()


def _ch11_first_boot():
    from pki_lab.iot.gallery import lab_world
    from pki_lab.iot.zero_touch import first_boot

    world = lab_world()
    world.dps.groups["contoso-factory-1"].issuing_ca = world.root.create_intermediate(
        "Contoso Operational CA", organization="Contoso")
    first_boot(world.device("sensor-0002"), world.dps)
    return world.log.draw("Zero-touch provisioning at first boot", order=["sensor-0002", "DPS", "CA", "contoso-hub"])


def _ch11_factory_line():
    from pki_lab.iot.manufacturing import SCENARIOS, plot_lines, simulate

    return plot_lines([simulate(config, outage=(2, 6)) for config in SCENARIOS.values()])


def _ch12_summary():
    from pki_lab.iot.capstone import design
    from pki_lab.iot.capstone_line import ProductLine
    from pki_lab.iot.capstone_report import draw_summary

    why = {"lifetimes": "a 16-year root covers ten years of devices", "keys": "ECDSA P-256 in the secure element",
           "names": "product, factory and serial keep every ID unique"}
    line = ProductLine(design("Fabrikam Sense", ("Porto", "Brno"), root_days=6000, issuing_days=1460,
                              device_days=730, why=why))
    for factory in ("Porto", "Brno", "Porto", "Brno"):
        line.enroll(factory)
    line.block(line.devices[1])
    line.roll_issuing("Porto")
    return draw_summary(line)


def _ch12_summary_large_fleet():
    """A learner's line can be large: 3 factories, 30 devices, every issuing CA rolled twice (9 CAs in a row)."""
    from pki_lab.iot.capstone import design
    from pki_lab.iot.capstone_line import ProductLine
    from pki_lab.iot.capstone_report import draw_summary

    why = {"lifetimes": "a 16-year root covers ten years of devices", "keys": "ECDSA P-256 in the secure element",
           "names": "product, factory and serial keep every ID unique"}
    factories = ("Porto", "Brno", "Guadalajara")
    line = ProductLine(design("Fabrikam Sense", factories, root_days=6000, issuing_days=1460, device_days=730,
                              why=why))
    for i in range(30):
        line.enroll(factories[i % 3])
    for _ in range(2):
        for factory in factories:
            line.roll_issuing(factory)
    return draw_summary(line)


def _ch13_sizes():
    from pki_lab.postquantum import plot_sizes, size_table

    return plot_sizes(size_table())


def _long_labels_and_rejections():
    from pki_lab.iot.events import EventLog

    log = EventLog()
    log.add("a-device-with-a-long-name.devices.example.com", "DPS", "register with a request whose label is long "
            "enough to need three lines between two lifelines", ok=False)
    log.add("DPS", "DPS", "a step inside one participant, told in a sentence long enough to wrap twice or more")
    log.add("Operator", "Operator", "a step in the last column, whose label goes to the left of its lifeline")
    log.add("DPS", "a-device-with-a-long-name.devices.example.com", "refused", ok=False)
    return log.draw("Edge cases: long names, long labels, rejections")


FIGURES: dict[str, Entry] = {
    "01-factoring-work": Entry("pki_lab.factoring:_measured_and_extrapolated", _ch01_work, spread=((0, 0.5),)),
    "01-factoring-times": Entry("pki_lab.factoring:_measured_and_extrapolated", _ch01_times, spread=((0, 0.5),)),
    "04-graph-broken-signature": Entry("pki_lab.validation.graph:draw_report", _ch04_broken_signature),
    "04-graph-cross-signed": Entry("pki_lab.validation.graph:draw_report", _ch04_cross_signed),
    "04-widget-every-fault": Entry("pki_lab.widgets.chain:chain_figure", _ch04_every_fault, widget=True),
    "04-widget-no-fault": Entry("pki_lab.widgets.chain:chain_figure", _ch04_no_fault, widget=True),
    "04-policy-tree": Entry("pki_lab.validation.policy_tree:PolicyOutcome.draw", _ch04_policy_tree),
    "05-expiry-years": Entry("pki_lab.truststore:plot_expiry_years", _ch05_expiry, integer=((0, "x"), (0, "y"))),
    "05-validity": Entry("pki_lab.truststore:plot_validity", _ch05_validity),
    "06-enrollment-sequence": Entry("pki_lab.plots:sequence_diagram", _ch06_sequence),
    "06-fleet": Entry("pki_lab.renewal:plot_fleet", _ch06_fleet, integer=((0, "y"),)),
    "06-outage": Entry("pki_lab.renewal:plot_outage", _ch06_outage, integer=((0, "x"), (0, "y"))),
    "07-crl-growth": Entry("pki_lab.widgets.revocation:plot_crl_growth", _ch07_crl_growth, integer=((0, "x"),)),
    "08-audit-path": Entry("pki_lab.widgets.transparency:draw_merkle_tree", _ch08_audit_path),
    "08-consistency": Entry("pki_lab.widgets.transparency:draw_merkle_tree", _ch08_consistency),
    "08-widget-full-tree": Entry("pki_lab.widgets.transparency:proof_figure", _ch08_widget_full, widget=True),
    "08-widget-one-entry": Entry("pki_lab.widgets.transparency:proof_figure", _ch08_widget_small, widget=True),
    "09-migration": Entry("pki_lab.rotation:FleetResult.plot", _ch09_migration),
    "11-first-boot": Entry("pki_lab.plots:sequence_diagram", _ch11_first_boot),
    "11-factory-line": Entry("pki_lab.iot.manufacturing:plot_lines", _ch11_factory_line, integer=((1, "y"),)),
    "plots-sequence-edge-cases": Entry("pki_lab.plots:sequence_diagram", _long_labels_and_rejections),
    "12-summary": Entry("pki_lab.iot.capstone_report:draw_summary", _ch12_summary),
    "12-summary-large-fleet": Entry("pki_lab.iot.capstone_report:draw_summary", _ch12_summary_large_fleet),
    "13-sizes": Entry("pki_lab.postquantum:plot_sizes", _ch13_sizes),
}


# --- Finding the drawing functions in the source -----------------------------------------------------------------

_CREATES = {(module, name) for module in ("plt", "pyplot") for name in ("subplots", "figure", "subplot",
                                                                         "subplot_mosaic", "axes")}


def _creates_figure(call: ast.Call) -> bool:
    """``plt.subplots(...)``, ``matplotlib.pyplot.figure(...)``, ``Figure(...)``, ``plots.new_figure(...)`` and
    the like (the call's dotted name, however it was imported)."""
    parts, func = [], call.func
    while isinstance(func, ast.Attribute):
        parts.insert(0, func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.insert(0, func.id)
    if parts and parts[-1] in ("Figure", "new_figure"):
        return True
    return len(parts) >= 2 and (parts[-2], parts[-1]) in _CREATES


def drawing_functions() -> set[str]:
    """``module:qualname`` of every function in ``pki_lab`` whose own body creates a matplotlib figure."""
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")

        def visit(node, prefix: str, module=module) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    name = f"{prefix}{child.name}"
                    if name != "new_figure" and any(  # plots.new_figure is the helper its callers use
                            isinstance(n, ast.Call) and _creates_figure(n) for n in _own_nodes(child)):
                        found.add(f"{module}:{name}")
                    visit(child, f"{name}.<locals>.")
                elif isinstance(child, ast.ClassDef):
                    visit(child, f"{prefix}{child.name}.")

        visit(ast.parse(path.read_text()), "")
    return found


def _own_nodes(function: ast.AST):
    """The nodes of ``function``'s body, not those of functions defined inside it."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def test_every_drawing_function_is_in_the_registry():
    registered = {entry.function for entry in FIGURES.values()}
    missing = drawing_functions() - registered
    assert not missing, (f"these functions create a matplotlib figure but tests/test_figures.py does not render "
                         f"them: {sorted(missing)}; add an entry to FIGURES that calls each as its chapter does")
    stale = registered - drawing_functions()
    assert not stale, f"FIGURES names functions that no longer create a figure: {sorted(stale)}"


def test_the_scan_finds_what_it_should():
    """The source scan is not vacuous: it finds the figure-making calls the course is known to have."""
    found = drawing_functions()
    assert {"pki_lab.factoring:_measured_and_extrapolated", "pki_lab.rotation:FleetResult.plot",
            "pki_lab.validation.graph:draw_report"} <= found
    tree = ast.parse("def f():\n    fig, ax = plt.subplots()\ndef g():\n    def inner():\n        Figure()\n"
                     "def h():\n    matplotlib.figure.Figure(figsize=(2, 2))\ndef i():\n    plt.show()\n")
    assert [n.name for n in tree.body if any(isinstance(c, ast.Call) and _creates_figure(c) for c in _own_nodes(n))
            ] == ["f", "h"]


# --- Rendering and recording what is drawn -------------------------------------------------------------------------

@dataclasses.dataclass
class Drawn:
    """What one render drew, in the saved image's pixels (origin at the bottom left)."""

    width: int
    height: int
    dpi: float
    texts: list = dataclasses.field(default_factory=list)  # (Text, Bbox, clip Bbox or None, axes Bbox or None)
    legends: list = dataclasses.field(default_factory=list)  # Bbox
    lines: list = dataclasses.field(default_factory=list)  # (Line2D, display Path)
    markers: list = dataclasses.field(default_factory=list)  # (Axes, [display polygons], offsets)
    bars: list = dataclasses.field(default_factory=list)  # Bbox
    anchors: dict = dataclasses.field(default_factory=dict)  # id(Text) -> its anchor point
    axes_boxes: dict = dataclasses.field(default_factory=dict)  # id(Axes) -> its box, for Axes with markers
    display_scale: float = 1.0

    def font_px(self, text: Text) -> float:
        """The text's height in screen pixels: points at the rendered dpi, times the display's scale."""
        return text.get_fontsize() * self.dpi / 72 * self.display_scale


def _figure_of(result) -> matplotlib.figure.Figure:
    if isinstance(result, matplotlib.figure.Figure):
        return result
    if isinstance(result, np.ndarray):
        result = result.flat[0]
    if hasattr(result, "figure"):
        return result.figure
    raise TypeError(f"a drawing function returned {type(result).__name__}, not a Figure or Axes")


def _record_text(drawn: Drawn, text: Text, renderer) -> None:
    if text.get_visible() and text.get_text().strip():
        clip = text.get_clip_box() if text.get_clip_on() and text.get_clip_box() is not None else None
        in_plot = text.axes is not None and text in text.axes.texts
        drawn.texts.append((text, text.get_window_extent(renderer), None if clip is None else clip.frozen(),
                            text.axes.bbox.frozen() if in_plot else None))
        drawn.anchors[id(text)] = text.get_transform().transform(text.get_unitless_position())


def _record_legend(drawn: Drawn, legend: Legend, renderer) -> None:
    if legend.get_visible():
        drawn.legends.append(legend.get_window_extent(renderer).frozen())


def _record_line(drawn: Drawn, line: Line2D, renderer) -> None:
    if not line.get_visible() or line.axes is None or line.get_transform() is not line.axes.transData:
        return  # legend handles, axhline/axvline (drawn in axes fractions) are not data
    xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
    style = line.get_drawstyle()
    if style in STEP_LOOKUP_MAP and style != "default" and len(xy) > 1:
        xy = np.column_stack(STEP_LOOKUP_MAP[style](xy[:, 0], xy[:, 1]))
    if line.get_linestyle() not in ("None", "", " ") or line.get_marker() not in ("None", "", " ", None):
        drawn.lines.append((line, MplPath(xy)))


def _record_markers(drawn: Drawn, collection: PathCollection, renderer) -> None:
    axes = collection.axes
    if not collection.get_visible() or axes is None or collection.get_offset_transform() is not axes.transData:
        return
    offsets = collection.get_offset_transform().transform(np.asarray(collection.get_offsets(), dtype=float))
    paths, transforms = collection.get_paths(), collection.get_transforms()
    polygons = []
    for i, offset in enumerate(offsets):
        transform = transforms[i % len(transforms)] if len(transforms) else np.eye(3)
        vertices = paths[i % len(paths)].vertices @ transform[:2, :2].T + transform[:2, 2] + offset
        polygons.append(MplPath(vertices))
    drawn.markers.append((axes, polygons, offsets))
    drawn.axes_boxes[id(axes)] = axes.bbox.frozen()


def _record_bar(drawn: Drawn, patch: Rectangle, renderer) -> None:
    axes = patch.axes
    if patch.get_visible() and axes is not None and patch.get_data_transform() is axes.transData \
            and patch in axes.patches:
        drawn.bars.append(patch.get_window_extent(renderer).frozen())


def _start_figure(drawn: Drawn, figure, renderer) -> None:
    # savefig(bbox_inches="tight") draws twice: once to measure, then the image. Keep only the last draw.
    for name in ("texts", "legends", "lines", "markers", "bars", "anchors", "axes_boxes"):
        getattr(drawn, name).clear()


_RECORDERS = {Text: _record_text, Legend: _record_legend, Line2D: _record_line, PathCollection: _record_markers,
              Rectangle: _record_bar}


@contextlib.contextmanager
def _recording(drawn: Drawn):
    """Record every Text, Legend, Line2D, PathCollection and Rectangle as it is drawn, where it is drawn."""
    originals = {cls: cls.draw for cls in (*_RECORDERS, matplotlib.figure.Figure)}

    def after(cls, record):
        def draw(self, renderer, *args, **kwargs):
            result = originals[cls](self, renderer, *args, **kwargs)
            record(drawn, self, renderer)
            return result
        return draw

    def figure_draw(self, renderer, *args, **kwargs):
        _start_figure(drawn, self, renderer)
        return originals[matplotlib.figure.Figure](self, renderer, *args, **kwargs)

    for cls, record in _RECORDERS.items():
        cls.draw = after(cls, record)
    matplotlib.figure.Figure.draw = figure_draw
    try:
        yield drawn
    finally:
        for cls, draw in originals.items():
            cls.draw = draw


def render(fig: matplotlib.figure.Figure, *, widget: bool) -> Drawn:
    """Save ``fig`` as it is shown (inline or in a widget) and record what was drawn."""
    dpi = plots.INLINE_DPI * (plots.WIDGET_PIXEL_RATIO if widget else 1)
    buffer = io.BytesIO()
    drawn = Drawn(0, 0, dpi)
    with _recording(drawn):
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    data = buffer.getvalue()
    drawn.width, drawn.height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    shown_width = drawn.width / plots.WIDGET_PIXEL_RATIO if widget else drawn.width
    # The widget shows its picture at 1/WIDGET_PIXEL_RATIO of its pixels; JupyterLab fits either to the output area.
    drawn.display_scale = (1 / plots.WIDGET_PIXEL_RATIO if widget else 1) * min(1, plots.OUTPUT_WIDTH_PX / shown_width)
    return drawn


def _inside(inner, outer, tolerance: float = TOLERANCE_PX) -> bool:
    return (inner.x0 >= outer.x0 - tolerance and inner.y0 >= outer.y0 - tolerance
            and inner.x1 <= outer.x1 + tolerance and inner.y1 <= outer.y1 + tolerance)


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


# --- The checks ------------------------------------------------------------------------------------------------

def text_problems(drawn: Drawn) -> list[str]:
    from matplotlib.transforms import Bbox

    image = Bbox.from_extents(0, 0, drawn.width, drawn.height)
    problems = []
    for text, box, clip, axes_box in drawn.texts:
        label = repr(text.get_text()[:60])
        if not _inside(box, image):
            problems.append(f"text {label} lies (partly) outside the saved image")
        if clip is not None and not _inside(box, clip):
            problems.append(f"text {label} is cut off by its clip box")
        if axes_box is not None and not _inside(box, axes_box):
            problems.append(f"text {label}, placed in a plot, runs off its Axes")
        px = drawn.font_px(text)
        if px < plots.MIN_TEXT_PX - 0.05:
            problems.append(f"text {label} is {px:.1f} px on screen, below the {plots.MIN_TEXT_PX} px minimum")
        if "..." in text.get_text() or "\u2026" in text.get_text():
            problems.append(f"text {label} is cut short with an ellipsis")
    return problems


def overlap_problems(drawn: Drawn) -> list[str]:
    """No two texts drawn over or against each other (tick labels running together, a title on a suptitle):
    each keeps at least ``TOLERANCE_PX`` of space around it."""
    problems = []
    boxes = [(text, box) for text, box, _clip, _axes in drawn.texts]
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            width = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            height = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if width > -TOLERANCE_PX and height > -TOLERANCE_PX:
                problems.append(f"texts {a.get_text()[:30]!r} and {b.get_text()[:30]!r} overlap")
    return problems


def node_label_problems(drawn: Drawn) -> list[str]:
    """A text anchored on a marker's centre (a node label) must fit inside the marker."""
    problems = []
    for text, box, _clip, _axes in drawn.texts:
        if text.axes is None:
            continue
        anchor = drawn.anchors[id(text)]
        for axes, polygons, offsets in drawn.markers:
            if axes is not text.axes or not len(offsets):
                continue
            distances = np.hypot(*(offsets - anchor).T)
            i = int(np.argmin(distances))
            if distances[i] > TOLERANCE_PX:
                continue
            corners = [(box.x0, box.y0), (box.x0, box.y1), (box.x1, box.y0), (box.x1, box.y1)]
            inside = polygons[i].contains_points(corners, radius=2 * TOLERANCE_PX)
            if not inside.all():
                problems.append(f"node label {text.get_text()[:40]!r} spills outside its node")
    return problems


def legend_problems(drawn: Drawn) -> list[str]:
    problems = []
    for legend in drawn.legends:
        for line, path in drawn.lines:
            covered = path.intersects_bbox(legend, filled=False) if len(path.vertices) > 1 else (
                legend.contains(*path.vertices[0]) if len(path.vertices) else False)
            if covered:
                problems.append(f"a legend covers the line {line.get_label()!r}")
        for _axes, _polygons, offsets in drawn.markers:
            if any(legend.contains(x, y) for x, y in offsets):
                problems.append("a legend covers plotted markers")
        if any(_overlap(bar, legend) for bar in drawn.bars if bar.width > 0 and bar.height > 0):
            problems.append("a legend covers plotted bars")
    return problems


def spread_problems(drawn: Drawn, fig, spread: tuple[tuple[int, float], ...]) -> list[str]:
    problems = []
    for index, fraction in spread:
        ax = fig.axes[index]
        points = [offsets for axes, _p, offsets in drawn.markers if axes is ax and len(offsets)]
        if not points:
            problems.append(f"axes {index} should show measured points but draws no markers")
            continue
        xy, box = np.vstack(points), drawn.axes_boxes[id(ax)]
        for which, span, size in (("width", np.ptp(xy[:, 0]), box.width), ("height", np.ptp(xy[:, 1]), box.height)):
            if span < fraction * size:
                problems.append(f"axes {index}: the measured points span {span / size:.0%} of its {which}, "
                                f"squashed into a corner (at least {fraction:.0%} wanted)")
    return problems


def axis_problems(fig, integer: tuple[tuple[int, str], ...]) -> list[str]:
    problems = []
    axes = fig.axes
    for index, which in integer:
        axis = axes[index].xaxis if which == "x" else axes[index].yaxis
        low, high = sorted(axis.get_view_interval())
        ticks = [t for t in axis.get_majorticklocs() if low - 1e-9 <= t <= high + 1e-9]
        fractional = [t for t in ticks if abs(t - round(t)) > 1e-9]
        if fractional:
            problems.append(f"axes {index} counts on {which} but has fractional ticks {fractional[:4]}")
    for index, ax in enumerate(axes):
        if "%" not in ax.get_ylabel():
            continue
        for line in ax.get_lines():
            if line.get_transform() is ax.transData and len(line.get_ydata()):
                ys = np.asarray(line.get_ydata(), dtype=float)
                if ys.min() < -1e-9 or ys.max() > 100 + 1e-9:
                    problems.append(f"axes {index} is a percentage but line {line.get_label()!r} runs from "
                                    f"{ys.min():.1f} to {ys.max():.1f}")
    return problems


# --- The tests ---------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _watching_figures(created: list[str]):
    """Record the innermost pki_lab function (``module:qualname``) that creates each Figure."""
    original = matplotlib.figure.Figure.__init__

    def init(self, *args, **kwargs):
        frame = sys._getframe(1)
        while frame is not None:
            module = frame.f_globals.get("__name__", "")
            if module.startswith("pki_lab") and (module, frame.f_code.co_name) != ("pki_lab.plots", "new_figure"):
                created.append(f"{module}:{frame.f_code.co_qualname}")
                break
            frame = frame.f_back
        original(self, *args, **kwargs)

    matplotlib.figure.Figure.__init__ = init
    try:
        yield created
    finally:
        matplotlib.figure.Figure.__init__ = original


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_is_readable(name):
    entry = FIGURES[name]
    created: list[str] = []
    with _watching_figures(created):
        fig = _figure_of(entry.build())
    assert entry.function in created, f"{name}: the figure was made by {created}, not by {entry.function}"
    drawn = render(fig, widget=entry.widget)
    assert drawn.texts, f"{name}: nothing was recorded; the recorder is broken"
    problems = (text_problems(drawn) + overlap_problems(drawn) + node_label_problems(drawn) + legend_problems(drawn)
                + axis_problems(fig, entry.integer) + spread_problems(drawn, fig, entry.spread))
    assert not problems, f"{name} ({entry.function}):\n" + "\n".join(dict.fromkeys(problems))


# --- The checks themselves fail on the faults they look for ----------------------------------------------------------

def _problems_of(fig, widget: bool = False, integer=(), spread=()) -> list[str]:
    drawn = render(fig, widget=widget)
    return (text_problems(drawn) + overlap_problems(drawn) + node_label_problems(drawn) + legend_problems(drawn)
            + axis_problems(fig, integer) + spread_problems(drawn, fig, spread))


def test_a_clean_figure_passes():
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([0, 1, 2], [0, 50, 100], label="share")
    ax.set_ylabel("devices (%)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.scatter([0, 2], [10, 90])
    plots.integer_ticks(ax.xaxis)
    ax.set_title("a title")
    assert _problems_of(fig, integer=((0, "x"),), spread=((0, 0.5),)) == []


@pytest.mark.parametrize("fault, words", [
    ("small", "below the 10 px minimum"),
    ("wide", "below the 10 px minimum"),
    ("ellipsis", "cut short"),
    ("clipped", "cut off by its clip box"),
    ("off-axes", "runs off its Axes"),
    ("legend", "legend covers the line"),
    ("node", "spills outside its node"),
    ("fraction", "fractional ticks"),
    ("percent", "is a percentage"),
    ("squashed", "squashed into a corner"),
    ("overlap", "overlap"),
])
def test_each_check_catches_its_fault(fault, words):
    fig, ax = plt.subplots(figsize=(16 if fault == "wide" else 6, 3))
    ax.plot([0, 1, 2, 3], [0, 1, 2, 3], label="data")
    integer, spread = (), ()
    if fault == "small":
        ax.set_title("tiny", fontsize=6)
    elif fault == "wide":
        ax.set_title("a 10 pt title in a figure scaled from 1600 to 800 px")
    elif fault == "ellipsis":
        ax.set_title("the reason is cut off here...")
    elif fault == "clipped":
        ax.text(2.9, 1.5, "a label clipped by the axes", clip_on=True)
    elif fault == "off-axes":
        ax.text(2.9, 1.5, "a label that runs past the right edge")
    elif fault == "legend":
        ax.legend(loc="center")
    elif fault == "node":
        ax.scatter([1.5], [1.5], s=100)
        ax.text(1.5, 1.5, "a long label on a small node", ha="center", va="center")
    elif fault == "fraction":
        ax.set_ylim(0, 2)
        integer = ((0, "y"),)
    elif fault == "percent":
        ax.plot([0, 3], [-2, 101])
        ax.set_ylabel("can connect (%)")
    elif fault == "overlap":
        ax.text(1, 1, "one text")
        ax.text(1, 1, "over another")
    elif fault == "squashed":
        ax.scatter([0, 0.1], [0, 0.1])
        ax.set_xlim(0, 100)
        spread = ((0, 0.25),)
    problems = _problems_of(fig, integer=integer, spread=spread)
    assert any(words in p for p in problems), problems


def _proof_widget():
    from pki_lab.widgets.transparency import proof_explorer

    return proof_explorer(_ct_log(10).tree)


def _chain_widget():
    from pki_lab.widgets.chain import chain_faults

    return chain_faults()


@pytest.mark.parametrize("make", [_proof_widget, _chain_widget], ids=["08-proof-explorer", "04-chain-faults"])
def test_widget_pictures_are_crisp(make):
    """A widget's picture has WIDGET_PIXEL_RATIO device pixels per CSS pixel it is shown at (sharp on a
    high-density screen, where a 1:1 PNG is blown up and blurs), and is shown no wider than the output area."""
    picture = make().parts["picture"]
    png = bytes(picture.value)
    assert png.startswith(b"\x89PNG")
    pixels = int.from_bytes(png[16:20], "big")
    assert picture.layout.width and picture.layout.width.endswith("px"), "the picture's display width is not set"
    shown = int(picture.layout.width.removesuffix("px"))
    assert shown <= plots.OUTPUT_WIDTH_PX
    assert abs(pixels - plots.WIDGET_PIXEL_RATIO * shown) <= 1 or (shown == plots.OUTPUT_WIDTH_PX and pixels > shown)


def _png_chunks(data: bytes) -> list[bytes]:
    chunks, at = [], 8
    while at < len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        chunks.append(data[at + 4:at + 8])
        at += 12 + length
    return chunks


@pytest.mark.parametrize("name", ["06-enrollment-sequence", "08-audit-path", "09-migration"])
def test_stored_figures_are_the_same_bytes_every_run(name):
    """A notebook stores its figures' PNGs: drawing one twice gives the same bytes, with no time chunk in them."""
    pngs = []
    for _ in range(2):
        fig = _figure_of(FIGURES[name].build())
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=plots.INLINE_DPI, bbox_inches="tight")  # as matplotlib-inline does
        pngs.append(buffer.getvalue())
        plt.close(fig)
    assert pngs[0] == pngs[1]
    assert b"tIME" not in _png_chunks(pngs[0])
    widget_png, _ = plots.widget_png(_figure_of(FIGURES["08-widget-one-entry"].build()))
    assert not {b"tIME", b"tEXt", b"iTXt"} & set(_png_chunks(widget_png)), "a widget picture carries metadata"
