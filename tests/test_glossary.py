"""The glossary (notebooks/glossary.md) and the chapters' links to it.

Every entry has an anchor that JupyterLab and the website both find, says which chapter (and section) teaches the
term, and that chapter uses the term; every chapter links each glossary term it uses on the first use in its
markdown (outside headings, code and other links), once, and every glossary link it holds resolves to an entry.

Anchors: each entry is a ``## Term`` heading preceded by ``<a id="slug"></a>``, where ``slug`` is myst-parser's
default heading slug of the term (``SPKI`` -> ``spki``, ``FIPS 204`` -> ``fips-204``, ``X.509`` -> ``x509``). The
website (Jupyter Book, ``myst_heading_anchors``) resolves ``glossary.md#slug`` by that slug; JupyterLab names a
heading by its own text (``SPKI``, case kept) and finds the lowercase fragment at the raw anchor instead (its
sanitizer keeps the id as ``data-jupyter-id``, which is where its fragment lookup searches).

A chapter that fails the first-use check can be fixed in place (markdown cells only, no re-execution)::

    .venv/bin/python -m tests.test_glossary --link notebooks/13_post_quantum_pki.ipynb

then read ``git diff``: a first use inside a proper name may read better linked at its next use.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .conftest import ROOT

NOTEBOOK_DIR = ROOT / "notebooks"
GLOSSARY = NOTEBOOK_DIR / "glossary.md"
CHAPTERS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
#: Chapters the glossary may name before they land in the tree, with the reason (checked once they exist).
PENDING = {"13": "chapter 13 (post-quantum PKI, issue 18) is being written; its entries are checked once it lands"}

#: Every glossary entry: its heading, the forms a chapter writes it in (a regular expression, case-sensitive
#: unless marked ``(?i:...)``) and the chapter that teaches it. A form matches whole words only.
TERMS: dict[str, tuple[str, str]] = {
    'ACME': ('\\bACME\\b', '05'),
    'AEAD': ('\\bAEAD\\b', '10'),
    'AES': ('\\bAES(?:-\\d{3})?(?:-GCM|-CCM)?\\b', '10'),
    'AKI': ('(?i:\\bauthority key identifiers?\\b|\\bAKI\\b)', '07'),
    'ASN.1': ('\\bASN\\.1\\b', '03'),
    'Avalanche effect': ('(?i:\\bavalanche effect\\b)', '02'),
    'basicConstraints': ('\\bbasicConstraints\\b', '03'),
    'BER': ('\\bBER\\b', '03'),
    'BR': ('\\bBaseline Requirements\\b|\\bBRs?\\b', '03'),
    'CA': ("(?<![Rr]oot )(?<!issuing )(?<!intermediate )\\bCA(?:s|'s)?\\b(?!/B|:)"
           '|(?i:\\bcertificate authorit(?:y|ies)\\b)', '04'),
    'CA/B Forum': ('\\bCA/B(?:rowser)? Forum\\b', '05'),
    'CCADB': ('\\bCCADB\\b', '05'),
    'CDP': ('(?i:\\bCRL distribution points?\\b|\\bCDP\\b)', '07'),
    'CMP': ('\\bCMP\\b', '12'),
    'CMS': ('\\bCMS\\b', '01'),
    'CN': ('\\bCN\\b|(?i:\\bcommon names?\\b)', '03'),
    'Collision': ('(?i:\\bcollisions?\\b)', '02'),
    'Composite certificate': ('(?i:\\bcomposite certificates?\\b)', '13'),
    'Consistency proof': ('(?i:\\bconsistency proofs?\\b)', '08'),
    'CRL': ('(?<!delta )(?<!Delta )(?<!indirect )(?<!Indirect )\\bCRLs?\\b(?! distribution)', '07'),
    'Cross-certificate': ('(?i:\\bcross-(?:certificates?|signed|signing|signs?)\\b)', '04'),
    'CRQC': ('\\bCRQCs?\\b|(?i:\\bcryptographically relevant quantum computers?\\b)', '13'),
    'Crypto-agility': ('(?i:\\bcrypto-?agil(?:ity|e)\\b|\\bcryptographic agility\\b)', '13'),
    'CSR': ('\\bCSRs?\\b', '06'),
    'CT': ('\\bCT\\b(?! logs?)|(?i:\\bcertificate transparency\\b)', '08'),
    'CT log': ('\\bCT logs?\\b', '08'),
    'Delta CRL': ('(?i:\\bdelta CRLs?\\b)', '07'),
    'DER': ('\\bDER\\b', '03'),
    'Digital signature': ('(?i:\\bdigital signatures?\\b)', '02'),
    'DN': ('\\bDNs?\\b|(?i:\\bdistinguished names?\\b)', '03'),
    'DNS': ('\\bDNS\\b', '05'),
    'DPS': ('\\bDPS\\b', '11'),
    'DSA': ('(?<![-])\\bDSA\\b', '02'),
    'DV': ('\\bDV\\b', '05'),
    'ECDH': ('\\bECDHE?\\b', '01'),
    'ECDSA': ('\\bECDSA\\b', '02'),
    'ECIES': ('\\bECIES(?:-KEM)?\\b', '01'),
    'Ed25519': ('\\bEd25519\\b', '02'),
    'EdDSA': ('\\bEdDSA\\b', '02'),
    'EKU': ('\\bEKU\\b|(?i:\\bextended key usage\\b)', '10'),
    'Endorsement key': ('\\bEK\\b|(?i:\\bendorsement key\\b)', '11'),
    'Enrollment group': ('(?i:\\benrollment groups?\\b)', '11'),
    'ETSI': ('\\bETSI\\b', '05'),
    'EV': ('\\bEV\\b', '05'),
    'FIPS 186-5': ('\\bFIPS 186-5\\b', '02'),
    'FIPS 203': ('\\bFIPS 203\\b', '13'),
    'FIPS 204': ('\\bFIPS 204\\b', '13'),
    'FIPS 205': ('\\bFIPS 205\\b', '13'),
    'Forward secrecy': ('(?i:\\bforward secrecy\\b)', '10'),
    'GNSS': ('\\bGNSS\\b', '06'),
    "Grover's algorithm": ("\\bGrover(?:'s)?\\b", '13'),
    'Hard-fail': ('(?i:\\bhard-fail\\b)', '07'),
    'Harvest now, decrypt later': ('(?i:\\bharvest now,? decrypt later\\b|\\bHNDL\\b)', '13'),
    'Hash function': ('(?i:\\bhash functions?\\b)', '02'),
    'HKDF': ('\\bHKDF\\b', '01'),
    'HMAC': ('\\bHMAC(?:-SHA256)?\\b', '11'),
    'HPKE': ('\\bHPKE\\b', '01'),
    'HPKP': ('\\bHPKP\\b', '09'),
    'HSM': ('\\bHSMs?\\b', '11'),
    'Hybrid key exchange': ('(?i:\\bhybrid key exchanges?\\b)', '13'),
    'IETF': ('\\bIETF\\b', '06'),
    'Inclusion proof': ('(?i:\\binclusion proofs?\\b)', '08'),
    'Indirect CRL': ('(?i:\\bindirect CRLs?\\b)', '07'),
    'Individual enrollment': ('(?i:\\bindividual enrollments?\\b)', '11'),
    'Intermediate CA': ('(?i:\\bintermediate(?: CA| certificate)?s?\\b)', '04'),
    'IoT Hub': ('\\bIoT [Hh]ubs?\\b(?! Device Provisioning)', '11'),
    'ISRG': ('\\bISRG\\b(?! Root)', '05'),
    'Issuing CA': ('(?i:\\bissuing CAs?\\b)', '11'),
    'JWK': ('\\bJWK\\b', '05'),
    'KEM': ('(?<!-)\\bKEMs?\\b|(?i:\\bkey[- ]encapsulation mechanisms?\\b)', '13'),
    'keyUsage': ('\\bkeyUsage\\b|(?i:(?<!extended )(?<!on )\\bkey usage\\b)', '03'),
    'LAMPS': ('\\bLAMPS\\b', '13'),
    'Leaf certificate': ('(?i:\\bleaf certificates?\\b)', '03'),
    'LMS': ('\\bLMS\\b', '13'),
    'MAC': ('\\bMACs?\\b', '01'),
    'MD5': ('\\bMD5\\b', '02'),
    'Merkle tree': ('\\bMerkle trees?\\b', '08'),
    'Merkle Tree Certificates': ('\\bMerkle Tree Certificates?\\b|\\bMTCs?\\b', '13'),
    'Mis-issuance': ('(?i:\\bmis-?issu(?:ance|ed)\\b)', '08'),
    'ML-DSA': ('\\bML-DSA(?:-\\d\\d)?\\b', '13'),
    'ML-KEM': ('\\bML-KEM(?:-\\d{3,4})?\\b', '13'),
    'MQTT': ('\\bMQTT\\b', '11'),
    'mTLS': ('\\bmTLS\\b|(?i:\\bmutual TLS\\b)', '10'),
    'Must-Staple': ('\\b[Mm]ust-[Ss]taple\\b', '07'),
    'nameConstraints': ('\\bnameConstraints\\b|(?i:\\bname constraints\\b)', '04'),
    'NIST': ('\\bNIST\\b(?! (?:SP|IR|FIPS))', '01'),
    'NIST IR 8547': ('\\bNIST IR 8547\\b|\\bIR 8547\\b', '13'),
    'NITZ': ('\\bNITZ\\b', '06'),
    'Nonce': ('(?i:\\bnonces?\\b)', '02'),
    'NSS': ('\\bNSS\\b', '05'),
    'NTP': ('\\bNTP\\b|\\bSNTP\\b', '06'),
    'NTS': ('\\bNTS\\b', '06'),
    'OAEP': ('\\bOAEP\\b', '01'),
    'OCSP': ('\\bOCSP\\b(?! stapling| responders?)', '07'),
    'OCSP responder': ('(?i:\\bOCSP responders?\\b)', '07'),
    'OCSP stapling': ('(?i:\\bOCSP stapling\\b|\\bstapl(?:ing|ed|es?)\\b)', '07'),
    'OID': ('\\bOIDs?\\b', '03'),
    'OV': ('\\bOV\\b', '05'),
    'P-256': ('\\bP-256\\b', '01'),
    'P-384': ('\\bP-384\\b', '05'),
    'Path building': ('(?i:\\bpath building\\b)', '04'),
    'Path validation': ('(?i:\\bpath validation\\b)', '04'),
    'pathLenConstraint': ('\\bpathLen(?:Constraint)?\\b', '04'),
    'PEM': ('\\bPEM\\b', '03'),
    'Pinning': ('(?i:\\bpinn(?:ing|ed)\\b)', '09'),
    'PKCS #1': ('\\bPKCS ?#1\\b|\\bRSASSA-PKCS1(?:-v1_5)?\\b', '02'),
    'PKCS #10': ('\\bPKCS ?#10\\b', '06'),
    'PKI': ('\\bPKIs?\\b(?! Lab)', '00'),
    'PKITS': ('\\bPKITS\\b', '04'),
    'PKIX': ('\\bPKIX\\b', '03'),
    'Precertificate': ('(?i:\\bprecertificates?\\b)', '08'),
    'Preimage': ('(?i:\\b(?:second )?preimages?\\b)', '02'),
    'Proof of possession': ('(?i:\\bproof of possession\\b|\\bPoP\\b)', '11'),
    'PSK': ('\\bPSK\\b', '10'),
    'PSS': ('\\b(?:RSASSA-|RSA-)?PSS\\b', '02'),
    'Registration ID': ('(?i:\\bregistration IDs?\\b)', '11'),
    'Relying party': ('(?i:\\brelying part(?:y|ies)\\b)', '04'),
    'Root CA': ('(?i:(?<!DST )\\broot (?:CA|certificate)s?\\b(?! X\\d))', '04'),
    'Root program': ('(?i:\\broot programs?\\b)', '05'),
    'RSA': ('\\bRSA\\b(?!-PSS)', '01'),
    'RTC': ('\\bRTC\\b', '06'),
    'SAN': ('\\bSANs?\\b|\\bsubjectAltName\\b|(?i:\\bsubject alternative names?\\b)', '03'),
    'SAS token': ('\\bSAS\\b(?: tokens?)?', '11'),
    'SCT': ('\\bSCTs?\\b', '08'),
    'Self-signed certificate': ('(?i:\\bself-signed\\b)', '09'),
    'Serial number': ('(?i:\\bserial numbers?\\b)', '03'),
    'SHA-1': ('\\bSHA-?1\\b', '02'),
    'SHA-256': ('\\bSHA-256\\b', '02'),
    "Shor's algorithm": ("\\bShor(?:'s)?\\b", '13'),
    'SKI': ('(?i:\\bsubject key identifiers?\\b|(?<!authority )\\bkey identifiers?\\b)|\\bSKI\\b', '03'),
    'SLH-DSA': ('\\bSLH-DSA\\b', '13'),
    'Soft-fail': ('(?i:\\bsoft-fail\\b)', '07'),
    'SPKI': ('\\bSPKI\\b|\\bsubjectPublicKeyInfo\\b|(?i:\\bsubject public key info\\b)', '03'),
    'STH': ('\\bSTHs?\\b|(?i:\\bsigned tree heads?\\b)', '08'),
    'Thumbprint': ('(?i:\\bthumbprints?\\b|\\bfingerprints?\\b)', '09'),
    'TLS': ('(?<!m)(?<!mutual )\\bTLS\\b(?!-ALPN)', '10'),
    'TPM': ('\\bTPMs?\\b', '11'),
    'Trust anchor': ('(?i:\\btrust anchors?\\b)', '04'),
    'Trust store': ('(?i:\\btrust stores?\\b)', '05'),
    'Verification code': ('(?i:\\bverification codes?\\b)', '11'),
    'X.509': ('\\bX\\.509\\b', '03'),
    'X25519': ('\\bX25519\\b(?!MLKEM)', '01'),
    'X25519MLKEM768': ('\\bX25519MLKEM768\\b', '13'),
    'XMSS': ('\\bXMSS\\b', '13'),
}

_SLUG_CLEAN = re.compile(r"[^\w\u4e00-\u9fff\- ]")
_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^()\s]*(?:\([^()\s]*\))?[^()\s]*)\)")
_GLOSSARY_TARGET = re.compile(r"glossary\.md#([\w\-]+)$")
_ANCHOR = re.compile(r'^<a id="([^"]+)"></a>\n## (.+)$', re.M)


def slug(text: str) -> str:
    """myst-parser's default heading slug (GitHub's): lower case, punctuation but ``-`` and ``_`` dropped."""
    return _SLUG_CLEAN.sub("", text.strip().lower()).replace(" ", "-")


def heading_text(markdown: str) -> str:
    """A heading's text as a reader sees it: code marks, emphasis and link targets removed."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    return re.sub(r"[`*]", "", text).strip()


