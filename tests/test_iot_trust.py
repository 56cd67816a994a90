"""The IoT chain check decides through the course's validator and only translates its verdict.

Every gallery failure and every chain the services check must get the verdict
:func:`pki_lab.validation.validate_chain` gives on the same inputs; the cases below are the
ones the simulator's former greedy path builder and CRL check got wrong.
"""

import datetime as dt

import pytest

from pki_lab import clock
from pki_lab.ca import CertificateAuthority
from pki_lab.errors import WrongTypeError
from pki_lab.iot import device as device_module
from pki_lab.iot import dps as dps_module
from pki_lab.iot import hub as hub_module
from pki_lab.iot.broker import CrlCheckingBroker
from pki_lab.iot.device import IoTDevice
from pki_lab.iot.gallery import FAILURES, lab_world, run_failure
from pki_lab.iot.trust import TRANSLATIONS, Code, ServerTls, check_chain, lab_cloud_root
from pki_lab.keys import named_key
from pki_lab.revocation import build_crl
from pki_lab.validation import validate_chain
from pki_lab.validation.rules import Rule


@pytest.fixture
def recorded(monkeypatch):
    """Every check_chain call the services make, with its arguments and its answer."""
    calls = []

    def spy(leaf, presented=(), **kwargs):
        result = check_chain(leaf, presented, **kwargs)
        calls.append((leaf, tuple(presented), kwargs, result))
        return result

    for module in (dps_module, hub_module, device_module):
        monkeypatch.setattr(module, "check_chain", spy)
    return calls


def _validator_on(leaf, presented, kwargs):
    anchors = list(kwargs.get("anchors", ()))
    if not anchors:
        return None
    name = kwargs.get("server_name")
    return validate_chain(leaf, [*presented, *kwargs.get("pool", ())], trust=anchors, at=kwargs.get("at"),
                          name=name, usage="server" if name else "client", crls=list(kwargs.get("crls", ())))


@pytest.mark.parametrize("name", list(FAILURES))
def test_every_gallery_failure_gets_the_validators_verdict(name, recorded):
    run_failure(name)
    for leaf, presented, kwargs, result in recorded:
        report = _validator_on(leaf, presented, kwargs)
        if report is None:  # nothing to trust: no chain can be valid
            assert not result.ok
            continue
        assert result.ok == report.ok
        assert result.path == report.path
        if not report.ok:
            assert result.report.failure.rule == report.failure.rule


def test_the_translation_table_names_validator_rules():
    assert set(TRANSLATIONS) <= set(Rule)
    assert Rule.PATH_TO_ANCHOR in TRANSLATIONS and Rule.REVOCATION in TRANSLATIONS


def test_a_dead_end_issuer_with_the_same_name_is_backtracked():
    """leaf -> Factory 1 CA (cross-signed by an old, unknown root: a dead end) | Factory 1 CA -> Contoso Root CA.

    The device sends the dead-end cross-certificate first. Both candidates have the issuer's name and key,
    so a greedy builder takes the first and stops at the old root; the validator backtracks to the second.
    """
    world = lab_world()
    old_root = CertificateAuthority.create_root("Contoso Legacy Root", organization="Contoso")
    cross = old_root.cross_sign(world.factory)
    assert cross.subject == world.factory.certificate.subject and cross.issuer != world.factory.certificate.issuer
    device = world.device("sensor-1")
    device.chain = [cross, world.factory.certificate]
    report = validate_chain(device.certificate, device.chain, trust=[world.root.certificate], usage="client")
    registration = world.dps.register(device)
    assert report.ok and registration.ok
    assert registration.verdict.path == ("sensor-1", "Contoso Factory 1 CA", "Contoso Root CA")


def _broker(world):
    broker = CrlCheckingBroker("broker", log=world.log)
    broker.trust_ca(world.root.certificate)
    return broker


def test_a_stale_crl_leaves_the_status_unknown_and_the_device_out_of_the_broker():
    world = lab_world()
    device = world.device("sensor-1")
    broker = _broker(world)
    broker.publish_crl(build_crl(world.factory))  # lists nothing, valid for 7 days
    assert broker.connect(device).ok
    with clock.travel(days=10):
        verdict = broker.connect(device)
    assert (verdict.ok, verdict.code) == (False, Code.REVOCATION_UNKNOWN)
    assert "the CRL is stale" in verdict.reason and "signed by 'Contoso Factory 1 CA'" in verdict.reason


def test_a_crl_signed_by_another_key_is_not_believed():
    """A CA with the factory's name but another key publishes a CRL: its signature does not verify (6.3.3 (g))."""
    world = lab_world()
    device = world.device("sensor-1")
    impostor = CertificateAuthority.create_root("Fake Root").create_intermediate(
        "Contoso Factory 1 CA", organization="Contoso", key=named_key("not the factory's key"))
    broker = _broker(world)
    broker.publish_crl(build_crl(impostor, [device.certificate]))
    verdict = broker.connect(device)
    assert (verdict.ok, verdict.code) == (False, Code.REVOCATION_UNKNOWN)
    assert "the CRL's signature does not verify" in verdict.reason


