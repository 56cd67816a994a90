"""Drawing a report's candidate-issuer pool (networkx + matplotlib, imported only when drawing).

Every certificate offered is a node; an arrow goes from a certificate to each
certificate whose subject is its issuer's name (a *candidate* issuer: name
chaining, RFC 5280 6.1.3 (a)(4)). The leaf sits at the bottom, trust anchors
(squares) above. The chosen path is drawn thick, green when valid; the failing
certificate, or the failing link for a bad signature, is red.

``report`` is a :class:`~pki_lab.validation.report.ValidationReport` (read for its
``path``, ``pool``, ``anchors``, ``ok``, ``failure`` and ``summary()``); this module does
not import the report, so the report can import it to draw itself.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from cryptography import x509

from ..names import certificate_label
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


def draw_report(report: Any, ax=None):
    """Draw the pool graph of ``report`` on ``ax`` (a new figure if None); returns the Axes."""
    import matplotlib.pyplot as plt
    import networkx as nx

    graph = pool_graph(report)
    index = {graph.nodes[n]["cert"]: n for n in graph.nodes}
    levels = _levels(graph, 0)
    rows: dict[int, list[int]] = {}
    for node in sorted(graph.nodes):
        rows.setdefault(levels[node], []).append(node)
    pos = {n: ((k - (len(row) - 1) / 2) * 2.2, lvl) for lvl, row in rows.items() for k, n in enumerate(row)}
    if ax is None:
        width = max(6.0, 2.4 * max(len(r) for r in rows.values()))
        _, ax = plt.subplots(figsize=(width, 1.3 * (len(rows) + 1)))
    path_nodes = [index[c] for c in report.path if c in index]
    path_edges = list(zip(path_nodes, path_nodes[1:], strict=False))
    good, bad = "#1a7f37", "#cf222e"
    failure = report.failure
    bad_edge = bad_node = None
    if failure is not None and failure.index < len(path_nodes):
        if failure.rule == Rule.SIGNATURE and failure.index + 1 < len(path_nodes):
            bad_edge = (path_nodes[failure.index], path_nodes[failure.index + 1])
        else:
            bad_node = path_nodes[failure.index]
    other_edges = [e for e in graph.edges if e not in path_edges]
    nx.draw_networkx_edges(graph, pos, edgelist=other_edges, ax=ax, edge_color="#8c959f", style="dashed",
                           arrows=True, arrowsize=12, node_size=2600)
    colour = good if report.ok else "#0969da"
    nx.draw_networkx_edges(graph, pos, edgelist=[e for e in path_edges if e != bad_edge], ax=ax, width=3,
                           edge_color=colour, arrows=True, arrowsize=16, node_size=2600)
    if bad_edge is not None:
        nx.draw_networkx_edges(graph, pos, edgelist=[bad_edge], ax=ax, width=3, edge_color=bad, arrows=True,
                               arrowsize=16, node_size=2600)
    for shape, anchor in (("s", True), ("o", False)):
        nodes = [n for n in graph.nodes if graph.nodes[n]["anchor"] == anchor]
        fills = [("#ffebe9" if n == bad_node else "#dafbe1" if n in path_nodes and report.ok else
                  "#ddf4ff" if n in path_nodes else "#f6f8fa") for n in nodes]
        edges = [bad if n == bad_node else colour if n in path_nodes else "#8c959f" for n in nodes]
        nx.draw_networkx_nodes(graph, pos, nodelist=nodes, node_shape=shape, node_color=fills, edgecolors=edges,
                               linewidths=2, node_size=2600, ax=ax)
    nx.draw_networkx_labels(graph, pos, labels={n: graph.nodes[n]["label"] for n in graph.nodes}, font_size=8,
                            ax=ax)
    title = report.summary()
    ax.set_title(title if len(title) <= 90 else title[:87] + "...", fontsize=9)
    ax.set_axis_off()
    ax.margins(0.2)
    return ax