@dataclass(frozen=True)
class GlossaryLink:
    start: int  # the link text's span in the cell source
    end: int
    slug: str


def _blank(chars: list[str], start: int, end: int) -> None:
    for index in range(start, end):
        if chars[index] != "\n":
            chars[index] = " "


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def mask(source: str, headings: bool = False) -> tuple[str, list[GlossaryLink]]:
    text, links = _mask(source, headings)
    return text, list(links)


@functools.lru_cache(maxsize=4096)  # every term's search masks the same cells: once each is enough
def _mask(source: str, headings: bool) -> tuple[str, tuple[GlossaryLink, ...]]:
    """The cell's prose, same length as ``source``: headings, code, HTML, URLs and other links blanked out.

    Glossary links keep their text (and are returned with its span); their brackets and targets are blanked.
    ``headings=True`` keeps the headings' text (a chapter that names a term in a heading does use it).
    """
    chars = list(source)
    if headings:
        source = re.sub(r"(?m)^#{1,6} ", lambda m: " " * len(m.group(0)), source)
    for pattern in (r"(?s)```.*?```", r"(?s)~~~.*?~~~", r"(?s)<!--.*?-->", r"(?s)\$\$.*?\$\$", r"``[^`]+``",
                    r"`[^`\n]+`", r"<[^>\n]+>", r"(?m)^#{1,6} [^\n]*", r"https?://\S+"):
        for match in re.finditer(pattern, source):
            _blank(chars, match.start(), match.end())
    links = []
    for match in _LINK.finditer(source):
        target = _GLOSSARY_TARGET.search(match.group(3))
        text_start, text_end = match.start(2), match.end(2)
        if target and not match.group(1) and "".join(chars[text_start:text_end]).strip():
            links.append(GlossaryLink(text_start, text_end, target.group(1)))
            _blank(chars, match.start(), text_start)
            _blank(chars, text_end, match.end())
        else:
            _blank(chars, match.start(), match.end())
    return "".join(chars), tuple(links)


