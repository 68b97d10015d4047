"""The certificate PDF: an HTML template with every user text escaped, rendered by WeasyPrint.

Run as `python -m services.certificates.render [--seal-key K --seal-cert C]`: reads the
certificate's content as JSON on stdin, writes the (sealed) PDF bytes to stdout; with `--serve`
it is a warm worker of the service's render pool (services/certificates/pdf.py), answering one
render after another, so a render never blocks the eventlet hub and never pays start-up.

What the PDF is made of:
- the template `templates/programmes/<programme code>.html` when the programme has one, else
  `templates/certificate.html`; every value substituted into it is HTML-escaped and capped in
  length, so a student's text is only ever text;
- the QR code of the verification URL as an inline <svg> (made with segno), so nothing is fetched;
- the DejaVu fonts shipped in `templates/fonts/` (@font-face), embedded (subset) in the PDF;
- PDF/A-3b (WeasyPrint's `pdf_variant`), then a PAdES seal (pyHanko) over the whole file;
- checked before it is answered: PDF 1.7, identified as PDF/A-3b (pdf_profile.py), or the
  render fails and nothing is issued.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import logging
import mimetypes
import re
import sys
from html import escape
from pathlib import Path
from string import Template
from urllib.parse import urlsplit
from urllib.request import url2pathname

import segno
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

TEMPLATES = Path(__file__).resolve().parent / "templates"
PROGRAMME_TEMPLATES = TEMPLATES / "programmes"
DEFAULT_TEMPLATE = "certificate.html"
PDF_VARIANT = "pdf/a-3b"
SEAL_FIELD = "CIMSeal"
QR_BORDER = 4  # the quiet zone, in modules, that QR readers need

# The longest text any one field prints; longer input (a hostile 10 MB name) is cut with "…".
# Registration and activities accept at most 200 characters, so real text is never cut.
LIMITS = {"holder_name": 200, "programme": 200, "title": 200, "type_name": 200, "place": 100, "default": 100}

log = logging.getLogger(__name__)


def _template(path: Path) -> Template:
    return Template(path.read_text(encoding="utf-8"))


def template_for(programme_code: str | None) -> Path:
    """The programme's own template when it has one, else the default."""
    code = programme_code or ""
    if re.fullmatch(r"[A-Za-z0-9_-]{1,50}", code):
        candidate = PROGRAMME_TEMPLATES / f"{code}.html"
        if candidate.is_file():
            return candidate
    return TEMPLATES / DEFAULT_TEMPLATE


def _cap(value, limit: int) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def qr_svg(url: str) -> str:
    """The QR code of `url` as an inline SVG: one 1-unit-high <rect> per run of dark modules."""
    matrix = segno.make(url, error="m").matrix
    size = len(matrix) + 2 * QR_BORDER
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f'<rect x="{start + QR_BORDER}" y="{y + QR_BORDER}" width="{x - start}" height="1"/>')
            else:
                x += 1
    return (
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="30mm" height="30mm" role="img" aria-label="QR code: {escape(url)}">'
        f'<rect x="0" y="0" width="{size}" height="{size}" fill="#ffffff"/>'
        f'<g fill="#000000">{"".join(runs)}</g></svg>'
    )


def certificate_html(content: dict) -> str:
    """The certificate as HTML. Every value is escaped: names and titles are the students' text."""

    def e(value, limit="default"):
        return escape(_cap(value, LIMITS[limit]), quote=True)

    row = _template(TEMPLATES / "activity_row.html")
    rows = "".join(
        row.substitute(
            type_name_en=e(a["type_name_en"], "type_name"),
            type_name_sv=e(a["type_name_sv"], "type_name"),
            title=e(a["title"], "title"),
            place_en=e(a["place_en"], "place"),
            place_sv=e(a["place_sv"], "place"),
            start_date=e(a["start_date"]),
            end_date=e(a["end_date"]),
        )
        for a in content["activities"]
    )
    version = content.get("version", 1)
    version_note = f" (version {e(version)})" if version and int(version) > 1 else ""
    programme = content["programme"]
    return _template(template_for(programme.get("code"))).substitute(
        holder_name=e(content["holder_name"], "holder_name"),
        programme_en=e(programme["name_en"], "programme"),
        programme_sv=e(programme["name_sv"], "programme"),
        activity_rows=rows,
        ceremony_date=e(content["ceremony_date"]),
        issue_date=e(content["issue_date"]),
        version_note=version_note,
        code=e(content["code"]),
        verify_url=e(content["verify_url"], "programme"),
        qr_svg=qr_svg(content["verify_url"]),
    )


