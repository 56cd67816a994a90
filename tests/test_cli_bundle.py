"""``pki-lab verify`` with a leaf-first bundle (as a server sends its chain) and ``--at``: the lab clock by default,
said on the output's last line; ``--at now`` the system clock; a date or an ISO time; a bundle in the wrong order,
an empty one and a bad ``--at`` each refused with a sentence saying what to do (exit 2)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pki_lab import named_key, to_der, to_pem
from pki_lab.commands.verify import parse_time
from pki_lab.errors import ParameterError
from pki_lab.revocation import build_crl
from pki_lab.validation.gallery import base_chain

from .cli_call import call
from .conftest import examples

LAB_NOTE = ('Judged at the lab clock, 2026-03-15 12:00:00 UTC (the course\'s fixed "now"); use --at now for the '
            "real time.")




@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The gallery chain (leaf valid 2026-03-15 to 2026-06-13, issuing CA to 2026-04-14) as single files and bundles."""
    b = base_chain()
    tmp = tmp_path_factory.mktemp("bundle")
    leaf, issuing, root = (to_pem(c) for c in (b.leaf, b.issuing.certificate, b.root.certificate))
    texts = {"leaf": leaf, "issuing": issuing, "root": root,
             "fullchain": leaf + issuing,  # what a server sends: the leaf, then its issuer
             "fullchain-with-root": leaf + issuing + root,
             "issuer-first": issuing + leaf,
             "root-first": root + issuing + leaf,
             "leaf-root-issuing": leaf + root + issuing,  # leaf first, the CAs shuffled: still a leaf-first bundle
             "empty": "", "blank": "\n  \n", "key-only": to_pem(named_key("alice"))}
    paths = {}
    for name, text in texts.items():
        paths[name] = tmp / f"{name}.pem"
        paths[name].write_text(text)
    return paths


def _one_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pki-lab verify: ") and lines[0].endswith("."), err
    return lines[0]


@pytest.mark.parametrize("bundle", ["fullchain", "fullchain-with-root", "leaf-root-issuing"])
def test_a_leaf_first_bundle_validates_with_the_rest_as_intermediates(files, bundle):
    code, out, err = call("verify", files[bundle], "-t", files["root"], "-n", "www.example.com")
    assert (code, err) == (0, ""), out
    assert out.startswith("VALID: A valid path of 3 certificates")
    assert "path: www.example.com <- Gallery Issuing CA <- Gallery Root CA" in out


def test_the_bundle_is_what_the_intermediate_was_missing(files):
    # The failure twin: the leaf alone cannot reach the root; its bundle can.
    assert call("verify", files["leaf"], "-t", files["root"], "--brief")[0] == 1
    assert call("verify", files["fullchain"], "-t", files["root"], "--brief")[0] == 0


def test_a_bundle_from_standard_input(files):
    code, out, _ = call("verify", "-", "-t", files["root"], "--brief", stdin=files["fullchain"].read_bytes())
    assert code == 0 and out.startswith("VALID: ")


def test_a_bundle_and_more_intermediates_from_untrusted(files):
    code, out, _ = call("verify", files["leaf"], "-t", files["root"], "-u", files["issuing"], "--brief")
    assert code == 0


@pytest.mark.parametrize("bundle, first, other", [
    ("issuer-first", "Gallery Issuing CA", "certificate 2 of 2 (www.example.com)"),
    ("root-first", "Gallery Root CA", "certificate 2 of 3 (Gallery Issuing CA)"),
])
def test_a_bundle_in_the_wrong_order_says_what_to_do(files, bundle, first, other):
    code, out, err = call("verify", files[bundle], "-t", files["root"])
    assert (code, out) == (2, "")
    line = _one_error(err)
    assert f"The file {files[bundle]} is not leaf first: its first certificate ({first}) issued {other}." in line
    assert "Put the leaf's PEM block first" in line and "or pass the leaf alone and the CA certificates with " \
        "--untrusted" in line


def test_a_wrong_order_bundle_from_standard_input_names_it(files):
    code, _, err = call("verify", "-", "-t", files["root"], stdin=files["issuer-first"].read_bytes())
    assert code == 2 and _one_error(err).startswith("pki-lab verify: Standard input is not leaf first:")


@pytest.mark.parametrize("bundle, words", [
    ("empty", "is empty"),
    ("blank", "is empty"),
    ("key-only", "Expected a certificate but the file {path} holds a private key"),
])
@pytest.mark.parametrize("where", ["leaf", "--untrusted", "--trust"])
def test_an_empty_bundle_is_refused_with_a_sentence(files, bundle, words, where):
    path = files[bundle]
    args = {"leaf": [path, "-t", files["root"]], "--untrusted": [files["leaf"], "-t", files["root"], "-u", path],
            "--trust": [files["leaf"], "-t", path]}[where]
    code, out, err = call("verify", *args)
    assert (code, out) == (2, "")
    assert words.format(path=path) in _one_error(err)
    assert str(path) in err


def test_an_empty_bundle_on_standard_input(files):
    code, _, err = call("verify", "-", "-t", files["root"], stdin=b"  \n")
    assert code == 2 and "Standard input ('-') is empty" in _one_error(err)


# -- the clock -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("brief", [False, True])
def test_without_at_the_lab_clock_is_used_and_said(files, brief):
    code, out, _ = call("verify", files["fullchain"], "-t", files["root"], *(["--brief"] if brief else []))
    lines = out.splitlines()
    assert code == 0 and lines[-1] == LAB_NOTE
    assert len(lines) == 2 if brief else "checked at 2026-03-15T12:00:00+00:00" in out


