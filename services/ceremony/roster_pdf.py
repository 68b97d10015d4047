"""The printable roster of a ceremony: escaped HTML rendered by WeasyPrint in a child process.

Run as `python -m services.ceremony.roster_pdf`: reads the roster as JSON on stdin, writes the
PDF to stdout. Hardened like the certificate (services/certificates/render.py): every value is
HTML-escaped and capped, and the renderer fetches nothing at all (no network, no file, no data:
URL), so a student's name is only ever text. The service runs it in a child so a long render
never blocks the eventlet hub.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from html import escape

PDF_MAGIC = b"%PDF-"
LIMIT = 200  # the longest text a cell prints; longer (hostile) input is cut with "…"

PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>@page {{ size: A4; margin: 18mm 15mm; @bottom-right {{ content: counter(page) " / "
counter(pages); font-size: 8pt; }} }}
body {{ font-family: "DejaVu Sans", sans-serif; font-size: 10pt; }}
h1 {{ font-size: 15pt; margin: 0 0 2mm; }} p.meta {{ margin: 0 0 5mm; color: #333; }}
table {{ width: 100%; border-collapse: collapse; }} thead {{ display: table-header-group; }}
th, td {{ border-bottom: 0.5pt solid #999; padding: 1.6mm 1.2mm; text-align: left; }}
td.n {{ width: 8mm; }} td.mark {{ width: 28mm; }}</style></head><body>
<h1>{title}</h1><p class="meta">{when} · {location} · {count}</p>
<h2>{presenting}</h2>{table}{waiting_part}</body></html>"""

WORDS = {
    "en": {
        "presenting": "Presenting, in booking order",
        "waiting": "Waiting list",
        "name": "Name",
        "report": "Final report",
        "outcome": "Presented / no-show",
        "students": "students",
        "none": "none",
    },
    "sv": {
        "presenting": "Presenterar, i bokningsordning",
        "waiting": "Väntelista",
        "name": "Namn",
        "report": "Slutrapport",
        "outcome": "Presenterat / uteblev",
        "students": "studenter",
        "none": "ingen",
    },
}


class RosterRenderFailed(RuntimeError):
    """The roster could not be rendered."""


def _e(value) -> str:
    text = "" if value is None else str(value)
    return escape(text if len(text) <= LIMIT else text[: LIMIT - 1] + "…", quote=True)


def _table(entries: list[dict], words: dict) -> str:
    head = (
        f"<table><thead><tr><th>#</th><th>{words['name']}</th><th>{words['report']}</th>"
        f"<th>{words['outcome']}</th></tr></thead><tbody>"
    )
    rows = "".join(
        f"<tr><td class='n'>{_e(e['position'])}</td><td>{_e(e.get('name') or e['student_id'])}"
        f"</td><td>{_e(e['report_status'] if e['report_status'] != 'none' else words['none'])}"
        f"</td><td class='mark'>{_e(e['status'] if e['status'] != 'booked' else '')}</td></tr>"
        for e in entries
    )
    return head + rows + "</tbody></table>"


def _when(value) -> str:
    """The ceremony's time as the organiser gave it: date, time and UTC offset."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{moment:%Y-%m-%d %H:%M} (UTC{moment:%z})"


def roster_html(roster: dict) -> str:
    """The roster as HTML; `roster` is the roster view, its entries optionally with a `name`."""
    ceremony = roster["ceremony"]
    lang = ceremony.get("language") if ceremony.get("language") in WORDS else "en"
    words = WORDS[lang]
    waiting = roster.get("waiting") or []
    waiting_part = f"<h2>{words['waiting']}</h2>{_table(waiting, words)}" if waiting else ""
    return PAGE.format(
        lang=lang,
        title=_e(ceremony["title"]),
        when=_e(_when(ceremony["starts_at"])),
        location=_e(ceremony["location"]),
        count=f"{len(roster['presenting'])} {words['students']}",
        presenting=words["presenting"],
        table=_table(roster["presenting"], words),
        waiting_part=waiting_part,
    )


def _refuse_every_url(url, *args, **kwargs):
    raise ValueError(f"the roster renderer fetches nothing: {url}")


def render_pdf(roster: dict) -> bytes:
    from weasyprint import HTML

    return HTML(string=roster_html(roster), url_fetcher=_refuse_every_url).write_pdf()


def render_in_child(roster: dict, timeout_s: float) -> bytes:
    """The roster's PDF, rendered in a child process (green under eventlet) with a timeout."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "services.ceremony.roster_pdf"],
            input=json.dumps(roster, default=str).encode("utf-8"),
            capture_output=True,
            timeout=timeout_s,
        )
    except Exception as exc:  # a timeout (eventlet's green class differs from stdlib's) or OS error
        raise RosterRenderFailed(f"rendering the roster failed: {exc}") from exc
    if result.returncode != 0 or not result.stdout.startswith(PDF_MAGIC):
        stderr = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RosterRenderFailed(
            f"rendering the roster failed (exit {result.returncode}): {stderr[-1] if stderr else 'no PDF written'}"
        )
    return result.stdout


def main() -> int:
    roster = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    sys.stdout.buffer.write(render_pdf(roster))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
