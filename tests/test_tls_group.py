"""The key exchange group reads the same with and without ``SSLSocket.group()`` (added in Python 3.15, on OpenSSL
3.2 or newer), so a newer Python cannot change chapter 10's stored outputs under nbval.

Both branches of :func:`pki_lab.tls._negotiated_group` are run: on fake sockets with and without the method (and
with one that returns None or raises), and on a real loopback handshake with the method planted on
``ssl.SSLSocket`` as a newer Python would have it, comparing the printed handshake word for word.
"""

from __future__ import annotations

import ssl

import pytest

from pki_lab.tls import _negotiated_group, group_label, lab_tls_pki, run_case

STABLE = ("P-256", "inferred: the lab server offers only this group")


class OldSocket:
    """A socket of Python 3.11 to 3.14: no group() method."""


class NewSocket:
    """A socket of Python 3.15+: group() names the group as OpenSSL does."""

    def __init__(self, answer=None, error=None):
        self.answer, self.error = answer, error

    def group(self):
        if self.error is not None:
            raise self.error
        return self.answer


@pytest.mark.parametrize("sock", [
    OldSocket(),
    NewSocket("secp256r1"),  # OpenSSL 3's TLS name for P-256
    NewSocket("prime256v1"),
    NewSocket("P-256"),
    NewSocket(None),  # "If no connection has been established, returns None"
    NewSocket(""),
    NewSocket(error=ssl.SSLError("no group")),
    NewSocket(error=NotImplementedError()),
], ids=["no-method", "secp256r1", "prime256v1", "P-256", "none", "empty", "ssl-error", "not-implemented"])
def test_both_branches_give_the_same_words(sock):
    assert _negotiated_group(sock) == STABLE


def test_a_group_the_server_does_not_offer_is_shown_as_reported_not_inferred():
    # The failure twin: were the one-group setting ever to fail, the report wins and the source says so.
    assert _negotiated_group(NewSocket("X25519")) == ("X25519", "reported by ssl, although the lab server offers "
                                                                "only P-256")
    assert group_label("X25519MLKEM768") == ("X25519MLKEM768", "reported by ssl, although the lab server offers "
                                                               "only P-256")


@pytest.fixture(scope="module")
def pki():
    return lab_tls_pki()


def test_a_real_handshake_prints_the_same_with_the_method_planted(pki, monkeypatch):
    before, _ = run_case("ok", pki)
    assert not hasattr(ssl.SSLSocket, "group") or pytest.skip("this Python already has SSLSocket.group()")
    asked = []

    def group(self):  # what Python 3.15 returns on OpenSSL 3 for the lab server's only group
        asked.append(self.version())
        return "secp256r1"

    monkeypatch.setattr(ssl.SSLSocket, "group", group, raising=False)
    after, _ = run_case("ok", pki)
    assert asked == ["TLSv1.3"]  # the new branch ran, on the connected socket
    assert (after.group, after.group_source) == (before.group, before.group_source) == STABLE
    assert str(after) == str(before)
    assert "  key exchange:   ephemeral ECDHE, group P-256" in str(after).splitlines()
