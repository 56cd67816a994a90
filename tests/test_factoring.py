"""Factoring toy moduli: both methods find the published factors, refuse bad input, never hang."""

import math

import pytest

from pki_lab import data
from pki_lab.errors import ParameterError, PolicyError, WrongTypeError
from pki_lab.factoring import (
    MAX_BITS,
    gnfs_estimate,
    plot_factoring_times,
    plot_factoring_work,
    pollard_rho,
    private_exponent_from_factors,
    rho_steps,
    semiprime,
    time_factoring,
    trial_division,
)
from pki_lab.toyrsa import is_probable_prime

EXAMPLES = data.vectors("textbook_rsa")["examples"]


@pytest.mark.parametrize("method", [trial_division, pollard_rho], ids=["trial-division", "pollard-rho"])
@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda ex: f"n={ex['n']}")
def test_published_moduli_factor_into_their_primes(method, ex):
    result = method(ex["n"])
    assert {result.p, result.q} == {ex["p"], ex["q"]}


@pytest.mark.parametrize("bits", [16, 24, 32, 40, 48, 56, 64])
def test_rho_factors_seeded_semiprimes(bits):
    n = semiprime(bits, seed=bits)
    result = pollard_rho(n)
    assert n.bit_length() == bits
    assert result.p * result.q == n and 1 < result.p <= result.q
    assert is_probable_prime(result.p) and is_probable_prime(result.q)


def test_rho_and_trial_division_agree_and_count_steps_deterministically():
    n = semiprime(32, seed=9)
    a, b = trial_division(n), pollard_rho(n)
    assert (a.p, a.q) == (b.p, b.q)
    assert pollard_rho(n).steps == b.steps and trial_division(n).steps == a.steps
    assert b.steps < a.steps  # about 2**8 against 2**15 for a 32-bit modulus


def test_even_numbers_and_squares():
    assert (pollard_rho(2 * 101).p, trial_division(2 * 101).p) == (2, 2)
    assert pollard_rho(101 * 101).p == 101 and trial_division(101 * 101).p == 101


def test_knowing_a_factor_breaks_the_key():
    assert private_exponent_from_factors(3233, 17, 61) == 2753
    with pytest.raises(ParameterError, match="does not divide n = 3233"):
        private_exponent_from_factors(3233, 17, 59)


@pytest.mark.parametrize("n,error,message", [
    (97, ParameterError, "n = 97 is prime"),
    (3, ParameterError, "too small to factor"),
    (2**MAX_BITS * 3, PolicyError, "would run for hours"),
    ("3233", WrongTypeError, "must be a whole number"),
], ids=["prime", "too-small", "too-big-refused", "text"])
def test_bad_moduli_raise_a_sentence(n, error, message):
    for method in (trial_division, pollard_rho):
        with pytest.raises(error, match=message):
            method(n)


def test_rho_gives_up_instead_of_hanging():
    with pytest.raises(PolicyError, match="gave up after 10 steps"):
        pollard_rho(semiprime(64, seed=1), max_steps=10)


def test_time_factoring_measures_each_size_and_seed():
    timings = time_factoring([20, 24], "pollard rho", seeds=(1, 2))
    assert [(t.bits, t.n) for t in timings] == [(b, semiprime(b, s)) for b in (20, 24) for s in (1, 2)]
    assert all(t.seconds >= 0 for t in timings) and "seconds" not in repr(timings[0])
    with pytest.raises(ParameterError, match="'trial division' or 'pollard rho'"):
        time_factoring([20], "guessing")


def test_gnfs_estimate_is_anchored_on_rsa_250_and_grows():
    assert gnfs_estimate(829).core_years == pytest.approx(2700)
    e1024, e2048, e3072 = gnfs_estimate(1024), gnfs_estimate(2048), gnfs_estimate(3072)
    assert e1024.core_years < e2048.core_years < e3072.core_years
    # the model, recomputed independently: exp(1.923 (ln n)^(1/3) (ln ln n)^(2/3)) ratio
    def ln_l(b):
        x = b * math.log(2)
        return 1.9229994 * x ** (1 / 3) * math.log(x) ** (2 / 3)
    assert math.log10(e2048.core_years) == pytest.approx(math.log10(2700) + (ln_l(2048) - ln_l(829)) / math.log(10),
                                                         abs=0.01)
    assert "Estimate, not a measurement" in e2048.sentence() and "RSA-250" in e2048.sentence()
    with pytest.raises(ParameterError, match="from 64 to 65536"):
        gnfs_estimate(10)


def test_rho_model():
    assert rho_steps(64) == 2**16


def test_plot_has_two_log_axes_and_refuses_no_data():
    import matplotlib

    matplotlib.use("Agg")
    fig = plot_factoring_times(time_factoring([20, 24], seeds=(1,)))
    assert len(fig.axes) == 2 and all(ax.get_yscale() == "log" for ax in fig.axes)  # measured, extrapolated
    with pytest.raises(ParameterError, match="no timings to plot"):
        plot_factoring_times([])


def test_work_plot_is_built_from_steps_only():
    import matplotlib

    matplotlib.use("Agg")
    timings = time_factoring([20, 24], seeds=(1,))
    fig = plot_factoring_work(timings)
    points = fig.axes[0].collections[0].get_offsets()
    assert [tuple(p) for p in points] == [(t.bits, t.steps) for t in timings]
    with pytest.raises(ParameterError, match="no measurements to plot"):
        plot_factoring_work([])


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: private_exponent_from_factors(3233, 17, 1), ParameterError, "not a factor of n = 3233"),
    (lambda: private_exponent_from_factors(3233, 17, 3233), ParameterError, "not a factor"),
    (lambda: private_exponent_from_factors(3233, 17, None), WrongTypeError, "p must be a whole number"),
    (lambda: private_exponent_from_factors(3233, 4, 61), ParameterError, "no inverse modulo"),
    (lambda: time_factoring([24], method=None), ParameterError, "method must be"),
    (lambda: time_factoring([24], seeds=3), WrongTypeError, "seeds must be a sequence"),
    (lambda: time_factoring(24), WrongTypeError, "bit_sizes must be a sequence"),
    (lambda: time_factoring([MAX_BITS + 8]), PolicyError, "beyond the lab's toy factoring"),
    (lambda: semiprime(10**30, seed=1), ParameterError, "from 8 to 2048"),
    (lambda: semiprime(16, seed=[1]), WrongTypeError, "seed must be a whole number"),
    (lambda: gnfs_estimate(10**30), ParameterError, "from 64 to 65536"),
    (lambda: rho_steps("64"), ParameterError, "bits must be a number"),
], ids=["p-is-1", "p-is-n", "p-none", "e-not-invertible", "method-none", "seeds-int", "sizes-int",
        "sizes-too-big", "semiprime-huge", "semiprime-seed-list", "gnfs-huge", "rho-steps-text"])
def test_bad_arguments_get_a_lab_sentence_never_a_python_error(call, error, words):
    with pytest.raises(error, match=words):
        call()
