"""Seconds to factor toy RSA moduli by size, with trial division and Pollard's rho (chapter 01).

    python benchmarks/factoring.py

Each size is factored for three seeded moduli; the figure is the median. The steps are
the same on every machine; the seconds are this machine's. The last column extrapolates
Pollard's rho to 2048 bits with its model, seconds = a * 2**(bits/4), fitted on the largest size.
"""

from __future__ import annotations

import statistics

from pki_lab.factoring import gnfs_estimate, rho_steps, time_factoring

SECONDS_PER_YEAR = 365.25 * 24 * 3600


def main() -> None:
    print(f"{'bits':>5} {'trial division':>16} {'Pollard rho':>13} {'rho steps':>10}")
    last = None
    for bits in range(24, 73, 8):
        rho = time_factoring([bits], "pollard rho")
        trial = time_factoring([bits], "trial division") if bits <= 40 else None
        rho_s = statistics.median(t.seconds for t in rho)
        trial_s = f"{statistics.median(t.seconds for t in trial):14.4f} s" if trial else f"{'(skipped)':>16}"
        print(f"{bits:>5} {trial_s} {rho_s:11.4f} s {statistics.median(t.steps for t in rho):>10}")
        last = (bits, rho_s)
    bits, seconds = last
    per_step = seconds / rho_steps(bits)
    print(f"rho model at 2048 bits: about {per_step * rho_steps(2048) / SECONDS_PER_YEAR:.1e} years on this machine")
    print(gnfs_estimate(2048).sentence())


if __name__ == "__main__":
    main()