def glossary_links(source: str) -> list[str]:
    """Every glossary target (``slug``) a markdown source links to, headings and code included."""
    return [t.group(1) for m in _LINK.finditer(source) if (t := _GLOSSARY_TARGET.search(m.group(3)))]


@dataclass(frozen=True)
class Use:
    cell: int
    start: int
    end: int
    linked: bool


def first_use(cells: list[str], term: str) -> Use | None:
    """The first use of a term in a chapter's markdown cells (links to other entries do not count)."""
    pattern = _compiled(TERMS[term][0])
    own = slug(term)
    for index, source in enumerate(cells):
        text, links = mask(source)
        chars = list(text)
        for link in links:
            if link.slug != own:
                _blank(chars, link.start, link.end)
        match = pattern.search("".join(chars))
        if match:
            linked = any(link.slug == own and link.start <= match.start() < link.end for link in links)
            return Use(index, match.start(), match.end(), linked)
    return None


def markdown_cells(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "markdown"]


def uses(text: str, term: str) -> bool:
    """Whether markdown ``text`` uses a term in its prose or its headings (code and link targets aside)."""
    return re.search(TERMS[term][0], mask(text, headings=True)[0]) is not None


def sections(cells: list[str]) -> dict[str, str]:
    """A chapter's sections by slug: the markdown from each heading to the next, the heading included."""
    found: dict[str, list[str]] = {}
    current = None
    for source in cells:
        for line in source.splitlines():
            heading = re.match(r"#{1,6} (.+)", line)
            if heading:
                current = slug(heading_text(heading.group(1)))
                found.setdefault(current, [])
            if current is not None:
                found[current].append(line)
    return {key: "\n".join(lines) for key, lines in found.items()}


