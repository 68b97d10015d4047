"""bin/setup decides which system packages are missing without being fooled by SIGPIPE."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Far more than a pipe buffer (64 KiB), with the line searched for first: `grep -q` stops at it,
# and the writer, still writing, gets SIGPIPE.
FAKE_LDCONFIG = """#!/bin/sh
echo '	libpango-1.0.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libpango-1.0.so.0'
i=0; while [ $i -lt 20000 ]; do echo "	libfiller$i.so.1 (libc6,x86-64) => /usr/lib/libfiller$i.so.1"; i=$((i+1)); done
"""
FAKE_FC_LIST = """#!/bin/sh
echo '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf: DejaVu Sans:style=Book'
i=0; while [ $i -lt 20000 ]; do echo "/usr/share/fonts/filler/Filler$i.ttf: Filler $i:style=Regular"; i=$((i+1)); done
"""


def _fake_bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("ldconfig", FAKE_LDCONFIG), ("fc-list", FAKE_FC_LIST)):
        path = bin_dir / name
        path.write_text(body)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    chromium = bin_dir / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    return bin_dir


def _env(bin_dir: Path) -> dict:
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CIM_CHROMIUM": str(bin_dir / "chromium")}


def test_present_packages_are_not_reported_missing_when_the_listing_is_long(tmp_path):
    bin_dir = _fake_bin(tmp_path)
    result = subprocess.run(
        [str(REPO / "bin" / "setup"), "--print-missing"],
        env=_env(bin_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == []


def test_missing_packages_are_still_reported(tmp_path):
    bin_dir = _fake_bin(tmp_path)
    (bin_dir / "ldconfig").write_text("#!/bin/sh\necho '\tlibc.so.6 => /lib/libc.so.6'\n")
    (bin_dir / "fc-list").write_text("#!/bin/sh\nexit 1\n")
    env = {**_env(bin_dir), "CIM_CHROMIUM": str(tmp_path / "no-chromium")}
    result = subprocess.run(
        [str(REPO / "bin" / "setup"), "--print-missing"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == [
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz0b",
        "fonts-dejavu-core",
        "chromium",
    ]


def test_the_old_pipeline_form_misreports_the_same_listing(tmp_path):
    """The fakes really provoke the bug: the form bin/setup used before reports pango missing."""
    bin_dir = _fake_bin(tmp_path)
    old_form = "set -euo pipefail; ldconfig -p 2>/dev/null | grep -q libpango-1.0 && echo present || echo missing"
    result = subprocess.run(["bash", "-c", old_form], env=_env(bin_dir), capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "missing"


def test_setup_checks_no_installed_listing_through_a_pipe_into_grep():
    script = (REPO / "bin" / "setup").read_text()
    code = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in code if "| grep -q" in line]
