"""The sealed certificate PDF: QR code, embedded fonts, PDF/A, the PAdES seal, hostile input.

Every test renders through the same child process the service uses (render + seal), except
where a test needs the renderer's fetcher log.
"""

import io
import re
import socket
import time
from pathlib import Path

import pytest
import segno
from pypdf import PdfReader
from pypdf.generic import ContentStream

from services.certificates import keys as signing_keys
from services.certificates import render
from services.certificates.pdf import render_in_child
from tests.unit.test_certificates_render import CONTENT

A4 = (595, 842)  # points


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return signing_keys.resolve_keys(env={}, config={}, data_dir=tmp_path_factory.mktemp("keys"), development=True)


@pytest.fixture(scope="module")
def sealed(keys):
    return render_in_child(CONTENT, timeout_s=120, keys=keys)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squeezed(text: str) -> str:
    """Text without whitespace: a line break the layout added cannot hide or fake a match."""
    return "".join(text.split())


# --- the QR code ---------------------------------------------------------------------------


def qr_matrix_in_pdf(pdf: bytes) -> list[list[int]]:
    """Read the QR code back out of the page's drawing operations.

    The QR is drawn as a white square of (n + 8) units (n modules and the quiet zone) followed
    by one 1-unit-high filled rectangle per run of dark modules, in module coordinates. This
    rebuilds the n x n module matrix from those rectangles.
    """
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    rects = [
        [float(v) for v in operands]
        for operands, op in ContentStream(page.get_contents(), reader).operations
        if op == b"re"
    ]
    for start, (x, y, w, h) in enumerate(rects):
        if x == 0 and y == 0 and w == h and w > 20 and w == int(w):
            size = int(w)
            modules = size - 2 * render.QR_BORDER
            matrix = [[0] * modules for _ in range(modules)]
            for rx, ry, rw, rh in rects[start + 1 :]:
                if rh != 1 or not all(v == int(v) for v in (rx, ry, rw)) or ry >= size:
                    break
                for dx in range(int(rw)):
                    matrix[int(ry) - render.QR_BORDER][int(rx) - render.QR_BORDER + dx] = 1
            return matrix
    raise AssertionError("no QR code drawn on the page")


def test_the_qr_code_on_the_page_encodes_the_verification_url(sealed):
    drawn = qr_matrix_in_pdf(sealed)
    expected = [list(row) for row in segno.make(CONTENT["verify_url"], error="m").matrix]
    assert drawn == expected
    other = [list(row) for row in segno.make(CONTENT["verify_url"] + "X", error="m").matrix]
    assert drawn != other


def test_the_qr_code_scans_to_the_verification_url(sealed):
    """Rasterise the page as a phone camera would see it and decode the QR optically."""
    import pypdfium2
    import zxingcpp

    page = pypdfium2.PdfDocument(sealed)[0]
    image = page.render(scale=2).to_pil()
    found = [(code.format.name, code.text) for code in zxingcpp.read_barcodes(image)]
    assert found == [("QRCode", CONTENT["verify_url"])]


def test_the_qr_code_is_inline_svg_so_nothing_is_fetched_for_it():
    html = render.certificate_html(CONTENT)
    assert html.count("<svg") == 1 and "data:" not in html
    fetcher = render.TemplatesOnlyFetcher()
    render.render_pdf(CONTENT, fetcher=fetcher)
    assert fetcher.refused == []


# --- fonts and PDF/A -------------------------------------------------------------------------


def test_every_font_is_embedded_and_comes_from_the_fonts_shipped_with_the_project(sealed):
    fetcher = render.TemplatesOnlyFetcher()
    render.render_pdf(CONTENT, fetcher=fetcher)
    served = {Path(url).name for url in fetcher.served}
    assert {"DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansMono.ttf"} <= served

    page = PdfReader(io.BytesIO(sealed)).pages[0]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        descriptor = (
            font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            if "/DescendantFonts" in font
            else font["/FontDescriptor"]
        ).get_object()
        assert "/FontFile2" in descriptor, font["/BaseFont"]  # the TrueType program is in the PDF
        assert "+CIM-" in font["/BaseFont"], font["/BaseFont"]  # our @font-face, not a system font


