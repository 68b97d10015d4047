"""The final report's PDF before storage: parsed, and cleaned of whatever could run."""

import io

import pytest
from pypdf import PdfReader

from services.ceremony.report_pdf import active_content, sanitise
from shared.errors import Invalid
from tests.builders.ceremony import PDF, a_pdf_that_can_run_things


def test_a_plain_pdf_is_stored_byte_for_byte():
    assert sanitise(PDF) == (PDF, set())


def test_javascript_actions_and_embedded_files_are_removed_and_the_text_stays():
    hostile = a_pdf_that_can_run_things()
    assert {"/OpenAction", "/AA", "/JavaScript", "/EmbeddedFiles"} <= active_content(hostile)
    cleaned, removed = sanitise(hostile)
    assert {"/OpenAction", "/AA", "/Launch"} <= removed
    assert active_content(cleaned) == set()
    for marker in (b"/JavaScript", b"/JS", b"/OpenAction", b"/Launch", b"/EmbeddedFile", b"calc.exe", b"payload.exe"):
        assert marker not in cleaned, marker
    reader = PdfReader(io.BytesIO(cleaned))
    assert len(reader.pages) == 1 and "Final report" in reader.pages[0].extract_text()


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"PK\x03\x04 a zip, not a PDF", "must be a PDF"),
        (b"%PDF-1.7\n garbage without any objects", "could not be read as a PDF|no pages"),
        (PDF[: len(PDF) // 2], "could not be read as a PDF|no pages"),
    ],
)
def test_what_is_not_a_pdf_or_does_not_parse_is_refused_with_the_reason(content, reason):
    with pytest.raises(Invalid, match=reason):
        sanitise(content)