def test_a_device_certificate_before_its_validity_is_not_yet_valid():
    world = lab_world()
    device = world.device("sensor-1")
    verdict = world.dps.register(device, at=device.certificate.not_valid_before_utc - dt.timedelta(hours=1)).verdict
    assert (verdict.ok, verdict.code) == (False, Code.NOT_YET_VALID)
    assert "check the device's clock" in verdict.reason


def test_a_rule_without_a_code_of_its_own_says_the_validators_sentence():
    """A TLS server certificate (extendedKeyUsage serverAuth only) installed as a device certificate."""
    world = lab_world()
    device = IoTDevice("sensor-1")
    device.install(world.factory.issue(device.make_csr(), profile="server"), world.factory.chain[:-1])
    verdict = world.dps.register(device).verdict
    assert (verdict.ok, verdict.code) == (False, Code.CHAIN_INVALID)
    assert "clientAuth" in verdict.reason and "[CABF BR 7.1.2.7.10]" in verdict.reason


def test_a_chain_ending_at_an_unknown_self_signed_root_is_untrusted_root():
    world = lab_world()
    other = CertificateAuthority.create_root("Fabrikam Root CA")
    issuing = other.create_intermediate("Fabrikam Devices CA")
    leaf = world.device("sensor-1", ca=issuing).certificate
    check = check_chain(leaf, [issuing.certificate, other.certificate], anchors=[world.root.certificate])
    assert (check.ok, check.code) == (False, Code.UNTRUSTED_ROOT)
    assert check.names == ("sensor-1", "Fabrikam Devices CA", "Fabrikam Root CA")
    assert check.report.failure.rule == Rule.PATH_TO_ANCHOR


def test_a_loop_of_cross_certificates_is_a_chain_that_does_not_validate():
    """leaf -> A (cross-signed by B) -> B (cross-signed by A) -> A again: an issuer exists, but only in a loop."""
    a, b = CertificateAuthority.create_root("Loop A"), CertificateAuthority.create_root("Loop B")
    leaf = a.issue("sensor-1", profile="device")
    check = check_chain(leaf, [b.cross_sign(a), a.cross_sign(b)], anchors=[lab_world().root.certificate])
    assert (check.ok, check.code) == (False, Code.CHAIN_INVALID)
    assert "loop" in check.reason


def test_with_nothing_to_trust_the_chain_stops_where_the_device_chain_does():
    world = lab_world()
    device = world.device("sensor-1")
    check = check_chain(*device.present(), anchors=[], service="hub")
    assert (check.ok, check.code) == (False, Code.MISSING_ROOT) and check.report is None
    assert "'Contoso Factory 1 CA', whose issuer 'Contoso Root CA' is not registered with hub" in check.reason
    world.hub.register_device("sensor-1", auth="ca")
    verdict = world.hub.connect(device)
    assert verdict.code == Code.UNTRUSTED_CA and "(sensor-1 -> Contoso Factory 1 CA)" in verdict.reason


def test_codes_equal_their_strings():
    verdict = run_failure("revoked device")
    assert verdict.code == "revoked" and f"{verdict.code}" == "revoked"
    assert "REJECTED (revoked)" in str(verdict)


def test_the_hub_renews_its_own_certificate_and_a_device_refuses_an_expired_one():
    """The hub's TLS certificate (server profile, 90 days) is renewed as time passes; an old one is refused."""
    world = lab_world()
    device = world.device("sensor-1")
    device.apply(world.dps.register(device))
    old_chain = world.hub.server_chain
    later = clock.now() + dt.timedelta(days=400)
    assert world.hub.connect(device, at=later).ok  # a managed service keeps its certificate current
    assert world.hub.tls.chain_at(later)[0].not_valid_before_utc == later
    check = device.check_server(old_chain, world.hub.host, at=later)  # someone replays the old certificate
    assert (check.ok, check.code) == (False, Code.EXPIRED)
    assert check.reason == (f"the server certificate {world.hub.host!r} expired on 2026-06-13 (checked at "
                            f"{later.isoformat().replace('+00:00', 'Z')})")


def test_ca_store_edges():
    world = lab_world()
    record = world.dps.cas.get("Contoso Root CA")
    assert record.status == "verified"
    assert world.dps.verify_ca("Contoso Root CA", world.root.certificate).reason.endswith("already verified.")
    with pytest.raises(WrongTypeError, match="Upload an x509.Certificate"):
        world.dps.upload_ca("not a certificate")
    with pytest.raises(WrongTypeError, match="must present an x509.Certificate"):
        check_chain("not a certificate", anchors=[world.root.certificate])


@pytest.mark.parametrize("years", [0, 3, 8, 12])
def test_a_managed_service_keeps_its_whole_tls_chain_current_for_years(years):
    # A device that comes back years later meets a chain valid then: the leaf (90 days) and the TLS issuing CA
    # are both replaced once the time falls outside them, under the same cloud root.
    tls = ServerTls(lab_cloud_root(), "hub.example")
    at = clock.now() + dt.timedelta(days=365 * years)
    chain = tls.chain_at(at)
    assert all(c.not_valid_before_utc <= at <= c.not_valid_after_utc for c in chain)
    assert chain[1].issuer == tls.root.certificate.subject
    report = validate_chain(chain[0], [chain[1]], [tls.root.certificate], at=at, name="hub.example")
    assert report.ok, report
