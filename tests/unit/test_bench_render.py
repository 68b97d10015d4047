"""The rendering benchmark runs and reports both renders, per certificate, and their ratio."""

import re
import subprocess
import sys

from shared.settings import REPO_ROOT


def test_the_render_benchmark_prints_time_per_certificate_and_the_ratio():
    run = subprocess.run(
        [sys.executable, "bench/render.py", "--runs", "1"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert re.search(r"^ours \(template\+escape\+render\+seal\)\s+[\d.]+ ms per certificate", run.stdout, re.M)
    assert re.search(r"^bare WeasyPrint, same HTML\s+[\d.]+ ms per certificate", run.stdout, re.M)
    ratio = float(re.search(r"^ratio ours / bare\s+([\d.]+)$", run.stdout, re.M).group(1))
    assert ratio > 0
