"""Pinning policies: each policy's verdict for each kind of rotation, success and failure twins.

The service ``hub.example.net`` starts with ``root -> issuing -> leaf`` and then:

* renews its leaf with the same key            (``renewed``)
* re-keys its leaf                             (``rekeyed``)
* rolls over to a new issuing CA, same root    (``new-intermediate``)
* moves to a new root                          (``new-root``)
"""

from __future__ import annotations

import datetime as _dt
import types

import pytest

from pki_lab import clock
from pki_lab.ca import CertificateAuthority
from pki_lab.describe import thumbprint
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.keys import named_key
from pki_lab.pinning import (
    POLICY_KINDS,
    IssuingCaPin,
    LeafCertificatePin,
    PinVerdict,
    SpkiPin,
    ThumbprintAllowList,
    TrustStorePolicy,
    compare,
    spki_sha256,
    validate_path,
)

HOST = "hub.example.net"


@pytest.fixture(scope="module")
def world():
    root = CertificateAuthority.create_root("Pin Test Root")
    issuing = root.create_intermediate("Pin Test Issuing CA")
    issuing2 = root.create_intermediate("Pin Test Issuing CA 2")
    new_root = CertificateAuthority.create_root("Pin Test New Root")
    new_issuing = new_root.create_intermediate("Pin Test New Issuing CA")
    leaf = issuing.issue(HOST, key="hub-key-1")
    chains = {
        "original": [leaf, issuing.certificate],
        "renewed": [issuing.issue(HOST, key="hub-key-1"), issuing.certificate],
        "rekeyed": [issuing.issue(HOST, key="hub-key-2"), issuing.certificate],
        "new-intermediate": [issuing2.issue(HOST, key="hub-key-1"), issuing2.certificate],
        "new-root": [new_issuing.issue(HOST, key="hub-key-3"), new_issuing.certificate],
    }
    return types.SimpleNamespace(root=root, issuing=issuing, new_root=new_root, leaf=leaf, chains=chains)


def _policies(w):
    roots = [w.root.certificate]
    return {
        "trust-store": TrustStorePolicy(roots),
        "leaf-pin": LeafCertificatePin(roots, [w.leaf]),
        "spki-pin": SpkiPin(roots, [spki_sha256(w.leaf)]),
        "spki-pin+backup": SpkiPin(roots, [spki_sha256(w.leaf)], backup_pins=[spki_sha256(named_key("hub-key-2"))]),
        "spki-pin-root": SpkiPin(roots, [spki_sha256(w.root.certificate)]),
        "issuing-ca-pin": IssuingCaPin(roots, [w.issuing.certificate]),
        "thumbprint": ThumbprintAllowList([thumbprint(w.leaf)]),
    }


# (policy, chain) -> accepted?  Rows are named after the rule they show.
CASES = [
    ("trust-store", "original", True),
    ("trust-store", "renewed", True),
    ("trust-store", "rekeyed", True),
    ("trust-store", "new-intermediate", True),
    ("trust-store", "new-root", False),            # the new root is not in the store
    ("leaf-pin", "original", True),
    ("leaf-pin", "renewed", False),                # any renewal breaks a certificate pin
    ("spki-pin", "original", True),
    ("spki-pin", "renewed", True),                 # same key, new certificate: SPKI pin survives
    ("spki-pin", "new-intermediate", True),
    ("spki-pin", "rekeyed", False),                # new key without a backup pin
    ("spki-pin+backup", "rekeyed", True),          # RFC 7469 4.3: the backup pin names the next key
    ("spki-pin+backup", "new-root", False),
    ("spki-pin-root", "rekeyed", True),            # pinning the root's key tolerates leaf changes
    ("spki-pin-root", "new-root", False),
    ("issuing-ca-pin", "rekeyed", True),
    ("issuing-ca-pin", "new-intermediate", False),  # an intermediate rollover breaks CA pins
    ("thumbprint", "original", True),
    ("thumbprint", "renewed", False),              # a thumbprint identifies one exact certificate
]


@pytest.mark.parametrize(("policy", "chain", "accepted"), CASES, ids=[f"{p}-{c}" for p, c, _ in CASES])
def test_policy_verdicts(world, policy, chain, accepted):
    verdict = _policies(world)[policy].check(world.chains[chain], HOST)
    assert isinstance(verdict, PinVerdict)
    assert verdict.accepted is accepted, verdict.reason
    assert str(verdict).startswith("accept: " if accepted else "reject: ")


def test_reasons_name_what_matched_or_broke(world):
    p = _policies(world)
    assert "matches a backup pin" in p["spki-pin+backup"].check(world.chains["rekeyed"], HOST).reason
    assert "'Pin Test Issuing CA 2' is not a pinned CA" in p["issuing-ca-pin"].check(
        world.chains["new-intermediate"], HOST).reason
    assert "renewed or replaced" in p["leaf-pin"].check(world.chains["renewed"], HOST).reason
    reason = p["trust-store"].check(world.chains["new-root"], HOST).reason
    assert "issued by 'Pin Test New Root', which is not a trusted root" in reason