@dataclass(frozen=True)
class Entry:
    anchor: str
    heading: str
    body: str


def entries(text: str | None = None) -> list[Entry]:
    text = GLOSSARY.read_text() if text is None else text
    found = list(_ANCHOR.finditer(text))
    return [Entry(m.group(1), m.group(2), text[m.end():found[i + 1].start() if i + 1 < len(found) else len(text)])
            for i, m in enumerate(found)]


def _sort_key(heading: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", heading.lower())


def _context(source: str, use: Use) -> str:
    return source[max(0, use.start - 40):use.end + 40].replace("\n", " ")


# --- the glossary itself ---------------------------------------------------------------------------------------


def test_every_entry_has_the_anchor_both_jupyterlab_and_the_site_find():
    text = GLOSSARY.read_text()
    headings = re.findall(r"(?m)^## (.+)$", text)
    found = entries(text)
    assert [e.heading for e in found] == headings, "every '## ' heading needs <a id=...></a> on the line before it"
    for entry in found:
        expected = slug(entry.heading)
        assert entry.anchor == expected, f"{entry.heading!r}: anchor {entry.anchor!r}, expected {expected!r}"
    anchors = [e.anchor for e in found]
    assert len(anchors) == len(set(anchors)), "two entries share an anchor"


def test_entries_are_alphabetical_and_are_the_terms_the_tests_know():
    headings = [e.heading for e in entries()]
    assert headings == sorted(headings, key=_sort_key), "keep the glossary in alphabetical order"
    assert set(headings) == set(TERMS), (
        f"in the glossary only: {sorted(set(headings) - set(TERMS))}; "
        f"in TERMS only: {sorted(set(TERMS) - set(headings))}")


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e.anchor)
def test_entry_says_what_it_is_cites_a_source_and_links_the_chapter_that_teaches_it(entry):
    body = entry.body
    prose = [p for p in body.strip().split("\n\n") if p and not p.startswith(("*Source", "*Taught", "*See"))]
    assert prose and len(prose[0]) > 60, f"{entry.heading}: one or two sentences of definition come first"
    assert re.search(r"(?m)^\*Source:?\*:? ", body), f"{entry.heading}: no '*Source:*' line"
    taught = re.search(r"(?m)^\*Taught in:?\*:? .*?\]\((\d\d_[a-z0-9_]+\.ipynb)(?:#([\w\-]+))?\)", body)
    assert taught, f"{entry.heading}: no '*Taught in:*' line with a link to a chapter"
    chapter, section = taught.groups()
    number = TERMS[entry.heading][1]
    assert chapter.startswith(number + "_"), f"{entry.heading}: taught in {chapter}, TERMS says chapter {number}"
    path = NOTEBOOK_DIR / chapter
    if not path.exists() and number in PENDING:
        pytest.skip(PENDING[number])
    assert path.exists(), f"{entry.heading}: {chapter} does not exist"
    cells = markdown_cells(path)
    assert uses("\n\n".join(cells), entry.heading), f"{entry.heading}: {chapter} never uses the term"
    if section:
        chapter_sections = sections(cells)
        assert section in chapter_sections, f"{entry.heading}: {chapter} has no section #{section}"
        assert uses(chapter_sections[section], entry.heading), f"{entry.heading}: #{section} of {chapter} never uses it"


