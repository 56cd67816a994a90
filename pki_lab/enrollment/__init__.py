"""Enrollment with the roles kept apart: a device, an administrator (or agent), an issuing CA.

The seed's eight-step sequence, as objects that can only do what their role allows:

1. the administrator asks the :class:`Device` to generate a key pair;
2. the administrator asks it for a certificate signing request (CSR, PKCS #10, RFC 2986);
   the device signs the CSR with its private key: that signature is the *proof of possession*;
3. the administrator (a person, or an automated agent such as an ACME client) carries the CSR to the CA;
4. the :class:`IssuingService` checks the request against its :class:`IssuancePolicy`;
5. if every rule passes, it issues the certificate through :meth:`pki_lab.ca.CertificateAuthority.issue`;
6. optionally it notifies (a hook, called with the :class:`Decision`);
7. the administrator retrieves the certificate;
8. the administrator installs it on the device, which checks that it matches its own key.

Every step is written to an :class:`EventLog`; :func:`plot_sequence` draws the log
as a sequence diagram, so the drawing shows what actually happened.

The device's private key is kept in a closure, not in an attribute: no attribute
returns it and the device refuses to be pickled or copied, as a secure element or
TPM refuses to export a key. (Python cannot truly hide memory from the program
that owns it; hardware can, which is why real devices use it.)
"""

from __future__ import annotations

from .demo import alter_csr_subject, plot_sequence, seeded_rsa_key
from .policy import Check, Decision, IssuancePolicy, requested_names
from .roles import Administrator, Device, Event, EventLog, IssuingService

__all__ = [
    "Event",
    "EventLog",
    "Device",
    "Administrator",
    "Check",
    "Decision",
    "IssuancePolicy",
    "IssuingService",
    "requested_names",
    "alter_csr_subject",
    "seeded_rsa_key",
    "plot_sequence",
]
