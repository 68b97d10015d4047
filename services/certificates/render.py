"""The certificate PDF: an HTML template with every user text escaped, rendered by WeasyPrint.

Run as `python -m services.certificates.render`: reads the certificate's content as JSON on
stdin, writes the PDF bytes to stdout. The service runs it in a child process
(services/certificates/pdf.py) so a long render never blocks the eventlet hub.
"""
from __future__ import annotations

import json
import logging
import mimetypes
import sys
from html import escape
from pathlib import Path
from string import Template
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

TEMPLATES = Path(__file__).resolve().parent / "templates"

log = logging.getLogger(__name__)


def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def certificate_html(content: dict) -> str:
    """The certificate as HTML. Every value is escaped: names and titles are the students' text."""
    e = lambda value: escape(str(value), quote=True)  # noqa: E731
    row = _template("activity_row.html")
    rows = "".join(row.substitute({key: e(activity[key]) for key in (
        "type_name_en", "type_name_sv", "title", "place_en", "place_sv", "start_date", "end_date")})
        for activity in content["activities"])
    version = content.get("version", 1)
    version_note = (f" (version {e(version)})" if version and int(version) > 1 else "")
    return _template("certificate.html").substitute(
        holder_name=e(content["holder_name"]),
        programme_en=e(content["programme"]["name_en"]),
        programme_sv=e(content["programme"]["name_sv"]),
        activity_rows=rows,
        ceremony_date=e(content["ceremony_date"]),
        issue_date=e(content["issue_date"]),
        version_note=version_note,
        code=e(content["code"]),
        verify_url=e(content["verify_url"]),
    )


class TemplatesOnlyFetcher(URLFetcher):
    """Lets WeasyPrint read the files of the templates directory and nothing else.

    No network (an injected <img src=http://...> must not become a request from inside the
    cluster) and no other local file. Refused URLs are remembered, for tests and logs.
    """

    def __init__(self, root: Path = TEMPLATES):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        path = None
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(url2pathname(parts.path)).resolve()
        if path is None or not path.is_relative_to(self.root) or not path.is_file():
            self.refused.append(url)
            raise ValueError(f"the certificate renderer fetches nothing outside its templates: {url}")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})


def render_pdf(content: dict, fetcher: TemplatesOnlyFetcher | None = None) -> bytes:
    fetcher = fetcher or TemplatesOnlyFetcher()
    html = HTML(string=certificate_html(content), base_url=TEMPLATES.as_uri() + "/",
                url_fetcher=fetcher)
    return html.write_pdf()


def main() -> int:
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    content = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    pdf = render_pdf(content)
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
