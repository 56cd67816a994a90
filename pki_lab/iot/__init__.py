"""An offline simulator of IoT device identity: provisioning service, IoT hub, devices, factory line.

The course must run without a cloud account, so this package simulates, in process,
the concepts and failure modes of Azure IoT Hub Device Provisioning Service (DPS)
and Azure IoT Hub (see chapter 11 for links to their documentation):

* :mod:`pki_lab.iot.trust`: verdicts, CA registration with proof of possession, chain checks;
* :mod:`pki_lab.iot.device`: a device whose private key never leaves it, with a clock of its own;
* :mod:`pki_lab.iot.dps`: individual enrollments, enrollment groups, registration, zero-touch issuance,
  disenrollment (Azure reads no CRLs: you disable enrollments);
* :mod:`pki_lab.iot.hub`: device authentication by thumbprint or by CA, telemetry, disabling identities;
* :mod:`pki_lab.iot.broker`: the contrast, an MQTT-style broker that checks CRLs (Mosquitto's ``crlfile``);
* :mod:`pki_lab.iot.events`: the event log and its sequence drawing;
* :mod:`pki_lab.iot.gallery`: the chapter's gallery of failures;
* :mod:`pki_lab.iot.zero_touch`: certificate issuance at first boot, end to end;
* :mod:`pki_lab.iot.manufacturing`: a seeded discrete-event simulation of a factory line CA;
* :mod:`pki_lab.iot.capstone` (with ``capstone_line``, ``capstone_plan``, ``capstone_report``): chapter 12's design
  profile and its rules, the product line issued through chapter 06's roles, the ten-year plan, the report.

Chain validation goes through one function, :func:`pki_lab.iot.trust.check_chain`, which asks
the course's validator (:func:`pki_lab.validation.validate_chain`) and only translates its verdict
into the services' codes and sentences.

Nothing here is imported by ``import pki_lab``; import the submodules you need.
"""

__all__: list[str] = []
