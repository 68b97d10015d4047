"""The sealed certificate stays what its metadata claims (PDF 1.7, identified as PDF/A-3b), the
render worker refuses to answer one that is not (so it is never stored), and the certificate is
tagged so screen readers can read it."""

import io
import json
import struct

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader
from weasyprint import HTML

from services.certificates import render
from services.certificates.keys import generate_seal
from services.certificates.pdf_profile import NotPdfA3b, effective_version, ensure_pdf_a3b, pdfa_identification
from tests.unit.test_certificates_render import CONTENT


@pytest.fixture
def seal(tmp_path):
    key, cert = tmp_path / "seal.key", tmp_path / "seal.crt"
    generate_seal(key, cert)
    return key, cert


def test_the_sealed_certificate_is_pdf_1_7_and_identified_as_pdf_a_3b(seal):
    sealed = render.render_certificate(CONTENT, *seal)
    assert "/Sig" in str(
        PdfReader(io.BytesIO(sealed)).trailer["/Root"]["/AcroForm"].get_object()["/Fields"][0].get_object()["/FT"]
    )
    assert effective_version(sealed) == "1.7"
    assert pdfa_identification(sealed) == ("3", "B")
    assert ensure_pdf_a3b(sealed) is sealed


def _sealed_by_plain_pyhanko(monkeypatch):
    """Seal as pyHanko does unless told otherwise: it raises the catalog's /Version to 2.0."""
    import services.certificates.seal_version as seal_version

    monkeypatch.setattr(seal_version, "Pdf17IncrementalWriter", IncrementalPdfFileWriter)


def test_a_pdf_whose_catalog_claims_2_0_is_refused_though_its_header_says_1_7(seal, monkeypatch):
    _sealed_by_plain_pyhanko(monkeypatch)
    bumped = render.seal_pdf(render.render_pdf(CONTENT), *seal)
    assert bumped.startswith(b"%PDF-1.7") and effective_version(bumped) == "2.0"
    with pytest.raises(NotPdfA3b, match="version 2.0"):
        ensure_pdf_a3b(bumped)
    with pytest.raises(NotPdfA3b):
        render.render_certificate(CONTENT, *seal)


def test_a_pdf_not_identified_as_pdf_a_3b_is_refused():
    plain = HTML(string="<p>no PDF/A here</p>").write_pdf()  # WeasyPrint without pdf_variant
    assert effective_version(plain) == "1.7" and pdfa_identification(plain) is None
    with pytest.raises(NotPdfA3b, match="PDF/A-3b"):
        ensure_pdf_a3b(plain)
    with pytest.raises(NotPdfA3b):
        ensure_pdf_a3b(b"not a PDF at all")


def test_the_render_worker_answers_an_error_not_a_pdf_for_a_certificate_that_fails_the_check(seal, monkeypatch):
    _sealed_by_plain_pyhanko(monkeypatch)
    request = json.dumps({"content": CONTENT, "seal_key": str(seal[0]), "seal_cert": str(seal[1])}).encode()
    stdin, stdout = io.BytesIO(struct.pack(">I", len(request)) + request), io.BytesIO()
    render.serve(stdin, stdout)
    answer = stdout.getvalue()
    assert answer[:1] == b"R" and answer[1] == 1  # ready, then status 1: an error message follows
    message = answer[6 : 6 + struct.unpack(">I", answer[2:6])[0]].decode()
    assert message.startswith("NotPdfA3b") and "2.0" in message


def _struct_texts(node, reader, out):
    """The structure tree's elements in document order: (type, text of its marked content)."""
    node = node.get_object()
    kids = node.get("/K")
    if kids is None:
        return out
    kids = kids if isinstance(kids, list) else [kids]
    if "/S" in node:
        out.append(str(node["/S"]))
    for kid in kids:
        if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
            _struct_texts(kid, reader, out)
    return out


def test_the_certificate_is_tagged_with_a_structure_tree_in_page_order():
    pdf = render.render_pdf(CONTENT)
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    elements = _struct_texts(root["/StructTreeRoot"], reader, [])
    assert "/Document" in elements or "/Part" in elements, elements[:10]
    assert any(e in elements for e in ("/H1", "/H2", "/P")), elements[:20]
    # the text a reader speaks follows the page: the holder's name before the activities
    text = reader.pages[0].extract_text()
    assert text.index("Åsa Öberg-Lindqvist") < text.index("Exchange in Leiden")
