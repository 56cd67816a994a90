"""Capstone milestone 8 (chapters 12 and 13): the product line's post-quantum migration plan.

The product line's roots and devices live 15 years (:data:`PQ_LIFE_YEARS`): a device built now under the lab clock
is still in the field in 2041, after NIST IR 8547's draft disallows quantum-vulnerable signatures (after 2035). A
:class:`PqPlan` says what migrates in which order (:data:`STEPS`), which post-quantum root the devices carry from
now on, what the boot loader verifies firmware with, and how much RAM a device gives to certificates; with a *why*.
:func:`milestone_pq` checks it against rules, each with its source, and measures the chain a device must hold
with chapter 13's lab CA (:func:`pki_lab.postquantum.lab_chain`), never a quoted figure.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Sequence

from .. import clock
from ..errors import ParameterError, WrongTypeError
from ..postquantum import ALGORITHMS, device_view, lab_chain
from .capstone import CapstoneProfile, Finding, is_worked_example

__all__ = ["PQ_LIFE_YEARS", "DISALLOWED_AFTER", "STEPS", "PQ_ROOTS", "FIRMWARE_SIGNATURES", "PqPlan", "pq_plan",
           "device_chain_bytes", "milestone_pq"]

#: How long the product line's roots and devices live, from the lab clock's now.
PQ_LIFE_YEARS = 15
#: NIST IR 8547 (initial public draft, November 2024): quantum-vulnerable algorithms are disallowed after 2035.
DISALLOWED_AFTER = _dt.datetime(2036, 1, 1, tzinfo=_dt.UTC)
#: What a plan puts in order, first to last.
STEPS = ("key exchange", "root", "firmware signing", "issuing CAs", "device identities")
#: The post-quantum roots a plan may ship (ML-DSA, FIPS 204; in X.509 by RFC 9881).
PQ_ROOTS = tuple(a for a in ALGORITHMS if a.startswith("ML-DSA"))
#: What a boot loader may verify firmware with, and whether a CRQC could forge it.
FIRMWARE_SIGNATURES = {
    "lms": ("LMS (NIST SP 800-208)", True),
    "xmss": ("XMSS (NIST SP 800-208)", True),
    "ml-dsa": ("ML-DSA (FIPS 204)", True),
    "slh-dsa": ("SLH-DSA (FIPS 205)", True),
    "ecdsa": ("ECDSA", False),
    "rsa": ("RSA", False),
}

_SOURCES = {
    "key-exchange-first": "chapter 13 and NIST IR 8547 (draft): recorded traffic is decrypted later (harvest now, "
                          "decrypt later), so key exchange is exposed today; draft-ietf-tls-ecdhe-mlkem "
                          "(X25519MLKEM768)",
    "pq-root-now": "NIST IR 8547 (draft): quantum-vulnerable signatures disallowed after 2035; RFC 9881 (ML-DSA in "
                   "X.509); chapter 09: a root must be on the devices before anything depends on it",
    "firmware-pq": "NIST SP 800-208 (LMS, XMSS for firmware), FIPS 204 and 205: an update channel that a CRQC can "
                   "forge can install anything, including a fake post-quantum root",
    "order": "RFC 5280 6.1.3 (a)(1): every signature of the path is checked, so an identity is only as safe as the "
             "chain and the update channel above it",
    "room-for-chain": "chapter 13's measurement (device_view of a lab ML-DSA chain) and RFC 7228's device classes",
    "why": "the capstone's brief: each choice is justified",
}


@dataclasses.dataclass(frozen=True)
class PqPlan:
    """The learner's post-quantum migration plan for a capstone profile (make one with :func:`pq_plan`)."""

    profile: CapstoneProfile
    order: tuple[str, ...]
    new_root: str = "ML-DSA-87"
    ship_pq_root_now: bool = True
    firmware_signing: str = "lms"
    device_ram_kib: int = 64
    why: str = ""

    def __str__(self) -> str:
        shipped = "shipped in every device from now" if self.ship_pq_root_now else "not shipped yet"
        return (f"post-quantum plan for {self.profile.product}: {' -> '.join(self.order)}; new root "
                f"{self.new_root} ({shipped}); firmware signed with "
                f"{FIRMWARE_SIGNATURES.get(self.firmware_signing, (self.firmware_signing,))[0]}; "
                f"{self.device_ram_kib} KiB of RAM for certificates")

    __repr__ = __str__


