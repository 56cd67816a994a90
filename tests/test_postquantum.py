"""Chapter 13's measurements: ML-KEM beside X25519, sizes of real lab chains, and what the bytes cost.

Sizes are checked against the standards that fix them (FIPS 203 Table 3, FIPS 204 Table 2, RFC 8032, RFC 8017)
and the framing against RFC 8446's structures, computed here by hand from the certificates' DER; each failure
path has its sentence.
"""

from __future__ import annotations

import datetime
import math

import pytest
from cryptography import x509 as cx509
from cryptography.hazmat.primitives.asymmetric import ec, ed448
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from pki_lab import clock, postquantum
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.keys import named_key, sign_bytes
from pki_lab.loading import to_der
from pki_lab.postquantum import (
    INITIAL_WINDOW,
    HandshakeCost,
    ct_cost,
    device_view,
    handshake_cost,
    kem_demo,
    lab_chain,
    signature_size,
    size_table,
    speed_ratios,
)

CLASSICAL = ("RSA-2048", "ECDSA P-256", "ECDSA P-384", "Ed25519")
ML_DSA = {"ML-DSA-44": (1312, 2420), "ML-DSA-65": (1952, 3309), "ML-DSA-87": (2592, 4627)}  # FIPS 204 Table 2


# --- ML-KEM ------------------------------------------------------------------------------------------------------

def test_ml_kem_768_and_x25519_have_the_standard_sizes_and_agree():
    demo = kem_demo()
    rows = {row.name: row for row in demo.rows}
    # FIPS 203 Table 3: ML-KEM-768 encapsulation key 1184, ciphertext 1088, shared secret 32; RFC 7748: 32 bytes.
    assert (rows["ML-KEM-768"].public_key, rows["ML-KEM-768"].ciphertext, rows["ML-KEM-768"].shared_secret) == \
        (1184, 1088, 32)
    assert (rows["X25519"].public_key, rows["X25519"].ciphertext, rows["X25519"].shared_secret) == (32, 32, 32)
    assert all(row.agree for row in demo.rows)


def test_the_kem_text_is_the_same_every_run_although_the_keys_are_fresh():
    assert repr(kem_demo()) == repr(kem_demo())
    assert "NO" not in repr(kem_demo())


# --- Sizes of real chains ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def table():
    return size_table()


def test_classical_keys_and_signatures_have_their_known_sizes(table):
    assert (table.row("RSA-2048").public_key, table.row("RSA-2048").signature) == (270, 256)  # PKCS #1 n, e
    assert (table.row("RSA-3072").public_key, table.row("RSA-3072").signature) == (398, 384)
    assert table.row("ECDSA P-256").public_key == 65 and table.row("ECDSA P-256").signature <= 72
    assert table.row("ECDSA P-384").public_key == 97 and table.row("ECDSA P-384").signature <= 104
    assert (table.row("Ed25519").public_key, table.row("Ed25519").signature) == (32, 64)  # RFC 8032


@pytest.mark.parametrize("algorithm", ML_DSA)
def test_ml_dsa_keys_and_signatures_have_fips_204_sizes(table, algorithm):
    assert (table.row(algorithm).public_key, table.row(algorithm).signature) == ML_DSA[algorithm]


@pytest.mark.parametrize("algorithm", [*CLASSICAL, *ML_DSA])
def test_chain_and_sent_are_the_certificates_own_bytes(table, algorithm):
    chain = lab_chain(algorithm)
    root, intermediate, leaf = (len(to_der(c)) for c in chain.certificates)
    row = table.row(algorithm)
    assert (row.certificate, row.chain, row.sent) == (leaf, root + intermediate + leaf, intermediate + leaf)
    assert chain.leaf.issuer == chain.intermediate.subject and chain.intermediate.issuer == chain.root.subject


def test_post_quantum_chains_are_an_order_of_magnitude_larger(table):
    assert table.row("ML-DSA-44").sent > 5 * table.row("ECDSA P-256").sent
    assert table.row("ML-DSA-87").sent > table.row("ML-DSA-65").sent > table.row("ML-DSA-44").sent


def test_slh_dsa_rows_are_labelled_as_quoted_from_fips_205(table):
    quoted = [r for r in table.rows if not r.measured]
    assert [(r.algorithm, r.public_key, r.signature) for r in quoted] == [
        ("SLH-DSA-SHA2-128s", 32, 7856), ("SLH-DSA-SHA2-128f", 32, 17088)]
    assert repr(table).count("(FIPS 205 Table 2, not measured)") == 2


def test_sizes_are_the_same_on_every_build_although_ml_dsa_signs_randomly():
    first, second = size_table(published=False), size_table(published=False)
    assert first == second
    assert repr(first) == repr(second)


def test_a_chain_follows_the_lab_clock():
    before = lab_chain("ECDSA P-256").leaf.not_valid_before_utc
    with clock.travel(days=10):
        assert lab_chain("ECDSA P-256").leaf.not_valid_before_utc - before == datetime.timedelta(days=10)


