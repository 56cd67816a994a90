"""Run every benchmark script in this folder and print its figures (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
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
