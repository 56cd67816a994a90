"""A replay of 2021-09-30, when DST Root CA X3 expired, with the real certificates.

Let's Encrypt's own root, ISRG Root X1 (2015), took years to reach every trust
store, so its certificates also chained to an older, widely trusted root through a
*cross-certificate*: ISRG Root X1's name and key, signed by IdenTrust's DST Root CA X3
(valid 2021-01-20 to 2024-09-30). DST Root CA X3 itself expired on 2021-09-30 at
14:01:15 UTC. The certificates below are the real ones, from :mod:`pki_lab.data`:

* ``DST Root CA X3`` (self-signed, in old trust stores);
* ``ISRG Root X1`` (self-signed, in current trust stores);
* ``ISRG Root X1`` cross-signed by DST Root CA X3 (sent by servers, untrusted);
* ``R3``, the Let's Encrypt intermediate that signed most leaves in 2021;
* a 2023 ``cryptography.io`` leaf issued by R3.

No leaf from September 2021 ships with the course, so the 2021 replay validates R3
itself, in the leaf position (RFC 5280 allows a CA certificate there), as a
certificate for TLS client use without a host name: the path above R3 is the one
every Let's Encrypt leaf depended on.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools

from cryptography import x509

from .. import data
from ..errors import ParameterError
from .api import validate_chain
from .report import ValidationReport

__all__ = ["ReplayRow", "certificates", "replay", "DST_EXPIRY"]

#: When DST Root CA X3 expired (its notAfter).
DST_EXPIRY = _dt.datetime(2021, 9, 30, 14, 1, 15, tzinfo=_dt.UTC)


@functools.cache
def certificates() -> dict[str, x509.Certificate]:
    """The real certificates of the replay, by short name."""
    leaf, *_ = data.certificates("chains/cryptography.io_2023-05_le-r3.chain.pem")
    return {
        "DST Root CA X3": data.certificate("roots/dst_root_ca_x3.pem"),
        "ISRG Root X1": data.certificate("roots/isrg_root_x1.pem"),
        "ISRG Root X1 (cross-signed by DST)": data.certificate(
            "intermediates/isrg_root_x1_cross_signed_by_dst_root_ca_x3.pem"),
        "R3": data.certificate("intermediates/lets_encrypt_r3.pem"),
        "cryptography.io (2023)": leaf,
    }


@dataclasses.dataclass(frozen=True)
class ReplayRow:
    """One client at one instant: what it trusts, the verdict and why."""

    when: _dt.datetime
    trusts: str
    report: ValidationReport

    def __str__(self) -> str:
        verdict = "VALID  " if self.report.ok else "INVALID"
        return (f"{self.when.isoformat()}  trusts {self.trusts:<28} {verdict}  path: {self.report.path_text()}"
                + ("" if self.report.ok else f"\n{'':>27}reason: {self.report.reason}"))


def replay(when: _dt.datetime, trusts: str = "DST Root CA X3", *, leaf: str = "R3") -> ReplayRow:
    """Validate ``leaf`` at ``when`` for a client whose trust store holds ``trusts``.

    ``trusts`` is ``"DST Root CA X3"``, ``"ISRG Root X1"`` or ``"both"``. The server sends what
    Let's Encrypt's default chain held in 2021: R3 and the cross-signed ISRG Root X1.
    """
    certs = certificates()
    stores = {"DST Root CA X3": ["DST Root CA X3"], "ISRG Root X1": ["ISRG Root X1"],
              "both": ["DST Root CA X3", "ISRG Root X1"]}
    if trusts not in stores:
        raise ParameterError(f"`trusts` must be one of {', '.join(map(repr, stores))}, not {trusts!r}.")
    if leaf not in ("R3", "cryptography.io (2023)"):
        raise ParameterError(f"`leaf` must be 'R3' or 'cryptography.io (2023)', not {leaf!r}.")
    sent = [certs["R3"], certs["ISRG Root X1 (cross-signed by DST)"]]
    trust = [certs[name] for name in stores[trusts]]
    if leaf == "R3":
        report = validate_chain(certs["R3"], sent, trust, at=when, usage="client")
    else:
        report = validate_chain(certs[leaf], sent, trust, at=when, name="cryptography.io")
    return ReplayRow(when, trusts, report)
