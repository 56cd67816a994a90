"""Chapter 12's capstone: the learner's design of a product line's PKI, and the rules it is checked against.

A :class:`CapstoneProfile` holds the learner's choices (lifetimes of the root, the issuing CAs and the
devices; key types; the product, its factories and the scheme that names each device) with a *why* for
each. :func:`check_profile` applies the design rules and returns one :class:`Finding` per rule: a
sentence naming the rule and its source. :func:`milestone_design` is milestone 1: the rules, plus the
refusal of the chapter's worked example (:data:`WORKED_EXAMPLE`, Contoso Thermo) as "your own design".

The other parts of the capstone build on a profile:

* :mod:`pki_lab.iot.capstone_line`: the product line, issued through chapter 06's enrollment roles and
  connected to the simulated provisioning service and hub; blocking a device the way Azure allows;
* :mod:`pki_lab.iot.capstone_plan`: the renewal plan over a 10-year device life, the hub's root migration
  and the trust bundle, the edge cases (a year offline, a clock reset to 1970);
* :mod:`pki_lab.iot.capstone_report`: the design report (Markdown, saved without overwriting) and the
  summary drawing.
"""

from __future__ import annotations

import dataclasses
import re
import string
from collections.abc import Mapping, Sequence

from ..errors import ParameterError

__all__ = ["DEVICE_LIFE_DAYS", "CHOICES", "KEY_TYPES", "Finding", "CapstoneProfile", "design", "WORKED_EXAMPLE",
           "registration_id", "check_lifetimes", "lifetime_report", "check_profile", "is_worked_example",
           "milestone_design", "problems", "slug"]

#: The device life the brief asks for: ten years in the field (3,652 days, leap days included).
DEVICE_LIFE_DAYS = 3652

#: The choices a profile justifies, one *why* each.
CHOICES = ("lifetimes", "keys", "names")

#: Key types a profile may name, and what each is. Azure IoT Hub's TLS support page lists RSA and ECDSA cipher
#: suites only (as of 2026-12-01); the lab's devices make P-256 keys inside, as a secure element does.
KEY_TYPES = {"ec": "ECDSA P-256", "p384": "ECDSA P-384", "rsa": "RSA 2048", "ed25519": "Ed25519"}
_HUB_KEYS = ("ec", "p384", "rsa")
_DEVICE_KEYS = ("ec",)

_SOURCES = {
    "lifetimes": "RFC 5280 6.1.3 (a)(2): every certificate of a path must be valid at the time of use",
    "issuing-window": "NIST SP 800-57 Part 1 Rev. 5, 5.3: a private signing key's cryptoperiod ends before its "
                      "public key's",
    "root-covers-life": "RFC 9810 (CMP) 4.4, root CA key update, and chapter 09: a root is replaced by a planned "
                        "roll, never by surprise",
    "keys": "Azure IoT Hub TLS support (RSA and ECDSA cipher suites, as of 2026-12-01) and chapter 06's policy",
    "names": "Azure DPS X.509 attestation: the device certificate's subject CN is the registration ID",
    "why": "the capstone's brief: each choice is justified",
}

_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,126}[a-z0-9])?$")


