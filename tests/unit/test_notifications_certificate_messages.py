"""The emails about a student's certificate: revoked (with the reason) and re-issued."""

from datetime import datetime, timezone

from services.notifications.domain import kinds
from tests.builders.notifications import a_composer

compose = a_composer().compose

NOW = datetime(2026, 6, 2, 9, 30, tzinfo=timezone.utc)
ISSUED = {
    "certificate_id": "x",
    "code": "NEWCODE",
    "version": 2,
    "student_id": "s-1",
    "programme": "MBIOM",
    "verify_url": "https://cim.example.org/verify/NEWCODE",
    "issued_at": NOW,
}


def test_a_revocation_tells_the_student_the_code_and_the_reason_in_their_language():
    data = {
        "certificate_id": "x",
        "code": "OLDCODE",
        "student_id": "s-1",
        "reason": "The exchange did not take place.",
        "revoked_at": NOW,
    }
    subject, body = compose(kinds.CERTIFICATE_REVOKED, "en", "Åsa", data)
    assert subject == "Your CIM certificate has been revoked"
    assert "OLDCODE" in body and "Reason: The exchange did not take place." in body
    subject, body = compose(kinds.CERTIFICATE_REVOKED, "sv", "Åsa", data)
    assert subject == "Ditt CIM-certifikat har återkallats"
    assert "Motivering: The exchange did not take place." in body and body.startswith("Hej Åsa!")


def test_a_reissue_names_the_new_and_the_replaced_code_and_why():
    data = {**ISSUED, "supersedes": "OLDCODE", "reissue_reason": "legal name corrected"}
    subject, body = compose(kinds.CERTIFICATE_ISSUED, "en", "Åsa", data)
    assert subject == "A new version of your CIM certificate has been issued"
    assert "NEWCODE" in body and "OLDCODE" in body and "Reason: legal name corrected" in body
    assert "https://cim.example.org/verify/NEWCODE" in body
    subject, _ = compose(kinds.CERTIFICATE_ISSUED, "sv", "Åsa", data)
    assert subject == "En ny version av ditt CIM-certifikat har utfärdats"


def test_a_first_issue_is_still_announced_as_an_issue():
    subject, body = compose(
        kinds.CERTIFICATE_ISSUED, "en", "Åsa", {**ISSUED, "supersedes": None, "reissue_reason": None}
    )
    assert subject == "Your CIM certificate has been issued" and "replaces" not in body
