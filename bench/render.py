"""Certificate rendering benchmark: our render against a bare WeasyPrint render of the same HTML.

    .venv/bin/python bench/render.py [--runs N] [--child]

Both sides render the same certificate HTML in the same run, alternately, after one warm-up:
- ours: template + escaping + QR (services.certificates.render.certificate_html), WeasyPrint
  with the templates-only fetcher and the shipped fonts as PDF/A-3b, then the PAdES seal
  (pyHanko, a development key generated into a temporary directory);
- bare: `weasyprint.HTML(string=<the same HTML>, base_url=<templates>).write_pdf()`.
Prints the time per certificate of each (median and mean) and the ratio ours / bare. With
`--child` it also times the path the service takes: a child process per certificate
(services.certificates.pdf.render_in_child), interpreter start-up included.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", category=DeprecationWarning)  # eventlet's, via nameko
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from weasyprint import HTML  # noqa: E402

from services.certificates import keys as signing_keys  # noqa: E402
from services.certificates import render  # noqa: E402

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


def ours(keys) -> bytes:
    return render.seal_pdf(render.render_pdf(CONTENT), keys.seal_key_file, keys.seal_cert_file)


def bare(html: str) -> bytes:
    return HTML(string=html, base_url=render.TEMPLATES.as_uri() + "/").write_pdf()


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def report(name: str, seconds: list[float]) -> float:
    median = statistics.median(seconds)
    print(
        f"{name:<34} {median * 1000:8.1f} ms per certificate (median; mean "
        f"{statistics.mean(seconds) * 1000:.1f} ms, n={len(seconds)})"
    )
    return median


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--child", action="store_true", help="also time the service's path: a child process per certificate"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        keys = signing_keys.resolve_keys(env={}, config={}, data_dir=Path(tmp), development=True)
        html = render.certificate_html(CONTENT)
        ours(keys), bare(html)  # warm-up: fonts, caches, imports
        ours_times, bare_times = [], []
        for _ in range(args.runs):
            ours_times.append(timed(ours, keys))
            bare_times.append(timed(bare, html))
        ours_median = report("ours (template+escape+render+seal)", ours_times)
        bare_median = report("bare WeasyPrint, same HTML", bare_times)
        print(f"{'ratio ours / bare':<34} {ours_median / bare_median:8.2f}")
        if args.child:
            from services.certificates.pdf import render_in_child

            child = [timed(render_in_child, CONTENT, 120, keys) for _ in range(max(3, args.runs // 2))]
            child_median = report("ours in a child process (service)", child)
            print(f"{'ratio child / bare':<34} {child_median / bare_median:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