def pq_plan(profile: CapstoneProfile, *, order: Sequence[str], new_root: str = "ML-DSA-87",
            ship_pq_root_now: bool = True, firmware_signing: str = "lms", device_ram_kib: int = 64,
            why: str = "") -> PqPlan:
    """A :class:`PqPlan`, each value checked for its type and vocabulary (not yet for the rules).

    Args:
        profile: the capstone profile (exercise 12.1's ``mine``).
        order: every one of :data:`STEPS`, once, in the order they migrate.
        new_root: the post-quantum root's algorithm, one of :data:`PQ_ROOTS` (or a classical one, which the rules
            refuse).
        ship_pq_root_now: whether devices leaving the factory from now carry that root in their trust bundle.
        firmware_signing: a key of :data:`FIRMWARE_SIGNATURES`, what the boot loader verifies updates with.
        device_ram_kib: the RAM (KiB) a device can give to the certificates of one TLS handshake.
        why: a sentence on the plan.

    Raises:
        WrongTypeError: ``profile`` is not a :class:`~pki_lab.iot.capstone.CapstoneProfile`.
        ParameterError: a step missing, repeated or unknown; an unknown root or firmware signature; a RAM size
            that is not a whole number of KiB above 0.
    """
    if not isinstance(profile, CapstoneProfile):
        raise WrongTypeError(f"`profile` must be your CapstoneProfile (exercise 12.1's mine), not "
                             f"{type(profile).__name__}.")
    steps = tuple(order) if isinstance(order, (list, tuple)) else None
    if steps is None or sorted(map(str, steps)) != sorted(STEPS) or len(steps) != len(STEPS):
        raise ParameterError(f"`order` must list each of {', '.join(repr(s) for s in STEPS)} once, first to last; "
                             f"got {order!r:.120}.")
    if new_root not in ALGORITHMS:
        raise ParameterError(f"`new_root` must be one of {', '.join(ALGORITHMS)}, not {new_root!r:.40}.")
    if firmware_signing not in FIRMWARE_SIGNATURES:
        raise ParameterError(f"`firmware_signing` must be one of {', '.join(FIRMWARE_SIGNATURES)}, not "
                             f"{firmware_signing!r:.40}.")
    if isinstance(device_ram_kib, bool) or not isinstance(device_ram_kib, int) or device_ram_kib <= 0:
        raise ParameterError(f"`device_ram_kib` must be a whole number of KiB above 0, such as 64, not "
                             f"{device_ram_kib!r:.40}.")
    if not isinstance(ship_pq_root_now, bool) or not isinstance(why, str):
        raise ParameterError("`ship_pq_root_now` must be True or False, and `why` a sentence (a str).")
    return PqPlan(profile, steps, new_root, ship_pq_root_now, firmware_signing, device_ram_kib, why)


def device_chain_bytes(new_root: str) -> int:
    """What a device receives in a post-quantum handshake under ``new_root``: an ML-DSA-65 intermediate and an
    ML-DSA-44 leaf issued by the lab CA (leaf + intermediate, measured as chapter 13's :func:`device_view` does)."""
    return device_view(*lab_chain(new_root, "ML-DSA-65", "ML-DSA-44").certificates).received


def _end_of_life() -> _dt.datetime:
    return clock.now() + _dt.timedelta(days=round(365.25 * PQ_LIFE_YEARS))


def _order_findings(plan: PqPlan) -> list[Finding]:
    first = plan.order[0] == "key exchange"
    out = [Finding("key-exchange-first", first,
                   "key exchange moves first: the devices' telemetry recorded today stays safe." if first else
                   f"{plan.order[0]!r} comes first, but recorded traffic can be decrypted once a CRQC exists: move "
                   "'key exchange' (hybrid ML-KEM) to the front.", _SOURCES["key-exchange-first"])]
    late = [s for s in ("root", "firmware signing") if plan.order.index(s) > plan.order.index("device identities")]
    out.append(Finding("order", not late,
                       "the root and the firmware signing move before the device identities that depend on them."
                       if not late else f"{' and '.join(late)} come after the device identities: a post-quantum "
                       "identity under a forgeable root or update channel is not safe; move them earlier.",
                       _SOURCES["order"]))
    return out


def milestone_pq(plan: PqPlan) -> list[Finding]:
    """Milestone 8: the post-quantum plan for devices that live :data:`PQ_LIFE_YEARS` years. One finding per rule."""
    if not isinstance(plan, PqPlan):
        raise ParameterError(f"Expected a PqPlan (made with pq_plan(profile, order=...)), not {type(plan).__name__}.")
    copied = is_worked_example(plan.profile)
    out = [] if copied is None else [Finding("own-design", False, f"this is not your own design: {copied}",
                                             "the capstone's brief")]
    out += _order_findings(plan)
    end = _end_of_life()
    pq_root = plan.new_root in PQ_ROOTS and plan.ship_pq_root_now
    if pq_root:
        sentence = (f"devices built from now carry the {plan.new_root} root: they can verify post-quantum chains "
                    f"until {end.year}, past {DISALLOWED_AFTER.year - 1}.")
    elif plan.new_root not in PQ_ROOTS:
        sentence = (f"the {plan.new_root} root is quantum-vulnerable, and the devices live until {end.year}, past "
                    f"{DISALLOWED_AFTER.year - 1}: choose one of {', '.join(PQ_ROOTS)}.")
    else:
        sentence = (f"the {plan.new_root} root is not shipped yet: a device built now can only learn it through an "
                    "update, which must then already be post-quantum; ship it now (ship_pq_root_now=True).")
    out.append(Finding("pq-root-now", pq_root, sentence, _SOURCES["pq-root-now"]))
    name, safe = FIRMWARE_SIGNATURES[plan.firmware_signing]
    out.append(Finding("firmware-pq", safe,
                       f"the boot loader verifies updates with {name}, which a CRQC cannot forge." if safe else
                       f"the boot loader verifies updates with {name}, which a CRQC could forge: use LMS or XMSS "
                       "(NIST SP 800-208), ML-DSA or SLH-DSA.", _SOURCES["firmware-pq"]))
    needed = device_chain_bytes(plan.new_root if plan.new_root in PQ_ROOTS else "ML-DSA-65")
    room = plan.device_ram_kib * 1024 >= needed
    out.append(Finding("room-for-chain", room,
                       f"{plan.device_ram_kib} KiB of RAM holds the {needed:,} bytes of a post-quantum chain." if room
                       else f"{plan.device_ram_kib} KiB of RAM cannot hold the {needed:,} bytes of a post-quantum "
                       f"chain (leaf + intermediate, measured): give certificates at least "
                       f"{-(-needed // 1024)} KiB.", _SOURCES["room-for-chain"]))
    given = len(plan.why.split()) >= 4
    out.append(Finding("why", given, "the plan says why." if given else
                       "give why='...' a sentence of at least four words: why this order, and why now.",
                       _SOURCES["why"]))
    return out
