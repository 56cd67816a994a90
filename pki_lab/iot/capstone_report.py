"""The capstone's milestones as pure checks, the design report a learner saves, and the summary drawing.

Each ``milestone_*`` function takes what the learner built and returns
:class:`~pki_lab.iot.capstone.Finding` objects; the chapter's exercises (:mod:`pki_lab.exercises.ch12`)
and :func:`design_report` call the same functions, so the report says what the checks say.
:func:`save_report` writes the report to a file in the working folder atomically and never overwrites
a different file: it picks the next free name.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography import x509

from ..errors import ParameterError
from ..names import certificate_label, common_name
from ..plots import MAX_WIDTH_IN
from .capstone import KEY_TYPES, CapstoneProfile, Finding, is_worked_example, milestone_design
from .capstone_line import ProductLine
from .capstone_plan import (
    FIRMWARE_BUILT,
    FORGED_TIME,
    TIME_SOURCES,
    ClockPolicy,
    RenewalPlan,
    clock_reset_run,
    migration_check,
    offline_margin,
    simulate_life,
)
from .capstone_pq import PqPlan, milestone_pq
from .trust import Code

__all__ = ["milestone_line", "milestone_plan", "milestone_bundle", "milestone_block", "milestone_offline",
           "milestone_clock", "OFFLINE_DAYS", "design_report", "SavedReport", "save_report", "draw_summary", "LEGEND"]

_OWN = "the capstone's brief"


def _own(profile: CapstoneProfile) -> list[Finding]:
    copied = is_worked_example(profile)
    return [] if copied is None else [Finding("own-design", False, f"this is not your own design: {copied}", _OWN)]


def milestone_line(line: ProductLine) -> list[Finding]:
    """Milestone 2: devices of every factory, issued through the roles, admitted by DPS and the hub."""
    out = _own(line.profile)
    missing = [f for f in line.factories if not any(line.factory_of(d) == f for d in line.devices)]
    out.append(Finding("every-factory", not missing,
                       f"no device from {', '.join(missing)} yet: enroll at least one per factory." if missing else
                       f"{len(line.devices)} devices from {len(line.factories)} factories.", _OWN))
    issued = {d.certificate for service in line.services() for d in service.decisions if d.approved}
    by_roles = [d for d in line.devices if d.certificate in issued]
    out.append(Finding("issued-by-roles", bool(line.devices) and len(by_roles) == len(line.devices),
                       (f"{len(by_roles)} of {len(line.devices)} device certificates came from an approved request to "
                        "a factory's issuing service (device CSR, agent, policy, retrieve, install)."),
                       "chapter 06: the enrollment roles (RFC 2986 proof of possession)"))
    wrong_cn = [d.registration_id for d in line.devices if common_name(d.certificate.subject) != d.registration_id]
    out.append(Finding("cn-is-id", not wrong_cn,
                       f"the CN of {', '.join(wrong_cn)} is not its registration ID." if wrong_cn else
                       "every device certificate's CN equals the device's registration ID.",
                       "Azure DPS X.509 attestation"))
    status = line.status()
    refused = {k: v for k, v in status.items() if v != Code.OK and k not in line.blocked}
    out.append(Finding("admitted", bool(status) and not refused,
                       (f"{len(refused)} devices are refused, e.g. {next(iter(refused))} "
                        f"({next(iter(refused.values()))})" if refused else
                        f"DPS and the hub admit all {len(status) - len(line.blocked)} devices."),
                       "the simulated DPS and IoT Hub"))
    return out


def milestone_plan(plan: RenewalPlan) -> list[Finding]:
    """Milestone 3: the plan, run for ten years by :func:`~pki_lab.iot.capstone_plan.simulate_life`."""
    return _own(plan.profile) + simulate_life(plan).findings()


def milestone_bundle(bundle: Sequence[x509.Certificate], profile: CapstoneProfile) -> list[Finding]:
    """Milestone 4: the trust bundle devices carry before the hub moves to the new root."""
    before, after = migration_check(bundle, profile)
    sentence = (f"before the move: {'admitted' if before.ok else f'refused ({before.code})'}; after the move: "
                f"{'admitted' if after.ok else f'refused ({after.code})'}.")
    if not (before.ok and after.ok):
        sentence += (" The device judges the hub's chain by its bundle alone: which root does that chain end at on "
                     "each side of the move?")
    return [Finding("bundle-spans-move", before.ok and after.ok, sentence,
                    "chapter 09: announce the new root, deliver it, then switch")]


def milestone_block(line: ProductLine) -> list[Finding]:
    """Milestone 5: exactly one device shut out the Azure way (DPS and the hub), the rest still admitted."""
    out = _own(line.profile)
    # The hub is asked first, and DPS is read, not called: a registration through DPS would create the hub
    # identity again (which is why blocking at the hub alone is not enough), and a check must not change the line.
    hub = {d.registration_id: str(line.hub.connect(d).code) for d in line.devices}
    dps = {d.registration_id: (Code.ENROLLMENT_DISABLED if _disabled_enrollment(line, d) else Code.OK)
           for d in line.devices}
    shut = [k for k in dps if dps[k] == Code.ENROLLMENT_DISABLED and hub[k] == Code.DEVICE_DISABLED]
    half = [k for k in dps if (dps[k] == Code.ENROLLMENT_DISABLED) != (hub[k] == Code.DEVICE_DISABLED)]
    others = [k for k in dps if k not in shut and k not in half and hub[k] != Code.OK]
    if half:
        k = half[0]
        sentence = (f"{k} is blocked at {'DPS' if dps[k] != Code.OK else 'the hub'} only: "
                    + ("a provisioned device connects to the hub directly, so disable its hub identity too."
                       if dps[k] != Code.OK else
                       "DPS would provision it again (and re-enable its identity): add a disabled individual "
                       "enrollment for its certificate too."))
    elif len(shut) != 1:
        sentence = (f"{len(shut)} devices are shut out; block exactly the stolen one." if shut else
                    "no device is shut out at both DPS and the hub yet (a CRL changes nothing there).")
    elif others:
        sentence = f"the stolen device is shut out, but {others[0]} is refused too."
    else:
        sentence = f"{shut[0]} is refused by DPS (enrollment-disabled) and the hub (device-disabled); the rest work."
    out.append(Finding("blocked-azure-way", len(shut) == 1 and not half and not others, sentence,
                       "Azure: disenroll a device from DPS; disable a device in IoT Hub"))
    return out


#: How long milestone 6's devices are offline.
OFFLINE_DAYS = 400


def _disabled_enrollment(line: ProductLine, device) -> bool:
    """Does DPS hold a disabled individual enrollment for this device's certificate (which overrides its group)?"""
    enrollment = line.dps.individual.get(device.registration_id)
    return (enrollment is not None and not enrollment.enabled
            and enrollment.certificate is not None and enrollment.certificate == device.certificate)


