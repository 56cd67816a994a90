"""Drawing a report's candidate-issuer pool (networkx + matplotlib, imported only when drawing).

Every certificate offered is a node; an arrow goes from a certificate to each
certificate whose subject is its issuer's name (a *candidate* issuer: name
chaining, RFC 5280 6.1.3 (a)(4)). The leaf sits at the bottom, trust anchors
(square boxes) above, other certificates in round-cornered boxes. The chosen
path is drawn thick, green when valid; the failing certificate, or the failing
link for a bad signature, is red.

``report`` is a :class:`~pki_lab.validation.report.ValidationReport` (read for its
``path``, ``pool``, ``anchors``, ``ok``, ``failure`` and ``summary()``); this module does
not import the report, so the report can import it to draw itself.
"""

from __future__ import annotations

import textwrap
from collections import deque
from typing import Any

from cryptography import x509

from ..names import certificate_label
from ..plots import MAX_WIDTH_IN
from .rules import Rule

__all__ = ["pool_graph", "draw_report"]


def pool_graph(report: Any):
    """A networkx DiGraph of the pool: node ids are indices, ``cert`` and ``label`` are node attributes."""
    import networkx as nx

    certs: list[x509.Certificate] = list(dict.fromkeys((*report.path[:1], *report.pool, *report.path)))
    graph = nx.DiGraph()
    labels = [certificate_label(c) for c in certs]
    for i, cert in enumerate(certs):
        label = labels[i]
        if labels.count(label) > 1:  # cross-signed twins share a name: say who signed each
            label += "\n(self-signed)" if cert.issuer == cert.subject else f"\n(by {certificate_label(cert.issuer)})"
        graph.add_node(i, cert=cert, label=label, anchor=cert in report.anchors)
    for i, child in enumerate(certs):
        for j, parent in enumerate(certs):
            if i != j and parent.subject == child.issuer:
                graph.add_edge(i, j)
    return graph


def _levels(graph, start: int) -> dict[int, int]:
    level = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in graph.successors(node):
            if nxt not in level:
                level[nxt] = level[node] + 1
                queue.append(nxt)
    top = max(level.values(), default=0) + 1
    return {n: level.get(n, top) for n in graph.nodes}


def _wrap(text: str, width: int) -> str:
    """Break ``text`` into lines of at most ``width`` characters, at spaces (a label's own lines are kept)."""
    return "\n".join(textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False) or line
                     for line in text.splitlines())


def _node_box(anchor: bool, fill: str, edge: str) -> dict:
    """A node is its label in a box that fits it: square corners for a trust anchor, round ones for the others."""
    return {"boxstyle": "square,pad=0.6" if anchor else "round,pad=0.6,rounding_size=0.9", "facecolor": fill,
            "edgecolor": edge, "linewidth": 2}


def draw_report(report: Any, ax=None):
    """Draw the pool graph of ``report`` on ``ax`` (a new figure if None); returns the Axes.

    Each node is its certificate's label inside its own box (the box is sized to the label, so the label never
    spills out); arrows run from a certificate to each candidate issuer and stop at the boxes' edges. The title
    is the report's whole summary, wrapped to the figure's width (never cut short: the reason is what it says).
    """
    import matplotlib.pyplot as plt

    graph = pool_graph(report)
    index = {graph.nodes[n]["cert"]: n for n in graph.nodes}
    levels = _levels(graph, 0)
    rows: dict[int, list[int]] = {}
    for node in sorted(graph.nodes):
        rows.setdefault(levels[node], []).append(node)
    widest = max(len(r) for r in rows.values())
    pos = {n: ((k - (len(row) - 1) / 2) * 2.2, lvl) for lvl, row in rows.items() for k, n in enumerate(row)}
    if ax is None:
        _, ax = plt.subplots(figsize=(min(MAX_WIDTH_IN, max(6.0, 2.4 * widest)), 1.25 * len(rows) + 1.2))
    path_nodes = [index[c] for c in report.path if c in index]
    path_edges = list(zip(path_nodes, path_nodes[1:], strict=False))
    good, bad, grey = "#1a7f37", "#cf222e", "#8c959f"
    failure = report.failure
    bad_edge = bad_node = None
    if failure is not None and failure.index < len(path_nodes):
        if failure.rule == Rule.SIGNATURE and failure.index + 1 < len(path_nodes):
            bad_edge = (path_nodes[failure.index], path_nodes[failure.index + 1])
        else:
            bad_node = path_nodes[failure.index]
    colour = good if report.ok else "#0969da"
    boxes = {}
    for n in graph.nodes:
        fill = ("#ffebe9" if n == bad_node else "#dafbe1" if n in path_nodes and report.ok else
                "#ddf4ff" if n in path_nodes else "#f6f8fa")
        edge = bad if n == bad_node else colour if n in path_nodes else grey
        # Drawn before the arrows (lower zorder), so each arrow is clipped at the box as it is drawn now.
        boxes[n] = ax.text(*pos[n], _wrap(graph.nodes[n]["label"], 14), ha="center", va="center", fontsize=8,
                           zorder=2, bbox=_node_box(graph.nodes[n]["anchor"], fill, edge))
    for a, b in graph.edges:
        if (a, b) == bad_edge:
            style = {"color": bad, "lw": 3, "mutation_scale": 18}
        elif (a, b) in path_edges:
            style = {"color": colour, "lw": 3, "mutation_scale": 18}
        else:
            style = {"color": grey, "lw": 1.2, "ls": "--", "mutation_scale": 14}
        ax.annotate("", xy=pos[b], xytext=pos[a], zorder=3,
                    arrowprops={"arrowstyle": "-|>", "patchA": boxes[a].get_bbox_patch(),
                                "patchB": boxes[b].get_bbox_patch(), "shrinkA": 2, "shrinkB": 2,
                                "connectionstyle": "arc3,rad=0.12" if (b, a) in graph.edges else "arc3", **style})
    width_in = ax.figure.get_figwidth() * ax.get_position().width
    ax.set_title(_wrap(report.summary(), max(40, int(width_in * 72 / (0.56 * 9)))), fontsize=9)
    xs = [x for x, _ in pos.values()]
    ax.set_xlim(min(xs) - 1.3, max(xs) + 1.3)
    ax.set_ylim(-0.6, max(levels.values()) + 0.6)
    ax.set_axis_off()
    return ax
