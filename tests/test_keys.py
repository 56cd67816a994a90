import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from pki_lab.errors import ParameterError
from pki_lab.keys import key_summary, named_key, public_key_of, rsa_key_names

from .conftest import run_python


def _spki(key) -> bytes:
    return public_key_of(key).public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("kind, summary", [("ec", "EC P-256"), ("p384", "EC P-384"), ("ed25519", "Ed25519")])
def test_each_kind_derives_its_curve(kind, summary):
    assert key_summary(named_key("alice", kind)) == summary


def test_same_name_same_key_different_name_different_key():
    assert _spki(named_key("alice")) == _spki(named_key("alice"))
    assert _spki(named_key("alice")) != _spki(named_key("bob"))
    assert _spki(named_key("alice", "ed25519")) != _spki(named_key("bob", "ed25519"))


def test_same_name_gives_the_same_key_in_another_process():
    code = (
        "from pki_lab.keys import named_key, public_key_of\n"
        "from cryptography.hazmat.primitives import serialization as s\n"
        "for kind in ('ec', 'p384', 'ed25519'):\n"
        "    k = public_key_of(named_key('alice', kind))\n"
        "    print(k.public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo).hex())\n"
    )
    here = [_spki(named_key("alice", kind)).hex() for kind in ("ec", "p384", "ed25519")]
    assert run_python(code).split() == here


def test_rsa_keys_are_the_shipped_test_only_keys():
    names = rsa_key_names()
    assert {"root-ca", "server", "alice", "demo-4096"} <= set(names)
    assert key_summary(named_key("alice", "rsa")) == "RSA 2048"
    assert named_key("demo-4096", "rsa").key_size == 4096


def test_unknown_rsa_name_lists_the_choices():
    with pytest.raises(ParameterError, match="no RSA key called 'zed'.*root-ca"):
        named_key("zed", "rsa")


@pytest.mark.parametrize("name", ["", "   ", None, 3])
def test_bad_names_are_refused(name):
    with pytest.raises(ParameterError, match="non-empty string"):
        named_key(name)


def test_unknown_kind_is_refused():
    with pytest.raises(ParameterError, match="Unknown key kind 'dsa'"):
        named_key("alice", "dsa")


def test_ecdsa_signatures_repeat_with_deterministic_signing():
    from cryptography.hazmat.primitives import hashes

    key = named_key("alice")
    algo = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    assert key.sign(b"hello", algo) == key.sign(b"hello", algo)


@pytest.mark.parametrize("name", [[], ["alice"], {"a": 1}, None, 3, ""])
def test_a_name_that_is_not_a_string_gets_a_sentence_even_when_unhashable(name):
    # named_key is cached; the check must come before the cache, or a list raises a bare TypeError.
    with pytest.raises(ParameterError, match="non-empty string"):
        named_key(name)


def test_spellings_of_a_kind_give_the_same_cached_key():
    assert named_key("alice", "P-256") is named_key("alice", "ec")
