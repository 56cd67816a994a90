"""Bad input gets one PkiLabError with a sentence: never a bare exception, a hang or a silent wrong answer.

Property tests (Hypothesis) feed random bytes, PEM-looking text and seeded mutations of the shipped real
certificates, CRLs and OCSP responses and of lab-made CSRs and OCSP requests to every public door: the loaders,
``describe``/``describe_csr``/``describe_crl``, ``der.parse``, ``tree_of``, ``tamper``, ``validate_chain`` and the
OCSP responder's ``respond()`` and client's ``verify_response()``. The only exceptions allowed are PkiLabErrors.
The mutations and doors are those of ``tools/fuzz.py`` (``make fuzz``), which runs the same work for minutes.

The examples below pin the sentences: what was wrong (the part named) and what to do.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import random
import sys
import warnings
from pathlib import Path

import pytest
from cryptography import x509
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pki_lab import data
from pki_lab.der import encode, parse
from pki_lab.describe import describe, describe_crl, describe_csr
from pki_lab.errors import MalformedInputError, ParameterError, PkiLabError
from pki_lab.loading import (
    MAX_INPUT_BYTES,
    load_certificate,
    load_certificates,
    load_crl,
    load_csr,
    load_objects,
    load_private_key,
    load_public_key,
    pem_blocks,
    to_der,
    tree_of,
)
from pki_lab.revocation import build_crl
from pki_lab.tamper import tamper
from pki_lab.validation import validate_chain
from pki_lab.wellformed import check_certificate

from .conftest import ROOT, examples

_spec = importlib.util.spec_from_file_location("pki_lab_fuzz", ROOT / "tools" / "fuzz.py")
fuzz = importlib.util.module_from_spec(_spec)
sys.modules["pki_lab_fuzz"] = fuzz
_spec.loader.exec_module(fuzz)

_LOADERS = (load_certificate, load_certificates, load_csr, load_crl, load_objects, load_private_key,
            load_public_key, tree_of, parse)
_QUICK = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _only_lab_errors(call, *args) -> PkiLabError | None:
    """Run ``call``; a PkiLabError is returned (checked for a sentence), anything else fails the test."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cryptography warns about negative serials, odd attribute lengths
            call(*args)
    except PkiLabError as exc:
        text = str(exc)
        assert text[:1].isupper() and text.rstrip().endswith((".", ")")), f"not a sentence: {text!r}"
        return exc
    return None


# -- random bytes and PEM-looking text ---------------------------------------------------------------------


@_QUICK
@given(st.binary(max_size=400))
def test_random_bytes_get_a_lab_error_from_every_loader(raw):
    for call in _LOADERS:
        _only_lab_errors(call, raw)


@_QUICK
@given(st.binary(min_size=1, max_size=300), st.integers(min_value=0, max_value=299))
def test_tamper_on_random_bytes_is_a_report_or_a_lab_error(raw, offset):
    _only_lab_errors(tamper, raw, offset % len(raw))


_LABEL = st.sampled_from(["CERTIFICATE", "X509 CRL", "CERTIFICATE REQUEST", "PRIVATE KEY", "PUBLIC KEY", "JUNK"])
_LINE = st.one_of(
    _LABEL.map(lambda label: f"-----BEGIN {label}-----"),
    _LABEL.map(lambda label: f"-----END {label}-----"),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", max_size=64),
    st.text(max_size=20),
    st.just("Proc-Type: 4,ENCRYPTED"),
)


