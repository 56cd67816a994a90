"""Revocation as Azure does it (no CRLs: disable enrollments and hub identities), and a CRL-checking broker."""

import pytest

from pki_lab.errors import ParameterError, PolicyError, WrongTypeError
from pki_lab.iot.broker import CrlCheckingBroker
from pki_lab.iot.device import impostor_of
from pki_lab.iot.gallery import lab_world
from pki_lab.iot.trust import Code, check_chain
from pki_lab.revocation import build_crl

AZURE_SAYS = "IoT Hub doesn't check certificate revocation lists from the certificate authority"


def _revoked(world, device):
    return build_crl(world.factory, [(device.certificate, "keyCompromise")])


def test_the_azure_like_services_refuse_a_crl_and_say_what_works_instead():
    world = lab_world()
    device = world.device("sensor-1")
    crl = _revoked(world, device)
    for service, kind in ((world.dps, "IoT Hub Device Provisioning Service (DPS)"), (world.hub, "IoT Hub")):
        with pytest.raises(PolicyError) as refused:
            service.publish_crl(crl)
        message = str(refused.value)
        assert message.startswith(f"{service.name} is modelled on Azure {kind}, which does not check certificate "
                                  "revocation lists")
        assert AZURE_SAYS in message and "the device would still get in" in message
        assert "dps.disable('<enrollment id>')" in message and "dps.disallow(device_certificate)" in message
        assert "hub.disable_device('<device id>')" in message and "CrlCheckingBroker" in message


def test_a_device_whose_certificate_a_crl_lists_is_still_admitted_by_dps_and_the_hub():
    """The CA revoked it; Azure never sees the CRL, so registration and connection go through."""
    world = lab_world()
    device = world.device("sensor-1")
    crl = _revoked(world, device)
    assert crl.get_revoked_certificate_by_serial_number(device.certificate.serial_number) is not None
    registration = world.dps.register(device)
    assert registration.ok
    device.apply(registration)
    assert world.hub.connect(device).ok
    assert not hasattr(world.dps, "crls") and not hasattr(world.hub, "crls")


def test_the_same_crl_shuts_the_device_out_of_a_crl_checking_broker():
    world = lab_world()
    device = world.device("sensor-1")
    broker = CrlCheckingBroker("broker", log=world.log)
    broker.trust_ca(world.root.certificate)
    assert broker.connect(device).ok and broker.publish(device.registration_id, "t", "21.5").ok
    broker.publish_crl(_revoked(world, device))
    verdict = broker.connect(device)
    assert (verdict.ok, verdict.service, verdict.code) == (False, "broker", Code.REVOKED)
    assert verdict.reason == (f"the device certificate 'sensor-1' (serial {device.certificate.serial_number:X}) was "
                              "revoked by 'Contoso Factory 1 CA' on 2026-03-15; it can never authenticate again: give "
                              "the device a new key and certificate.")
    assert world.log.events[-1].ok is False


def test_the_broker_keeps_the_newest_crl_per_issuer_and_checks_the_rest_of_the_handshake():
    world = lab_world()
    device, other = world.device("sensor-1"), world.device("sensor-2")
    broker = CrlCheckingBroker()
    broker.trust_ca(world.root.certificate)
    broker.publish_crl(_revoked(world, device))
    broker.publish_crl(build_crl(world.factory))  # a newer, empty CRL from the same issuer replaces it
    assert len(broker.crls) == 1 and broker.connect(device).ok
    clone = broker.connect(impostor_of(other))
    assert (clone.ok, clone.code) == (False, Code.NO_PROOF_OF_POSSESSION)
    assert "a copied certificate is useless without the key" in clone.reason
    stranger = CrlCheckingBroker()
    untrusted = stranger.connect(device)
    assert (untrusted.ok, untrusted.code) == (False, Code.MISSING_ROOT)
    refused = stranger.publish("sensor-1", "t", "x")
    assert (refused.ok, refused.reason) == (False, "publish refused: this device has no authenticated connection; "
                                                   "connect first.")
    with pytest.raises(WrongTypeError, match="Publish an x509.CertificateRevocationList, not str"):
        broker.publish_crl("crl.pem")
    with pytest.raises(WrongTypeError, match="Trust an x509.Certificate, not bytes"):
        broker.trust_ca(b"root")


