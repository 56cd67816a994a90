"""A sentence names a file exactly as it was typed: lower-case first letters, spaces and accents are kept.

Issue 17 found that the loaders capitalised file names (``str.capitalize`` lowered the rest of the sentence, and
upper-cased a name that began it). The names are given relative to the working folder, so a name is the first
word of its path and a capitalised first letter would show. Every loader and every file argument of every command
is tried with every kind of bad file, and the message must hold the name byte for byte.
"""

from __future__ import annotations

import pytest

from pki_lab import loading, named_key, to_der, to_pem
from pki_lab.errors import PkiLabError
from pki_lab.revocation import build_crl
from pki_lab.validation.gallery import base_chain

from .cli_call import call

NAMES = ["leaf.pem", "my chain.pem", "éclair.pem", "ünïcode ✓.crt", "zz.Mixed.Case.der", "ß-ending.pem"]


def _bad_files(chain) -> dict[str, bytes | None]:
    """Kinds of bad file: the bytes to write (None: no file at all; "dir": a folder)."""
    pem = to_pem(chain.leaf)
    return {
        "empty": b"",
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "truncated-der": to_der(chain.leaf)[:200],
        "truncated-pem": pem[:300].encode(),
        "bad-base64": pem.replace("M", "!", 1).encode(),
        "private-key": to_pem(named_key("alice")).encode(),
        "crl-not-certificate": to_pem(build_crl(chain.issuing, revoked=[])).encode(),
        "missing": None,
        "folder": b"dir",
    }


@pytest.fixture(scope="module")
def chain():
    return base_chain()


def _make(tmp_path, name: str, content: bytes | None):
    path = tmp_path / name
    if content == b"dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    return name  # relative: the test runs inside tmp_path




# (slot, command line with {bad} in it): every file argument of every command.
SLOTS = {
    "inspect": ["inspect", "{bad}"],
    "inspect-second": ["inspect", "good-leaf.pem", "{bad}"],
    "inspect-tree": ["inspect", "--tree", "{bad}"],
    "verify-leaf": ["verify", "{bad}", "-t", "good-root.pem"],
    "verify-trust": ["verify", "good-leaf.pem", "-t", "{bad}"],
    "verify-untrusted": ["verify", "good-leaf.pem", "-t", "good-root.pem", "-u", "{bad}"],
    "verify-crl": ["verify", "good-leaf.pem", "-t", "good-root.pem", "-u", "good-issuing.pem", "--crl", "{bad}"],
}


@pytest.fixture()
def here(tmp_path, monkeypatch, chain):
    monkeypatch.chdir(tmp_path)
    for name, obj in (("good-leaf.pem", chain.leaf), ("good-root.pem", chain.root.certificate),
                      ("good-issuing.pem", chain.issuing.certificate)):
        (tmp_path / name).write_text(to_pem(obj))
    return tmp_path


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("slot", list(SLOTS))
def test_every_command_keeps_the_file_name_exactly(here, chain, slot, name):
    for kind, content in _bad_files(chain).items():
        if kind == "crl-not-certificate" and (slot == "verify-crl" or slot.startswith("inspect")):
            continue  # a CRL is what --crl wants, and inspect describes it
        if kind != "missing" and (here / name).exists():
            (here / name).rmdir() if (here / name).is_dir() else (here / name).unlink()
        bad = _make(here, name, content)
        code, out, err = call(*[a.format(bad=bad) for a in SLOTS[slot]])
        assert code == 2, (slot, kind, out, err)
        assert name in err, (slot, kind, err)
        assert err.count("\n") == 1 and err.startswith(f"pki-lab {SLOTS[slot][0]}: "), (slot, kind, err)
        (here / name).rmdir() if (here / name).is_dir() else (here / name).unlink(missing_ok=True)


LOADERS = {
    "load_certificate": loading.load_certificate,
    "load_certificates": loading.load_certificates,
    "load_csr": loading.load_csr,
    "load_crl": loading.load_crl,
    "load_private_key": loading.load_private_key,
    "load_public_key": loading.load_public_key,
    "load_objects": loading.load_objects,
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("loader", list(LOADERS))
def test_every_loader_keeps_the_file_name_exactly(here, chain, loader, name):
    files = _bad_files(chain)
    files["two-certificates"] = (to_pem(chain.leaf) + to_pem(chain.issuing.certificate)).encode()
    for kind, content in files.items():
        bad = _make(here, name, content)
        try:
            LOADERS[loader](bad)
        except PkiLabError as exc:
            assert name in str(exc), (loader, kind, str(exc))
            assert str(exc)[:1].isupper() or str(exc)[:1] in "'`", (loader, kind, str(exc))
        else:  # what this loader reads: no error, nothing to check
            assert (loader, kind) in {("load_certificates", "two-certificates"), ("load_objects", "two-certificates"),
                                      ("load_private_key", "private-key"), ("load_crl", "crl-not-certificate"),
                                      ("load_objects", "private-key"), ("load_objects", "crl-not-certificate")}, \
                (loader, kind)
        (here / name).rmdir() if (here / name).is_dir() else (here / name).unlink(missing_ok=True)


@pytest.mark.parametrize("name", NAMES)
def test_tree_of_a_file_keeps_the_name(here, name):
    _make(here, name, None)
    with pytest.raises(PkiLabError) as caught:
        loading.tree_of(name)
    assert name in str(caught.value)


def test_a_name_that_begins_the_sentence_keeps_its_case(here, chain):
    # A lower-case path in a sentence that starts with it: only "the file" before it is capitalised.
    (here / "chain.pem").write_text(to_pem(chain.leaf) + to_pem(chain.issuing.certificate))
    with pytest.raises(PkiLabError, match=r"^The file chain\.pem holds 2 certificates, not one"):
        loading.load_certificate("chain.pem")
    (here / "éclair.pem").write_bytes(b"\x00\x01")
    with pytest.raises(PkiLabError, match=r"^The file éclair\.pem is not a valid DER-encoded certificate"):
        loading.load_certificate("éclair.pem")