@_QUICK
@given(st.lists(_LINE, max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_pem_looking_text_gets_a_lab_error_or_blocks(lines, newline):
    text = newline.join(lines)
    for call in (load_objects, load_certificates, tree_of):
        _only_lab_errors(call, text if "-----BEGIN" in text else text.encode())
    _only_lab_errors(pem_blocks, text.encode())


@_QUICK
@given(st.sampled_from(["certificate", "crl", "csr"]), st.integers(min_value=0, max_value=2**32))
def test_a_real_object_wrapped_in_damaged_pem_gets_a_lab_error(kind, seed):
    rng = random.Random(seed)
    der = rng.choice([s for s in fuzz.corpus() if s.kind == kind]).der
    pem = to_pem_text(der, {"certificate": "CERTIFICATE", "crl": "X509 CRL", "csr": "CERTIFICATE REQUEST"}[kind])
    cut = rng.randrange(len(pem))
    damaged = pem[:cut] + rng.choice(["", "!", "\n", "-----END CERTIFICATE-----\n", pem[cut:cut + 40]]) + pem[cut:]
    _only_lab_errors(load_objects, damaged)


def to_pem_text(der: bytes, label: str) -> str:
    return fuzz.to_pem_text(der).replace("CERTIFICATE", label)


# -- seeded mutation of the shipped and lab-made objects --------------------------------------------------------


def _seeds(kind: str) -> list:
    return [s for s in fuzz.corpus() if s.kind == kind]


@pytest.mark.parametrize("kind", ["certificate", "crl", "csr", "ocsp-request", "ocsp-response", "key"])
@settings(deadline=None, max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_mutated_objects_reach_every_door_without_a_bare_exception(kind, seed):
    rng = random.Random(seed)
    original = rng.choice(_seeds(kind))
    raw = fuzz.mutate_seed(rng, original)
    for target in (kind, "der", "objects"):
        escaped = fuzz.run_one(target, raw, random.Random(seed))
        assert escaped is None, f"{fuzz.place(escaped)} on a mutation of {original.name}: {raw.hex()}"


def test_the_fuzzer_finds_no_crash_in_a_short_seeded_run(capsys):
    assert fuzz.main(["--seconds", "30", "--inputs", str(examples(200)), "--seed", "7", "--show", "0"]) == 0
    out = capsys.readouterr().out
    assert "crashes: 0 at 0 place(s)" in out
    assert f"{examples(200):,} inputs" in out


# -- the sentences: what was wrong and what to do ------------------------------------------------------------


def _edit(der: bytes, path: str, change) -> bytes:
    """``der`` with the node at field ``path`` replaced by ``change(node)``, re-encoded with correct lengths."""
    tree = parse(der)
    target = tree.find(path)

    def rebuild(node):
        if node is target:
            return change(node)
        return dataclasses.replace(node, children=tuple(rebuild(c) for c in node.children)) if node.children \
            else node

    return encode(rebuild(tree.root))


def _duplicate_san(der: bytes) -> bytes:
    """The certificate with its subjectAltName extension twice (RFC 5280 4.2 forbids it; builders refuse it)."""
    san = parse(der).find("tbsCertificate.extensions[subjectAltName]")

    def twice(wrapper):  # the [3] wrapper holds the SEQUENCE OF Extension
        inner = wrapper.children[0]
        kids = tuple(c for child in inner.children for c in ((child, san) if child.path == san.path else (child,)))
        return dataclasses.replace(wrapper, children=(dataclasses.replace(inner, children=kids),))

    return _edit(der, "tbsCertificate.extensions", twice)


def test_a_duplicate_extension_is_refused_at_the_door_naming_it(hierarchy):
    damaged = _duplicate_san(to_der(hierarchy.leaf))
    x509.load_der_x509_certificate(damaged)  # cryptography loads it; the extensions fail only when read
    with pytest.raises(MalformedInputError, match=r"^The input holds a certificate whose extensions cannot be "
                       r"read: a duplicate subjectAltName extension \(RFC 5280 4.2 allows each extension once\)\. "
                       r"The certificate is damaged or was built wrongly; the lab will not use it\.$"):
        load_certificate(damaged)
    with pytest.raises(MalformedInputError, match="holds a certificate whose extensions cannot be read"):
        load_objects(damaged)


def test_describe_names_the_damaged_part_of_an_object_made_elsewhere(hierarchy):
    cert = x509.load_der_x509_certificate(_duplicate_san(to_der(hierarchy.leaf)))
    with pytest.raises(MalformedInputError, match=r"^This certificate's extensions cannot be read: a duplicate "
                       "subjectAltName extension"):
        describe(cert)
    with pytest.raises(MalformedInputError, match="This certificate's extensions"):
        check_certificate(cert, None)


def test_a_damaged_certificate_in_a_chain_is_named_by_its_place(hierarchy):
    good = fuzz.to_pem_text(to_der(hierarchy.intermediate.certificate))
    bad = fuzz.to_pem_text(_duplicate_san(to_der(hierarchy.leaf)))
    with pytest.raises(MalformedInputError, match=r"^Certificate block 2 of the input holds a certificate whose "
                       "extensions cannot be read"):
        load_certificates(good + bad)


def test_validate_chain_refuses_a_damaged_object_made_elsewhere_naming_the_argument(hierarchy):
    damaged = x509.load_der_x509_certificate(_duplicate_san(to_der(hierarchy.leaf)))
    with pytest.raises(MalformedInputError, match=r"^`leaf` holds a certificate whose extensions cannot be read: "
                       "a duplicate subjectAltName extension"):
        validate_chain(damaged, [hierarchy.intermediate.certificate], trust=[hierarchy.root])
    with pytest.raises(MalformedInputError, match=r"^`intermediates` holds a certificate whose extensions"):
        validate_chain(hierarchy.leaf, [damaged], trust=[hierarchy.root])


def test_a_damaged_name_is_refused_at_the_door_naming_it(hierarchy):
    # An attribute value whose string type is a BIT STRING: cryptography refuses it only when the name is read.
    der = _edit(to_der(hierarchy.leaf), "tbsCertificate.subject[commonName].value",
                lambda node: dataclasses.replace(node, tag_number=3, content=b"\x00abc"))
    with pytest.raises(MalformedInputError, match=r"certificate whose subject name cannot be read: the parser "
                       r"reports: .*the lab will not use it\.$"):
        load_certificate(der)


def test_a_damaged_version_says_which_versions_exist(hierarchy):
    der = _edit(to_der(hierarchy.leaf), "tbsCertificate.version",
                lambda node: dataclasses.replace(node, children=(dataclasses.replace(node.children[0],
                                                                                    content=b"\x05"),)))
    with pytest.raises(MalformedInputError, match="version field holds 5, where X.509 has only v1, v2 and v3"):
        load_certificate(der)
    report = tamper(hierarchy.leaf, parse(to_der(hierarchy.leaf)).find("tbsCertificate.version").children[0]
                    .content_offset, mask=0x04)
    assert not report.loads and report.signature_valid is None
    assert "no longer loads as a certificate" in str(report)


def test_a_crl_entry_that_cannot_be_read_is_refused_at_the_door(hierarchy):
    crl = build_crl(hierarchy.intermediate, [(hierarchy.leaf, "keyCompromise")])
    # A reason code RFC 5280 5.3.1 does not define (99): cryptography reads entry extensions only when asked.
    der = _edit(to_der(crl), "tbsCertList.revokedCertificates[0].crlEntryExtensions[cRLReason].extnValue",
                lambda node: dataclasses.replace(node, children=(dataclasses.replace(node.children[0],
                                                                                    content=b"\x63"),)))
    with pytest.raises(MalformedInputError, match="certificate revocation list whose revoked certificates cannot "
                       "be read"):
        load_crl(der)
    made_elsewhere = x509.load_der_x509_crl(der)
    with pytest.raises(MalformedInputError, match="^This CRL's revoked certificates cannot be read"):
        describe_crl(made_elsewhere)
    with pytest.raises(MalformedInputError, match="^`crls` holds a certificate revocation list whose revoked"):
        validate_chain(hierarchy.leaf, [hierarchy.intermediate.certificate], trust=[hierarchy.root],
                       crls=[made_elsewhere])


def test_a_negative_serial_is_described_as_its_der_bytes(hierarchy):
    der = _edit(to_der(hierarchy.leaf), "tbsCertificate.serialNumber",
                lambda node: dataclasses.replace(node, content=b"\xff\x01"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography: a non-positive serial is deprecated
        cert = load_certificate(der)
        assert describe(cert).value("Serial number") == "FF:01"


def test_a_csr_with_a_key_the_lab_does_not_implement_still_describes():
    csr_der = next(s.der for s in fuzz.corpus() if s.name == "lab CSR (EC)")
    # The curve OID of the key made unknown: the request parses, its key and signature cannot be used.
    der = _edit(csr_der, "certificationRequestInfo.subjectPKInfo.algorithm.parameters",
                lambda node: dataclasses.replace(node, content=node.content[:-1] + b"\x7f"))
    text = str(describe_csr(load_csr(der)))
    assert "cannot be checked (an algorithm the lab does not implement)" in text


def test_the_shipped_objects_still_load_and_describe():
    for name in data.files("roots") + data.files("intermediates"):
        assert describe(data.certificate(name)).rows
    for name in ("crl_pki_finmeccanica_2011", "crl_rsa_public_root_ca_v1_2011"):
        assert describe_crl(data.crl(name)).rows


# -- bounded reads: size, special files, linear PEM scanning ---------------------------------------------------


def test_inputs_over_the_size_limit_are_refused_naming_it(tmp_path):
    big = b"0" * (MAX_INPUT_BYTES + 1)
    with pytest.raises(MalformedInputError, match=r"has 10,485,761 bytes, more than the 10,485,760 bytes \(10 MB\)"):
        load_certificate(big)
    (tmp_path / "big.pem").write_bytes(big)
    with pytest.raises(MalformedInputError, match=r"The file '.*big.pem' has 10,485,761 bytes, more than"):
        load_certificate(tmp_path / "big.pem")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="this system has no /dev/zero")
def test_a_device_is_refused_before_reading():
    with pytest.raises(ParameterError, match=r"'/dev/zero' is not a regular file \(it is a device, a pipe or a "
                       "socket\\), so the lab does not read it"):
        load_certificate("/dev/zero")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="this system has no FIFOs")
def test_a_fifo_without_a_writer_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ParameterError, match="is not a regular file"):
        load_certificate(fifo)


def test_many_begin_lines_are_one_sentence_not_a_quadratic_scan():
    # 224 kB of BEGIN lines took 25 s with the old regular expression; one pass answers at once.
    text = b"-----BEGIN CERTIFICATE-----\n" * 8_000
    with pytest.raises(MalformedInputError, match="'-----BEGIN CERTIFICATE-----' line without its matching END"):
        load_certificate(text)


def test_a_begin_line_without_its_end_before_the_next_block_is_refused():
    good = fuzz.to_pem_text(to_der(data.certificate("isrg_root_x1")))
    with pytest.raises(MalformedInputError, match="without its matching END line"):
        load_certificates(good.replace("-----END CERTIFICATE-----\n", "", 1) + good)
    assert len(load_certificates(good + good)) == 2


def test_a_path_keeps_its_capitals_in_the_sentence(tmp_path):
    (tmp_path / "Chain.PEM").write_bytes(b"not a certificate")
    with pytest.raises(MalformedInputError, match=r"^The file .*/Chain\.PEM is not a valid DER-encoded certificate"):
        load_certificate(tmp_path / "Chain.PEM")


def test_a_path_with_a_nul_character_is_a_sentence():
    with pytest.raises(ParameterError, match="contains a NUL character"):
        load_certificate("cert\x00.pem")


def test_paths_still_read(tmp_path):
    der = to_der(data.certificate("isrg_root_x1"))
    (tmp_path / "root.der").write_bytes(der)
    assert to_der(load_certificate(Path(tmp_path / "root.der"))) == der
