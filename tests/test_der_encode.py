"""The DER writer (X.690): every value round-trips through the strict reader, at the boundaries where forms change."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pki_lab import to_der
from pki_lab.der import parse
from pki_lab.der.encode import (
    bit_string,
    boolean,
    children,
    content,
    enumerated,
    explicit,
    generalized_time,
    integer,
    length,
    null,
    octet_string,
    oid,
    sequence,
    set_of,
    time,
    tlv,
    utc_time,
)
from pki_lab.errors import MalformedInputError, ParameterError, WrongTypeError

UTC = dt.UTC

LENGTHS = [
    ("short-form-zero", 0, "00"),
    ("short-form-largest", 127, "7f"),
    ("long-form-smallest", 128, "8180"),
    ("long-form-one-byte-largest", 255, "81ff"),
    ("long-form-two-bytes", 256, "820100"),
    ("long-form-two-bytes-largest", 65535, "82ffff"),
    ("long-form-three-bytes", 65536, "83010000"),
]


@pytest.mark.parametrize("n, hexdata", [c[1:] for c in LENGTHS], ids=[c[0] for c in LENGTHS])
def test_length_uses_the_shortest_form(n, hexdata):
    assert length(n).hex() == hexdata


@pytest.mark.parametrize("n", [0, 127, 128, 255, 256, 65535, 65536])
def test_a_tlv_of_each_boundary_length_reads_back(n):
    blob = octet_string(bytes(n))
    node = parse(blob, x509=False).root
    assert (node.tag, node.length, node.content) == ("OCTET STRING", n, bytes(n))
    assert content(blob) == bytes(n)


def test_length_refuses_a_negative_count_and_a_non_int():
    with pytest.raises(ParameterError, match="cannot be negative"):
        length(-1)
    with pytest.raises(WrongTypeError, match="must be an int"):
        length(1.0)


@pytest.mark.parametrize("tag", [-1, 256, True])
def test_tlv_refuses_a_tag_that_is_not_one_byte(tag):
    with pytest.raises(ParameterError, match="one byte"):
        tlv(tag, b"")


@pytest.mark.parametrize("tag", [0x1F, 0x3F, 0x9F, 0xBF])
def test_tlv_refuses_the_start_of_a_multi_byte_tag_number(tag):
    with pytest.raises(ParameterError, match="multi-byte tag number"):
        tlv(tag, b"")


INTEGERS = [
    ("zero", 0, "020100"),
    ("one", 1, "020101"),
    ("largest-one-byte", 127, "02017f"),
    ("needs-a-leading-zero", 128, "02020080"),
    ("two-fifty-five", 255, "020200ff"),
    ("two-fifty-six", 256, "02020100"),
    ("minus-one", -1, "0201ff"),
    ("smallest-one-byte", -128, "020180"),
    ("needs-a-second-byte", -129, "0202ff7f"),
    ("minus-two-fifty-six", -256, "0202ff00"),
]


@pytest.mark.parametrize("n, hexdata", [c[1:] for c in INTEGERS], ids=[c[0] for c in INTEGERS])
def test_integer_is_minimal_twos_complement(n, hexdata):
    assert integer(n).hex() == hexdata
    assert parse(integer(n), x509=False).root.value == str(n)


@given(st.integers(min_value=-(2**64), max_value=2**64))
def test_any_integer_round_trips(n):
    body = content(integer(n))
    assert int.from_bytes(body, "big", signed=True) == n
    if len(body) > 1:  # X.690 8.3.2: the first nine bits are never all equal
        assert not (body[0] == 0 and body[1] < 0x80) and not (body[0] == 0xFF and body[1] >= 0x80)


def test_integer_refuses_what_is_not_an_int():
    with pytest.raises(WrongTypeError, match="must be an int"):
        integer("5")
    with pytest.raises(WrongTypeError, match="must be an int"):
        integer(True)


def test_enumerated_boolean_null():
    assert enumerated(1).hex() == "0a0101"
    assert boolean(True).hex() == "0101ff"
    assert boolean(False).hex() == "010100"
    assert null().hex() == "0500"


TIMES = [
    ("utctime-1950", dt.datetime(1950, 1, 1, tzinfo=UTC), "UTCTime", "500101000000Z"),
    ("utctime-last-second-of-2049", dt.datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC), "UTCTime", "491231235959Z"),
    ("generalized-from-2050", dt.datetime(2050, 1, 1, tzinfo=UTC), "GeneralizedTime", "20500101000000Z"),
    ("generalized-before-1950", dt.datetime(1949, 12, 31, tzinfo=UTC), "GeneralizedTime", "19491231000000Z"),
]


@pytest.mark.parametrize("when, tag, text", [c[1:] for c in TIMES], ids=[c[0] for c in TIMES])
def test_time_switches_at_2050_as_rfc5280_requires(when, tag, text):
    blob = time(when)
    node = parse(blob, x509=False).root
    assert node.tag == tag
    assert node.content == text.encode()
    assert node.value.startswith(f"{when:%Y-%m-%d %H:%M:%S}")


def test_times_are_converted_to_utc_and_drop_fractions():
    paris = dt.timezone(dt.timedelta(hours=2))
    when = dt.datetime(2030, 6, 1, 14, 0, 0, 999_999, tzinfo=paris)
    assert content(utc_time(when)) == b"300601120000Z"
    assert content(generalized_time(when)) == b"20300601120000Z"


def test_generalized_time_pads_the_year_to_four_digits():
    assert content(generalized_time(dt.datetime(999, 1, 1, tzinfo=UTC))) == b"09990101000000Z"


def test_times_refuse_a_naive_datetime_and_utctime_refuses_2050():
    for write in (utc_time, generalized_time, time):
        with pytest.raises(ParameterError, match="timezone-aware"):
            write(dt.datetime(2030, 1, 1))
    with pytest.raises(ParameterError, match="1950 to 2049 only"):
        utc_time(dt.datetime(2050, 1, 1, tzinfo=UTC))
    with pytest.raises(WrongTypeError, match="takes a datetime"):
        time(dt.date(2030, 1, 1))


def test_sequence_set_explicit_octet_and_bit_strings_read_back():
    blob = sequence(explicit(0, integer(2)), set_of(integer(2), integer(1)),
                        octet_string(null()), bit_string(b"\x01\x02"))
    root = parse(blob, x509=False).root
    assert [c.tag for c in root.children] == ["[0]", "SET", "OCTET STRING", "BIT STRING"]
    assert root.children[0].children[0].value == "2"
    assert [c.value for c in root.children[1].children] == ["1", "2"]  # X.690 11.6: sorted encodings
    assert root.children[3].content == b"\x00\x01\x02"


def test_explicit_refuses_a_number_that_needs_a_multi_byte_tag():
    with pytest.raises(ParameterError, match="0 to 30"):
        explicit(31, b"")


@pytest.mark.parametrize("dotted", ["2.5.29.21", "1.2.840.113549.1.1.11", "0.9.2342.19200300.100.1.25", "2.999.3"])
def test_oid_round_trips_through_the_reader(dotted):
    node = parse(oid(dotted), x509=False).root
    assert node.value.split(" ")[0] == dotted


def test_oid_matches_known_encodings():
    assert oid("2.5.29.21").hex() == "0603551d15"  # id-ce-cRLReasons
    assert oid("1.2.840.113549.1.1.11").hex() == "06092a864886f70d01010b"  # sha256WithRSAEncryption


@pytest.mark.parametrize("dotted", ["", "1", "3.1", "1.40", "1.2.x", "1..2"])
def test_oid_refuses_what_is_not_an_oid(dotted):
    with pytest.raises(ParameterError, match="OID"):
        oid(dotted)


def test_children_splits_a_sequence_into_whole_tlvs():
    parts = [integer(1), octet_string(bytes(300)), sequence(null())]
    assert children(sequence(*parts)) == parts
    assert children(sequence()) == []
    assert children(explicit(0, integer(5))) == [integer(5)]


def test_children_of_a_real_certificate_are_its_three_parts(hierarchy):
    cert = hierarchy.leaf
    tbs, algorithm, signature = children(to_der(cert))
    assert tbs == cert.tbs_certificate_bytes
    assert signature == bit_string(cert.signature)
    assert sequence(tbs, algorithm, signature) == to_der(cert)


BROKEN = [
    ("outer-truncated", bytes.fromhex("3005020101"), "truncated"),
    ("bytes-after-the-outer-element", bytes.fromhex("3003020101ff"), "unexpected bytes after"),
    ("child-longer-than-its-parent", bytes.fromhex("3003020501"), "child element at offset 2"),
    ("child-header-cut", bytes.fromhex("300102"), "length byte is missing"),
    ("empty", b"", "ends at offset 0"),
]


@pytest.mark.parametrize("blob, message", [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_children_refuses_truncated_or_trailing_data(blob, message):
    with pytest.raises(MalformedInputError, match=message):
        children(blob)


def test_children_refuses_what_is_not_bytes():
    with pytest.raises(WrongTypeError, match="DER bytes"):
        children("3000")
