"""A provisioning service simulator, after Azure IoT Hub Device Provisioning Service (DPS).

What it models (offline, in process):

* **individual enrollments**, one per device, holding the device's certificate or
  its public key, and **enrollment groups**, holding a registered root or
  intermediate CA certificate that all the group's devices chain to;
* **CA registration with proof of possession** (:class:`~pki_lab.iot.trust.CaStore`);
  an enrollment group only admits devices whose chain rolls up to a *verified* CA,
  and when the group names an intermediate, the chain up to its root must be
  registered too;
* **registration** over the device's client certificate: the device checks the service's
  TLS certificate (at its own clock), proves it holds its key, its subject CN must equal its
  registration ID, its chain is validated (validity, profile, path to a registered CA; CRLs are
  not consulted, as in Azure), then it is assigned to an IoT hub, which gets a device identity;
* **zero-touch issuance**: an enrollment linked to a CA accepts a CSR with the
  registration, passes it to the CA, and returns the new certificate and a trust
  bundle; the hub is given the issuing CA and authenticates the device by its chain
  (what DPS does with Azure Device Registry's certificate management and its
  credential sync).

Every rejection is a :class:`~pki_lab.iot.trust.Verdict` whose reason says what to fix.
Like Azure DPS, the simulator reads no CRLs (:meth:`ProvisioningService.publish_crl` refuses
with a sentence saying what to do): to shut a device out, disable its individual enrollment or
its group (:meth:`ProvisioningService.disable`), or, for one device of a group, create a
disabled individual enrollment for its certificate (:meth:`ProvisioningService.disallow`), as
Microsoft's "How to disenroll a device" describes. Disenrolling does not touch the hub: a device
already provisioned keeps connecting until its hub identity is disabled too.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Any

from cryptography import x509

from .. import clock
from ..ca import CertificateAuthority
from ..describe import thumbprint
from ..errors import ParameterError, WrongTypeError
from ..hashing import digest
from ..names import certificate_label, common_name, host_label
from .device import IoTDevice, proves_possession
from .events import EventLog
from .hub import AuthMethod
from .trust import CaStore, Code, ServerTls, Verdict, azure_ignores_crls, check_chain, lab_cloud_root, server_refusal

__all__ = ["IndividualEnrollment", "EnrollmentGroup", "Registration", "ProvisioningService"]


@dataclasses.dataclass
class IndividualEnrollment:
    """One device: its registration ID and its certificate (or public key)."""

    registration_id: str
    certificate: x509.Certificate | None = None
    public_key: Any = None
    hub: str | None = None
    issuing_ca: CertificateAuthority | None = None
    enabled: bool = True


@dataclasses.dataclass
class EnrollmentGroup:
    """Every device whose chain contains the group's CA certificate (registered under ``ca_name``)."""

    group_id: str
    ca_name: str
    hub: str | None = None
    issuing_ca: CertificateAuthority | None = None
    enabled: bool = True


@dataclasses.dataclass(frozen=True)
class Registration:
    """The outcome of a registration: the verdict, and on success what the device receives."""

    verdict: Verdict
    hub: str | None = None
    certificate: x509.Certificate | None = None
    chain: tuple[x509.Certificate, ...] = ()
    trust_bundle: tuple[x509.Certificate, ...] = ()

    @property
    def ok(self) -> bool:
        return self.verdict.ok

    def __repr__(self) -> str:
        return str(self.verdict)


