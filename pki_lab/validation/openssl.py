"""The same check with ``openssl verify``, for comparison (where the OpenSSL command line exists).

:func:`openssl_command` writes a scenario's certificates (and CRLs) as PEM files into
a folder and returns the ``openssl verify`` command that checks the same thing,
so a learner can run it in a terminal. :func:`run_openssl` runs it (the unit tests
compare its verdicts with the lab validator's). Nothing here runs at import time,
and nothing needs OpenSSL unless :func:`run_openssl` is called.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..errors import ParameterError
from ..loading import to_pem

__all__ = ["openssl_command", "run_openssl"]


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
    if shutil.which("openssl") is None:
        raise ParameterError("The openssl command is not installed here; compare with the lab validator or "
                             "pyca/cryptography instead.")
    command = openssl_command(scenario, folder)
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=30, check=False)
    return result.returncode == 0, (result.stdout + result.stderr).strip()
