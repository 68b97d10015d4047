"""The journey on the zero-setup local run: every service on its own SQLite file."""

import time

import pytest
from pypdf import PdfReader

from bench import seed
from cim import journey
from shared.db import create_engine

pytestmark = pytest.mark.e2e


def test_the_whole_journey_works_on_sqlite(sqlite_platform, tmp_path):
    assert all(url.startswith("sqlite:///") for url in sqlite_platform.database_urls.values())
    # a platform that already holds data (this one is the test's own): more older items wait in
    # the journey's programme than a page of the inbox shows, so the demo must filter to find its own
    seed.seed(create_engine(sqlite_platform.database_urls["approvals"]), 600, 600, "MBIOM")
    result = journey.run(
        sqlite_platform.gateway_url, sqlite_platform.secret, tmp_path, name="Sigrid Undset", log=lambda *_: None
    )
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(result["pdf_path"]).pages).split())
    assert "Sigrid Undset" in text and journey.ACTIVITIES[1]["title"] in text
    assert result["verification"]["status"] == "valid"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sent = sqlite_platform.query("notifications", "SELECT count(*) FROM messages WHERE status = 'sent'")[0][0]
        if sent >= 8:
            break
        time.sleep(0.3)
    assert sent >= 8
