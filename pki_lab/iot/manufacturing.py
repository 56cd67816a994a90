"""A factory line whose certificate station depends on a CA: a seeded discrete-event simulation.

Devices arrive at the certificate station one every ``takt_s`` seconds. The line CA
issues one certificate in ``service_s`` seconds on average (uniformly between half
and one and a half times that, from a seeded ``random.Random``). Devices waiting for
a certificate queue in a buffer of ``buffer`` places; when the buffer is full, the
line upstream stops. During a CA ``outage`` nothing is issued (the certificate in
progress is lost and redone).

Two ways to run the station:

* ``"inline"``: the CA issues each certificate while the device waits at the station;
  the CA's issuance rate and availability set the line's pace.
* ``"stock"``: certificates were issued ahead of time (``initial_stock`` of them), and
  the CA keeps refilling the stock up to ``stock_target`` whenever it is up. This is
  what *pre-issued batches* (certificates issued ahead, for keys made in advance in the
  secure elements) and *issuance at module build* (the module gets its certificate
  when it is built, days before final assembly) have in common: the CA is no longer on
  the assembly line's critical path.

:func:`simulate` returns a :class:`LineResult` (throughput per interval, queue length
over time, how long the line stood still); :func:`plot_lines` draws several results.
"""

from __future__ import annotations

import dataclasses
import enum
import heapq
import random

from ..errors import ParameterError
from ..plots import MAX_WIDTH_IN, integer_ticks, legend_below

__all__ = ["LineMode", "EventKind", "LineConfig", "LineResult", "simulate", "plot_lines", "SCENARIOS"]


class LineMode(enum.StrEnum):
    """How the certificate station gets its certificates (see the module docstring)."""

    INLINE = "inline"  # the CA issues while the device waits
    STOCK = "stock"  # certificates issued ahead of time, refilled while the CA is up


class EventKind(enum.StrEnum):
    """What can happen in the simulation, in the event queue."""

    ARRIVAL = "arrival"  # a device reaches the certificate station
    ISSUED = "issued"  # the CA finishes a certificate
    OUTAGE = "outage"  # the CA goes down
    RESTORE = "restore"  # the CA is back


