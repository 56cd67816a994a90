"""The step recorder: what each check of one candidate path writes into the report.

A check calls :meth:`Recorder.add` with its rule, the section it rests on, a sentence and pass or fail. In a fast
run (a verdict is all that is wanted) passing steps are not kept, and the first failure stops the run by raising
:class:`Stop`, which :func:`pki_lab.validation.checks.check_path` catches. Every module of the validator that
contributes steps (checks, names, revocation, policies) records through this one class.
"""

from __future__ import annotations

from cryptography import x509

from ..names import certificate_label
from . import profile
from .report import Step
from .rules import Rule

__all__ = ["Recorder", "Stop"]


def _position(index: int, length: int, anchored: bool) -> str:
    if index == 0:
        return "leaf"
    if anchored and index == length - 1:
        return "trust anchor"
    return f"intermediate {index}"


class Stop(Exception):
    """Raised by a fast recorder at the first failure."""


class Recorder:
    """Collects the :class:`Step` records of one candidate path (leaf first, index 0)."""

    def __init__(self, path: tuple[x509.Certificate, ...], anchored: bool, fast: bool = False) -> None:
        self.path, self.anchored, self.steps, self.fast = path, anchored, [], fast

    def add(self, index: int, rule: Rule, section: str, sentence: str, ok: bool, *, warning: bool = False,
            status: str | None = None) -> None:
        if ok and self.fast:
            return
        cert = self.path[index]
        self.steps.append(Step(rule, section, _position(index, len(self.path), self.anchored),
                               certificate_label(cert), sentence, ok, index, warning, status))
        if self.fast:
            raise Stop

    def problem(self, index: int, rule: Rule, problem: profile.Problem, ok_sentence: str) -> bool:
        """Record a profile check: ``ok_sentence`` under the rule's own section, or the problem found."""
        if problem is None:
            self.add(index, rule, rule.section, ok_sentence, True)
            return True
        section, sentence = problem
        self.add(index, rule, section, sentence[:1].upper() + sentence[1:] + ".", False)
        return False
