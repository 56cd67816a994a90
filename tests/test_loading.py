import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pki_lab import data
from pki_lab.errors import MalformedInputError, ParameterError, PkiLabError, WrongTypeError
from pki_lab.keys import named_key
from pki_lab.loading import (
    load_certificate,
    load_certificates,
    load_crl,
    load_csr,
    load_objects,
    load_private_key,
    load_public_key,
    to_der,
    to_pem,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture(scope="module")
def cert():
    return data.certificate("isrg_root_x1")


def test_loads_pem_bytes_pem_text_der_bytes_and_paths(cert, tmp_path):
    pem, der = to_pem(cert), to_der(cert)
    (tmp_path / "c.pem").write_text(pem)
    (tmp_path / "c.der").write_bytes(der)
    for source in (pem, pem.encode(), der, tmp_path / "c.pem", str(tmp_path / "c.der"), bytearray(der)):
        assert load_certificate(source) == cert


def test_loads_a_whole_chain_in_order():
    chain = data.chain("stackoverflow.com")
    certs = load_certificates(data.read_bytes(chain.file))
    assert [c.subject.rfc4514_string() for c in certs] == ["CN=stackoverflow.com", "CN=E8,O=Let's Encrypt,C=US"]


def test_one_certificate_expected_but_a_chain_given():
    chain = data.read_bytes(data.chain("stackoverflow.com").file)
    with pytest.raises(ParameterError, match="holds 2 certificates, not one; use load_certificates"):
        load_certificate(chain)


def test_truncated_der_names_the_sizes(cert):
    der = to_der(cert)
    with pytest.raises(MalformedInputError, match=f"truncated: its header announces {len(der):,} bytes but only 100"):
        load_certificate(der[:100])


def test_trailing_bytes_are_reported(cert):
    with pytest.raises(MalformedInputError, match="3 unexpected bytes after the end"):
        load_certificate(to_der(cert) + b"abc")


def test_garbage_pem_is_reported_as_damaged_base64():
    text = "-----BEGIN CERTIFICATE-----\nthis is not base64!!\n-----END CERTIFICATE-----\n"
    with pytest.raises(MalformedInputError, match="not valid base64"):
        load_certificate(text)


def test_pem_without_end_line():
    with pytest.raises(MalformedInputError, match="without its matching END line"):
        load_certificate(b"-----BEGIN CERTIFICATE-----\nMIIB\n")


def test_valid_base64_but_not_a_certificate():
    text = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n"
    with pytest.raises(MalformedInputError, match="does not start with a DER SEQUENCE"):
        load_certificate(text)


def test_a_key_where_a_certificate_is_expected():
    with pytest.raises(WrongTypeError, match="Expected a certificate but the input holds a private key"):
        load_certificate(to_pem(named_key("alice")))
    with pytest.raises(WrongTypeError, match="holds a private key"):
        load_certificate(to_der(named_key("alice")))


def test_a_certificate_where_a_key_is_expected(cert):
    with pytest.raises(WrongTypeError, match="Expected a private key but the input holds a certificate"):
        load_private_key(to_pem(cert))


def test_a_csr_where_a_crl_is_expected():
    from pki_lab.ca import make_csr

    with pytest.raises(WrongTypeError, match="a certificate signing request"):
        load_crl(to_pem(make_csr(named_key("a"), "a")))


def test_empty_input_and_empty_file(tmp_path):
    (tmp_path / "empty.pem").write_bytes(b"")
    with pytest.raises(MalformedInputError, match="is empty"):
        load_certificate(tmp_path / "empty.pem")
    with pytest.raises(MalformedInputError, match="is empty"):
        load_certificate(b"  \n")


def test_dev_null_and_a_png_file(tmp_path):
    with pytest.raises(ParameterError, match="'/dev/null' is not a regular file .* Save the certificate to a file"):
        load_certificate("/dev/null")
    (tmp_path / "empty.pem").write_bytes(b"")
    with pytest.raises(MalformedInputError, match="empty.pem is empty"):
        load_certificate(tmp_path / "empty.pem")
    (tmp_path / "pic.png").write_bytes(PNG)
    with pytest.raises(MalformedInputError, match="neither DER nor PEM"):
        load_certificate(tmp_path / "pic.png")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ParameterError, match="There is no file at"):
        load_certificate(tmp_path / "nope.pem")
    with pytest.raises(ParameterError, match="is a folder"):
        load_certificate(tmp_path)


@pytest.mark.parametrize("bad", [42, None, ["a"], 3.5])
def test_wrong_python_types(bad):
    with pytest.raises(WrongTypeError, match="Expected PEM or DER"):
        load_certificate(bad)


def test_every_error_is_a_pki_lab_error_and_a_builtin():
    assert issubclass(MalformedInputError, (PkiLabError, ValueError))
    assert issubclass(WrongTypeError, TypeError)


def test_round_trips_for_each_kind(cert):
    from pki_lab.ca import make_csr

    key = named_key("alice")
    csr = make_csr(key, "alice")
    crl = data.crl("crl_rsa_public_root_ca_v1_2011")
    assert load_csr(to_pem(csr)) == csr
    assert load_crl(to_der(crl)) == crl
    assert load_private_key(to_pem(key)).private_numbers() == key.private_numbers()
    assert load_public_key(to_der(key.public_key())) == key.public_key()


def test_load_objects_reads_mixed_pem_and_sniffs_der(cert):
    key = named_key("alice")
    mixed = to_pem(cert) + to_pem(key.public_key())
    objs = load_objects(mixed)
    assert isinstance(objs[0], x509.Certificate) and objs[1] == key.public_key()
    assert load_objects(to_der(cert)) == [cert]
    with pytest.raises(MalformedInputError):
        load_objects(PNG)
    with pytest.raises(WrongTypeError, match="'DH PARAMETERS' PEM block"):
        load_objects("-----BEGIN DH PARAMETERS-----\nMAA=\n-----END DH PARAMETERS-----\n")


def test_encrypted_private_key_needs_its_password():
    key = named_key("alice")
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"secret"))
    with pytest.raises(ParameterError, match="Cannot load the private key"):
        load_private_key(pem)
    assert load_private_key(pem, password=b"secret").private_numbers() == key.private_numbers()


def test_to_pem_refuses_other_objects():
    with pytest.raises(WrongTypeError, match="Cannot encode an int"):
        to_pem(5)