def test_glossary_links_inside_the_glossary_resolve():
    anchors = {e.anchor for e in entries()}
    text = GLOSSARY.read_text()
    for target in re.findall(r"\]\(#([\w\-]+)\)", text):
        assert target in anchors, f"the glossary links to #{target}, which is no entry"


# --- the chapters ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_glossary_link_in_a_chapter_resolves_and_none_is_in_a_heading(path):
    anchors = {e.anchor for e in entries()}
    for source in markdown_cells(path):
        for target in glossary_links(source):
            assert target in anchors, f"{path.name} links to glossary.md#{target}, which is no entry"
        for line in source.splitlines():
            assert not (line.startswith("#") and "glossary.md#" in line), f"{path.name}: a link in a heading: {line}"


def chapter_problems(cells: list[str]) -> list[str]:
    """What a chapter's markdown cells get wrong: a term first used without its link, or linked more than once."""
    problems = []
    for term in TERMS:
        use = first_use(cells, term)
        if use and not use.linked:
            where = _context(cells[use.cell], use)
            problems.append(f"{term}: first used unlinked in markdown cell {use.cell}: ...{where}...")
        links = [t for source in cells for t in glossary_links(source) if t == slug(term)]
        if len(links) > 1:
            problems.append(f"{term}: linked {len(links)} times; link the first use only")
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_a_chapter_links_each_term_on_its_first_use_and_only_there(path):
    problems = chapter_problems(markdown_cells(path))
    fix = f"(`.venv/bin/python -m tests.test_glossary --link notebooks/{path.name}` links each first use)"
    assert not problems, f"{path.name} {fix}:\n" + "\n".join(problems)