def milestone_offline(plan: RenewalPlan, days: int = OFFLINE_DAYS) -> list[Finding]:
    """Milestone 6: a device away ``days`` from just before its renewal returns valid, and the plan still passes."""
    margin = offline_margin(plan)
    found = Finding("offline-margin", margin >= days,
                    (f"the renewal window is {margin} days, so a device away {days} days from just before its "
                     "renewal returns " + ("valid and renews." if margin >= days else
                                           "expired: renew earlier (a smaller renew_at) or issue longer device "
                                           "certificates.")),
                    "chapter 06's renewal window")
    return [found] + milestone_plan(plan)


_CLOCK_SOURCES = {
    "admitted-after-reset": "RFC 5280 6.1.3 (a)(2): validity is judged at the current time, the device's own clock; "
                            "RFC 5905 (NTPv4) and RFC 4330 (SNTP): the time sync",
    "floor-holds": "RFC 8915 (NTS), why unauthenticated NTP answers can be forged on the path; step 6: a build-date "
                   "floor bounds how far back a boot or a forged answer can take the clock",
    "why": "the capstone's brief: each choice is justified",
}


def _day(when) -> str:
    return when.date().isoformat()


def milestone_clock(policy: ClockPolicy) -> list[Finding]:
    """Milestone 7: a device whose clock reset is admitted by the hub, and its clock never reads before the floor.

    :func:`~pki_lab.iot.capstone_plan.clock_reset_run` boots one device of the policy's line after a power cut
    with the policy; the hub's own validity check (the device's clock against the hub's TLS chain) decides.
    """
    if not isinstance(policy, ClockPolicy):
        raise ParameterError(f"Expected a ClockPolicy (made with ClockPolicy(profile, ...)), not "
                             f"{type(policy).__name__}.")
    run = clock_reset_run(policy)
    out = _own(policy.profile)
    at_tls, verdict = run.at_tls, run.verdict
    head = f"the reset device's clock read {_day(at_tls)} at its first TLS connection"
    if verdict.ok:
        sentence = f"{head}, and the hub admitted it."
    else:
        why = ("before the hub's TLS chain is valid, so the device refused the hub"
               if verdict.code == Code.SERVER_UNTRUSTED else f"and the hub said {verdict.code}: {verdict.reason}")
        sync = "sync the clock (sync='nts', 'sntp', 'nitz' or 'gnss') before the first TLS connection."
        if policy.sync is None and not (policy.floor or policy.saved_time):
            fix = f"with no time source and no floor, a reset device trusts its 1970 clock: {sync}"
        elif policy.sync is None:
            fix = ("a floor or a saved time is a date in the past, so it only helps with certificates issued before "
                   f"it, and the hub renewed its TLS certificate since: {sync}")
        elif not policy.sync_before_tls:
            fix = ("the device syncs only after its first TLS connection, which its unsynced clock has already "
                   "judged: sync before TLS (sync_before_tls=True).")
        else:
            fix = "read the hub's reason."
        sentence = f"{head}, {why}; {fix}"
    out.append(Finding("admitted-after-reset", verdict.ok, sentence, _CLOCK_SOURCES["admitted-after-reset"]))
    step, lowest = run.lowest
    holds = lowest >= FIRMWARE_BUILT
    floor = _day(FIRMWARE_BUILT)
    if not holds:
        sentence = (f"the clock read {_day(lowest)} after {step}, earlier than the firmware's build date ({floor}): "
                    "at such a time, certificates that expired long ago look valid. Keep the build date as a floor "
                    "(floor=True), so no boot and no forged time answer goes back before it.")
    elif run.forged is not None:
        sentence = (f"the clock never read earlier than the firmware's build date, {floor}: a forged "
                    f"{TIME_SOURCES[policy.sync][0]} answer saying {_day(FORGED_TIME)} was held at the floor "
                    "(NTS would refuse it outright).")
    elif policy.sync is not None:
        sentence = (f"the clock never read earlier than the firmware's build date, {floor}, and NTS refuses a time "
                    "answer it cannot authenticate.")
    else:
        sentence = f"the clock never read earlier than the firmware's build date, {floor}."
    out.append(Finding("floor-holds", holds, sentence, _CLOCK_SOURCES["floor-holds"]))
    given = len(policy.why.split()) >= 4
    out.append(Finding("why", given, "the policy says why." if given else
                       "give why='...' a sentence of at least four words: why this time source, and why a floor.",
                       _CLOCK_SOURCES["why"]))
    return out