def test_a_device_refuses_a_broker_it_cannot_date():
    world = lab_world()
    device = world.device("sensor-1")
    broker = CrlCheckingBroker()
    broker.trust_ca(world.root.certificate)
    device.clock.reset()
    verdict = broker.connect(device)
    assert (verdict.service, verdict.code) == ("device 'sensor-1'", Code.SERVER_UNTRUSTED)
    assert verdict.reason.startswith("the device does not trust the broker's TLS certificate: ")


def test_disabling_the_individual_enrollment_stops_registration_but_not_the_hub_connection():
    world = lab_world(group=False)
    device = world.device("sensor-1")
    world.dps.add_individual_enrollment("sensor-1", certificate=device.certificate)
    device.apply(world.dps.register(device))
    world.dps.disable("sensor-1")
    verdict = world.dps.register(device).verdict
    assert (verdict.ok, verdict.code) == (False, Code.ENROLLMENT_DISABLED)
    assert verdict.reason == ("the individual enrollment 'sensor-1' is disabled; an operator blocked this device "
                              "(enable it only if that was a mistake).")
    assert world.hub.connect(device).ok  # already provisioned: it connects to the hub directly
    world.hub.disable_device("sensor-1")
    refused = world.hub.connect(device)
    assert (refused.ok, refused.code, refused.reason) == (False, Code.DEVICE_DISABLED,
                                                          "the identity 'sensor-1' is disabled in contoso-hub.")


def test_one_device_of_a_group_is_blocked_by_a_disabled_individual_enrollment():
    world = lab_world()
    stolen, sibling = world.device("sensor-1"), world.device("sensor-2")
    enrollment = world.dps.disallow(stolen.certificate)
    assert (enrollment.registration_id, enrollment.enabled) == ("sensor-1", False)
    verdict = world.dps.register(stolen).verdict
    assert (verdict.ok, verdict.code) == (False, Code.ENROLLMENT_DISABLED)
    assert "individual enrollment 'sensor-1' is disabled" in verdict.reason
    assert world.dps.register(sibling).ok  # the group still admits the other devices
    assert "individual enrollment 'sensor-1' (disabled)" in world.log.text()


def test_disallow_disables_an_existing_individual_enrollment_and_refuses_nonsense():
    world = lab_world(group=False)
    device = world.device("sensor-1")
    first = world.dps.add_individual_enrollment("sensor-1", certificate=device.certificate)
    assert world.dps.disallow(device.certificate) is first and not first.enabled
    with pytest.raises(WrongTypeError, match="Disallow a device by its x509.Certificate, not str"):
        world.dps.disallow("sensor-1")
    with pytest.raises(ParameterError, match="no subject CN"):
        world.dps.disallow(world.root.issue("O=No Name", profile="client"))


def test_hub_identities_can_be_disabled_enabled_and_deleted():
    world = lab_world()
    device = world.device("sensor-1")
    device.apply(world.dps.register(device))
    world.hub.disable_device("sensor-1")
    world.hub.enable_device("sensor-1")
    assert world.hub.connect(device).ok and "sensor-1" in world.hub.sessions
    world.hub.delete_device("sensor-1")
    assert "sensor-1" not in world.hub.sessions
    gone = world.hub.connect(device)
    assert (gone.ok, gone.code) == (False, Code.UNKNOWN_DEVICE)
    with pytest.raises(ParameterError, match=r"contoso-hub has no device identity 'nope' \(registered: none yet\)"):
        world.hub.disable_device("nope")


def test_check_chain_consults_crls_only_when_revocation_is_on():
    """The one chain check: Azure-like callers pass revocation='off', the broker 'hard-fail'."""
    world = lab_world()
    device = world.device("sensor-1")
    crls = [_revoked(world, device)]
    args = dict(anchors=[world.root.certificate], crls=crls)
    assert check_chain(device.certificate, device.chain, revocation="off", **args).ok
    refused = check_chain(device.certificate, device.chain, revocation="hard-fail", **args)
    assert (refused.ok, refused.code) == (False, Code.REVOKED)