def test_every_chapter_link_in_the_glossary_resolves_to_a_chapter_and_section():
    for target, section in re.findall(r"\]\((\d\d_[a-z0-9_]+\.ipynb)(?:#([\w\-]+))?\)", GLOSSARY.read_text()):
        path = NOTEBOOK_DIR / target
        if not path.exists() and target[:2] in PENDING:
            continue
        assert path.exists(), f"the glossary links to {target}, which does not exist"
        if section:
            found = sections(markdown_cells(path))
            assert section in found, f"the glossary links to {target}#{section}: no such section"


# --- the checker itself: it finds what it should, and only that ----------------------------------------------


@pytest.mark.parametrize(("heading", "expected"), [
    ("SPKI", "spki"), ("ML-DSA", "ml-dsa"), ("FIPS 204", "fips-204"), ("X.509", "x509"), ("PKCS #10", "pkcs-10"),
    ("CA/B Forum", "cab-forum"), ("Harvest now, decrypt later", "harvest-now-decrypt-later"),
    ("Shor's algorithm", "shors-algorithm"), ("  Trust anchor ", "trust-anchor"),
])
def test_slug_is_myst_parsers_default(heading, expected):
    assert slug(heading) == expected


def test_mask_keeps_prose_and_glossary_link_text_and_blanks_the_rest():
    source = ("## OCSP heading\nSee `OCSP` and [RFC 6960 OCSP](https://x.org/OCSP) or https://ocsp.example/OCSP,\n"
              "<b title=\"OCSP\">x</b> then [OCSP](glossary.md#ocsp) and OCSP.")
    text, links = mask(source)
    assert len(text) == len(source)
    assert [text[m.start():m.end()] for m in re.finditer("OCSP", text)] == ["OCSP", "OCSP"]
    assert links == [GlossaryLink(source.index("[OCSP]") + 1, source.index("[OCSP]") + 5, "ocsp")]
    assert "OCSP" in mask(source, headings=True)[0].splitlines()[0]


def test_first_use_is_linked_only_when_the_link_is_to_the_term_itself():
    linked = first_use(["Intro.", "The [CRL](glossary.md#crl) and a CRL."], "CRL")
    assert linked == Use(1, 5, 8, True)
    unlinked = first_use(["A CRL, then [CRL](glossary.md#crl)."], "CRL")
    assert unlinked is not None and not unlinked.linked and unlinked.start == 2
    # A link to another entry hides the words it covers: the delta CRL link is not a use of CRL.
    other = first_use(["A [delta CRL](glossary.md#delta-crl) lists changes; a CRL lists all."], "CRL")
    assert other is not None and not other.linked and other.start > 40
    assert first_use(["Only `CRL` in code,\n## and a CRL heading\n```\nCRL\n```"], "CRL") is None


