"""The event log of a simulation, and the sequence diagram drawn from it.

Every call between the participants (device, provisioning service, CA, hub,
operator) is appended to an :class:`EventLog`. The notebook prints the log as
numbered text (stable, compared by nbval) and draws it as a sequence diagram with
matplotlib, so the picture shows what actually happened, failures in red.
"""

from __future__ import annotations

import dataclasses

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

        Returns the matplotlib figure; end the notebook cell with ``plt.show()``.
        """
        import matplotlib.pyplot as plt

        names = list(order or []) + [p for p in self.participants if p not in (order or [])]
        x = {name: i for i, name in enumerate(names)}
        n = max(len(self.events), 1)
        fig, ax = plt.subplots(figsize=(2.6 * max(len(names), 2) + 1, 0.42 * n + 1.4))
        for name, i in x.items():
            ax.plot([i, i], [0.3, n + 0.7], color="#8c959f", lw=1, ls="--", zorder=1)
            ax.text(i, 0, name, ha="center", va="center", fontsize=9, fontweight="bold",
                    bbox={"boxstyle": "round", "fc": "#ddf4ff", "ec": "#0969da"})
        for e in self.events:
            y = e.step
            colour = "#1a7f37" if e.ok else "#cf222e"
            a, b = x[e.source], x[e.target]
            if a == b:
                ax.annotate("", xy=(a + 0.02, y + 0.25), xytext=(a + 0.02, y - 0.1),
                            arrowprops={"arrowstyle": "->", "color": colour,
                                        "connectionstyle": "arc3,rad=-1.2"})
                ax.text(a + 0.12, y, f"{e.step}. {e.message}", fontsize=7.5, va="center", color=colour)
            else:
                ax.annotate("", xy=(b, y), xytext=(a, y),
                            arrowprops={"arrowstyle": "-|>" if e.ok else "-[", "color": colour, "lw": 1.2})
                ax.text((a + b) / 2, y - 0.12, f"{e.step}. {e.message}", fontsize=7.5, ha="center",
                        va="bottom", color=colour)
        ax.set_xlim(-0.7, len(names) - 0.3)
        ax.set_ylim(n + 1, -0.6)
        ax.axis("off")
        ax.set_title(title)
        fig.tight_layout()
        return fig
