"""Trust stores: loading (certifi live, the shipped snapshot, PEM, the system), summaries, add/remove, anchoring."""

import datetime as dt
import hashlib
import html

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from pki_lab import clock, data
from pki_lab.ca import CertificateAuthority
from pki_lab.errors import MalformedInputError, ParameterError, WrongTypeError
from pki_lab.loading import to_pem
from pki_lab.truststore import SNAPSHOT, TrustStore, anchor_label

UTC = dt.UTC


@pytest.fixture(scope="module")
def snapshot():
    return TrustStore.snapshot()


@pytest.fixture(scope="module")
def private():
    """A private PKI: 'Acme Private Root' -> 'Acme Issuing CA' -> device leaf (no SAN)."""
    root = CertificateAuthority.create_root("Acme Private Root")
    issuing = root.create_intermediate("Acme Issuing CA")
    leaf = issuing.issue("sensor-1", profile="device")
    return root, issuing, leaf


def test_live_certifi_store_loads_and_is_mozillas_list():
    import certifi

    store = TrustStore.from_certifi()
    assert len(store) > 100
    assert certifi.__version__ in store.name
    assert all(isinstance(a, x509.Certificate) for a in store)
    assert store.find("ISRG Root X1"), "Let's Encrypt's root is in Mozilla's list"
    summary = store.summary()
    assert summary.count == len(store)
    assert sum(n for _, n in summary.key_types) == len(store)
    assert sum(n for _, n in summary.expiry_years) == len(store)


def test_the_snapshot_is_the_recorded_file(snapshot):
    digest = hashlib.sha256(data.read_bytes(SNAPSHOT)).hexdigest()
    assert digest == "d87887200c9a705dccc937b9b83b5e67e47024c4a4b7f9dd15700c72e0f55453"
    assert len(snapshot) == data.read_bytes(SNAPSHOT).count(b"-----BEGIN CERTIFICATE-----")
    readme = data.read_bytes("truststores/README.md").decode()
    assert "2026.10.19" in readme and "MPL-2.0" in readme


def test_summary_counts_match_a_direct_count(snapshot):
    summary = snapshot.summary(dt.datetime(2030, 1, 1, tzinfo=UTC))
    rsa4096 = sum(1 for a in snapshot if isinstance(a.public_key(), rsa.RSAPublicKey)
                  and a.public_key().key_size == 4096)
    assert dict(summary.key_types)["RSA 4096"] == rsa4096
    assert summary.expired == sum(1 for a in snapshot if a.not_valid_after_utc < summary.at)
    assert summary.expired > 0, "some of today's roots expire before 2030"
    assert dict(summary.expiry_years) == {y: sum(1 for a in snapshot if a.not_valid_after_utc.year == y)
                                          for y, _ in summary.expiry_years}
    text = str(summary)
    assert f"{len(snapshot)} trust anchors" in text and "expired at 2030-01-01" in text


def test_nonpositive_serials_are_counted_without_warnings(snapshot, recwarn):
    summary = snapshot.summary()
    assert summary.nonpositive_serials >= 1
    assert not [w for w in recwarn if "serial" in str(w.message)]


def test_from_pem_accepts_paths_bytes_and_text(tmp_path, private):
    root, issuing, _ = private
    path = tmp_path / "roots.pem"
    path.write_text(to_pem(root.certificate) + to_pem(issuing.certificate))
    assert len(TrustStore.from_pem(path)) == 2
    assert len(TrustStore.from_pem(to_pem(root.certificate).encode())) == 1
    assert len(TrustStore.from_pem(to_pem(root.certificate), to_pem(root.certificate))) == 1, "duplicates dropped"
    with pytest.raises(MalformedInputError):
        TrustStore.from_pem(b"not a certificate")
    with pytest.raises(ParameterError, match="at least one PEM"):
        TrustStore.from_pem()


def test_from_system_finds_a_bundle_or_explains(tmp_path):
    missing = tmp_path / "none.pem"
    with pytest.raises(ParameterError, match="No system CA bundle was found .*from_certifi"):
        TrustStore.from_system(missing)
    try:
        store = TrustStore.from_system()
    except ParameterError:
        pytest.skip("this machine keeps no CA bundle in a known place (Windows, macOS without Homebrew)")
    assert len(store) > 0


def test_add_and_remove_return_new_stores(snapshot, private):
    root = private[0]
    bigger = snapshot.add(root, name="snapshot + Acme")
    assert len(bigger) == len(snapshot) + 1 and root.certificate in bigger
    assert root.certificate not in snapshot, "the original store is unchanged"
    assert len(bigger.add(root)) == len(bigger), "adding twice keeps one copy"
    smaller = bigger.remove(root)
    assert len(smaller) == len(snapshot)
    without_isrg = snapshot.remove("ISRG Root")
    assert len(without_isrg) == len(snapshot) - len(snapshot.find("ISRG Root"))
    with pytest.raises(ParameterError, match="is not an anchor of"):
        snapshot.remove(root)
    with pytest.raises(ParameterError, match="No anchor of .* has 'Nobody Root'"):
        snapshot.remove("Nobody Root")
    with pytest.raises(WrongTypeError, match="must be an x509.Certificate"):
        snapshot.add("ISRG Root X1")
    with pytest.raises(dataclasses_frozen_error()):
        snapshot.name = "changed"


def dataclasses_frozen_error():
    import dataclasses

    return dataclasses.FrozenInstanceError