# -- the report ---------------------------------------------------------------------------------

def _verdict(findings: list[Finding] | None) -> str:
    if findings is None:
        return "not attempted"
    return "PASS" if all(f.ok for f in findings) else "FAIL"


def _safely(check, *args) -> list[Finding] | None:
    if any(a is ... or a is None for a in args):
        return None
    try:
        return check(*args)
    except Exception as exc:  # noqa: BLE001 - the report says what went wrong instead of failing
        return [Finding("readable", False, f"could not be checked: {exc}", "pki_lab")]


def design_report(profile: Any = ..., line: Any = ..., plan: Any = ..., bundle: Any = ..., blocked: Any = ...,
                  offline_plan: Any = ..., clock_policy: Any = ..., pq: Any = ...) -> str:
    """The learner's design report as Markdown: choices and reasons, then each milestone's verdict.

    Every argument may be left as ``...`` (not attempted yet). ``bundle`` is a device (its trust bundle is
    used) or a list of root certificates; ``blocked`` is the line after blocking the stolen device (often the
    same object as ``line``); ``clock_policy`` is milestone 7's :class:`~pki_lab.iot.capstone_plan.ClockPolicy`;
    ``pq`` is milestone 8's :class:`~pki_lab.iot.capstone_pq.PqPlan`.
    """
    rows = ["# Capstone design report", ""]
    if isinstance(profile, CapstoneProfile):
        p = profile
        rows += [f"**Product line:** {p.product}; factories: {', '.join(p.factories)}.", "",
                 "| choice | value | why |", "|---|---|---|",
                 f"| lifetimes | root {p.root_days} d, issuing CAs {p.issuing_days} d, devices {p.device_days} d"
                 f"{', root roll planned' if p.root_roll else ''} | {p.why.get('lifetimes', '')} |",
                 f"| keys | root {KEY_TYPES[p.root_key]}, issuing {KEY_TYPES[p.issuing_key]}, devices "
                 f"{KEY_TYPES[p.device_key]} | {p.why.get('keys', '')} |",
                 f"| names | `{p.id_scheme}`, e.g. `{p.registration_id(p.factories[0], 1) if p.factories else ''}` "
                 f"| {p.why.get('names', '')} |", ""]
    else:
        rows += ["No design yet: build your profile with `design(...)` in exercise 12.1.", ""]
    if isinstance(plan, RenewalPlan):
        rows += [f"**Renewal plan:** {plan}. Why: {plan.why or '(no reason given)'}", ""]
    if isinstance(clock_policy, ClockPolicy):
        rows += [f"**Device time:** {clock_policy}. Why: {clock_policy.why or '(no reason given)'}", ""]
    if isinstance(pq, PqPlan):
        rows += [f"**Post-quantum plan:** {pq}. Why: {pq.why or '(no reason given)'}", ""]
    milestones = [
        ("1. Design", _safely(milestone_design, profile)),
        ("2. Issue through the roles", _safely(milestone_line, line)),
        ("3. Renewal over ten years", _safely(milestone_plan, plan)),
        ("4. Root migration and trust bundle", _safely(milestone_bundle, getattr(bundle, "trust_bundle", bundle),
                                                       profile if isinstance(profile, CapstoneProfile) else None)),
        ("5. Revoke the Azure way", _safely(milestone_block, blocked)),
        (f"6. {OFFLINE_DAYS} days offline", _safely(milestone_offline, offline_plan)),
        ("7. A clock reset", _safely(milestone_clock, clock_policy)),
        ("8. The post-quantum migration", _safely(milestone_pq, pq)),
    ]
    rows += ["## Milestones", ""]
    for title, findings in milestones:
        rows.append(f"### {title}: {_verdict(findings)}")
        rows += [f"- {'PASS' if f.ok else 'FAIL'} `{f.rule}`: {f.sentence} *({f.source})*" for f in findings or []]
        rows.append("")
    rows += ["## Notes", "", "Generated by PKI Lab at the lab clock's time; re-run the chapter to refresh it.", ""]
    return "\n".join(rows)


