"""What ``--json`` prints: one JSON document per command, each with a ``schema`` key (documented in docs/cli.md).

The documents are built from what the lab already computed for the text output: the rows of a
:class:`~pki_lab.describe.Description`, the nodes of a :class:`~pki_lab.der.DerTree`, and the steps, path and
revocation rows of a :class:`~pki_lab.validation.ValidationReport`. Nothing is worked out a second time, so the
JSON and the text always say the same thing. Keys come in a fixed order and the text is ASCII (``\\u00fc`` for
``ü``), so the same input prints the same bytes on any terminal.
"""

from __future__ import annotations

import json
from typing import Any

from ..names import certificate_label

__all__ = ["SCHEMA_INSPECT", "SCHEMA_VERIFY", "SCHEMA_ERROR", "dumps", "description_json", "tree_json",
           "report_json", "error_json", "position_of"]

#: The schema of ``pki-lab inspect --json``; the number changes only when a key changes meaning or goes away.
SCHEMA_INSPECT = "pki-lab/inspect/1"
#: The schema of ``pki-lab verify --json``.
SCHEMA_VERIFY = "pki-lab/verify/1"
#: The schema of an error in ``--json`` mode (any command).
SCHEMA_ERROR = "pki-lab/error/1"


def dumps(document: dict[str, Any]) -> str:
    """The document as indented, ASCII-only JSON (keys in the order they were built)."""
    return json.dumps(document, indent=2, ensure_ascii=True)


def description_json(description) -> dict[str, Any]:
    """A describer's title and rows (field, value, meaning), as ``describe()`` shows them."""
    return {"title": description.title,
            "rows": [{"field": f, "value": v, "meaning": m} for f, v, m in description.rows]}


def tree_json(tree) -> list[dict[str, Any]]:
    """Every node of a DER tree in byte order, with the same offsets, previews and field paths as ``--tree``."""
    return [{"offset": n.offset, "header_length": n.header_length, "length": n.length, "depth": n.depth,
             "tag": n.tag, "value": n.value, "path": n.path or None} for n in tree.nodes()]


def position_of(index: int, count: int, anchored: bool) -> str:
    """A certificate's place in a path, leaf first, worded as the report's steps word it."""
    if index == 0:
        return "leaf"
    if anchored and index == count - 1:
        return "trust anchor"
    return f"intermediate {index}"


def _result(step) -> str:
    return "fail" if not step.ok else "warn" if step.warning else "pass"


def _policy(report) -> dict[str, Any] | None:
    outcome = report.policy
    if outcome is None or not getattr(outcome, "processed", False):
        return None
    return {"authorities_constrained": list(outcome.authorities_constrained),
            "user_constrained": list(outcome.user_constrained)}


def report_json(report, *, clock: str, clock_note: str | None) -> dict[str, Any]:
    """A validation report: the verdict, the clock it was judged at, the path, every step and each revocation row."""
    count = len(report.path)
    return {
        "schema": SCHEMA_VERIFY,
        "valid": report.ok,
        "summary": report.summary(),
        "reason": report.reason,
        "warnings": len(report.warnings),
        "at": report.at.isoformat(),
        "clock": clock,
        "clock_note": clock_note,
        "name": report.name,
        "anchored": report.anchored,
        "paths_tried": report.paths_tried,
        "path": [{"index": i, "position": position_of(i, count, report.anchored), "label": certificate_label(c)}
                 for i, c in enumerate(report.path)],
        "steps": [{"result": _result(s), "rule": str(s.rule), "section": s.section, "index": s.index,
                   "position": s.position, "subject": s.subject, "sentence": s.sentence, "status": s.status}
                  for s in report.steps],
        "revocation": [{"position": p, "subject": who, "status": str(status), "reason": why}
                       for p, who, status, why in report.revocation],
        "policy": _policy(report),
    }


def error_json(command: str | None, exit_code: int, message: str) -> dict[str, Any]:
    """An error in ``--json`` mode: the same sentence the text mode prints on standard error, and its exit code."""
    kind = {2: "bad input", 3: "bug"}.get(exit_code, "error")
    return {"schema": SCHEMA_ERROR, "command": command, "exit_code": exit_code, "kind": kind, "message": message}