class TemplatesOnlyFetcher(URLFetcher):
    """Lets WeasyPrint read the files of the templates directory and nothing else.

    No network (an injected <img src=http://...> must not become a request from inside the
    cluster), no data: URLs, and no other local file. Served and refused URLs are remembered,
    for tests and logs.
    """

    def __init__(self, root: Path = TEMPLATES):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        path = None
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(url2pathname(parts.path)).resolve()
        if path is None or not path.is_relative_to(self.root) or not path.is_file():
            self.refused.append(url)
            raise ValueError(f"the certificate renderer fetches nothing outside its templates: {url}")
        self.served.append(url)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".ttf":
            media_type = "font/ttf"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})


def render_pdf(content: dict, fetcher: TemplatesOnlyFetcher | None = None, html: str | None = None) -> bytes:
    """The unsealed PDF/A-3b of the certificate (`html` given: that markup instead).

    Without a `fetcher` (a render worker's renders), the templates' linked stylesheets are
    parsed once per process, their @font-face fonts loaded with them (`_stylesheet`), and
    given to each render instead of the <link>: the same page, drawn by the same operations,
    without parsing the stylesheet and loading the fonts again (a sixth of a render here). With
    a `fetcher` (its log read by a test), everything is fetched through it, as a browser would.
    """
    html = html if html is not None else certificate_html(content)
    base_url = TEMPLATES.as_uri() + "/"
    options = {"pdf_variant": PDF_VARIANT, "pdf_tags": True}  # tagged: a structure tree screen readers read
    if fetcher is None:
        html, sheets = _without_linked_stylesheets(html)
        if sheets:
            options["stylesheets"] = [_stylesheet(path, path.stat().st_mtime_ns) for path in sheets]
            options["font_config"] = _FONTS
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher or TemplatesOnlyFetcher())
    return document.write_pdf(**options)


_LINKED_STYLESHEET = re.compile(r"""<link\s+rel=["']stylesheet["']\s+href=["']([^"'<>]+\.css)["']\s*/?>""")
_FETCHER = TemplatesOnlyFetcher()  # what the parsed stylesheets fetched (their fonts), once each
_FONTS = FontConfiguration()  # every @font-face of the parsed stylesheets, loaded once


def _without_linked_stylesheets(html: str) -> tuple[str, list[Path]]:
    """The markup without its <link rel=stylesheet> tags that name a file of the templates, and
    those files in document order; a link to anything else is left for the fetcher to refuse."""
    sheets = []

    def take(match):
        path = (TEMPLATES / match.group(1)).resolve()
        if not path.is_relative_to(TEMPLATES.resolve()) or not path.is_file():
            return match.group(0)
        sheets.append(path)
        return ""

    return _LINKED_STYLESHEET.sub(take, html), sheets


@functools.lru_cache(maxsize=16)
def _stylesheet(path: Path, _mtime_ns: int) -> CSS:
    """A stylesheet of the templates, parsed once per version of its file."""
    return CSS(filename=str(path), base_url=path.parent.as_uri() + "/", url_fetcher=_FETCHER, font_config=_FONTS)


