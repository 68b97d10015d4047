"""The journey on the zero-setup local run: every service on its own SQLite file."""
import time

import pytest
from pypdf import PdfReader

from cim import journey

pytestmark = pytest.mark.e2e


def test_the_whole_journey_works_on_sqlite(sqlite_platform, tmp_path):
    assert all(url.startswith("sqlite:///") for url in sqlite_platform.database_urls.values())
    result = journey.run(sqlite_platform.gateway_url, sqlite_platform.secret, tmp_path,
                         name="Sigrid Undset", log=lambda *_: None)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(result["pdf_path"]).pages).split())
    assert "Sigrid Undset" in text and journey.ACTIVITIES[1]["title"] in text
    assert result["verification"]["status"] == "valid"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sent = sqlite_platform.query("notifications", "SELECT count(*) FROM messages "
                                     "WHERE status = 'sent'")[0][0]
        if sent >= 8:
            break
        time.sleep(0.3)
    assert sent >= 8
