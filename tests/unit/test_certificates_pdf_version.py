"""The sealed certificate stays what its metadata claims: PDF 1.7, identified as PDF/A-3b."""
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
    assert "/Sig" in str(PdfReader(io.BytesIO(sealed)).trailer["/Root"]["/AcroForm"]
                         .get_object()["/Fields"][0].get_object()["/FT"])
    assert effective_version(sealed) == "1.7"
    assert pdfa_identification(sealed) == ("3", "B")
