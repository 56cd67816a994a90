"""Run every benchmark script in this folder and print its figures (`make bench`).

Starts with the machine the figures were taken on (cores, CPU model, Python, load), which
`docs/benchmarks.md` records beside the figures.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    """One line on the machine: cores, CPU model (from /proc/cpuinfo where it exists), Python, load."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return (f"machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()} "
            f"on {platform.system()} {platform.release()}, {load}")


def main() -> int:
    print(machine())
    print()
    status = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name == "run_all.py":
            continue
        print(f"== {script.name}")
        sys.stdout.flush()
        status |= subprocess.run([sys.executable, str(script)]).returncode
        print()
    return status


if __name__ == "__main__":
    sys.exit(main())