@dataclasses.dataclass(frozen=True)
class SavedReport:
    """Where :func:`save_report` put the report, how big it is, and whether it had to take a new name."""

    path: Path
    size: int
    renamed_from: str | None = None
    unchanged: bool = False

    def __str__(self) -> str:
        # The same sentence whether the bytes were written now or were there already: either way the file holds
        # exactly this report (so re-running the chapter prints the same line).
        note = (f" ({self.renamed_from} already holds another report, so this one took the next free name; delete "
                "or rename that file to reuse its name)") if self.renamed_from else ""
        return f"The report is saved in {self.path.name} ({self.size:,} bytes){note}."

    __repr__ = __str__


def save_report(text: str, filename: str = "capstone-design-report.md", *,
                folder: str | os.PathLike = ".") -> SavedReport:
    """Write ``text`` to ``folder/filename`` atomically, never overwriting a different file.

    The bytes go to a temporary file in the same folder, which is then *linked* to the name (a hard
    link fails if the name exists, so no other file is ever replaced, even by a race). If the name holds
    the same bytes already, nothing is written; if it holds other bytes, the next free name
    (``capstone-design-report-2.md``, ...) is used and the result says so.

    Raises:
        ParameterError: ``text`` is not a string, or ``filename`` is not a plain file name ending in ``.md``.
    """
    if not isinstance(text, str):
        raise ParameterError(f"`text` must be the report's Markdown text (from design_report(...)), not "
                             f"{type(text).__name__}.")
    if not isinstance(filename, str) or Path(filename).name != filename or not filename.endswith(".md"):
        raise ParameterError(f"`filename` must be a plain file name ending in .md, such as "
                             f"'capstone-design-report.md', not {filename!r}.")
    data = text.encode("utf-8")
    base = Path(folder)
    stem = filename[:-3]
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}-", suffix=".tmp", dir=base)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        for n in range(1, 1000):
            target = base / (filename if n == 1 else f"{stem}-{n}.md")
            try:
                os.link(tmp, target)
            except FileExistsError:
                if target.read_bytes() == data:
                    return SavedReport(target, len(data), None if n == 1 else filename, unchanged=True)
                continue
            return SavedReport(target, len(data), None if n == 1 else filename)
        raise ParameterError(f"999 files named {stem}-N.md exist in {base}; move some away and save again.")
    finally:
        Path(tmp).unlink(missing_ok=True)


