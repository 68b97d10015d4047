"""The certificate PDF: escaped user text, nothing fetched from outside, readable text in the PDF."""

import io

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from services.certificates import render
from services.certificates.pdf import RenderFailed, render_in_child

HOSTILE = "<img src=http://127.0.0.1:9/x>"

CONTENT = {
    "holder_name": "Åsa Öberg-Lindqvist",
    "programme": {
        "code": "MBIOM",
        "name_en": "Master's programme in Biomedicine",
        "name_sv": "Masterprogram i biomedicin",
    },
    "activities": [
        {
            "type_name_en": "Exchange semester",
            "type_name_sv": "Utbytestermin",
            "title": "Exchange in Leiden",
            "place_en": "NL",
            "place_sv": "NL",
            "start_date": "2025-09-01",
            "end_date": "2026-01-31",
        },
        {
            "type_name_en": "Language café",
            "type_name_sv": "Språkkafé",
            "title": "Spanish café",
            "place_en": "Sweden",
            "place_sv": "Sverige",
            "start_date": "2025-02-01",
            "end_date": "2025-05-01",
        },
        {
            "type_name_en": "International conference or workshop",
            "type_name_sv": "Internationell konferens eller workshop",
            "title": "ISMB workshop",
            "place_en": "Digital",
            "place_sv": "Digitalt",
            "start_date": "2025-03-10",
            "end_date": "2025-03-12",
        },
    ],
    "ceremony_date": "2026-05-20",
    "issue_date": "2026-06-02",
    "code": "MFRGGZDFMZTWQ2LKNNWG23TPOA",
    "version": 1,
    "verify_url": "http://127.0.0.1:8000/verify/MFRGGZDFMZTWQ2LKNNWG23TPOA",
}


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_hostile_user_text_is_escaped_in_the_html():
    content = {
        **CONTENT,
        "holder_name": HOSTILE,
        "activities": [{**CONTENT["activities"][0], "title": '"><script>x()</script>'}],
    }
    html = render.certificate_html(content)
    assert HOSTILE not in html and "<script>" not in html
    assert "&lt;img src=http://127.0.0.1:9/x&gt;" in html
    assert "&quot;&gt;&lt;script&gt;x()&lt;/script&gt;" in html


def test_the_pdf_shows_name_programme_activities_dates_and_code_in_both_languages():
    pdf = render.render_pdf(CONTENT)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = flat(pdf_text(pdf))
    for expected in (
        "Certificate of International Merits",
        "Intyg om internationella meriter",
        "Åsa Öberg-Lindqvist",
        "Master's programme in Biomedicine",
        "Masterprogram i biomedicin",
        "Exchange semester",
        "Utbytestermin",
        "Exchange in Leiden",
        "Spanish café",
        "Sverige",
        "ISMB workshop",
        "2025-09-01",
        "2026-01-31",
        "2026-05-20",
        "2026-06-02",
        CONTENT["code"],
        "/verify/",
    ):
        assert expected in text, expected


def test_a_hostile_name_appears_literally_and_nothing_is_fetched():
    fetcher = render.TemplatesOnlyFetcher()
    pdf = render.render_pdf({**CONTENT, "holder_name": HOSTILE}, fetcher=fetcher)
    assert HOSTILE in flat(pdf_text(pdf))
    assert fetcher.refused == []


def test_the_fetcher_serves_the_templates_and_refuses_the_network_and_other_files():
    fetcher = render.TemplatesOnlyFetcher()
    css = (render.TEMPLATES / "certificate.css").as_uri()
    assert b"@page" in fetcher.fetch(css).read()
    outside = [
        "http://127.0.0.1:9/x",
        "https://example.org/logo.png",
        "ftp://example.org/a",
        "file:///etc/passwd",
        (render.TEMPLATES / ".." / "render.py").as_uri(),
        "file://evil.example.org" + str(render.TEMPLATES / "certificate.css"),
        "data:text/css,body{}",
    ]
    for url in outside:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.refused == outside


def test_markup_that_did_reach_the_renderer_still_fetches_nothing_outside():
    fetcher = render.TemplatesOnlyFetcher()
    HTML(
        string=f'<link rel="stylesheet" href="certificate.css"><p>x</p>{HOSTILE}<img src="file:///etc/hostname">',
        base_url=render.TEMPLATES.as_uri() + "/",
        url_fetcher=fetcher,
    ).write_pdf()
    assert fetcher.refused == ["http://127.0.0.1:9/x", "file:///etc/hostname"]


def test_rendering_in_a_child_process_returns_the_pdf():
    pdf = render_in_child(CONTENT, timeout_s=60)
    assert "Exchange in Leiden" in flat(pdf_text(pdf))


def test_a_render_that_fails_or_overruns_raises():
    with pytest.raises(RenderFailed, match="exit 1"):
        render_in_child({"holder_name": "no programme"}, timeout_s=60)
    with pytest.raises(RenderFailed, match="Timeout"):
        render_in_child(CONTENT, timeout_s=0.05)