@dataclasses.dataclass(frozen=True)
class Finding:
    """One rule applied to one design: its id, whether the design passes, a sentence, and the rule's source."""

    rule: str
    ok: bool
    sentence: str
    source: str

    def __str__(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'} {self.rule}: {self.sentence} ({self.source})"

    __repr__ = __str__


def slug(text: str) -> str:
    """``"Contoso Thermo"`` -> ``"contoso-thermo"``: lowercase letters, digits and single hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


@dataclasses.dataclass(frozen=True)
class CapstoneProfile:
    """A product line's PKI as the learner designs it: every choice, and why (see :func:`design`)."""

    product: str
    factories: tuple[str, ...]
    root_days: int
    issuing_days: int
    device_days: int
    root_key: str = "p384"
    issuing_key: str = "ec"
    device_key: str = "ec"
    id_scheme: str = "{product}-{factory}-{serial:06d}"
    root_roll: bool = False
    why: dict = dataclasses.field(default_factory=dict, hash=False)

    def registration_id(self, factory: str, serial: int) -> str:
        """The registration ID (and certificate CN) of device ``serial`` from ``factory``."""
        return registration_id(self, factory, serial)

    def __str__(self) -> str:
        rows = [f"{self.product}: factories {', '.join(self.factories)}",
                f"  lifetimes: root {self.root_days} days, issuing CAs {self.issuing_days}, devices {self.device_days}",
                f"  keys: root {KEY_TYPES.get(self.root_key, self.root_key)}, issuing "
                f"{KEY_TYPES.get(self.issuing_key, self.issuing_key)}, devices "
                f"{KEY_TYPES.get(self.device_key, self.device_key)}",
                f"  device names: {self.id_scheme} (e.g. {_example_id(self)})"]
        rows += [f"  why {choice}: {self.why.get(choice) or '(no reason given)'}" for choice in CHOICES]
        return "\n".join(rows)

    __repr__ = __str__


def _example_id(profile: CapstoneProfile) -> str:
    try:
        return registration_id(profile, profile.factories[0], 1) if profile.factories else "(no factory)"
    except ParameterError:
        return "(the scheme does not format)"


def _whole_days(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value in (
            float("inf"), float("-inf")) or value != int(value) or value <= 0:
        raise ParameterError(f"`{name}` must be a whole number of days above 0, such as 1095, not {value!r}.")
    return int(value)


def design(product: str, factories: Sequence[str], *, root_days: int, issuing_days: int, device_days: int,
           root_key: str = "p384", issuing_key: str = "ec", device_key: str = "ec",
           id_scheme: str = "{product}-{factory}-{serial:06d}", root_roll: bool = False,
           why: Mapping[str, str] | None = None) -> CapstoneProfile:
    """A :class:`CapstoneProfile` from the learner's values, each checked for its type (not yet for the rules).

    Args:
        product: the product line's name ("Fabrikam Sense").
        factories: the factories' names; each gets its own issuing CA.
        root_days, issuing_days, device_days: the lifetimes, in whole days.
        root_key, issuing_key, device_key: key types, keys of :data:`KEY_TYPES`.
        id_scheme: how a device is named, a format with ``{product}``, ``{factory}`` (their :func:`slug`) and
            ``{serial}`` (a number, e.g. ``{serial:06d}``); the result is the registration ID and the CN.
        root_roll: True if the plan replaces the root during the device life (needed when the root is shorter
            than the device life plus a device certificate; milestone 3 simulates it).
        why: a reason for each of :data:`CHOICES` ("lifetimes", "keys", "names").

    Raises:
        ParameterError: a value of the wrong type, with a sentence saying what to give.
    """
    if not isinstance(product, str) or not product.strip():
        raise ParameterError(f"`product` must be the product line's name, such as 'Fabrikam Sense', not {product!r}.")
    if isinstance(factories, str) or not isinstance(factories, Sequence) or not all(
            isinstance(f, str) and f.strip() for f in factories):
        raise ParameterError("`factories` must be a list or tuple of factory names, such as ('Porto', 'Brno'), not "
                             f"{factories!r:.60}.")
    for name, value in (("root_key", root_key), ("issuing_key", issuing_key), ("device_key", device_key)):
        if value not in KEY_TYPES:
            raise ParameterError(f"`{name}` must be one of {', '.join(map(repr, KEY_TYPES))}, not {value!r}.")
    if not isinstance(id_scheme, str):
        raise ParameterError(f"`id_scheme` must be a text such as '{{product}}-{{factory}}-{{serial:06d}}', not "
                             f"{id_scheme!r}.")
    if not isinstance(root_roll, bool):
        raise ParameterError(f"`root_roll` must be True or False, not {root_roll!r}.")
    reasons = dict(why or {})
    unknown = [k for k in reasons if k not in CHOICES]
    if unknown or not all(isinstance(v, str) for v in reasons.values()):
        raise ParameterError(f"`why` maps each of {', '.join(CHOICES)} to a sentence; "
                             + (f"{', '.join(map(repr, unknown))} is not one of them." if unknown
                                else "every reason must be a text."))
    return CapstoneProfile(product.strip(), tuple(f.strip() for f in factories), _whole_days(root_days, "root_days"),
                           _whole_days(issuing_days, "issuing_days"), _whole_days(device_days, "device_days"),
                           root_key, issuing_key, device_key, id_scheme, root_roll, reasons)


#: The chapter's worked example. Milestone 1 refuses it as "your own design".
WORKED_EXAMPLE = design(
    "Contoso Thermo", ("Shenzhen", "Guadalajara"), root_days=7300, issuing_days=1825, device_days=1095,
    root_key="p384", issuing_key="ec", device_key="ec", id_scheme="{product}-{factory}-{serial:06d}",
    why={"lifetimes": "A 20-year offline root outlives the 10-year device life; 5-year issuing CAs are rolled "
                      "every 2 years, while 3 years of device certificates still fit inside them; 3-year device "
                      "certificates renew at two thirds, a year before they expire.",
         "keys": "ECDSA is cheap for a thermostat's secure element; P-384 for the long-lived root; all accepted "
                 "by IoT Hub.",
         "names": "product, factory and a serial: unique, lowercase, and the CN equals the registration ID as "
                  "DPS requires."})


def registration_id(profile: CapstoneProfile, factory: str, serial: int) -> str:
    """Format the profile's ID scheme for one device (``serial`` >= 1)."""
    if isinstance(serial, bool) or not isinstance(serial, int) or serial < 1:
        raise ParameterError(f"`serial` must be a whole number from 1, not {serial!r}.")
    try:
        return profile.id_scheme.format(product=slug(profile.product), factory=slug(factory), serial=serial)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise ParameterError(f"The ID scheme {profile.id_scheme!r} does not format ({exc}); use the fields "
                             "{product}, {factory} and {serial}, e.g. '{product}-{factory}-{serial:06d}'.") from None


def check_lifetimes(root_days: float, issuing_days: float, device_days: float, root_roll: bool = False
                    ) -> list[Finding]:
    """The lifetime rules alone (the try-it widget's pure function): ordered, an issuing window, the device life."""
    out = []
    ordered = device_days < issuing_days < root_days
    if ordered:
        out.append(Finding("lifetimes", True, f"device ({device_days:g} days) < issuing CA ({issuing_days:g}) < "
                                              f"root ({root_days:g}): no certificate outlives its issuer.",
                           _SOURCES["lifetimes"]))
    else:
        pairs = [("device", device_days, "issuing CA", issuing_days), ("issuing CA", issuing_days, "root", root_days)]
        bad = next((p for p in pairs if p[1] >= p[3]), pairs[0])
        relation = "equals" if bad[1] == bad[3] else "exceeds"
        out.append(Finding("lifetimes", False,
                           f"the {bad[0]} lifetime ({bad[1]:g} days) {relation} the {bad[2]}'s ({bad[3]:g}); each "
                           "lifetime must be shorter than its issuer's: with an equal or longer one, every "
                           "certificate issued after the issuer's first day outlives it.",
                           _SOURCES["lifetimes"]))
    window = max(issuing_days - device_days, 0)
    out.append(Finding("issuing-window", window >= 365,
                       (f"an issuing CA can sign full-length device certificates for {window:g} days before one would "
                        "outlive it" + ("; that is a year or more between rolls." if window >= 365 else
                                        "; give it at least a year (365 days), or every factory rolls its CA "
                                        "more often than once a year.")),
                       _SOURCES["issuing-window"]))
    covers = root_days >= DEVICE_LIFE_DAYS + device_days
    short = (f"the root ({root_days:g} days) ends before a device made today reaches the end of its "
             f"{DEVICE_LIFE_DAYS}-day life with its last {device_days:g}-day certificate "
             f"({DEVICE_LIFE_DAYS + device_days:g} days)")
    if covers:
        sentence = (f"the root ({root_days:g} days) covers a device made today through its {DEVICE_LIFE_DAYS}-day "
                    "life, including the last certificate it renews.")
    elif root_roll:
        sentence = short + "; you plan a root roll (root_roll=True), which milestone 3 simulates."
    else:
        sentence = short + "; lengthen it, or plan a root roll (root_roll=True) and say why."
    out.append(Finding("root-covers-life", covers or root_roll, sentence, _SOURCES["root-covers-life"]))
    return out


def lifetime_report(root_days: float, issuing_days: float, device_days: float) -> str:
    """The lifetime rules as text, one PASS/FAIL line each (the try-it widget's pure function)."""
    for name, value in (("root_days", root_days), ("issuing_days", issuing_days), ("device_days", device_days)):
        _whole_days(value, name)
    return "\n".join(f"{'PASS' if f.ok else 'FAIL'} {f.rule}: {f.sentence}"
                     for f in check_lifetimes(root_days, issuing_days, device_days))


def _key_findings(profile: CapstoneProfile) -> list[Finding]:
    bad = [f"the {role} key is {KEY_TYPES[kind]}, but IoT Hub and DPS speak TLS with RSA or ECDSA certificates"
           for role, kind in (("root", profile.root_key), ("issuing", profile.issuing_key)) if kind not in _HUB_KEYS]
    if profile.issuing_key == "rsa" and len(profile.factories) > 1:
        bad.append("the issuing keys are RSA, but the lab ships one test RSA key for issuing CAs, so every factory "
                   "would share it and one compromise would reach them all (choose 'ec' or 'p384')")
    if profile.device_key not in _DEVICE_KEYS:
        bad.append(f"the device key is {KEY_TYPES[profile.device_key]}, but the lab's simulated devices make ECDSA "
                   "P-256 keys in their secure element (choose 'ec')")
    if bad:
        return [Finding("keys", False, "; ".join(bad) + ".", _SOURCES["keys"])]
    return [Finding("keys", True, "the root, issuing and device keys are RSA or ECDSA, which IoT Hub and DPS accept.",
                    _SOURCES["keys"])]


def _name_findings(profile: CapstoneProfile) -> list[Finding]:
    if not profile.factories:
        return [Finding("names", False, "a product line needs at least one factory, each with its own issuing CA.",
                        _SOURCES["names"])]
    if len({slug(f) for f in profile.factories}) != len(profile.factories):
        return [Finding("names", False, "two factories have the same name once lowercased; name each one apart, "
                                        "so its issuing CA and its devices' IDs are told apart.", _SOURCES["names"])]
    fields = {name for _, name, _, _ in string.Formatter().parse(profile.id_scheme) if name is not None}
    if "serial" not in fields:
        return [Finding("names", False, f"the ID scheme {profile.id_scheme!r} has no {{serial}}, so every device of "
                                        "a factory would get the same registration ID.", _SOURCES["names"])]
    if len(profile.factories) > 1 and "factory" not in fields:
        return [Finding("names", False, f"the ID scheme {profile.id_scheme!r} has no {{factory}}: device 1 of every "
                                        "factory would share one registration ID.", _SOURCES["names"])]
    try:
        samples = [registration_id(profile, f, n) for f in profile.factories for n in (1, 2, 999999)]
    except ParameterError as exc:
        return [Finding("names", False, str(exc), _SOURCES["names"])]
    odd = next((s for s in samples if not _ID.match(s)), None)
    if odd is not None:
        return [Finding("names", False, f"{odd!r} is not a registration ID the lab accepts: lowercase letters, digits "
                                        "and hyphens, starting and ending with a letter or digit, at most 128 "
                                        "characters.", _SOURCES["names"])]
    if len(set(samples)) != len(samples):
        return [Finding("names", False, "two devices would get the same registration ID; make the scheme unique.",
                        _SOURCES["names"])]
    return [Finding("names", True, f"IDs such as {samples[0]!r} are unique and valid, and each device certificate's "
                                   "CN will equal its registration ID.", _SOURCES["names"])]


def _why_findings(profile: CapstoneProfile) -> list[Finding]:
    missing = [c for c in CHOICES if len(str(profile.why.get(c, "")).split()) < 4]
    copied = [c for c in CHOICES if c not in missing and profile.why.get(c) == WORKED_EXAMPLE.why[c]]
    if missing or copied:
        what = ([f"no reason of at least four words for {', '.join(missing)}"] if missing else []) + (
            [f"the worked example's reason for {', '.join(copied)}"] if copied else [])
        return [Finding("why", False, f"{' and '.join(what)}: give why={{...}} your own sentence per choice.",
                        _SOURCES["why"])]
    return [Finding("why", True, "each choice has a reason of its own.", _SOURCES["why"])]


def check_profile(profile: CapstoneProfile) -> list[Finding]:
    """Every design rule applied to ``profile``, one :class:`Finding` each, in the order the chapter teaches them."""
    if not isinstance(profile, CapstoneProfile):
        raise ParameterError(f"Expected a CapstoneProfile (made with design(...)), not {type(profile).__name__}.")
    return (check_lifetimes(profile.root_days, profile.issuing_days, profile.device_days, profile.root_roll)
            + _key_findings(profile)
            + _name_findings(profile) + _why_findings(profile))


def problems(findings: Sequence[Finding]) -> list[Finding]:
    """The findings that fail."""
    return [f for f in findings if not f.ok]


def is_worked_example(profile: CapstoneProfile) -> str | None:
    """Why ``profile`` is the worked example rather than a design of one's own (None if it is not)."""
    ex = WORKED_EXAMPLE
    if slug(profile.product) == slug(ex.product):
        return (f"it is the worked example's product, {ex.product}: milestone 1 asks for a product line of your own "
                "(another name, your factories, your lifetimes and your reasons).")
    if (profile.root_days, profile.issuing_days, profile.device_days) == (ex.root_days, ex.issuing_days,
                                                                          ex.device_days):
        return (f"its lifetimes are the worked example's ({ex.root_days}, {ex.issuing_days} and {ex.device_days} "
                "days) under a new name: choose lifetimes for your own product and say why they suit it.")
    if {slug(f) for f in profile.factories} == {slug(f) for f in ex.factories}:
        return (f"its factories are the worked example's ({', '.join(ex.factories)}): name your own product line's "
                "factories.")
    return None


def milestone_design(profile: CapstoneProfile) -> list[Finding]:
    """Milestone 1: the design rules, plus "your own design" (the worked example's values are refused)."""
    copied = is_worked_example(profile)
    own = Finding("own-design", copied is None,
                  "the design is your own." if copied is None else f"this is not your own design: {copied}",
                  "the capstone's brief")
    return [own] + check_profile(profile)
