"""What every certificate PDF must be before it is stored: PDF 1.7 and identified as PDF/A-3b.

PDF/A-3 is based on PDF 1.7 (ISO 19005-3), so a certificate must not claim a later version:
neither in its header nor in the catalog's /Version, which overrides the header when it names a
later one (ISO 32000-1, 7.7.2; seal_version.py says why pyHanko would raise it). And its XMP
metadata must identify it as PDF/A-3b (pdfaid:part 3, pdfaid:conformance B). The render worker
checks each sealed PDF (render.py); one that fails is a failed render, so nothing is issued.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

PDF_A3_VERSION = "1.7"
PDF_A_IDENTIFICATION = ("3", "B")
_HEADER = re.compile(rb"%PDF-(\d\.\d)")
_PART = re.compile(r"pdfaid:part(?:>|=[\"'])\s*(\d+)")
_CONFORMANCE = re.compile(r"pdfaid:conformance(?:>|=[\"'])\s*([A-Za-z])")


class NotPdfA3b(ValueError):
    """The PDF is not what a certificate must be (its version or its PDF/A identification)."""


def _catalog(pdf: bytes):
    return PdfReader(io.BytesIO(pdf)).trailer["/Root"].get_object()


def effective_version(pdf: bytes, catalog=None) -> str:
    """The version a reader applies: the header's, unless the catalog's /Version is later."""
    header = _HEADER.match(pdf)
    if header is None:
        raise NotPdfA3b("no %PDF- header")
    declared = (_catalog(pdf) if catalog is None else catalog).get("/Version")
    versions = [header.group(1).decode("ascii")]
    if declared is not None:
        versions.append(str(declared).lstrip("/"))
    return max(versions, key=lambda v: tuple(int(p) for p in v.split(".")))


def pdfa_identification(pdf: bytes, catalog=None) -> tuple[str, str] | None:
    """(pdfaid:part, pdfaid:conformance) from the catalog's XMP metadata, or None."""
    metadata = (_catalog(pdf) if catalog is None else catalog).get("/Metadata")
    if metadata is None:
        return None
    text = metadata.get_object().get_data().decode("utf-8", "replace")
    part, conformance = _PART.search(text), _CONFORMANCE.search(text)
    if part is None or conformance is None:
        return None
    return part.group(1), conformance.group(1).upper()


def ensure_pdf_a3b(pdf: bytes) -> bytes:
    """The PDF unchanged when it is PDF 1.7 and identified as PDF/A-3b; NotPdfA3b otherwise (the
    file is parsed once for both checks)."""
    if _HEADER.match(pdf) is None:
        raise NotPdfA3b("no %PDF- header")
    catalog = _catalog(pdf)
    version = effective_version(pdf, catalog)
    if version != PDF_A3_VERSION:
        raise NotPdfA3b(f"the PDF is version {version}; a PDF/A-3 certificate must be {PDF_A3_VERSION}")
    identification = pdfa_identification(pdf, catalog)
    if identification != PDF_A_IDENTIFICATION:
        raise NotPdfA3b(f"the PDF is not identified as PDF/A-3b (XMP pdfaid: {identification})")
    return pdf
