"""``pki-lab verify``: exit 0 for a valid chain, 1 for an invalid one, 2 for bad input."""

from __future__ import annotations

import pytest

from pki_lab.cli import main
from pki_lab.loading import to_pem
from pki_lab.revocation import build_crl
from pki_lab.validation.gallery import base_chain, scenario


@pytest.fixture()
def files(tmp_path):
    b = base_chain()
    paths = {}
    for name, obj in (("leaf", b.leaf), ("issuing", b.issuing.certificate), ("root", b.root.certificate)):
        paths[name] = tmp_path / f"{name}.pem"
        paths[name].write_text(to_pem(obj))
    paths["crl"] = tmp_path / "issuing.crl"
    paths["crl"].write_text(to_pem(build_crl(b.issuing, revoked=[(b.leaf, "keyCompromise")])))
    paths["forged"] = tmp_path / "forged.pem"
    paths["forged"].write_text(to_pem(scenario("broken-signature").leaf))
    return paths


def test_verify_valid_chain_exit_0(files, capsys):
    code = main(["verify", str(files["leaf"]), "--trust", str(files["root"]), "--untrusted", str(files["issuing"]),
                 "--name", "www.example.com"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("VALID: A valid path of 3 certificates leads from the leaf to the trust anchor "
                          "Gallery Root CA.")
    assert "PASS  leaf (www.example.com): Its subjectAltName matches www.example.com. [RFC 9525 6.3]" in out


@pytest.mark.parametrize("extra, words", [
    (["--name", "shop.example.org"], "The name shop.example.org matches none of its subjectAltName entries"),
    (["--at", "2026-04-29T12:00:00Z"], "Expired: its validity ended 2026-04-14T12:00:00+00:00"),
    (["--crl", "{crl}"], "Revoked: the CRL lists serial"),
])
def test_verify_invalid_chain_exit_1(files, capsys, extra, words):
    extra = [e.format(crl=files["crl"]) for e in extra]
    code = main(["verify", str(files["leaf"]), "-t", str(files["root"]), "-u", str(files["issuing"]), "--brief",
                 *extra])
    out = capsys.readouterr().out
    assert code == 1 and out.startswith("INVALID: ") and words in out


def test_verify_forged_leaf_exit_1(files, capsys):
    code = main(["verify", str(files["forged"]), "-t", str(files["root"]), "-u", str(files["issuing"]), "--brief"])
    assert code == 1
    assert "the signature does not verify with the issuer's public key" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--at", "2026-04-29T12:00:00"], "has no time zone; add Z for UTC"),
    (["--at", "yesterday"], "is not an ISO 8601 time"),
    (["--untrusted", "missing.pem"], "missing.pem"),
])
def test_verify_bad_input_exit_2(files, capsys, args, message):
    code = main(["verify", str(files["leaf"]), "-t", str(files["root"]), *args])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("pki-lab verify: ") and message in err


def test_verify_a_crl_where_a_certificate_was_expected_exit_2(files, capsys):
    assert main(["verify", str(files["crl"]), "-t", str(files["root"])]) == 2
    assert "pki-lab verify: " in capsys.readouterr().err
