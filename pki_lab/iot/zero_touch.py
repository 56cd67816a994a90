"""Zero-touch certificate issuance at first boot.

The sequence (after the seed's diagram and Microsoft's "device certificate issuance"
flow in Azure Device Registry):

1. the device makes a new key pair inside its secure hardware, and a CSR for it;
2. it registers with the provisioning service, authenticating with its *onboarding
   credential* (here a factory X.509 certificate), and sends the CSR along;
3. the service checks the onboarding credential and the enrollment, passes the CSR to
   the CA linked to the enrollment, registers the device in the assigned hub, and gives
   the hub the issuing CA (Azure Device Registry's *credential sync*), so that the hub
   authenticates the device by its chain;
4. the device receives its operational certificate, its chain and a trust bundle, and
   installs them: the new key now speaks for the device;
5. the device connects to the hub with the new certificate and sends telemetry.

The private key is made inside the :class:`~pki_lab.iot.device.IoTDevice` and never
leaves it: only the CSR (public key and name, signed) travels.
"""

from __future__ import annotations

import dataclasses

from .device import IoTDevice
from .dps import ProvisioningService, Registration
from .trust import Verdict

__all__ = ["FirstBoot", "first_boot"]


@dataclasses.dataclass(frozen=True)
class FirstBoot:
    """What happened at first boot: the registration, the hub connection and the first telemetry."""

    registration: Registration
    connection: Verdict | None = None
    telemetry: Verdict | None = None

    @property
    def ok(self) -> bool:
        return bool(self.telemetry and self.telemetry.ok)

    def __repr__(self) -> str:
        lines = [str(self.registration.verdict)]
        lines += [str(v) for v in (self.connection, self.telemetry) if v is not None]
        return "\n".join(lines)


def first_boot(device: IoTDevice, dps: ProvisioningService, *, message: str = "hello from first boot") -> FirstBoot:
    """Run the zero-touch sequence for ``device`` against ``dps`` and the hub it assigns."""
    log, device_id = dps.log, device.registration_id
    csr = device.make_operational_csr()
    log.add(device_id, device_id, "make key pair + CSR (key stays inside)")
    registration = dps.register(device, csr=csr)
    if not registration.ok:
        return FirstBoot(registration)
    device.install(registration.certificate, registration.chain, registration.trust_bundle, registration.hub)
    log.add(device_id, device_id, "install certificate + trust bundle")
    hub = dps.hubs[registration.hub]
    connection = hub.connect(device)
    if not connection.ok:
        return FirstBoot(registration, connection)
    return FirstBoot(registration, connection, hub.send_telemetry(device_id, message))