# -- the summary drawing ------------------------------------------------------------------------

#: The drawing's colours and what each means.
LEGEND = {"root CA": "#0969da", "issuing CA (current)": "#8250df", "retired CA": "#8c959f",
          "device admitted": "#2da44e", "device refused": "#cf222e", "device blocked (disabled)": "#9a6700"}


_FONT_PT = 10        # every label of the summary graph: 13.9 px at 100 dpi, unscaled (the figure fits the output)
_CHAR_IN = 0.6 * _FONT_PT / 72  # one character's width (DejaVu Sans, generous)


def _ca_label(name: str, product: str, width_in: float) -> str:
    """A CA's name on lines that fit ``width_in``: its kind ("Issuing CA G2", "Root CA") on a line of its own.

    An issuing CA's name drops the product (the title gives it), as device labels do: ``Porto`` over
    ``Issuing CA G2``.
    """
    import textwrap

    head, kind = name, ""
    for word in (" Issuing CA", " Root CA"):
        if word in name:
            head, rest = name.split(word, 1)
            kind = word.strip() + rest
    if kind.startswith("Issuing") and head.startswith(product + " ") and head != product:
        head = head[len(product) + 1:]
    chars = max(10, int(width_in / _CHAR_IN))
    lines = textwrap.wrap(head, chars, break_long_words=False, break_on_hyphens=False) or [head]
    return "\n".join(lines + ([kind] if kind else []))


def _lines_width(text: str) -> float:
    return max(len(part) for part in text.splitlines()) * _CHAR_IN


def _device_label(name: str) -> str:
    """``factory-000001`` of ``product-factory-000001``: the product is the same for every device of the line."""
    return name.rsplit("-", 2)[-2] + "-" + name.rsplit("-", 1)[-1] if name.count("-") >= 2 else name


def _device_rotation(labels: Sequence[str], spacing_in: float) -> int:
    """The smallest slant (35, 60 or 90 degrees) at which neighbouring device labels keep clear of each other.

    A label slanted by ``a`` takes ``length * cos(a) + height * sin(a)`` of the row's width, where its
    neighbour starts ``spacing_in`` further along.
    """
    import math

    length = max((len(label) for label in labels), default=0) * _CHAR_IN
    height = _FONT_PT * 1.3 / 72
    for angle in (35, 60):
        a = math.radians(angle)
        if length * math.cos(a) + height * math.sin(a) + 0.08 <= spacing_in:
            return angle
    return 90


