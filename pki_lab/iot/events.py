"""The event log of a simulation, and the sequence diagram drawn from it.

Every call between the participants (device, provisioning service, CA, hub,
operator) is appended to an :class:`EventLog`. The notebook prints the log as
numbered text (stable, compared by nbval) and draws it as a sequence diagram with
matplotlib, so the picture shows what actually happened, failures in red.
"""

from __future__ import annotations

import dataclasses

from ..plots import sequence_diagram

__all__ = ["Event", "EventLog", "Lines", "lines"]


class Lines(str):
    """Text shown as a cell's result without quotes: one output, never split like printed text can be."""

    def __repr__(self) -> str:
        return str(self)


def lines(*parts: object) -> Lines:
    """Join ``parts`` (anything with a ``str``) into lines of text, for a notebook cell's result."""
    return Lines("\n".join(str(p) for p in parts))


@dataclasses.dataclass(frozen=True)
class Event:
    """One message from ``source`` to ``target`` (the same participant for a local step)."""

    step: int
    source: str
    target: str
    message: str
    ok: bool = True

    def __str__(self) -> str:
        arrow = "->" if self.ok else "-x"
        mark = "" if self.ok else "  [REJECTED]"
        if self.source == self.target:
            return f"{self.step:2d}. {self.source}: {self.message}{mark}"
        return f"{self.step:2d}. {self.source} {arrow} {self.target}: {self.message}{mark}"


class EventLog:
    """An append-only list of :class:`Event`, in the order they happened."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.participants: list[str] = []

    def add(self, source: str, target: str, message: str, ok: bool = True) -> Event:
        """Record one message (``source == target`` for a step inside one participant)."""
        for name in (source, target):
            if name not in self.participants:
                self.participants.append(name)
        event = Event(len(self.events) + 1, source, target, message, ok)
        self.events.append(event)
        return event

    def text(self) -> str:
        """The events as numbered lines."""
        return "\n".join(str(e) for e in self.events) or "(no events)"

    def __repr__(self) -> str:
        return self.text()

    def __len__(self) -> int:
        return len(self.events)

    def draw(self, title: str = "What happened", order: list[str] | None = None):
        """A sequence diagram of the events: one lifeline per participant, one arrow per event.

        Green: accepted; red, with a blocked arrow head: rejected. Returns the matplotlib figure; end the
        notebook cell with ``plt.show()``.
        """
        names = list(order or []) + [p for p in self.participants if p not in (order or [])]
        messages = [(e.source, e.target, e.message, e.ok) for e in self.events]
        ax = sequence_diagram(names, messages, title=title, ok_colour="#1a7f37")
        return ax.figure