@pytest.mark.parametrize("at", ["now", "NOW", "2026-03-20", "2026-03-20T12:00:00Z"])
def test_with_at_nothing_is_said_about_the_lab_clock(files, at):
    _, out, _ = call("verify", files["fullchain"], "-t", files["root"], "--at", at)
    assert "lab clock" not in out


def test_at_now_is_the_system_clock(files):
    # The gallery's issuing CA expired on 2026-04-14: judged at the real time (after it), the chain is invalid.
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    code, out, _ = call("verify", files["fullchain"], "-t", files["root"], "--at", "now", "--json")
    after = dt.datetime.now(dt.UTC)
    doc = json.loads(out)
    assert doc["clock"] == "system" and before <= dt.datetime.fromisoformat(doc["at"]) <= after
    if after > dt.datetime(2026, 4, 14, 12, tzinfo=dt.UTC):
        assert code == 1 and "Expired: its validity ended 2026-04-14T12:00:00+00:00" in doc["reason"]


@pytest.mark.parametrize("at, code, words", [
    ("2026-03-20", 0, "checked at 2026-03-20T00:00:00+00:00"),  # a date: midnight UTC
    ("2026-04-20", 1, "Expired: its validity ended 2026-04-14T12:00:00+00:00"),
    ("2026-03-15T13:00:00+01:00", 0, "checked at 2026-03-15T12:00:00+00:00"),  # the same instant as the lab clock
    ("2026-03-15T11:59:59Z", 1, "Not yet valid"),  # a second before the gallery's certificates begin
])
def test_at_a_date_or_a_time(files, at, code, words):
    got, out, _ = call("verify", files["fullchain"], "-t", files["root"], "--at", at)
    assert got == code and words in out, out


@pytest.mark.parametrize("at, words", [
    ("yesterday", "--at 'yesterday' is not an ISO 8601 time; write e.g. 2026-03-15T12:00:00Z, a date such as "
                  "2026-03-15 (midnight UTC), or now for the system clock."),
    ("", "is not an ISO 8601 time"),
    ("2026-02-30", "is not an ISO 8601 time"),
    ("2026-03-15T12:00:00", "--at '2026-03-15T12:00:00' has no time zone; add Z for UTC, e.g. 2026-03-15T12:00:00Z."),
    ("nowish", "is not an ISO 8601 time"),
    ("9999-12-31T23:59:59-23:00", "falls outside the years 1 to 9999 once converted to UTC"),
])
def test_a_bad_at_is_refused_with_a_sentence(files, at, words):
    code, out, err = call("verify", files["fullchain"], "-t", files["root"], "--at", at)
    assert (code, out) == (2, "")
    assert words in _one_error(err)


def test_parse_time_forms():
    assert parse_time(" 2026-05-01 ") == dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    assert parse_time("2026-05-01T08:00:00+02:00") == dt.datetime(2026, 5, 1, 6, tzinfo=dt.UTC)
    now = parse_time("now")
    assert now.tzinfo is dt.UTC and now.microsecond == 0
    with pytest.raises(ParameterError):
        parse_time("2026-05-01T08:00")


def test_der_bundles_are_one_certificate(files, tmp_path):
    # DER holds one object: a DER leaf is a bundle of one, and validates with --untrusted as before.
    der = tmp_path / "leaf.der"
    der.write_bytes(to_der(base_chain().leaf))
    assert call("verify", der, "-t", files["root"], "-u", files["issuing"], "--brief")[0] == 0


# -- `-` wherever a file is taken ----------------------------------------------------------------------------------

@pytest.mark.parametrize("slot", ["leaf", "--trust", "--untrusted", "--crl"])
def test_dash_reads_standard_input_in_every_file_slot(files, slot, tmp_path):
    b = base_chain()
    crl = tmp_path / "issuing.crl"
    crl.write_bytes(to_der(build_crl(b.issuing, revoked=[])))  # DER through standard input too: binary-safe
    args = {"leaf": (["-", "-t", files["root"], "-u", files["issuing"]], files["leaf"].read_bytes()),
            "--trust": ([files["fullchain"], "-t", "-"], files["root"].read_bytes()),
            "--untrusted": ([files["leaf"], "-t", files["root"], "-u", "-"], files["issuing"].read_bytes()),
            "--crl": ([files["fullchain"], "-t", files["root"], "--crl", "-", "--revocation", "soft-fail"],
                      crl.read_bytes())}
    argv, stdin = args[slot]
    code, out, err = call("verify", *argv, "--brief", "-n", "www.example.com", stdin=stdin)
    assert (code, err) == (0, ""), out + err
    assert out.startswith("VALID")


def test_standard_input_is_named_in_a_loader_sentence(files):
    code, _, err = call("verify", files["fullchain"], "-t", "-", stdin=to_pem(named_key("alice")).encode())
    assert code == 2 and "Expected a certificate but standard input holds a private key." in _one_error(err)
    code, _, err = call("inspect", "-", stdin=b"\x30\x82\x05\x00" + b"\x00" * 10)
    assert code == 2 and err.startswith("pki-lab inspect: Standard input cannot be read: it is truncated")


@given(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(9998, 12, 31),
                    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)),
                                               dt.timezone(dt.timedelta(hours=-8))])))
@settings(max_examples=examples(200), deadline=None)
def test_any_aware_iso_time_means_that_instant(when):
    assert parse_time(when.isoformat()) == when
    assert parse_time(when.isoformat().replace("+00:00", "Z")) == when


@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
@settings(max_examples=examples(200), deadline=None)
def test_any_iso_date_means_its_midnight_utc(day):
    assert parse_time(day.isoformat()) == dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@given(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(9998, 12, 31)))
@settings(max_examples=examples(100), deadline=None)
def test_any_time_without_a_zone_is_refused(when):
    with pytest.raises(ParameterError, match="has no time zone; add Z for UTC"):
        parse_time(when.isoformat(timespec="seconds"))
