"""A CRL-checking MQTT-style broker: the contrast to Azure IoT Hub, which reads no CRLs.

Brokers you run yourself can consult the CRLs of the CAs they trust during the TLS handshake:

* Mosquitto (``mosquitto.conf``): ``cafile`` names the CAs whose client certificates are accepted, and
  with ``require_certificate true`` "you can create a certificate revocation list file to revoke access
  to particular client certificates", named by ``crlfile``;
* EMQX (5.0.3 and later): ``enable_crl_check = true`` on an SSL listener with ``verify = verify_peer``
  fetches the CRL from the client certificate's CRL distribution point and refuses a revoked client
  during the handshake.

:class:`CrlCheckingBroker` is Mosquitto's shape: trusted CAs (:meth:`~CrlCheckingBroker.trust_ca`),
CRLs handed to it (:meth:`~CrlCheckingBroker.publish_crl`, newest per issuer), and a connection check
that goes through the course's one validator (:func:`pki_lab.iot.trust.check_chain`, so
:func:`pki_lab.validation.validate_chain`) with ``revocation="hard-fail"``: a revoked device is
refused, and so is one whose CRL is stale or forged (the status cannot be known). A device whose issuer
published no CRL at all is accepted with the validator's warning (hard-fail's "unchecked"); OpenSSL's
CRL check, which Mosquitto uses, refuses that case too ("unable to get certificate CRL"), which the
lab's ``revocation="require"`` would model.

The device checks the broker's TLS certificate first, at its own clock, as it checks the hub's.
"""

from __future__ import annotations

import datetime as _dt

from cryptography import x509

from .. import clock
from ..ca import CertificateAuthority
from ..errors import WrongTypeError
from ..hashing import digest
from ..names import certificate_label, host_label
from .device import IoTDevice, proves_possession
from .events import EventLog
from .trust import Code, ServerTls, Verdict, check_chain, lab_cloud_root, server_refusal

__all__ = ["CrlCheckingBroker"]


class CrlCheckingBroker:
    """An MQTT broker with client-certificate authentication and CRL checking (Mosquitto's ``crlfile``).

    Args:
        name: the broker's name in verdicts and the event log.
        log: an :class:`~pki_lab.iot.events.EventLog` to share with other services.
        server_root: the CA of the broker's own TLS certificate (default: the lab cloud root, which new
            devices trust).
    """

    def __init__(self, name: str = "broker", *, log: EventLog | None = None,
                 server_root: CertificateAuthority | None = None) -> None:
        self.name = name
        self.log = log if log is not None else EventLog()
        self.host = f"{host_label(name).lower()}.mqtt.example"
        root = server_root or lab_cloud_root()
        self.tls = ServerTls(root, self.host)
        self.server_roots = [root.certificate]
        self.anchors: list[x509.Certificate] = []
        self.intermediates: list[x509.Certificate] = []
        self.crls: list[x509.CertificateRevocationList] = []
        self.sessions: set[str] = set()
        self.messages: list[tuple[str, str, str]] = []
        self._challenges = 0

    def trust_ca(self, certificate: x509.Certificate) -> None:
        """Accept client certificates that chain to this CA (``cafile``); an intermediate helps build paths."""
        if not isinstance(certificate, x509.Certificate):
            raise WrongTypeError(f"Trust an x509.Certificate, not {type(certificate).__name__}.")
        (self.anchors if certificate.issuer == certificate.subject else self.intermediates).append(certificate)
        self.log.add("Operator", self.name, f"trust CA {certificate_label(certificate)!r}")

    def publish_crl(self, crl: x509.CertificateRevocationList) -> None:
        """Give the broker a CRL (``crlfile``): it replaces an older CRL from the same issuer."""
        if not isinstance(crl, x509.CertificateRevocationList):
            raise WrongTypeError(f"Publish an x509.CertificateRevocationList, not {type(crl).__name__}.")
        self.crls = [c for c in self.crls if c.issuer != crl.issuer] + [crl]
        self.log.add("CA", self.name, f"CRL from {certificate_label(crl.issuer)!r} ({len(list(crl))} revoked)")

    @property
    def server_chain(self) -> list[x509.Certificate]:
        """The broker's TLS chain now (server certificate first)."""
        return self.tls.chain_at(clock.now())

    def connect(self, device: IoTDevice, *, at: _dt.datetime | None = None) -> Verdict:
        """A TLS connection with a client certificate: server check, proof of possession, chain and CRLs."""
        at = clock.require_aware(at, "at") if at is not None else clock.now()
        device_id = device.registration_id
        self.log.add(device_id, self.name, "CONNECT (TLS, client certificate)")
        server = device.check_server(self.tls.chain_at(at), self.host, at=at)
        if not server.ok:
            return self._refuse(device_id, Code.SERVER_UNTRUSTED, server_refusal(device.trust_bundle, server,
                                                                                 "broker"), by_device=True)
        leaf, presented = device.present()
        self._challenges += 1
        if not proves_possession(device, leaf, digest(f"{self.name}/challenge/{self._challenges}")):
            return self._refuse(device_id, Code.NO_PROOF_OF_POSSESSION, "the client could not sign the TLS handshake "
                                "with the key of its certificate: a copied certificate is useless without the key.")
        check = check_chain(leaf, presented, pool=self.intermediates, anchors=self.anchors, at=at,
                            crls=self.crls, service=self.name, revocation="hard-fail")
        if not check.ok:
            return self._refuse(device_id, check.code, check.reason)
        self.sessions.add(device_id)
        self.log.add(self.name, device_id, "CONNACK")
        return Verdict(self.name, device_id, True, Code.OK, check.reason, path=check.names)

    def _refuse(self, device_id: str, code: Code, reason: str, by_device: bool = False) -> Verdict:
        source, target = (device_id, self.name) if by_device else (self.name, device_id)
        self.log.add(source, target, f"rejected: {code}", ok=False)
        return Verdict(f"device {device_id!r}" if by_device else self.name, device_id, False, code, reason)

    def publish(self, device_id: str, topic: str, payload: str) -> Verdict:
        """An MQTT PUBLISH: accepted only from a device with a connected session."""
        if device_id not in self.sessions:
            self.log.add(device_id, self.name, f"PUBLISH {topic}", ok=False)
            return Verdict(self.name, device_id, False, Code.NOT_AUTHENTICATED,
                           "publish refused: this device has no authenticated connection; connect first.")
        self.messages.append((device_id, topic, payload))
        self.log.add(device_id, self.name, f"PUBLISH {topic} {payload!r}")
        return Verdict(self.name, device_id, True, Code.OK, "message accepted.")