ENGINES = ["pki_lab", "cryptography"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("chain", data.chains(), ids=lambda c: c.name)
def test_anchor_for_finds_the_recorded_anchor_of_real_chains(chain, engine):
    store = TrustStore.of([data.certificate(n) for n in ("dst_root_ca_x3", "isrg_root_x1", "isrg_root_x2",
                                                       "digicert_global_root_g2", "baltimore_cybertrust_root")])
    for dns in (chain.dns_name, None):
        result = store.anchor_for(chain.certificates, at=chain.validation_time, dns_name=dns, engine=engine)
        assert result.trusted, result.reason
        assert result.anchor == chain.trust_anchor
        assert result.path[0] == chain.leaf


PRIVATE_REASONS = {
    "pki_lab": "intermediate 1 (Acme Issuing CA): No path to a trust anchor: its issuer CN=Acme Private Root,"
               "O=PKI Lab is neither in the trust store nor among the given intermediates.",
    "cryptography": "no anchor of the store is named 'CN=Acme Private Root,O=PKI Lab' (the issuer of 'Acme Issuing "
                    "CA'), so the chain does not reach a trusted root.",
}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_same_private_chain_is_trusted_by_one_store_and_not_another(snapshot, private, engine):
    root, issuing, leaf = private
    chain = [leaf, issuing.certificate]
    plain = snapshot.anchor_for(chain, engine=engine)
    assert not plain.trusted and plain.anchor is None
    assert plain.reason == PRIVATE_REASONS[engine]
    custom = snapshot.add(root).anchor_for(chain, engine=engine)
    assert custom.trusted and anchor_label(custom.anchor) == "Acme Private Root"
    assert str(custom).endswith("sensor-1 -> Acme Issuing CA -> Acme Private Root (anchor: Acme Private Root)")


EXPIRED_REASONS = {
    "pki_lab": "trust anchor (Short Root): Expired: its validity ended 2030-04-11T00:00:00+00:00, before "
               "2030-04-11T00:00:01+00:00.",
    "cryptography": "'Short Root' is valid from 2030-01-01 00:00:00 to 2030-04-11 00:00:00 UTC, not at "
                    "2030-04-11 00:00:01 UTC.",
}


@pytest.mark.parametrize("engine", ENGINES)
def test_an_expired_root_stops_anchoring_its_chains(engine):
    """Short Root (100 days) -> leaf (300 days): the leaf outlives its root, and stops validating with it."""
    with clock.travel_to(dt.datetime(2030, 1, 1, tzinfo=UTC)):
        root = CertificateAuthority.create_root("Short Root", days=100)
        leaf = root.issue("d1", profile="device", days=300)
    store = TrustStore.of([root])
    end = root.certificate.not_valid_after_utc
    assert store.anchor_for(leaf, at=end, engine=engine).trusted, "notAfter itself is inside the validity period"
    after = store.anchor_for(leaf, at=end + dt.timedelta(seconds=1), engine=engine)
    assert not after.trusted
    assert after.reason == EXPIRED_REASONS[engine]


def test_both_engines_agree_on_the_real_chains_against_the_snapshot(snapshot):
    """Two independent validators, one verdict: the snapshot anchors today's chains, not the 2018 DST one."""
    for chain in data.chains():
        verdicts = {e: snapshot.anchor_for(chain.certificates, at=chain.validation_time, engine=e) for e in ENGINES}
        assert verdicts["pki_lab"].trusted == verdicts["cryptography"].trusted, chain.name
        assert verdicts["pki_lab"].anchor == verdicts["cryptography"].anchor, chain.name
        assert verdicts["pki_lab"].trusted == ("dst" not in chain.name), chain.name


def test_anchor_for_refuses_bad_input(snapshot):
    with pytest.raises(ParameterError, match="`engine` must be 'pki_lab' or 'cryptography'"):
        snapshot.anchor_for(data.chain("stackoverflow.com").leaf, engine="openssl")
    with pytest.raises(ParameterError, match="chain is empty"):
        snapshot.anchor_for([])
    with pytest.raises(WrongTypeError):
        snapshot.anchor_for(["leaf"])
    with pytest.raises(ParameterError, match="naive"):
        snapshot.anchor_for(data.chain("stackoverflow.com").leaf, at=dt.datetime(2026, 1, 1))
    empty = TrustStore.of([], "empty")
    assert empty.anchor_for(data.chain("stackoverflow.com").leaf).reason == "the store has no anchors at all."


def test_expiring_between_sorts_soonest_first(snapshot):
    start, end = dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2031, 1, 1, tzinfo=UTC)
    hits = snapshot.expiring_between(start, end)
    assert hits and all(start <= a.not_valid_after_utc < end for a in hits)
    assert [a.not_valid_after_utc for a in hits] == sorted(a.not_valid_after_utc for a in hits)


def test_plots_draw_without_error(snapshot):
    import matplotlib

    matplotlib.use("Agg")
    from pki_lab.truststore import plot_expiry_years, plot_validity

    ax = plot_expiry_years(snapshot)
    assert sum(p.get_height() for p in ax.patches) == len(snapshot)
    ax = plot_validity([data.certificate("dst_root_ca_x3"), data.certificate("isrg_root_x1")],
                       events=[(dt.datetime(2021, 9, 30, tzinfo=UTC), "DST Root CA X3 expires")])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["DST Root CA X3", "ISRG Root X1"]


def test_the_timeline_widget_chapter_05_uses_shows_a_key_for_its_bars(hierarchy):
    """Chapter 05's try-it draws lives as text bars; the table says what each character means."""
    from pki_lab import clock
    from pki_lab.widgets.lifecycle import TIMELINE_KEY, render_html, states_at

    rows = states_at({"root": hierarchy.root.certificate})
    text = render_html(rows, clock.now())
    assert html.escape(TIMELINE_KEY) in text
    for symbol in set(rows[0].bar):
        assert f"'{symbol}'" in TIMELINE_KEY  # every character a bar can hold is explained