def test_the_pdf_is_pdf_a_3b_with_an_output_intent_and_xmp_metadata(sealed):
    root = PdfReader(io.BytesIO(sealed)).trailer["/Root"]
    intents = root["/OutputIntents"]
    assert intents[0].get_object()["/S"] == "/GTS_PDFA1"
    assert "/DestOutputProfile" in intents[0].get_object()
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part[^0-9]{1,3}3", xmp) and re.search(r"pdfaid:conformance[^A-Z]{1,3}B", xmp)


def test_the_sealed_pdf_still_shows_everything_in_both_languages(sealed):
    text = squeezed(text_of(sealed))
    for expected in (
        "Certificate of International Merits",
        "Intyg om internationella meriter",
        "Åsa Öberg-Lindqvist",
        "Masterprogram i biomedicin",
        "Exchange in Leiden",
        "Scan to verify",
        "Skanna för att verifiera",
        CONTENT["code"],
        CONTENT["verify_url"],
        "2026-05-20",
        "2026-06-02",
    ):
        assert squeezed(expected) in text, expected
    assert len(PdfReader(io.BytesIO(sealed)).pages) == 1


# --- the seal --------------------------------------------------------------------------------


def validate(pdf: bytes, keys):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(keys.seal_cert_file))])
    return signature, validate_pdf_signature(signature, context)


def test_the_seal_validates_over_the_whole_file_with_the_configured_certificate(sealed, keys):
    from pyhanko.sign.validation import SignatureCoverageLevel

    signature, status = validate(sealed, keys)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == "CIM development seal"
    assert signature.field_name == render.SEAL_FIELD


def test_changing_one_byte_of_the_signed_content_breaks_the_seal(sealed, keys):
    signature, _ = validate(sealed, keys)
    signed_end = signature.byte_range[1]
    at = sealed.index(b"Certificate of International Merits")
    assert at < signed_end  # inside the signed bytes (the document's title)
    tampered = sealed[:at] + b"D" + sealed[at + 1 :]
    _, status = validate(tampered, keys)
    assert not status.intact and not status.bottom_line


def test_a_seal_by_another_key_is_not_trusted_by_the_configured_certificate(keys, tmp_path):
    other = signing_keys.resolve_keys(env={}, config={}, data_dir=tmp_path, development=True)
    pdf = render_in_child(CONTENT, timeout_s=120, keys=other)
    _, status = validate(pdf, keys)
    assert status.intact and not status.trusted


def test_outside_development_missing_keys_stop_the_service_and_configured_ones_are_used(keys, tmp_path):
    with pytest.raises(signing_keys.MissingKey, match="CIM_SEAL_KEY_FILE"):
        signing_keys.resolve_keys(env={}, config={}, data_dir=tmp_path, development=False)
    configured = signing_keys.resolve_keys(
        env={
            "CIM_SEAL_KEY_FILE": str(keys.seal_key_file),
            "CIM_SEAL_CERT_FILE": str(keys.seal_cert_file),
            "CIM_BADGE_KEY_FILE": str(keys.badge_key_file),
        },
        config={},
        data_dir=tmp_path,
        development=False,
    )
    assert configured == keys
    assert not (tmp_path / signing_keys.DEV_DIR).exists()


# --- hostile input ---------------------------------------------------------------------------


