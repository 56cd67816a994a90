"""Factoring small RSA moduli, and why 2048-bit moduli are out of reach.

Whoever factors ``n`` into ``p*q`` can compute the private exponent ``d`` (chapter 01),
so RSA's public key is safe to publish only while factoring ``n`` is infeasible.
This module factors *toy* moduli two ways:

* :func:`trial_division` tries every odd candidate up to ``sqrt(n)``: about
  ``sqrt(n)/2 = 2**(bits/2 - 1)`` divisions;
* :func:`pollard_rho` (Brent's variant) finds a factor ``p`` after about ``sqrt(p)``
  steps, ``2**(bits/4)`` for a balanced RSA modulus.

Both count their *steps*, which are the same on every run; :func:`time_factoring`
also measures seconds, which are not (print steps, plot seconds).
:func:`gnfs_estimate` extrapolates to real key sizes with the heuristic running
time of the general number field sieve, the best known classical method. It is an
**estimate** from a stated model, not a measurement.
"""

from __future__ import annotations

import dataclasses
import math
import random
import textwrap
import time
from collections.abc import Callable, Iterable

from .errors import ParameterError, PolicyError, WrongTypeError
from .plots import legend_below
from .toyrsa import MAX_TOY_BITS, is_probable_prime, random_prime

__all__ = [
    "Factorization",
    "trial_division",
    "pollard_rho",
    "semiprime",
    "Timing",
    "time_factoring",
    "FactoringEstimate",
    "gnfs_estimate",
    "rho_steps",
    "plot_factoring_times",
    "plot_factoring_work",
    "private_exponent_from_factors",
]

#: Refuse moduli above this size: the toy methods would run for hours (never hang).
MAX_BITS = 96
#: The largest key size the models (rho steps, GNFS estimate) take: far past any RSA key in use (16384 bits).
MAX_MODEL_BITS = 65536


@dataclasses.dataclass(frozen=True)
class Factorization:
    """``n = p * q`` found by ``method`` in ``steps`` steps (deterministic)."""

    n: int
    p: int
    q: int
    method: str
    steps: int

    def __repr__(self) -> str:
        return f"{self.n} = {self.p} x {self.q} ({self.method}, {self.steps} steps)"


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise WrongTypeError(f"n must be a whole number (int), not {type(n).__name__}.")
    if n < 4:
        raise ParameterError(f"n = {n} is too small to factor; give a composite number of at least 4.")
    if n.bit_length() > MAX_BITS:
        raise PolicyError(
            f"n has {n.bit_length()} bits; the lab's toy factoring stops at {MAX_BITS} bits because it would "
            "run for hours. That is the point: see gnfs_estimate() for real key sizes."
        )
    if is_probable_prime(n):
        raise ParameterError(f"n = {n} is prime, so it has no factors to find; an RSA modulus is p*q.")
    return n


