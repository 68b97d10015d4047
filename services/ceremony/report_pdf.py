"""What a final report may carry before it is stored: a PDF that parses, with nothing it can run.

Staff open the reports, so everything a PDF reader could execute or open on its own is removed
(RULES.md, Final reports): JavaScript (document-level and in actions), the open action,
additional actions (on the document, pages, annotations and form fields), launch and other
actions that reach outside the document, embedded files, and XFA forms (which carry scripts).
The cleaned file is written anew by pypdf and checked again: what still carries any of it is
refused. A file that is not a PDF, or that does not parse, is refused with the reason.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from shared.errors import Invalid

log = logging.getLogger(__name__)

# Keys whose value is something a reader runs or opens by itself.
DROPPED_KEYS = frozenset(
    {"/OpenAction", "/AA", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMediaContent"}
)
# Actions that run code or reach outside the document; a harmless one (/GoTo, /URI) stays.
DANGEROUS_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute", "/GoToE", "/GoToR", "/Rendition"}
)
# Annotations that exist only to hold such content.
DROPPED_ANNOTATIONS = frozenset({"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound"})


def _refuse(reason: str):
    raise Invalid({"content": [reason]})


def _is_dangerous_action(value) -> bool:
    return isinstance(value, DictionaryObject) and value.get("/S") in DANGEROUS_ACTIONS


def _clean(obj, removed: set[str], seen: set[int]):
    """Walk every dictionary and array reachable from `obj`, removing what can run."""
    if isinstance(obj, IndirectObject):
        if obj.idnum in seen:
            return
        seen.add(obj.idnum)
        obj = obj.get_object()
    if isinstance(obj, DictionaryObject):
        for key in list(obj.keys()):
            value = obj[key].get_object() if isinstance(obj[key], IndirectObject) else obj[key]
            if key in DROPPED_KEYS or (key in ("/A", "/Next") and _is_dangerous_action(value)):
                removed.add(key if key in DROPPED_KEYS else str(value.get("/S")))
                del obj[key]
                continue
            if key == "/Annots" and isinstance(value, ArrayObject):
                for item in list(value):
                    annotation = item.get_object()
                    if isinstance(annotation, DictionaryObject) and annotation.get("/Subtype") in DROPPED_ANNOTATIONS:
                        removed.add(str(annotation.get("/Subtype")))
                        value.remove(item)
            if key != "/Parent":  # the page tree's back-pointers lead nowhere new
                _clean(obj[key], removed, seen)
    elif isinstance(obj, ArrayObject):
        for item in obj:
            _clean(item, removed, seen)


def active_content(pdf: bytes) -> set[str]:
    """What in `pdf` could run or open by itself (empty: nothing); the file must parse."""
    writer = PdfWriter(clone_from=_reader(pdf))
    found: set[str] = set()
    _clean(writer._root_object, found, set())
    return found


def _reader(pdf: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        if reader.is_encrypted:
            _refuse("the report is encrypted: upload it without a password")
        if len(reader.pages) < 1:
            _refuse("the report has no pages")
        return reader
    except Invalid:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        _refuse(f"the report could not be read as a PDF: {type(exc).__name__}: {exc}"[:300])


def sanitise(pdf: bytes) -> tuple[bytes, set[str]]:
    """The report as stored, and what was removed: `pdf` itself when nothing can run in it
    (the student's file, byte for byte), else rewritten without it."""
    if not pdf.startswith(b"%PDF-"):
        _refuse("the report must be a PDF file")
    reader = _reader(pdf)
    try:
        writer = PdfWriter(clone_from=reader)
        removed: set[str] = set()
        _clean(writer._root_object, removed, set())
        out = io.BytesIO()
        writer.write(out)
        # what was removed is unreferenced now but still written: a clone of the result
        # copies only what its catalog reaches
        clean_copy = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
        out = io.BytesIO()
        clean_copy.write(out)
    except Invalid:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        _refuse(f"the report could not be read as a PDF: {type(exc).__name__}: {exc}"[:300])
    if not removed:
        return pdf, removed
    cleaned = out.getvalue()
    if active_content(cleaned):  # belt and braces: what the walk could not remove is refused
        _refuse(
            "the report carries active content (scripts, actions or attachments) that "
            "could not be removed; export it again as a plain PDF"
        )
    if removed:
        log.info("removed from a final report: %s", ", ".join(sorted(removed)))
    return cleaned, removed