def draw_summary(line: ProductLine, status: dict[str, str] | None = None, title: str | None = None):
    """The line as a graph: roots, issuing CAs (retired in grey), devices coloured by ``status``, with a legend.

    The figure is :data:`pki_lab.plots.MAX_WIDTH_IN` wide, so JupyterLab shows it at its own size and its
    10 pt text at 13.9 px: CA names wrap to their share of the width, and device labels slant more steeply
    when a fleet is large.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    status = status if status is not None else line.status()
    cas = [(certificate_label(r.certificate), 0, "root CA") for r in line.roots]
    current = {certificate_label(f.ca.certificate) for f in line.factories.values()}
    cas += [(certificate_label(c.certificate), 1, "issuing CA (current)" if certificate_label(c.certificate) in current
             else "retired CA") for c in line.all_cas()]
    nodes = {name: (level, kind) for name, level, kind in cas}
    parent = {certificate_label(c.certificate): certificate_label(c.certificate.issuer) for c in line.all_cas()}
    for d in line.devices:
        code = status.get(d.registration_id, "ok")
        kind = ("device admitted" if code == Code.OK else "device blocked (disabled)"
                if code in (Code.ENROLLMENT_DISABLED, Code.DEVICE_DISABLED) else "device refused")
        nodes[d.registration_id] = (2, kind)
        parent[d.registration_id] = certificate_label(d.certificate.issuer)
    pos: dict[str, tuple[float, float]] = {}
    counts = {}
    for level in (0, 1, 2):
        row = sorted((n for n, (lv, _) in nodes.items() if lv == level),
                     key=lambda n: (pos.get(parent.get(n, ""), (0, 0))[0], n))
        counts[level] = len(row)
        for i, name in enumerate(row):
            pos[name] = ((i + 0.5) / len(row), -level)
    width = MAX_WIDTH_IN
    devices = [n for n, (lv, _) in nodes.items() if lv == 2]
    rotation = _device_rotation([_device_label(n) for n in devices], width * 0.96 / max(1, len(devices)))
    fig, ax = plt.subplots(figsize=(width, 5.6 + (0.6 if rotation > 35 else 0)))
    for child, up in parent.items():
        if child in pos and up in pos:
            ax.plot(*zip(pos[up], pos[child], strict=True), color="#8c959f", lw=1, zorder=1)
    ca_width = {level: width * 0.96 / max(1, counts[level]) - 0.1 for level in (0, 1)}
    ca_labels = {name: _ca_label(name, line.profile.product, ca_width[level])
                 for name, (level, _) in nodes.items() if level < 2}
    # A crowded row of CAs: every other label one step higher, so neighbours do not run into each other.
    crowded = any(_lines_width(ca_labels[n]) > ca_width[nodes[n][0]] + 0.05 for n in ca_labels)
    for name, (level, kind) in nodes.items():
        x, y = pos[name]
        ax.scatter([x], [y], s=220, color=LEGEND[kind], zorder=2, edgecolors="white")
        if level == 2:
            ax.text(x, y - 0.12, _device_label(name), ha="right", va="top" if rotation < 90 else "center",
                    fontsize=_FONT_PT, rotation=rotation, rotation_mode="anchor")
        else:
            rank = sorted((n for n in ca_labels if nodes[n][0] == level), key=lambda n: pos[n][0]).index(name)
            lift = 0.38 if crowded and level == 1 and rank % 2 else 0.0
            ax.text(x, y + 0.12 + lift, ca_labels[name], ha="center", va="bottom", fontsize=_FONT_PT,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1} if lift else None)
    ax.legend(handles=[Patch(color=c, label=k) for k, c in LEGEND.items()], loc="upper center",
              bbox_to_anchor=(0.5, -0.02), ncol=3, fontsize=_FONT_PT, frameon=False)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-2.9 - (0.5 if rotation > 35 else 0), 0.75)
    ax.set_title(title or f"{line.profile.product}: what you built", fontsize=12)
    ax.axis("off")
    fig.tight_layout()
    return fig