class ProvisioningService:
    """The simulated DPS. Link hubs, register CAs, add enrollments, then devices call :meth:`register`."""

    def __init__(self, name: str = "DPS", *, log: EventLog | None = None,
                 server_root: CertificateAuthority | None = None) -> None:
        self.name = name
        self.host = f"{host_label(name).lower()}.azure-devices-provisioning.example"
        root = server_root or lab_cloud_root()
        self.tls = ServerTls(root, self.host)
        self.server_roots = [root.certificate]
        self.log = log if log is not None else EventLog()
        self.cas = CaStore(name)
        self.hubs: dict[str, Any] = {}
        self.individual: dict[str, IndividualEnrollment] = {}
        self.groups: dict[str, EnrollmentGroup] = {}
        self._challenges = 0

    # -- set-up (the operator's side) -----------------------------------------------------------

    @property
    def server_chain(self) -> list[x509.Certificate]:
        """The service's TLS chain now (server certificate first), renewed when it would be out of date."""
        return self.tls.chain_at(clock.now())

    def link_hub(self, hub: Any) -> None:
        """Link an IoT hub: devices can be assigned to it."""
        self.hubs[hub.name] = hub

    def upload_ca(self, certificate: x509.Certificate, name: str | None = None, *,
                  verified_on_upload: bool = False):
        """Register a CA certificate; it stays unverified until proof of possession (or verified on upload)."""
        record = self.cas.upload(certificate, name, verified_on_upload=verified_on_upload)
        self.log.add("Operator", self.name, f"upload CA {record.name!r}" + (" (verified on upload)"
                                                                             if verified_on_upload else ""))
        return record

    def verification_code(self, name: str) -> str:
        code = self.cas.verification_code(name)
        self.log.add(self.name, "Operator", f"verification code for {name!r}")
        return code

    def verify_ca(self, name: str, verification_certificate: x509.Certificate) -> Verdict:
        verdict = self.cas.verify(name, verification_certificate)
        self.log.add("Operator", self.name, f"proof of possession for {name!r}", verdict.ok)
        return verdict

    def add_individual_enrollment(self, registration_id: str, *, certificate: x509.Certificate | None = None,
                                  public_key: Any = None, hub: str | None = None,
                                  issuing_ca: CertificateAuthority | None = None,
                                  enabled: bool = True) -> IndividualEnrollment:
        """Enroll one device by its certificate or public key (or, for zero-touch, link a CA).

        ``enabled=False`` makes a disabled enrollment: the device is refused even when an enabled
        enrollment group would admit it (DPS looks for an individual enrollment first).
        """
        if certificate is None and public_key is None and issuing_ca is None:
            raise ParameterError("An individual enrollment needs the device's certificate or public key "
                                 "(or an issuing CA for zero-touch issuance).")
        self._check_hub(hub)
        enrollment = IndividualEnrollment(registration_id, certificate, public_key, hub, issuing_ca, bool(enabled))
        self.individual[registration_id] = enrollment
        self.log.add("Operator", self.name, f"individual enrollment {registration_id!r}"
                     + ("" if enabled else " (disabled)"))
        return enrollment

    def add_enrollment_group(self, group_id: str, ca_name: str, *, hub: str | None = None,
                             issuing_ca: CertificateAuthority | None = None) -> EnrollmentGroup:
        """Enroll every device chaining to the registered CA ``ca_name`` (root or intermediate)."""
        self.cas.get(ca_name)
        self._check_hub(hub)
        group = EnrollmentGroup(group_id, ca_name, hub, issuing_ca)
        self.groups[group_id] = group
        self.log.add("Operator", self.name, f"enrollment group {group_id!r} on CA {ca_name!r}")
        return group

    def disable(self, enrollment_id: str) -> None:
        """Disable an individual enrollment or a group: its devices can no longer register."""
        target = self.individual.get(enrollment_id) or self.groups.get(enrollment_id)
        if target is None:
            raise ParameterError(f"{self.name} has no enrollment called {enrollment_id!r}.")
        target.enabled = False
        self.log.add("Operator", self.name, f"disable enrollment {enrollment_id!r}")

    def disallow(self, certificate: x509.Certificate, registration_id: str | None = None) -> IndividualEnrollment:
        """Shut one device out, whatever group admits it: a disabled individual enrollment for its certificate.

        This is Microsoft's way to disallow one device of an enrollment group (keep the disabled entry:
        deleting it lets the device register through the group again). ``registration_id`` defaults to
        the certificate's subject CN. An existing individual enrollment for that ID is disabled instead.
        """
        if not isinstance(certificate, x509.Certificate):
            raise WrongTypeError(f"Disallow a device by its x509.Certificate, not {type(certificate).__name__}.")
        reg_id = registration_id or common_name(certificate.subject)
        if not reg_id:
            raise ParameterError("That certificate has no subject CN; pass the device's registration_id.")
        existing = self.individual.get(reg_id)
        if existing is not None:
            self.disable(reg_id)
            return existing
        return self.add_individual_enrollment(reg_id, certificate=certificate, enabled=False)

    def publish_crl(self, crl: x509.CertificateRevocationList) -> None:
        """Refused: Azure DPS does not check CRLs. The error says what works instead (disable, disallow)."""
        raise azure_ignores_crls(self.name, "IoT Hub Device Provisioning Service (DPS)")

    def _check_hub(self, hub: str | None) -> None:
        if hub is not None and hub not in self.hubs:
            raise ParameterError(f"{self.name} has no linked hub {hub!r}; call link_hub(hub) first.")

    # -- registration (the device's side) --------------------------------------------------------

    def register(self, device: IoTDevice, *, csr: x509.CertificateSigningRequest | None = None,
                 at: _dt.datetime | None = None) -> Registration:
        """Register a device over its client certificate; with ``csr``, also issue its operational certificate."""
        at = clock.require_aware(at, "at") if at is not None else clock.now()
        reg_id = device.registration_id
        leaf, presented = device.present()
        self.log.add(device.registration_id, self.name,
                     "register (TLS client cert" + (" + CSR)" if csr is not None else ")"))

        def reject(code: Code, reason: str) -> Registration:
            self.log.add(self.name, device.registration_id, f"rejected: {code}", ok=False)
            return Registration(Verdict(self.name, reg_id, False, code, reason))

        server = device.check_server(self.tls.chain_at(at), self.host, at=at)  # at the device's own clock
        if not server.ok:
            self.log.add(reg_id, self.name, f"rejected: {Code.SERVER_UNTRUSTED}", ok=False)
            return Registration(Verdict(f"device {reg_id!r}", reg_id, False, Code.SERVER_UNTRUSTED,
                                        server_refusal(device.trust_bundle, server, "provisioning service")))

        self._challenges += 1
        challenge = digest(f"{self.name}/challenge/{self._challenges}")
        if not proves_possession(device, leaf, challenge):
            return reject(Code.NO_PROOF_OF_POSSESSION,
                          "the device could not sign the TLS challenge with the key of the certificate it presented: "
                          "it is a copy without the private key (or the wrong certificate is installed on the device).")
        if common_name(leaf.subject) != reg_id:
            return reject(Code.CN_MISMATCH,
                          f"the certificate's subject CN is {common_name(leaf.subject)!r} but the device registers as "
                          f"{reg_id!r}; they must be equal: issue the device a certificate with CN set to its "
                          "registration ID.")
        enrollment = self.individual.get(reg_id)
        if enrollment is not None:
            outcome = self._check_individual(enrollment, leaf, presented, at)
        else:
            outcome = self._check_group(leaf, presented, at)
        if isinstance(outcome[0], Code):
            return reject(*outcome)
        enrollment, path = outcome
        hub_name = enrollment.hub or (next(iter(self.hubs)) if len(self.hubs) == 1 else None)
        if hub_name is None:
            return reject(Code.NO_HUB, f"{self.name} has no IoT hub to assign the device to: link a hub, or name "
                                    "one in the enrollment.")
        hub = self.hubs[hub_name]
        cert, chain, bundle = leaf, tuple(presented), tuple(hub.server_roots)
        if csr is not None:
            issued = self._issue(enrollment, csr, reg_id)
            if isinstance(issued[0], Code):
                return reject(*issued)
            cert, chain = issued
            bundle = tuple(hub.server_roots) + (enrollment.issuing_ca.root.certificate,)
            # As Azure Device Registry's credential sync: the hub trusts the issuing CA, the device presents its chain.
            hub.register_device(reg_id, auth=AuthMethod.CA, by=self.name)
            if any(hub.cas.record_for(c) is None for c in chain):
                hub.trust_ca_chain(chain, by=self.name)
                self.log.add(self.name, hub_name, f"sync issuing CA {certificate_label(chain[0])!r}")
        elif isinstance(enrollment, IndividualEnrollment):
            hub.register_device(reg_id, auth=AuthMethod.THUMBPRINT, thumbprints=(thumbprint(leaf),), by=self.name)
        else:
            hub.register_device(reg_id, auth=AuthMethod.CA, by=self.name)
            hub.trust_ca_chain(path[1:], by=self.name)
        self.log.add(self.name, reg_id, f"assigned to {hub_name}" + (" + certificate + trust bundle"
                                                                     if csr is not None else ""))
        how = (f"individual enrollment {reg_id!r}" if isinstance(enrollment, IndividualEnrollment)
               else f"enrollment group {enrollment.group_id!r}")
        verdict = Verdict(self.name, reg_id, True, Code.OK, f"matched {how}; assigned to hub {hub_name!r}.",
                          hub=hub_name, path=tuple(certificate_label(c) for c in path))
        return Registration(verdict, hub_name, cert, chain, bundle)

    def _check_individual(self, enrollment: IndividualEnrollment, leaf, presented, at):
        if not enrollment.enabled:
            return Code.ENROLLMENT_DISABLED, (f"the individual enrollment {enrollment.registration_id!r} is disabled; "
                                           "an operator blocked this device (enable it only if that was a mistake).")
        if enrollment.certificate is not None and thumbprint(enrollment.certificate) != thumbprint(leaf):
            return Code.CERTIFICATE_MISMATCH, ("the device presented a different certificate from the one in its "
                                            "individual enrollment; update the enrollment with the device's new "
                                            "certificate (or reinstall the old one on the device).")
        if enrollment.public_key is not None and enrollment.public_key != leaf.public_key():
            return Code.CERTIFICATE_MISMATCH, ("the device's certificate holds a different public key from the one "
                                            "in its individual enrollment; re-enroll the device with its current "
                                            "public key.")
        # The enrollment pins the device certificate, so it is its own trust anchor (RFC 5280 6.1.1 (d)): the
        # validator checks its validity and profile. Like Azure DPS, no CRL is consulted.
        check = check_chain(leaf, (), anchors=[leaf], at=at, service=self.name, revocation="off")
        if not check.ok:
            return check.code, check.reason
        return enrollment, [leaf]

    def _check_group(self, leaf, presented, at):
        registered = self.cas.certificates()
        roots = [c for c in registered if c.issuer == c.subject]
        check = check_chain(leaf, presented, pool=registered, anchors=roots, at=at, service=self.name,
                            revocation="off")
        groups = [g for g in self.groups.values() if self.cas.get(g.ca_name).certificate in check.path]
        # An incomplete chain is worth reporting as such when it stops at the device certificate (any
        # group's CA may be above the missing intermediate) or when a group's CA is on it; otherwise the
        # device simply belongs to no enrollment.
        if not check.ok and (check.code == Code.MISSING_INTERMEDIATE or (check.code == Code.MISSING_ROOT and groups)):
            return check.code, check.reason
        if not groups:
            return Code.NO_ENROLLMENT, (
                f"no individual enrollment for {certificate_label(leaf)!r} and no enrollment group whose CA is in its "
                f"chain ({' -> '.join(check.names)}); create one for the CA that issued the device.")
        group = groups[0]
        if not group.enabled:
            return Code.ENROLLMENT_DISABLED, (f"the enrollment group {group.group_id!r} is disabled, so none of its "
                                           "devices can register; enable it, or move the device to another group.")
        if not check.ok:
            return check.code, check.reason
        start = check.path.index(self.cas.get(group.ca_name).certificate)
        if not any((rec := self.cas.record_for(c)) is not None and rec.verified for c in check.path[start:]):
            return Code.CA_UNVERIFIED, (
                f"the enrollment group's CA {group.ca_name!r} is not verified (nor any CA above it): prove possession "
                "of its private key (verification code) or mark it verified on upload.")
        return group, list(check.path)

    def _issue(self, enrollment, csr: x509.CertificateSigningRequest, reg_id: str):
        ca = enrollment.issuing_ca
        if ca is None:
            return Code.NO_ISSUING_CA, ("the device sent a CSR but its enrollment is not linked to a CA, so no "
                                     "certificate can be issued; link the enrollment to an issuing CA.")
        if not csr.is_signature_valid:
            return Code.CSR_INVALID, ("the CSR's signature does not verify with the public key inside it; the device "
                                   "must sign its CSR with its own new key.")
        if common_name(csr.subject) != reg_id:
            return Code.CSR_CN_MISMATCH, (f"the CSR asks for CN {common_name(csr.subject)!r}, not the registration ID "
                                       f"{reg_id!r}; the device must request a certificate for its own ID.")
        self.log.add(self.name, "CA", f"CSR for {reg_id!r}")
        cert = ca.issue(csr, profile="device", days=30)
        self.log.add("CA", self.name, "device certificate")
        return cert, tuple(ca.chain[:-1])