class Listener:
    """A real TCP server on a free local port that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        """Connections waiting (the kernel completes the handshake even before accept)."""
        self.sock.setblocking(False)
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, OSError):
                return count
            conn.close()
            count += 1

    def close(self):
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def hostile_inputs(port: int) -> dict:
    return {
        "img": f"<img src=http://127.0.0.1:{port}/x>",
        "attachment": "<link rel=attachment href=file:///etc/passwd>",
        "import": f"<style>@import url(http://127.0.0.1:{port}/c.css);</style>",
        "bare_import": f"@import url(http://127.0.0.1:{port}/c.css);",
        "page": "<style>@page{size:10000cm}</style>",
    }


def embedded_files(pdf: bytes) -> bool:
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    names = root.get("/Names")
    return ("/AF" in root) or (names is not None and "/EmbeddedFiles" in names.get_object())


def test_hostile_names_and_titles_print_literally_fetch_nothing_attach_nothing_and_stay_a4(keys, listener):
    hostile = hostile_inputs(listener.port)
    content = {
        **CONTENT,
        "holder_name": hostile["img"],
        "programme": {**CONTENT["programme"], "name_en": hostile["import"], "name_sv": hostile["bare_import"]},
        "activities": [
            {**CONTENT["activities"][0], "title": hostile["attachment"]},
            {**CONTENT["activities"][1], "title": hostile["page"]},
            CONTENT["activities"][2],
        ],
    }
    pdf = render_in_child(content, timeout_s=120, keys=keys)
    time.sleep(0.2)
    assert listener.connections() == 0

    text = squeezed(text_of(pdf))
    for value in hostile.values():
        assert squeezed(value) in text, value
    assert not embedded_files(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert tuple(round(float(v)) for v in reader.pages[0].mediabox.upper_right) == A4
    _, status = validate(pdf, keys)
    assert status.intact and status.valid


def test_the_checks_above_would_see_a_request_and_an_attachment():
    """Controls: the listener does count a connection; an attachment is found when present."""
    server = Listener()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5):
            pass
        time.sleep(0.1)
        assert server.connections() == 1
    finally:
        server.close()
    html = '<link rel="attachment" href="fonts/LICENSE-DejaVu.txt"><p>x</p>'
    assert embedded_files(render.render_pdf(CONTENT, html=html))


def test_a_10_mb_name_and_title_are_cut_short_before_layout_on_a4(keys):
    """What keeps such a render fast is the cut before layout (bench/, not this test, times it)."""
    huge = "Å" + "x" * (10 * 1024 * 1024)
    content = {**CONTENT, "holder_name": huge, "activities": [{**CONTENT["activities"][0], "title": huge}]}
    pdf = render_in_child(content, timeout_s=120, keys=keys)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) <= 2 and len(pdf) < 500_000  # 200 characters, twice, may wrap over
    for page in reader.pages:
        assert tuple(round(float(v)) for v in page.mediabox.upper_right) == A4
    text = squeezed(text_of(pdf))
    assert "Å" + "x" * 150 in text and "x" * 250 not in text


# --- templates per programme -----------------------------------------------------------------


def test_a_programme_with_its_own_template_gets_it_and_others_the_default(monkeypatch, tmp_path):
    (tmp_path / "MBIOM.html").write_text(
        (render.TEMPLATES / "certificate.html")
        .read_text()
        .replace(
            "<h1>Certificate of International Merits</h1>",
            "<h1>Certificate of International Merits</h1><p>Biomedicine edition</p>",
        )
    )
    monkeypatch.setattr(render, "PROGRAMME_TEMPLATES", tmp_path)
    assert render.template_for("MBIOM") == tmp_path / "MBIOM.html"
    assert render.template_for("MPUBH") == render.TEMPLATES / "certificate.html"
    assert render.template_for("../certificate") == render.TEMPLATES / "certificate.html"
    own = squeezed(text_of(render.render_pdf(CONTENT)))
    other = squeezed(text_of(render.render_pdf({**CONTENT, "programme": {**CONTENT["programme"], "code": "MPUBH"}})))
    assert "Biomedicineedition" in own and "Biomedicineedition" not in other
    assert CONTENT["code"] in own
