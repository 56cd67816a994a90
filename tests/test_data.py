import hashlib
import subprocess
from pathlib import Path

import pytest
from cryptography.x509 import verification as v

from pki_lab import data
from pki_lab.errors import ParameterError

from .conftest import ROOT


def test_every_file_matches_its_recorded_digest():
    sums = data.read_bytes("SHA256SUMS").decode().splitlines()
    assert len(sums) >= 30
    for line in sums:
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256(data.read_bytes(name)).hexdigest() == digest, name


@pytest.mark.parametrize("chain", data.chains(), ids=lambda c: c.name)
def test_each_real_chain_validates_at_its_recorded_time(chain):
    store = v.Store([chain.trust_anchor])
    verifier = v.PolicyBuilder().store(store).time(chain.validation_time).build_server_verifier(
        v.DNSName(chain.dns_name))
    path = verifier.verify(chain.leaf, chain.intermediates)
    assert path[-1] == chain.trust_anchor
    assert chain.expected_result == "SUCCESS"


def test_lookup_by_stem_path_and_host():
    assert data.certificate("roots/isrg_root_x1.pem") == data.certificate("isrg_root_x1")
    assert data.chain("cryptography.io").name == "cryptography.io_2023-11_le-e1"
    assert data.vectors("ed25519_rfc8032") == data.vectors("crypto/ed25519_rfc8032.json")
    assert len(data.crl("crl_pki_finmeccanica_2011")) == 88
    assert data.ocsp_response("ocsp_resp_letsencrypt_x3_good_2018").serial_number == int(
        "031C787A7DC90295007BC5F2220B3B527AF0", 16)


def test_unknown_names_list_what_exists():
    with pytest.raises(ParameterError, match="known names: .*isrg_root_x1"):
        data.certificate("isrg_root_x9")
    with pytest.raises(ParameterError, match="known chains"):
        data.chain("example.org")
    with pytest.raises(ParameterError, match="no data file"):
        data.path("roots/none.pem")


def test_the_repository_never_refers_to_the_shared_folder():
    """Learners and Binder have only the repository: nothing may point outside it."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    needle = "../" + "shared"
    offenders = [name for name in tracked
                 if (ROOT / name).is_file() and needle.encode() in Path(ROOT / name).read_bytes()]
    assert offenders == []
