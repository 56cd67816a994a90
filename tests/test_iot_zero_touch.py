"""Zero-touch issuance at first boot, end to end, and its failure twins."""

import pytest

from pki_lab.iot.device import IoTDevice
from pki_lab.iot.gallery import lab_world
from pki_lab.iot.zero_touch import first_boot


def _world_with_issuing_ca():
    world = lab_world()
    operational = world.root.create_intermediate("Contoso Operational CA", organization="Contoso")
    world.dps.groups["contoso-factory-1"].issuing_ca = operational
    return world, operational


def test_first_boot_end_to_end():
    """factory cert (onboarding) -> DPS -> CA issues for the new key -> hub trusts the issuing CA -> telemetry."""
    world, operational = _world_with_issuing_ca()
    device = world.device("sensor-7")
    onboarding = device.certificate
    result = first_boot(device, world.dps)
    assert result.ok, result
    # the device now holds a certificate from the operational CA, for a new key made inside it
    assert device.certificate.issuer == operational.certificate.subject
    assert device.certificate.public_key() != onboarding.public_key()
    assert device.public_key == device.certificate.public_key()
    expected_bundle = [world.hub.server_roots[0].subject, world.root.certificate.subject]
    assert [c.subject for c in device.trust_bundle] == expected_bundle
    assert world.hub.telemetry == [("sensor-7", "hello from first boot")]
    steps = [e.message for e in world.log.events[-11:]]
    assert steps[:3] == ["make key pair + CSR (key stays inside)", "register (TLS client cert + CSR)",
                         "CSR for 'sensor-7'"]
    assert "telemetry 'hello from first boot'" in steps
    # as Azure Device Registry's credential sync: the hub trusts the issuing CA and authenticates the chain
    assert world.hub.devices["sensor-7"].auth == "ca" and world.hub.devices["sensor-7"].thumbprints == ()
    assert steps[4:6] == ["create identity 'sensor-7' (ca)", "sync issuing CA 'Contoso Operational CA'"]
    assert result.connection.reason == "authenticated by ca."
    second = world.device("sensor-8")
    assert first_boot(second, world.dps).ok
    assert [e.message for e in world.log.events].count("sync issuing CA 'Contoso Operational CA'") == 1


def test_the_private_key_never_travels():
    world, _ = _world_with_issuing_ca()
    device = world.device("sensor-7")
    first_boot(device, world.dps)
    texts = " ".join(e.message for e in world.log.events)
    assert "PRIVATE" not in texts
    assert not any(hasattr(v, "private_bytes") for v in vars(world.dps).values())


@pytest.mark.parametrize("case, code", [
    ("enrollment-without-ca", "no-issuing-ca"),
    ("csr-for-another-id", "csr-cn-mismatch"),
    ("onboarding-rejected", "no-enrollment"),
])
def test_first_boot_failures(case, code):
    world, _ = _world_with_issuing_ca()
    device = world.device("sensor-7")
    if case == "enrollment-without-ca":
        world.dps.groups["contoso-factory-1"].issuing_ca = None
    elif case == "csr-for-another-id":
        device.make_operational_csr = lambda: IoTDevice("sensor-8").make_csr()
    else:
        del world.dps.groups["contoso-factory-1"]
    result = first_boot(device, world.dps)
    assert not result.ok and result.registration.verdict.code == code
    assert result.connection is None


def test_a_csr_with_a_bad_signature_is_refused():
    world, _ = _world_with_issuing_ca()
    device = world.device("sensor-7")
    good = device.make_operational_csr()
    der = bytearray(good.public_bytes(__import__("cryptography").hazmat.primitives.serialization.Encoding.DER))
    der[-1] ^= 1
    from cryptography import x509

    bad = x509.load_der_x509_csr(bytes(der))
    registration = world.dps.register(device, csr=bad)
    assert registration.verdict.code == "csr-invalid"


def test_the_log_draws_and_lines_show_without_quotes():
    from pki_lab.iot.events import EventLog, lines

    log = EventLog()
    log.add("device", "DPS", "register")
    log.add("DPS", "device", "rejected: cn-mismatch", ok=False)
    assert log.text() == " 1. device -> DPS: register\n 2. DPS -x device: rejected: cn-mismatch  [REJECTED]"
    assert len(log.draw().axes) == 1
    assert repr(lines("a", 1)) == "a\n1"
