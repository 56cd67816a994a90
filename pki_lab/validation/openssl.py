"""The same check with ``openssl verify``, for comparison (where the OpenSSL command line exists).

:func:`openssl_command` writes a scenario's certificates (and CRLs) as PEM files into
a folder and returns the ``openssl verify`` command that checks the same thing,
so a learner can run it in a terminal. :func:`run_openssl` runs it (the unit tests
compare its verdicts with the lab validator's). :func:`pkix_command` and
:func:`run_pkix` do the same for pure RFC 5280 section 6 (no purpose, no name): every
certificate's CRLs checked, delta CRLs and indirect CRLs allowed, policies processed
with the initial inputs of 6.1.1, as the PKITS comparison calls them. Nothing here runs
at import time, and nothing needs OpenSSL unless a ``run_*`` function is called.
"""

from __future__ import annotations

import datetime as _dt
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from cryptography import x509

from ..errors import ParameterError
from ..loading import to_pem
from .context import ANY_POLICY

__all__ = ["openssl_command", "run_openssl", "pkix_command", "run_pkix"]


def openssl_command(scenario, folder: str | Path) -> list[str]:
    """Write the scenario's files into ``folder`` and return the ``openssl verify`` argument list.

    File names are relative to ``folder`` (run the command from there): ``leaf.pem``, ``trust.pem``,
    ``untrusted.pem`` and ``crls.pem``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "leaf.pem").write_text(to_pem(scenario.leaf))
    (folder / "trust.pem").write_text("".join(to_pem(c) for c in scenario.trust))
    command = ["openssl", "verify", "-attime", str(int(scenario.at.timestamp())), "-purpose", "sslserver",
               "-CAfile", "trust.pem"]
    if scenario.intermediates:
        (folder / "untrusted.pem").write_text("".join(to_pem(c) for c in scenario.intermediates))
        command += ["-untrusted", "untrusted.pem"]
    if scenario.name:
        command += ["-verify_hostname", scenario.name]
    if scenario.crls:
        (folder / "crls.pem").write_text("".join(to_pem(c) for c in scenario.crls))
        command += ["-crl_check", "-CRLfile", "crls.pem"]
    return command + ["leaf.pem"]


def run_openssl(scenario, folder: str | Path) -> tuple[bool, str]:
    """Run ``openssl verify`` on the scenario; returns (valid?, OpenSSL's output).

    Raises:
        ParameterError: the ``openssl`` command is not installed.
    """
    _require_openssl()
    return _run(openssl_command(scenario, folder), folder)


def _require_openssl() -> None:
    if shutil.which("openssl") is None:
        raise ParameterError("The openssl command is not installed here; compare with the lab validator or "
                             "pyca/cryptography instead.")


def _run(command: list[str], folder: str | Path) -> tuple[bool, str]:
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=30, check=False)
    return result.returncode == 0, (result.stdout + result.stderr).strip()


def pkix_command(
    folder: str | Path,
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    at: _dt.datetime,
    *,
    initial_policies: Iterable[str] | None = None,
    explicit_policy: bool = False,
    policy_mapping_inhibit: bool = False,
    any_policy_inhibit: bool = False,
) -> list[str]:
    """Write the files into ``folder`` and return the ``openssl verify`` arguments for RFC 5280 section 6 alone.

    No purpose and no host name; ``-crl_check_all`` (every certificate's status, 6.3), ``-extended_crl``
    (indirect CRLs, reason partitions) and ``-use_deltas`` (delta CRLs); ``-policy_check`` with ``-policy``
    for each OID of the user-initial-policy-set (6.1.1 (c); anyPolicy when None, as in RFC 5280),
    ``-explicit_policy``, ``-inhibit_map`` and ``-inhibit_any`` for 6.1.1 (e)-(g). File names are relative
    to ``folder``: ``leaf.pem``, ``trust.pem``, ``untrusted.pem`` (if any), ``crls.pem`` (if any).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "leaf.pem").write_text(to_pem(leaf))
    (folder / "trust.pem").write_text("".join(to_pem(c) for c in trust))
    command = ["openssl", "verify", "-attime", str(int(at.timestamp())), "-CAfile", "trust.pem"]
    if intermediates:
        (folder / "untrusted.pem").write_text("".join(to_pem(c) for c in intermediates))
        command += ["-untrusted", "untrusted.pem"]
    if crls:
        (folder / "crls.pem").write_text("".join(to_pem(c) for c in crls))
        command += ["-crl_check_all", "-extended_crl", "-use_deltas", "-CRLfile", "crls.pem"]
    command.append("-policy_check")
    # OpenSSL's default user-initial-policy-set is empty, which fails every path that must carry an explicit
    # policy; RFC 5280 6.1.1 (c)'s default is anyPolicy, so it is always passed.
    for oid in initial_policies or (ANY_POLICY,):
        command += ["-policy", oid]
    flags = (("-explicit_policy", explicit_policy), ("-inhibit_map", policy_mapping_inhibit),
             ("-inhibit_any", any_policy_inhibit))
    return command + [flag for flag, on in flags if on] + ["leaf.pem"]


def run_pkix(folder: str | Path, *args, **kwargs) -> tuple[bool, str]:
    """Run the :func:`pkix_command` for these inputs; returns (valid?, OpenSSL's output).

    Raises:
        ParameterError: the ``openssl`` command is not installed.
    """
    _require_openssl()
    return _run(pkix_command(folder, *args, **kwargs), folder)