def trial_division(n: int) -> Factorization:
    """Divide by 2, then 3, 5, 7, ... until a divisor appears (at most sqrt(n) tries)."""
    n = _check_n(n)
    if n % 2 == 0:
        return Factorization(n, 2, n // 2, "trial division", 1)
    steps, candidate = 1, 3
    while candidate * candidate <= n:
        steps += 1
        if n % candidate == 0:
            return Factorization(n, candidate, n // candidate, "trial division", steps)
        candidate += 2
    raise AssertionError("unreachable: n is composite")  # pragma: no cover


def pollard_rho(n: int, seed: int = 0, max_steps: int = 1 << 26) -> Factorization:
    """Pollard's rho with Brent's cycle finding: iterate x -> x*x + c mod n, look for gcd(|x - y|, n) > 1.

    The sequence modulo the hidden prime p repeats after about sqrt(p) steps (the birthday
    paradox); the gcd then reveals p. ``c`` and the start come from ``random.Random(seed)``.

    Raises:
        PolicyError: after ``max_steps`` steps without a factor (so a call never hangs).
    """
    n = _check_n(n)
    if n % 2 == 0:
        return Factorization(n, 2, n // 2, "Pollard's rho", 1)
    rng = random.Random(seed)
    steps = 0
    while steps < max_steps:
        y, c, m = rng.randrange(1, n), rng.randrange(1, n), 128
        g, r, q = 1, 1, 1
        x = ys = y
        while g == 1:
            x = y
            for _ in range(r):
                y = (y * y + c) % n
            k = 0
            while k < r and g == 1:
                ys = y
                for _ in range(min(m, r - k)):
                    y = (y * y + c) % n
                    q = q * abs(x - y) % n
                    steps += 1
                g = math.gcd(q, n)
                k += m
            r *= 2
            if steps >= max_steps:
                break
        if g == n:  # the batch overshot: step back one at a time
            while True:
                ys = (ys * ys + c) % n
                g = math.gcd(abs(x - ys), n)
                if g > 1:
                    break
        if 1 < g < n:
            p, q2 = sorted((g, n // g))
            return Factorization(n, p, q2, "Pollard's rho", steps)
    raise PolicyError(f"Pollard's rho gave up after {max_steps} steps on n = {n}; try a smaller modulus.")


def semiprime(bits: int, seed: int) -> int:
    """An RSA-style modulus of exactly ``bits`` bits: two primes of ``bits/2`` bits, from ``Random(seed)``."""
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 8 or bits % 2 or bits > MAX_TOY_BITS:
        raise ParameterError(f"bits must be an even whole number from 8 to {MAX_TOY_BITS}, not {bits!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise WrongTypeError(f"seed must be a whole number (int), not {type(seed).__name__}.")
    rng = random.Random(seed)
    while True:
        p, q = random_prime(bits // 2, rng), random_prime(bits // 2, rng)
        if p != q:
            return p * q


def private_exponent_from_factors(n: int, e: int, p: int) -> int:
    """Knowing one prime factor p of n, anyone computes d = e^-1 mod (p-1)(q-1): the key is broken.

    Raises:
        WrongTypeError: ``n``, ``e`` or ``p`` is not a whole number.
        ParameterError: ``p`` is not a factor of ``n`` strictly between 1 and ``n``, or ``e`` has no inverse.
    """
    for name, value in (("n", n), ("e", e), ("p", p)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise WrongTypeError(f"{name} must be a whole number (int), not {type(value).__name__}.")
    if not 1 < p < n:
        raise ParameterError(f"{p} is not a factor of n = {n} between 1 and n; give one of n's prime factors.")
    if n % p:
        raise ParameterError(f"{p} does not divide n = {n}; give one of n's prime factors.")
    phi = (p - 1) * (n // p - 1)
    if e < 1 or math.gcd(e, phi) != 1:
        raise ParameterError(f"e = {e} has no inverse modulo (p-1)(q-1) = {phi}, so these are not the factors "
                             "of an RSA key with this e.")
    return pow(e, -1, phi)


@dataclasses.dataclass(frozen=True)
class Timing:
    """One measurement. ``steps`` is the same on every run; ``seconds`` is not: never print it in a notebook."""

    bits: int
    n: int
    method: str
    steps: int
    seconds: float = dataclasses.field(compare=False)

    def __repr__(self) -> str:
        return f"Timing({self.bits} bits, {self.method}, {self.steps} steps)"


_METHODS = {"trial division": trial_division, "pollard rho": pollard_rho}


def _sequence(values: object, what: str, example: str) -> tuple:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise WrongTypeError(f"{what} must be a sequence of whole numbers such as {example}, not "
                             f"{type(values).__name__}.")
    return tuple(values)


def time_factoring(bit_sizes: Iterable[int], method: str = "pollard rho", seeds: Iterable[int] = (1, 2, 3)
                   ) -> list[Timing]:
    """Factor one modulus per (size, seed) and measure each; the moduli and steps are deterministic."""
    key = method.lower().replace("'s", "").replace("_", " ") if isinstance(method, str) else None
    if key not in _METHODS:
        raise ParameterError(f"method must be 'trial division' or 'pollard rho', not {method!r}.")
    bit_sizes, seeds = _sequence(bit_sizes, "bit_sizes", "range(24, 65, 8)"), _sequence(seeds, "seeds", "(1, 2, 3)")
    out = []
    for bits in bit_sizes:
        if isinstance(bits, int) and not isinstance(bits, bool) and bits > MAX_BITS:
            raise PolicyError(f"{bits}-bit moduli are beyond the lab's toy factoring ({MAX_BITS} bits at most): it "
                              "would run for hours. See gnfs_estimate() for real key sizes.")
        for seed in seeds:
            n = semiprime(bits, seed)
            start = time.perf_counter()
            result = _METHODS[key](n)
            out.append(Timing(bits, n, key, result.steps, time.perf_counter() - start))
    return out


def rho_steps(bits: int) -> float:
    """Model: Pollard's rho needs about sqrt(p) = 2**(bits/4) steps on a balanced ``bits``-bit modulus."""
    if isinstance(bits, bool) or not isinstance(bits, (int, float)) or not 0 <= bits <= MAX_MODEL_BITS:
        raise ParameterError(f"bits must be a number from 0 to {MAX_MODEL_BITS}, not {bits!r}.")
    return 2.0 ** (bits / 4)


def _ln_l(bits: int) -> float:
    """ln of the GNFS heuristic L_n[1/3, (64/9)^(1/3)], dropping the o(1) term."""
    ln_n = bits * math.log(2)
    return (64 / 9) ** (1 / 3) * ln_n ** (1 / 3) * math.log(ln_n) ** (2 / 3)


#: The anchor of the GNFS extrapolation: RSA-250 (829 bits), factored in February 2020 by Boudot,
#: Gaudry, Guillevic, Heninger, Thome and Zimmermann with CADO-NFS in about 2700 core-years
#: (Intel Xeon Gold 6130 at 2.1 GHz as the reference core).
ANCHOR = ("RSA-250", 829, 2700.0)


@dataclasses.dataclass(frozen=True)
class FactoringEstimate:
    """An ESTIMATE of the effort to factor a ``bits``-bit modulus with the number field sieve."""

    bits: int
    core_years: float
    model: str

    def sentence(self) -> str:
        return (f"Estimate, not a measurement: factoring a {self.bits}-bit RSA modulus with the general number "
                f"field sieve would take about {self.core_years:.1e} core-years ({self.model}).")

    def __repr__(self) -> str:
        return textwrap.fill(self.sentence(), 100)  # wrapped, so a narrow output area never breaks a word


def gnfs_estimate(bits: int) -> FactoringEstimate:
    """Scale the RSA-250 record by the GNFS heuristic: T(bits) = T(829) * L(2**bits) / L(2**829).

    ``L_n[1/3, c] = exp(c * (ln n)**(1/3) * (ln ln n)**(2/3))`` with ``c = (64/9)**(1/3) ~ 1.923``
    (the o(1) term is dropped, which is why this is only an order of magnitude). Real
    attackers would use better hardware and algorithms tuned for the size; quantum
    computers running Shor's algorithm are not in this model.
    """
    if isinstance(bits, bool) or not isinstance(bits, int) or not 64 <= bits <= MAX_MODEL_BITS:
        raise ParameterError(f"bits must be a whole number from 64 to {MAX_MODEL_BITS}, not {bits!r}.")
    name, anchor_bits, anchor_years = ANCHOR
    years = anchor_years * math.exp(_ln_l(bits) - _ln_l(anchor_bits))
    model = (f"GNFS heuristic L_n[1/3, 1.923] scaled from {name}, {anchor_bits} bits, "
             f"about {anchor_years:.0f} core-years in 2020")
    return FactoringEstimate(bits, years, model)


def _measured_and_extrapolated(timings: list[Timing], values: list[float], extrapolate_to: int, *, ylabel: str,
                                model: Callable[[int], float], model_label: str, title: str):
    """Two panels: the measured points at their own scale (left), and the model carried to ``extrapolate_to``."""
    import matplotlib.pyplot as plt

    fig, (near, far) = plt.subplots(1, 2, figsize=(7.8, 3.6), width_ratios=(1, 1.35))
    bits = [t.bits for t in timings]
    measured = f"measured here ({timings[0].method})"
    near.scatter(bits, values, zorder=3, label=measured)
    xs = list(range(min(bits), max(bits) + 1, 2))
    near.plot(xs, [model(x) for x in xs], "--", color="#57606a", label=model_label)
    near.set_yscale("log")
    near.set_xticks(sorted(set(bits)))
    near.set_xlabel("modulus size (bits)")
    near.set_ylabel(ylabel)
    near.set_title("measured: 24 to 64 bits" if (min(bits), max(bits)) == (24, 64) else "measured", fontsize=10)
    far_xs = list(range(min(bits), extrapolate_to + 1, 8))
    far.scatter(bits, values, zorder=3, s=12)
    far.plot(far_xs, [model(x) for x in far_xs], "--", color="#57606a")
    far.set_yscale("log")
    far.set_xlabel("modulus size (bits)")
    far.set_title(f"the same model, carried to {extrapolate_to} bits", fontsize=10)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig, near, far


def plot_factoring_times(timings: list[Timing], extrapolate_to: int = 2048):
    """Plot measured seconds against modulus size (log scale) with the rho model extended to ``extrapolate_to``.

    Left, the measurements at their own scale; right, the dashed line ``seconds = a * 2**(bits/4)`` fitted to
    them and carried to ``extrapolate_to`` bits, the GNFS estimate (star) and the age of the universe.
    Returns the figure; end the cell with ``plt.show()``.
    """
    if not timings:
        raise ParameterError("There are no timings to plot; run time_factoring(...) first.")
    bits = [t.bits for t in timings]
    secs = [max(t.seconds, 1e-7) for t in timings]
    a = sum(s / rho_steps(b) for b, s in zip(bits, secs, strict=True)) / len(bits)
    fig, near, far = _measured_and_extrapolated(
        timings, secs, extrapolate_to, ylabel="seconds (log scale)", model=lambda x: a * rho_steps(x),
        model_label="a * 2^(bits/4), fitted",
        title="Factoring time grows with the modulus: measured, then extrapolated")
    seconds_per_core_year = 365.25 * 24 * 3600
    est = gnfs_estimate(extrapolate_to)
    far.scatter([extrapolate_to], [est.core_years * seconds_per_core_year], marker="*", s=150, color="#cf222e",
                label="GNFS estimate (core-seconds)", zorder=3)
    far.axhline(AGE_OF_UNIVERSE_SECONDS, color="#8c959f", linewidth=0.8, label="age of the universe")
    for ax in (near, far):  # under the panels: measured times move from run to run, a legend inside may hide one
        legend_below(ax, ncol=1, fontsize=8)
    return fig


#: Seconds since the Big Bang (13.8 billion years), for scale.
AGE_OF_UNIVERSE_SECONDS = 13.8e9 * 365.25 * 24 * 3600


def plot_factoring_work(timings: list[Timing], extrapolate_to: int = 2048, steps_per_second: float = 1e9):
    """Plot the steps each factorisation took (measured, and the same on every run) against modulus size.

    Left, the measurements at their own scale with the rho model ``2**(bits/4)``; right, the model carried to
    ``extrapolate_to`` bits, and the grey line: how many steps a machine doing ``steps_per_second`` would
    finish in the age of the universe. Unlike seconds, steps do not depend on the machine, so the figure is
    the same everywhere (a notebook can store it). Returns the figure; end the cell with ``plt.show()``.
    """
    if not timings:
        raise ParameterError("There are no measurements to plot; run time_factoring(...) first.")
    fig, near, far = _measured_and_extrapolated(
        timings, [max(t.steps, 1) for t in timings], extrapolate_to, ylabel="steps (log scale)", model=rho_steps,
        model_label="model: 2^(bits/4) steps", title="Pollard's rho: the work grows exponentially with the key size")
    far.axhline(steps_per_second * AGE_OF_UNIVERSE_SECONDS, color="#8c959f", linewidth=0.8,
                label=f"{steps_per_second:.0e} steps/s for\nthe age of the universe")
    far.set_ylim(bottom=1)
    for ax in (near, far):  # under the panels: measured times move from run to run, a legend inside may hide one
        legend_below(ax, ncol=1, fontsize=8)
    return fig
