"""Chapter 08's pictures and widget: a Merkle tree drawn with networkx, its audit paths and consistency proofs.

:func:`proof_steps` (pure, unit-tested) explains how an audit path rebuilds the
root, one hash at a time; :func:`draw_merkle_tree` draws the RFC 6962 tree and
highlights an inclusion proof or a consistency proof; :func:`proof_explorer`
is the try-it widget over both. matplotlib, networkx and ipywidgets are
imported inside the functions so ``import pki_lab`` stays fast.
"""

from __future__ import annotations

import html
from typing import Any

from ..merkle import MerkleTree, consistency_nodes, inclusion_nodes, node_hash, tree_shape
from ..plots import MAX_WIDTH_IN, new_figure, show_in_image
from . import TryIt

__all__ = ["proof_steps", "node_label", "draw_merkle_tree", "proof_figure", "proof_explorer"]

_PATH, _SIBLING, _PROOF, _OLD, _PLAIN = "#f0883e", "#2da44e", "#8250df", "#9ecbff", "#d0d7de"


def node_label(node: tuple[int, int]) -> str:
    """A node's name by the leaves it covers: ``d3`` for leaf 3, ``d[4:8]`` for leaves 4 to 7."""
    start, n = node
    return f"d{start}" if n == 1 else f"d[{start}:{start + n}]"


def proof_steps(tree: MerkleTree, index: int, size: int | None = None) -> list[str]:
    """How the audit path of leaf ``index`` rebuilds the root, one line per hash (RFC 6962 2.1.1)."""
    size = len(tree) if size is None else size
    path, siblings = inclusion_nodes(index, size)
    proof = tree.inclusion_proof(index, size)
    h = tree.leaf_hash_at(index)
    lines = [f"start: leaf hash of {node_label(path[0])} = {h.hex()[:12]}..."]
    for child, node, sibling, p in zip(path[:-1], path[1:], siblings, proof, strict=True):
        left = sibling[0] < child[0]
        h = node_hash(p, h) if left else node_hash(h, p)
        side = "left" if left else "right"
        lines.append(f"hash with {node_label(sibling)} on the {side} ({p.hex()[:12]}...) -> "
                     f"{node_label(node)} = {h.hex()[:12]}...")
    verdict = "matches" if h == tree.root(size) else "does NOT match"
    lines.append(f"{len(proof)} hashes from the log; the result {verdict} the root of the {size}-entry tree.")
    return lines


def draw_merkle_tree(tree: MerkleTree, size: int | None = None, *, index: int | None = None,
                     old_size: int | None = None, ax: Any = None, labels: bool = True) -> Any:
    """Draw the tree of the first ``size`` entries; highlight leaf ``index``'s audit path or a consistency proof.

    Colours: orange, the path from the leaf to the root; green, the audit path's
    hashes (what the log sends); purple, a consistency proof's hashes; light blue,
    the leaves of the older tree. Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    import networkx as nx

    size = len(tree) if size is None else size
    shape = tree_shape(size)
    graph = nx.DiGraph()
    depth: dict[tuple[int, int], int] = {}
    for node, parent in shape:
        depth[node] = 0 if parent is None else depth[parent] + 1
        graph.add_node(node)
        if parent is not None:
            graph.add_edge(parent, node)
    colours = {node: _PLAIN for node in graph}
    if old_size is not None:
        for node in graph:
            if node[1] == 1 and node[0] < old_size:
                colours[node] = _OLD
        for node in consistency_nodes(old_size, size):
            colours[node] = _PROOF
    if index is not None:
        path, siblings = inclusion_nodes(index, size)
        colours.update({node: _PATH for node in path})
        colours.update({node: _SIBLING for node in siblings})
    pos = {node: (node[0] + node[1] / 2, -depth[node]) for node in graph}
    if ax is None:
        _, ax = plt.subplots(figsize=_tree_size(size, max(depth.values())))
    nx.draw_networkx_edges(graph, pos, ax=ax, arrows=False, edge_color="#8c959f", node_size=_NODE_SIZE)
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=[colours[n] for n in graph], node_size=_NODE_SIZE,
                           edgecolors="#57606a")
    if labels:  # 8 pt, in nodes sized to hold the widest label ("d[4:8]") and its hash prefix
        text = {node: f"{node_label(node)}\n{tree._subtree(*node).hex()[:4]}" for node in graph}
        nx.draw_networkx_labels(graph, pos, labels=text, ax=ax, font_size=8)
    ax.set_xlim(-0.1, size + 0.1)
    ax.set_ylim(-max(depth.values()) - 0.45, 0.45)
    ax.set_axis_off()
    title = f"RFC 6962 Merkle tree of {size} entries"
    if index is not None:
        title += f": audit path of entry {index} (green = hashes the log sends)"
    if old_size is not None:
        title += f": consistency proof {old_size} -> {size} (purple)"
    ax.set_title(title, fontsize=9)
    return ax


_NODE_SIZE = 1800  # points squared: a 42 pt circle, room for two 8 pt lines of up to 6 characters


def _tree_size(size: int, depth: int) -> tuple[float, float]:
    """Inches: a leaf every 0.9 in (at least 6 in, at most the output area's width), 1.1 in per level."""
    return min(MAX_WIDTH_IN, max(6.0, size * 0.9)), 1.2 + depth * 1.1


def proof_figure(tree: MerkleTree, size: int, index: int):
    """The widget's picture: the tree of ``size`` entries with leaf ``index``'s audit path, off pyplot."""
    depth = max(len(inclusion_nodes(i, size)[0]) - 1 for i in range(size))
    fig, ax = new_figure(_tree_size(size, depth))
    draw_merkle_tree(tree, size, index=index, ax=ax)
    return fig


def proof_explorer(tree: MerkleTree) -> TryIt:
    """Pick a tree size and a leaf; see its audit path drawn and the root rebuilt step by step."""
    import ipywidgets as w

    size = w.IntSlider(value=len(tree), min=1, max=len(tree), description="tree size")
    index = w.IntSlider(value=0, min=0, max=len(tree) - 1, description="entry")
    picture, steps = w.Image(format="png"), w.HTML()

    def update(_change: Any = None) -> None:
        index.max = size.value - 1
        show_in_image(picture, proof_figure(tree, size.value, index.value))
        steps.value = "<pre>" + html.escape("\n".join(proof_steps(tree, index.value, size.value))) + "</pre>"

    size.observe(update, names="value")
    index.observe(update, names="value")
    update()
    return TryIt(w.VBox([w.HBox([size, index]), picture, steps]),
                 "pick an entry and watch its audit path rebuild the root", size=size, index=index,
                 picture=picture, steps=steps)
