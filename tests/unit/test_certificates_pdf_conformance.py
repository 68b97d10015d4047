"""The sealed certificate stays what its metadata claims (PDF 1.7, identified as PDF/A-3b), and
is tagged so screen readers can read it."""

import io
import re

from pypdf import PdfReader

from services.certificates import render
from services.certificates.keys import generate_seal
from tests.unit.test_certificates_render import CONTENT


def effective_version(pdf: bytes) -> str:
    """The header's version, unless the catalog's /Version names a later one (ISO 32000-1,
    7.7.2): the version a reader applies."""
    header = re.match(rb"%PDF-(\d\.\d)", pdf).group(1).decode()
    catalog = PdfReader(io.BytesIO(pdf)).trailer["/Root"].get_object()
    declared = str(catalog.get("/Version", "/" + header)).lstrip("/")
    return max(header, declared)


def pdfa_identification(pdf: bytes) -> tuple[str, str]:
    metadata = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    text = metadata.decode("utf-8")
    part = re.search(r"pdfaid:part(?:>|=\")(\d)", text).group(1)
    conformance = re.search(r"pdfaid:conformance(?:>|=\")([ABU])", text).group(1)
    return part, conformance


def test_the_sealed_certificate_is_pdf_1_7_and_identified_as_pdf_a_3b(tmp_path):
    key, cert = tmp_path / "seal.key", tmp_path / "seal.crt"
    generate_seal(key, cert)
    sealed = render.render_sealed(CONTENT, key, cert)
    assert "/Sig" in str(
        PdfReader(io.BytesIO(sealed)).trailer["/Root"]["/AcroForm"].get_object()["/Fields"][0].get_object()["/FT"]
    )
    assert effective_version(sealed) == "1.7"
    assert pdfa_identification(sealed) == ("3", "B")


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