def seal_pdf(pdf: bytes, key_file: str | Path, cert_file: str | Path) -> bytes:
    """A PAdES seal over the whole PDF (an incremental update), by the configured key.

    pyHanko sizes the space for the signature by signing a dummy digest first (a third of a
    seal's time here: the CMS structure is built twice). Without a timestamp server the size is
    the same for every seal by the same key and certificate, so the first seal's reservation
    (read back from its /ByteRange) is reused for the next ones: the same bytes reserved, one
    signature made. Should it ever be too small (files replaced by a larger key without a
    change of time), that seal is made again with pyHanko's own estimate.
    """
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError

    from services.certificates.seal_version import Pdf17IncrementalWriter

    signer = signers.SimpleSigner.load(str(key_file), str(cert_file))
    if signer is None:
        raise ValueError("the seal key or certificate cannot be read")
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="Certificate of International Merits, issued by the Faculty of Medicine",
        location="Faculty of Medicine",
    )
    seal = _seal_identity(key_file, cert_file)

    def sign(reserved: int | None) -> bytes:
        writer = Pdf17IncrementalWriter(io.BytesIO(pdf))  # PDF/A-3 stays PDF 1.7
        return signers.sign_pdf(writer, metadata, signer=signer, bytes_reserved=reserved).getvalue()

    try:
        sealed = sign(_RESERVED.get(seal))
    except SigningError:
        if seal not in _RESERVED:
            raise
        sealed = sign(None)
    _RESERVED[seal] = reserved_for_signature(sealed)
    return sealed


_RESERVED: dict[tuple, int] = {}  # a seal's key and certificate files -> the bytes its signature was given
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _seal_identity(key_file, cert_file) -> tuple:
    """The seal's files as they are now: a replaced file (another time or size) is another seal."""
    stats = [Path(f).stat() for f in (key_file, cert_file)]
    return (str(key_file), str(cert_file), *((st.st_mtime_ns, st.st_size) for st in stats))


def reserved_for_signature(sealed: bytes) -> int:
    """The hex digits the last signature's /Contents was given: the gap its /ByteRange leaves,
    less the angle brackets."""
    ranges = _BYTE_RANGE.findall(sealed)
    if not ranges:
        raise ValueError("the sealed PDF has no /ByteRange")
    _start, first_length, second_start, _length = (int(value) for value in ranges[-1])
    return second_start - first_length - 2


def render_sealed(content: dict, key_file, cert_file) -> bytes:
    return seal_pdf(render_pdf(content), key_file, cert_file)


def render_certificate(content: dict, key_file=None, cert_file=None) -> bytes:
    """The certificate as it is stored: rendered, sealed (given the seal's files) and checked to
    be PDF 1.7 identified as PDF/A-3b; pdf_profile.NotPdfA3b when it is not (nothing is issued)."""
    from services.certificates.pdf_profile import ensure_pdf_a3b

    pdf = render_pdf(content)
    if key_file and cert_file:
        pdf = seal_pdf(pdf, key_file, cert_file)
    return ensure_pdf_a3b(pdf)


def _read_exactly(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def serve(stdin, stdout) -> int:
    """A warm pool worker (`--serve`): WeasyPrint and pyHanko are loaded once, then each request
    (4-byte length, JSON {content, seal_key, seal_cert}) gets one answer (1 byte: 0 a PDF follows,
    1 an error message; 4-byte length; the bytes). Ends when its stdin closes."""
    from pyhanko.sign import signers  # noqa: F401  (loaded now, not at the first seal)

    stdout.write(b"R")  # ready: the imports are done
    stdout.flush()
    while True:
        header = _read_exactly(stdin, 4)
        if header is None:
            return 0
        request = json.loads(_read_exactly(stdin, int.from_bytes(header, "big")) or b"{}")
        try:
            answer = render_certificate(request["content"], request.get("seal_key"), request.get("seal_cert"))
            status = 0
        except Exception as exc:  # the caller learns why; the worker stays for the next render
            answer, status = f"{type(exc).__name__}: {exc}".encode("utf-8"), 1
        stdout.write(bytes([status]) + len(answer).to_bytes(4, "big") + answer)
        stdout.flush()


def main(argv=None) -> int:
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    parser = argparse.ArgumentParser(prog="python -m services.certificates.render")
    parser.add_argument("--seal-key")
    parser.add_argument("--seal-cert")
    parser.add_argument("--serve", action="store_true", help="a warm pool worker (see serve)")
    args = parser.parse_args(argv)
    if args.serve:
        return serve(sys.stdin.buffer, sys.stdout.buffer)
    content = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    pdf = render_certificate(content, args.seal_key, args.seal_cert)
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