def test_pins_are_checked_on_top_of_validation_not_instead(world):
    """A pinned leaf presented for the wrong host, or without its intermediate, is still refused."""
    p = _policies(world)
    wrong_host = p["leaf-pin"].check(world.chains["original"], "evil.example.net")
    assert not wrong_host.accepted and "not for the host 'evil.example.net'" in wrong_host.reason
    missing = p["spki-pin"].check(world.chains["original"][:1], HOST)
    assert not missing.accepted and "'Pin Test Issuing CA', which is not a trusted root" in missing.reason


def test_thumbprint_list_needs_no_chain_and_trusts_a_self_signed_certificate(world):
    """A self-signed certificate is trusted only by being on a list: its own signature proves nothing."""
    self_signed = CertificateAuthority.create_root("device-42 self-signed").certificate
    listed = ThumbprintAllowList([thumbprint(self_signed, sep=":")])
    assert listed.check([self_signed]).accepted
    assert not ThumbprintAllowList([thumbprint(world.leaf)]).check([self_signed]).accepted
    assert not TrustStorePolicy([world.root.certificate]).check([self_signed], HOST).accepted


@pytest.mark.parametrize("policy", ["trust-store", "leaf-pin", "spki-pin", "issuing-ca-pin", "thumbprint"])
def test_every_policy_refuses_an_expired_leaf(world, policy):
    later = world.leaf.not_valid_after_utc + _dt.timedelta(days=1)
    verdict = _policies(world)[policy].check(world.chains["original"], HOST, at=later)
    assert not verdict.accepted
    assert "expired" in verdict.reason or "out of date" in verdict.reason
    assert _policies(world)[policy].check(world.chains["original"], HOST, at=clock.now()).accepted


def test_spki_pin_is_rfc7469_pin_sha256(world):
    """RFC 7469 2.4: base64(SHA-256(DER SubjectPublicKeyInfo)); the same for the key and its certificate."""
    import base64
    import hashlib

    from cryptography.hazmat.primitives import serialization

    der = world.leaf.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    assert spki_sha256(world.leaf) == base64.b64encode(hashlib.sha256(der).digest()).decode()
    key = named_key("hub-key-1")
    assert spki_sha256(world.leaf) == spki_sha256(key) == spki_sha256(key.public_key())
    assert spki_sha256(world.leaf) != spki_sha256(named_key("hub-key-2"))


def test_bad_input_gets_a_sentence(world):
    roots = [world.root.certificate]
    with pytest.raises(ParameterError, match="base64 SHA-256 SPKI hash"):
        SpkiPin(roots, ["abc"])
    with pytest.raises(ParameterError, match="at least one pin"):
        SpkiPin(roots, [])
    with pytest.raises(ParameterError, match="64 digits"):
        ThumbprintAllowList(["12:34"])
    with pytest.raises(WrongTypeError, match="must be an x509.Certificate"):
        TrustStorePolicy(["not a cert"])
    with pytest.raises(ParameterError, match="chain is empty"):
        TrustStorePolicy(roots).check([], HOST)
    with pytest.raises(WrongTypeError, match="list of certificates"):
        TrustStorePolicy(roots).check("pem text", HOST)
    with pytest.raises(ParameterError, match="DNS name"):
        validate_path(world.chains["original"], "", roots)
    with pytest.raises(ParameterError, match="timezone-aware"):
        TrustStorePolicy(roots).check(world.chains["original"], HOST, at=_dt.datetime(2026, 3, 15))
    with pytest.raises(WrongTypeError, match="certificate or a key"):
        spki_sha256("text")


def test_policy_kinds_and_hashability(world):
    assert set(POLICY_KINDS) == {"trust store", "leaf certificate pin", "SPKI pin", "issuing CA pin",
                                 "thumbprint allow-list"}
    policies = _policies(world)
    assert len({policies["spki-pin"], SpkiPin([world.root.certificate], [spki_sha256(world.leaf)])}) == 1


def test_compare_builds_a_table_of_the_same_verdicts(world):
    policies = _policies(world)
    table = compare({"leaf pin": policies["leaf-pin"], "SPKI pin": policies["spki-pin"]},
                    {"original": world.chains["original"], "renewed": world.chains["renewed"]}, HOST)
    assert table.verdict("leaf pin", "renewed") == policies["leaf-pin"].check(world.chains["renewed"], HOST)
    lines = str(table).splitlines()
    assert lines[1].split() == ["leaf", "pin", "accept", "reject"]
    assert lines[2].split() == ["SPKI", "pin", "accept", "accept"]
    with pytest.raises(ParameterError, match="two non-empty dicts"):
        compare({}, {}, HOST)