def test_a_chapter_missing_a_first_use_link_or_linking_twice_is_reported():
    cells = ["# 99 · Demo\n\nWe use [OCSP](glossary.md#ocsp), then [OCSP](glossary.md#ocsp) again,", "and a CRL."]
    assert chapter_problems(cells) == [
        "CRL: first used unlinked in markdown cell 1: ...and a CRL....",
        "OCSP: linked 2 times; link the first use only",
    ]
    good = "# 99 · Demo\n\nA [CRL](glossary.md#crl), an [OCSP](glossary.md#ocsp) check, a CRL."
    assert chapter_problems([good]) == []


def test_entries_are_read_with_their_anchor_heading_and_body():
    text = '# Glossary\n\n<a id="crl"></a>\n## CRL\n\nA list.\n\n<a id="csr"></a>\n## CSR\n\nA request.\n'
    assert [(e.anchor, e.heading, e.body.strip()) for e in entries(text)] == [
        ("crl", "CRL", "A list."), ("csr", "CSR", "A request.")]


# --- linking a chapter's first uses (``python -m tests.test_glossary --link NOTEBOOK ...``) -------------------


def link_first_uses(cells: list[str]) -> tuple[list[str], list[str]]:
    """The markdown cells with every term's first unlinked use turned into its glossary link, and the terms linked.

    Longer terms go first, so "issuing CA" is linked as one term before "CA" is looked for.
    """
    cells = list(cells)
    linked = []
    for term in sorted(TERMS, key=lambda t: -len(t)):
        use = first_use(cells, term)
        if use and not use.linked:
            source = cells[use.cell]
            words = source[use.start:use.end]
            cells[use.cell] = f"{source[:use.start]}[{words}](glossary.md#{slug(term)}){source[use.end:]}"
            linked.append(term)
    return cells, linked


def test_linking_a_chapter_leaves_nothing_for_the_check_to_report():
    cells = ["# 99 · Demo\n\nAn issuing CA signs; a CA's CRL, then `CRL` in code.", "A CRL and OCSP."]
    fixed, linked = link_first_uses(cells)
    assert fixed == ["# 99 · Demo\n\nAn [issuing CA](glossary.md#issuing-ca) signs; a [CA's](glossary.md#ca) "
                     "[CRL](glossary.md#crl), then `CRL` in code.", "A CRL and [OCSP](glossary.md#ocsp)."]
    assert sorted(linked) == ["CA", "CRL", "Issuing CA", "OCSP"]
    assert chapter_problems(fixed) == []
    assert link_first_uses(fixed) == (fixed, [])


def _main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "--link":
        print("usage: python -m tests.test_glossary --link NOTEBOOK.ipynb ...")
        return 2
    for name in argv[1:]:
        notebook = nbformat.read(name, as_version=4)
        markdown = [cell for cell in notebook.cells if cell.cell_type == "markdown"]
        fixed, linked = link_first_uses([cell.source for cell in markdown])
        for cell, source in zip(markdown, fixed, strict=True):
            cell.source = source
        nbformat.write(notebook, name)
        print(f"{name}: linked {len(linked)} first uses: {', '.join(sorted(linked)) or 'none needed'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))


_FRAGMENTS = ["CRL", "CA", "issuing CA", "OCSP", "OCSP responder", "delta CRL", "SPKI", "X.509", "trust anchor",
              "`CRL`", "`OCSP`", "[RFC 6960](https://www.rfc-editor.org/rfc/rfc6960)", "the", "a list", "of", ",",
              "**SAN**", "*CSR*", "\n\n## CRL heading\n\n", "\n\n", "(PKI)", "CAs", "root CA", "PKCS #10"]
_UNLINK = re.compile(r"\[([^\[\]]*)\]\(glossary\.md#[\w\-]+\)")


@given(st.lists(st.lists(st.sampled_from(_FRAGMENTS), max_size=25).map(" ".join), min_size=1, max_size=4))
def test_linking_any_text_satisfies_the_check_changes_only_links_and_is_idempotent(cells):
    fixed, _ = link_first_uses(cells)
    assert chapter_problems(fixed) == []
    assert [_UNLINK.sub(r"\1", source) for source in fixed] == cells
    assert link_first_uses(fixed) == (fixed, [])