@dataclasses.dataclass(frozen=True)
class LineConfig:
    """The line and its CA. Times are in seconds; ``outage`` is ``(start_h, end_h)`` in hours, or None."""

    label: str = "inline"
    mode: LineMode = LineMode.INLINE
    hours: float = 8.0
    takt_s: float = 20.0
    service_s: float = 15.0
    buffer: int = 20
    outage: tuple[float, float] | None = None
    initial_stock: int = 0
    stock_target: int = 0
    seed: int = 11
    bin_minutes: float = 30.0

    def __post_init__(self) -> None:
        if self.mode not in tuple(LineMode):
            raise ParameterError(f"`mode` must be 'inline' or 'stock', not {self.mode!r}.")
        object.__setattr__(self, "mode", LineMode(self.mode))
        for field in ("hours", "takt_s", "service_s", "bin_minutes"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ParameterError(f"`{field}` must be a positive number, not {value!r}.")
        if self.outage is not None and not (0 <= self.outage[0] < self.outage[1]):
            raise ParameterError(f"`outage` must be (start_hour, end_hour) with start < end, not {self.outage!r}.")


@dataclasses.dataclass(frozen=True)
class LineResult:
    """What the line did: devices certified, throughput per bin, queue length steps, stopped time."""

    config: LineConfig
    completed: int
    bin_starts_h: tuple[float, ...]
    per_hour: tuple[float, ...]
    queue_times_h: tuple[float, ...]
    queue_lengths: tuple[int, ...]
    stopped_minutes: float
    max_queue: int

    def summary(self) -> str:
        c = self.config
        nominal = int(c.hours * 3600 / c.takt_s)
        return (f"{c.label}: {self.completed} of {nominal} devices certified in {c.hours:g} h; line stopped "
                f"{self.stopped_minutes:.0f} min; longest queue {self.max_queue}")

    __repr__ = summary


def simulate(config: LineConfig | None = None, **changes) -> LineResult:
    """Run the line for ``config.hours`` (keyword arguments override fields of ``config``)."""
    config = dataclasses.replace(config or LineConfig(), **changes)
    end = config.hours * 3600
    station = _Station(config)
    station.run(end)
    bin_starts_h, per_hour = _throughput(station.done, end, config.bin_minutes * 60)
    return LineResult(config, len(station.done), bin_starts_h, per_hour, tuple(station.q_times),
                      tuple(station.q_lens), station.stopped / 60, max(station.q_lens))


class _Station:
    """The certificate station as the events change it: its buffer, its stock, the CA, the stopped line.

    Events are ``(time, sequence number, kind, tag)`` in a heap; the sequence number keeps events at
    the same instant in the order they were scheduled. An ``ISSUED`` event's tag is the CA's
    *generation* when it started the certificate: an outage starts a new generation, so a
    certificate in progress when the CA went down is lost.
    """

    def __init__(self, config: LineConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        stocked = config.mode == LineMode.STOCK
        self.target = config.stock_target if stocked else 0
        self.stock = config.initial_stock if stocked else 0
        self.events: list[tuple[float, int, EventKind, int]] = []
        self.seq = 0
        self.queue: list[float] = []  # arrival times of the devices waiting in the buffer
        self.done: list[float] = []  # when each device got its certificate
        self.q_times, self.q_lens = [0.0], [0]
        self.ca_up, self.ca_busy, self.generation = True, False, 0
        self.blocked_since: float | None = None
        self.stopped = 0.0

    def push(self, t: float, kind: EventKind, tag: int = 0) -> None:
        """Schedule an event at ``t`` seconds."""
        self.seq += 1
        heapq.heappush(self.events, (t, self.seq, kind, tag))

    def run(self, end: float) -> None:
        """Play the events until ``end`` (seconds); a line still stopped then counts as stopped until ``end``."""
        config = self.config
        out_start, out_end = ((config.outage[0] * 3600, config.outage[1] * 3600) if config.outage
                              else (end + 1, end + 1))
        self.push(0.0, EventKind.ARRIVAL)
        self.push(out_start, EventKind.OUTAGE)
        self.push(out_end, EventKind.RESTORE)
        while self.events:
            t, _, kind, tag = heapq.heappop(self.events)
            if t >= end:
                break
            if not self.handle(t, kind, tag):
                continue
            self.start_ca(t)
            if self.queue or self.q_lens[-1]:
                self.q_times.append(t / 3600)
                self.q_lens.append(len(self.queue))
        if self.blocked_since is not None:
            self.stopped += end - self.blocked_since

    def handle(self, t: float, kind: EventKind, tag: int) -> bool:
        """Apply one event; False when it leaves the buffer and the CA as they were (nothing else to update)."""
        if kind == EventKind.ARRIVAL:
            return self.arrival(t)
        if kind == EventKind.ISSUED:
            return self.issued(t, tag)
        if kind == EventKind.OUTAGE:
            self.ca_up, self.ca_busy, self.generation = False, False, self.generation + 1
        elif kind == EventKind.RESTORE:
            self.ca_up = True
        return True

    def arrival(self, t: float) -> bool:
        """A device reaches the station: it takes a stocked certificate, or waits in the buffer, or stops the line."""
        if self.stock > 0:
            self.stock -= 1
            self.done.append(t)
        elif len(self.queue) < self.config.buffer:
            self.queue.append(t)
        else:
            self.blocked_since = t  # the line stops until a place frees up
            return False
        self.push(t + self.config.takt_s, EventKind.ARRIVAL)
        return True

    def issued(self, t: float, tag: int) -> bool:
        """The CA finishes a certificate: for the first waiting device (restarting a stopped line), or for stock."""
        if tag != self.generation:
            return False  # lost in an outage
        self.ca_busy = False
        if self.queue:
            self.queue.pop(0)
            self.done.append(t)
            if self.blocked_since is not None:
                self.stopped += t - self.blocked_since
                self.blocked_since = None
                self.push(t, EventKind.ARRIVAL)
        else:
            self.stock += 1
        return True

    def start_ca(self, t: float) -> None:
        """An idle CA that is up starts a certificate when a device waits or the stock is below its target."""
        if self.ca_up and not self.ca_busy and (self.queue or self.stock < self.target):
            self.ca_busy = True
            self.push(t + self.config.service_s * self.rng.uniform(0.5, 1.5), EventKind.ISSUED, self.generation)


def _throughput(done: list[float], end: float, width: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Devices certified per hour in bins of ``width`` seconds: the bins' starts (hours) and their rates.

    The shift is cut into ``round(end / width)`` bins; a certificate after the last bin's end counts in
    the last bin.
    """
    bins = int(round(end / width))
    counts = [0] * bins
    for t in done:
        counts[min(int(t // width), bins - 1)] += 1
    per_hour = tuple(c * 3600 / width for c in counts)
    return tuple(i * width / 3600 for i in range(bins)), per_hour


#: The chapter's three runs: the same 8-hour shift and a one-hour CA outage from 02:00 to 03:00.
SCENARIOS = {
    "inline": LineConfig(label="inline issuance", mode=LineMode.INLINE, outage=(2, 3)),
    "pre-issued batches": LineConfig(label="pre-issued batches", mode=LineMode.STOCK, outage=(2, 3),
                                     initial_stock=400, stock_target=400),
    "issuance at module build": LineConfig(label="issuance at module build", mode=LineMode.STOCK, outage=(2, 3),
                                           initial_stock=1500, stock_target=1500, service_s=18.0),
}


def plot_lines(results):
    """Throughput (devices per hour) and queue length over the shift, one line per result."""
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(MAX_WIDTH_IN, 6), sharex=True)
    for r, style in zip(results, ["-", "--", "-.", ":"] * len(results), strict=False):
        xs, ys = list(r.bin_starts_h) + [r.config.hours], list(r.per_hour) + [r.per_hour[-1]]
        top.step(xs, ys, where="post", ls=style, lw=1.6, label=r.config.label)
        bottom.step(r.queue_times_h, r.queue_lengths, where="post", ls=style, label=r.config.label)
    nominal = 3600 / results[0].config.takt_s
    top.axhline(nominal, color="grey", ls=":", label=f"line speed ({nominal:.0f}/h)")
    for r in results[:1]:
        if r.config.outage:
            for ax in (top, bottom):
                ax.axvspan(*r.config.outage, color="#cf222e", alpha=0.12, label="CA outage" if ax is top else None)
    top.set_ylabel("devices certified\nper hour")
    bottom.set_ylabel("devices waiting\nfor a certificate")
    integer_ticks(bottom.yaxis)  # a number of devices
    bottom.set_xlabel("hours into the shift")
    handles, labels = top.get_legend_handles_labels()  # the top panel has every entry (line speed, outage)
    legend_below(bottom, handles=handles, labels=labels, ncol=3, below_pt=34, fontsize=9)  # the lines fill both panels
    top.set_title("A factory line and its CA")
    fig.tight_layout()
    return fig
