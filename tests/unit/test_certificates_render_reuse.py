"""A render worker parses the templates' stylesheets (and loads their fonts) once, and draws
the same page as a render that fetches everything anew."""

import io
import os

from pypdf import PdfReader

from services.certificates import render
from tests.unit.test_certificates_render import CONTENT


def page_operations(pdf: bytes) -> bytes:
    return PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()


def test_renders_reuse_one_parsed_stylesheet_and_draw_what_a_full_fetch_draws():
    render._stylesheet.cache_clear()
    fetched = render.TemplatesOnlyFetcher()
    full = render.render_pdf(CONTENT, fetcher=fetched)
    assert any(url.endswith("certificate.css") for url in fetched.served)
    first = render.render_pdf(CONTENT)
    second = render.render_pdf({**CONTENT, "holder_name": "Another Student"})
    assert render._stylesheet.cache_info().misses == 1 and render._stylesheet.cache_info().hits >= 1
    assert page_operations(first) == page_operations(full)
    assert page_operations(second) != page_operations(first)  # each render its own content
    assert "Another Student" in PdfReader(io.BytesIO(second)).pages[0].extract_text()


def test_a_stylesheet_changed_on_disk_is_parsed_again():
    render._stylesheet.cache_clear()
    sheet = render.TEMPLATES / "certificate.css"
    before = sheet.stat()
    render.render_pdf(CONTENT)
    try:
        os.utime(sheet, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        render.render_pdf(CONTENT)
        assert render._stylesheet.cache_info().misses == 2
    finally:
        os.utime(sheet, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_only_links_to_the_templates_own_stylesheets_are_taken_out():
    html = (
        '<link rel="stylesheet" href="certificate.css">'
        '<link rel="stylesheet" href="../../../../etc/ssl/openssl.css">'
        '<link rel="stylesheet" href="missing.css">'
    )
    rest, sheets = render._without_linked_stylesheets(html)
    assert sheets == [(render.TEMPLATES / "certificate.css").resolve()]
    assert "certificate.css" not in rest and "openssl.css" in rest and "missing.css" in rest