@pytest.mark.parametrize("bad, error, words", [
    ("RSA-1024", ParameterError, "Unknown root 'RSA-1024'; choose one of: RSA-2048"),
    (5, WrongTypeError, "`root` must be a name such as 'ML-DSA-65', not int"),
])
def test_an_unknown_algorithm_is_refused_with_a_sentence(bad, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(")):
        lab_chain(bad)


def test_spellings_of_an_algorithm_are_accepted():
    assert lab_chain("ml-dsa-44").algorithms == lab_chain("ML-DSA-44").algorithms == ("ML-DSA-44",) * 3
    assert lab_chain("ecdsa p-256").algorithms == ("ECDSA P-256",) * 3


# --- The handshake ------------------------------------------------------------------------------------------------

def test_the_certificate_message_is_framed_as_rfc_8446_says():
    chain = lab_chain("ECDSA P-256", "ECDSA P-256", "ML-DSA-44")
    leaf, intermediate, root = (len(to_der(c)) for c in (chain.leaf, chain.intermediate, chain.root))
    cost = handshake_cost(*chain.certificates)
    # header 4, empty context 1, list length 3; per entry: 3-byte length, DER, 2-byte empty extensions
    assert cost.certificate_message == 4 + 1 + 3 + (3 + leaf + 2) + (3 + intermediate + 2)
    assert cost.with_root == cost.certificate_message + 3 + root + 2
    # header 4, SignatureScheme 2, signature length 2, the ML-DSA-44 signature
    assert cost.certificate_verify == 4 + 2 + 2 + 2420
    assert cost.total == cost.certificate_message + cost.certificate_verify


def test_initial_window_is_rfc_6928s_ten_segments():
    assert INITIAL_WINDOW == 10 * 1460 == 14600


@pytest.mark.parametrize("total, trips", [(1000, 0), (14600, 0), (14601, 1), (14600 + 29200, 1),
                                          (14600 + 29200 + 1, 2), (14600 * 7 + 1, 3)])
def test_extra_round_trips_follow_slow_start(total, trips):
    cost = HandshakeCost(total - 100, 100, total)
    assert cost.extra_round_trips == trips
    assert cost.fits_initial_window == (trips == 0)


def test_classical_chains_fit_and_the_largest_pq_chain_is_close_to_the_window():
    assert handshake_cost(*lab_chain("ECDSA P-256").certificates).fits_quic_limit
    pq = handshake_cost(*lab_chain("ML-DSA-87").certificates)
    assert not pq.fits_quic_limit
    assert "QUIC" in repr(pq) and f"{pq.total:,} bytes" in repr(pq)


def test_the_verdict_sentence_says_when_a_round_trip_is_added():
    over = HandshakeCost(20_000, 100, 21_000)
    assert "exceeds TCP's initial window of 14,600 bytes: 1 extra round trip;" in repr(over)
    assert "fits TCP's initial window" in repr(HandshakeCost(1000, 80, 1400))


@pytest.mark.parametrize("algorithm", ["RSA-2048", "Ed25519", "ECDSA P-256", "ECDSA P-384", *ML_DSA])
def test_signature_size_is_what_the_key_signs(algorithm):
    chain = lab_chain(algorithm)
    key = named_key("server", "rsa") if algorithm == "RSA-2048" else named_key(
        "www.example.com", postquantum.KEY_KINDS[algorithm])
    assert key.public_key() == chain.leaf.public_key()
    lengths = {len(sign_bytes(key, bytes([i]) * 32)) for i in range(40)}
    if isinstance(key, ec.EllipticCurvePrivateKey):
        assert max(lengths) <= signature_size(chain.leaf)  # the DER encoding is at most this long
    else:
        assert lengths == {signature_size(chain.leaf)}


def test_handshake_cost_refuses_what_is_not_a_certificate():
    chain = lab_chain("ECDSA P-256")
    with pytest.raises(WrongTypeError, match=r"`intermediate` must be an x509.Certificate .*not str"):
        handshake_cost(chain.root, "intermediate.pem", chain.leaf)


# --- Devices and CT logs ----------------------------------------------------------------------------------------

def test_device_view_counts_frames_and_messages():
    chain = lab_chain("ML-DSA-44")
    sizes = [len(to_der(c)) for c in chain.certificates]
    view = device_view(*chain.certificates)
    received = sizes[1] + sizes[2]
    assert (view.stored, view.received) == (sum(sizes), received)
    assert view.frames_802154 == math.ceil(received / 127)
    assert dict(view.lorawan) == {"DR0-DR2 (SF12-SF10)": math.ceil(received / 51),
                                  "DR3 (SF9)": math.ceil(received / 115),
                                  "DR4-DR7 (SF8-SF7)": math.ceil(received / 222)}
    assert "of its ~10 KiB RAM)" in repr(view)  # ML-DSA-44's chain still fits a Class 1 device's RAM
    assert "of its ~10 KiB RAM: it does not fit)" in repr(device_view(*lab_chain("ML-DSA-65").certificates))


def test_ct_cost_counts_an_rfc_6962_sct():
    leaf = lab_chain("ML-DSA-65").leaf
    cost = ct_cost(leaf)
    assert cost.entry == len(to_der(leaf))
    assert (cost.sct_ecdsa, cost.sct_ml_dsa_44) == (47 + 72, 47 + 2420)
    with pytest.raises(WrongTypeError, match="`leaf` must be an x509.Certificate"):
        ct_cost(b"not a certificate")


# --- Speed -------------------------------------------------------------------------------------------------------

def test_speed_ratios_are_relative_to_ecdsa():
    rows = speed_ratios(["ML-DSA-44", "Ed25519"], repeat=3)
    assert [r.algorithm for r in rows] == ["ECDSA P-256", "ML-DSA-44", "Ed25519"]
    assert (rows[0].sign_ratio, rows[0].verify_ratio) == (1.0, 1.0)
    assert all(r.sign_us > 0 and r.verify_us > 0 for r in rows)


@pytest.mark.parametrize("repeat", [0, 1001, 2.5, True])
def test_speed_ratios_refuse_a_bad_repeat(repeat):
    with pytest.raises(ParameterError, match="`repeat` must be a whole number from 1 to 1000"):
        speed_ratios(repeat=repeat)


# --- The figure --------------------------------------------------------------------------------------------------

def test_plot_sizes_draws_four_bars_per_measured_algorithm(table):
    import matplotlib.pyplot as plt

    ax = postquantum.plot_sizes(table)
    try:
        measured = [r for r in table.rows if r.measured]
        assert len(ax.patches) == 4 * len(measured)
        assert [t.get_text() for t in ax.get_yticklabels()] == [r.algorithm for r in measured]
        assert ax.get_xscale() == "log"
    finally:
        plt.close(ax.figure)


# --- Properties ---------------------------------------------------------------------------------------------------

@given(total=st.integers(min_value=1, max_value=10_000_000))
def test_extra_round_trips_are_the_fewest_doubling_windows_that_carry_the_flight(total):
    """After k extra round trips slow start has sent 14,600 x (2^(k+1) - 1) bytes: k is the least that suffices."""
    trips = HandshakeCost(total, 0, total).extra_round_trips
    assert INITIAL_WINDOW * (2 ** (trips + 1) - 1) >= total
    assert trips == 0 or INITIAL_WINDOW * (2 ** trips - 1) < total


@given(a=st.integers(min_value=1, max_value=10_000_000), b=st.integers(min_value=1, max_value=10_000_000))
def test_a_larger_flight_never_costs_fewer_round_trips(a, b):
    small, large = sorted((a, b))
    assert HandshakeCost(small, 0, small).extra_round_trips <= HandshakeCost(large, 0, large).extra_round_trips


@settings(deadline=None)  # the first chain of each algorithm is issued, not cached: slower than the default deadline
@given(name=st.sampled_from(postquantum.ALGORITHMS), upper=st.booleans(), spaces=st.booleans())
def test_any_case_and_spacing_of_a_label_names_the_same_algorithm(name, upper, spaces):
    spelled = name.upper() if upper else name.lower()
    spelled = spelled.replace(" ", "") if spaces else spelled
    assert lab_chain(spelled).algorithms == (name,) * 3


def test_size_table_and_speed_ratios_refuse_an_unknown_algorithm():
    with pytest.raises(ParameterError, match="Unknown algorithm 'DSA-1024'; choose one of: RSA-2048"):
        size_table(["ECDSA P-256", "DSA-1024"])
    with pytest.raises(ParameterError, match="Unknown algorithm 'SLH-DSA-SHA2-128s'"):
        speed_ratios(["SLH-DSA-SHA2-128s"], repeat=1)  # quoted from FIPS 205, not something the lab can run
    with pytest.raises(WrongTypeError, match="`algorithms` must be a list of names"):
        size_table("ML-DSA-65")  # a name, not a list of names: not read letter by letter


def test_the_table_text_lines_up_every_row():
    lines = repr(size_table()).splitlines()
    assert lines[0].split() == ["algorithm", "public", "key", "signature", "leaf", "cert", "full", "chain", "server",
                                "sends"]
    measured = [line for line in lines[1:] if "not measured" not in line]
    assert len({len(line) for line in measured}) == 1  # a fixed-width table


def test_signature_size_names_a_key_it_does_not_know():
    """An Ed448 certificate (cryptography makes one; the lab's tables do not list it) gets a sentence, not a guess."""
    key = ed448.Ed448PrivateKey.from_private_bytes(bytes(57))
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Ed448 test")])
    when = clock.now()
    cert = (cx509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(when).not_valid_after(when + datetime.timedelta(days=1))
            .sign(key, None))
    with pytest.raises(ParameterError, match=r"does not know the signature size of an Ed448PublicKey \(RSA, ECDSA"):
        signature_size(cert)
