"""Notifications' domain without broker or database: messages (on the real templates), recipients,
delivery rules."""

import ast
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from services.notifications.domain import kinds
from services.notifications.domain.delivery import FAILED, LONGEST_RETRY_DELAY, MAX_ATTEMPTS, PENDING, SENT, log_attempt
from services.notifications.domain.messages import NoTemplate, new_message
from services.notifications.domain.recipients import Recipient
from tests.builders.notifications import a_composer

COMPOSER = a_composer()
compose = COMPOSER.compose

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
PROGRAMME = {"code": "MBIOM", "name_en": "Master's programme in Biomedicine", "name_sv": "Masterprogram i biomedicin"}
DECISION = {
    "activity_id": "a-1",
    "student_id": "s-1",
    "version": 1,
    "decided_by": "c-1",
    "decided_at": NOW,
    "comment": None,
}
CEREMONY = {
    "ceremony_id": "c-1",
    "title": "CIM Ceremony Spring 2027",
    "starts_at": datetime(2027, 6, 12, 12, 0, tzinfo=timezone.utc),
    "location": "Aula Medica, Solna",
    "capacity": 80,
    "language": "en",
}


def recipient(language="en", **kwargs):
    return Recipient(
        **{
            "student_id": "s-1",
            "name": "Åsa Öberg",
            "email": "asa@example.org",
            "language": language,
            "as_of": NOW,
            **kwargs,
        }
    )


def test_registration_is_confirmed_in_english_with_the_programme_name():
    subject, body = compose(kinds.WELCOME, "en", "Åsa Öberg", {"programme": PROGRAMME})
    assert subject == "Your CIM registration is confirmed"
    assert body.startswith("Dear Åsa Öberg,")
    assert "Master's programme in Biomedicine" in body


def test_registration_is_confirmed_in_swedish_with_the_swedish_programme_name():
    subject, body = compose(kinds.WELCOME, "sv", "Åsa Öberg", {"programme": PROGRAMME})
    assert subject == "Din registrering till CIM är bekräftad"
    assert body.startswith("Hej Åsa Öberg!")
    assert "Masterprogram i biomedicin" in body and "Biomedicine" not in body


@pytest.mark.parametrize(
    "kind, language, label",
    [
        (kinds.ACTIVITY_REJECTED, "en", "Reason: "),
        (kinds.ACTIVITY_REJECTED, "sv", "Motivering: "),
        (kinds.ACTIVITY_CHANGES_REQUESTED, "en", "Reason: "),
        (kinds.ACTIVITY_CHANGES_REQUESTED, "sv", "Motivering: "),
        (kinds.REPORT_RETURNED, "en", "Reason: "),
        (kinds.REPORT_RETURNED, "sv", "Motivering: "),
        (kinds.ACTIVITY_APPROVED, "sv", "Kommentar: "),
    ],
)
def test_a_decision_carries_the_coordinators_comment_as_its_reason(kind, language, label):
    _, body = compose(kind, language, "Åsa", {**DECISION, "comment": "The dates do not match."})
    assert f"{label}The dates do not match." in body


@pytest.mark.parametrize(
    "language, subject, label",
    [
        ("en", "The approval of your CIM activity was withdrawn", "Reason: "),
        ("sv", "Godkännandet av din CIM-aktivitet har återkallats", "Motivering: "),
    ],
)
def test_a_withdrawn_approval_is_told_with_its_reason_in_the_students_language(language, subject, label):
    data = {
        "activity_id": "a-1",
        "student_id": "s-1",
        "version": 2,
        "withdrawn_by": "c-1",
        "withdrawn_at": NOW,
        "reason": "The exchange was cancelled.",
        "activity_requirement_met": False,
        "was_eligible": False,
    }
    written_subject, body = compose(kinds.APPROVAL_WITHDRAWN, language, "Åsa", data)
    assert written_subject == subject
    assert f"{label}The exchange was cancelled." in body


def test_a_decision_without_a_comment_has_no_empty_reason_line():
    _, body = compose(kinds.ACTIVITY_APPROVED, "en", "Åsa", DECISION)
    assert "Comment" not in body and "None" not in body and "\n\n\n" not in body


def test_the_activity_requirement_invites_to_the_final_report_and_a_ceremony():
    data = {"student_id": "s-1", "programme": "MBIOM", "rule_set": "default", "activity_ids": ["a-1"], "met_at": NOW}
    subject, body = compose(kinds.ACTIVITY_REQUIREMENT_MET, "en", "Åsa", data)
    assert "final report" in subject and "ceremony" in subject
    subject, body = compose(kinds.ACTIVITY_REQUIREMENT_MET, "sv", "Åsa", data)
    assert "slutrapport" in body and "ceremoni" in body


def test_a_booking_names_the_ceremony_and_its_campus_time_and_place():
    data = {"booking_id": "b-1", "ceremony": CEREMONY, "student_id": "s-1", "booked_at": NOW}
    subject, body = compose(kinds.CEREMONY_BOOKED, "en", "Åsa", data)
    assert subject == "Your place at CIM Ceremony Spring 2027 is booked"
    assert "12 June 2027 at 14:00 (Stockholm time)" in body  # 12:00 UTC is 14:00 in summer
    assert "Aula Medica, Solna" in body
    _, body = compose(kinds.CEREMONY_BOOKED, "sv", "Åsa", data)
    assert "12 juni 2027 kl. 14:00" in body and "Plats: Aula Medica, Solna" in body


@pytest.mark.parametrize(
    "kind, data, en, sv",
    [
        (kinds.BOOKING_WAITLISTED, {"position": 3}, "number 3 in line", "som nummer 3"),
        (kinds.BOOKING_PROMOTED, {}, "you have it now", "är den nu din"),
        (kinds.CEREMONY_CHANGED, {"changes": ["location"]}, "Place: Aula Medica", "Plats: Aula Medica"),
        (
            kinds.BOOKING_CANCELLED,
            {"was": "waiting", "cause": "student", "reason": None},
            "your place on the waiting list for",
            "din plats på väntelistan till",
        ),
        (
            kinds.BOOKING_CANCELLED,
            {"was": "booked", "cause": "ceremony_cancelled", "reason": "The hall is flooded."},
            "Reason: The hall is flooded.",
            "Motivering: The hall is flooded.",
        ),
    ],
)
def test_the_booking_messages_name_the_ceremony_in_the_students_language(kind, data, en, sv):
    data = {"booking_id": "b-1", "ceremony": CEREMONY, "student_id": "s-1", **data}
    subject, body = compose(kind, "en", "Åsa", data)
    assert en in body and "CIM Ceremony Spring 2027" in subject + body and "{" not in body
    subject, body = compose(kind, "sv", "Åsa", data)
    assert sv in body and "CIM Ceremony Spring 2027" in subject + body and "{" not in body


def test_a_cancelled_ceremony_and_a_no_show_ask_the_student_to_book_again():
    data = {
        "booking_id": "b-1",
        "ceremony": CEREMONY,
        "student_id": "s-1",
        "was": "booked",
        "cause": "ceremony_cancelled",
        "reason": "flooded",
    }
    subject, body = compose(kinds.BOOKING_CANCELLED, "en", "Åsa", data)
    assert subject == "CIM Ceremony Spring 2027 is cancelled" and "book another" in body
    missed = {"student_id": "s-1", "ceremony_id": "c-1", "ceremony_date": date(2027, 6, 12)}
    _, body = compose(kinds.PRESENTATION_MISSED, "sv", "Åsa", missed)
    assert "12 juni 2027" in body and "Boka en ny ceremoni" in body


def test_an_issued_certificate_links_to_its_verification_page():
    data = {
        "certificate_id": "x",
        "code": "CIM-7K2Q-9PLM",
        "version": 1,
        "student_id": "s-1",
        "programme": "MBIOM",
        "verify_url": "https://cim.example.org/verify/CIM-7K2Q-9PLM",
        "issued_at": NOW,
    }
    for language in ("en", "sv"):
        _, body = compose(kinds.CERTIFICATE_ISSUED, language, "Åsa", data)
        assert "https://cim.example.org/verify/CIM-7K2Q-9PLM" in body and "CIM-7K2Q-9PLM" in body


def test_braces_in_a_comment_are_kept_as_written():
    _, body = compose(kinds.REPORT_RETURNED, "en", "Åsa", {**DECISION, "comment": "see {page} 3"})
    assert "Reason: see {page} 3" in body


def test_there_is_no_template_for_an_unknown_kind():
    with pytest.raises(NoTemplate):
        compose("activity-submitted", "en", "Åsa", {})


def test_a_new_message_is_pending_and_addressed_as_the_recipient_stands():
    message = new_message(
        event_id="e-1",
        kind=kinds.ACTIVITY_REJECTED,
        recipient=recipient("sv"),
        data={**DECISION, "comment": "Fel datum."},
        now=NOW,
        composer=COMPOSER,
    )
    assert (message.status, message.attempts, message.next_attempt_at) == (PENDING, 0, NOW)
    assert message.to_address == "asa@example.org" and message.language == "sv"
    assert message.subject == "Din CIM-aktivitet har inte godkänts"
    assert "Motivering: Fel datum." in message.body


def test_an_older_profile_event_does_not_overwrite_newer_details():
    person = recipient("sv")
    assert not person.update(name="Old", email="old@example.org", language="en", as_of=NOW - timedelta(days=1))
    assert (person.email, person.language) == ("asa@example.org", "sv")
    assert person.update(name="Åsa Ö", email="new@example.org", language="en", as_of=NOW)
    assert (person.email, person.language) == ("new@example.org", "en")


def test_a_failed_delivery_waits_longer_each_time_then_gives_up():
    message = new_message(
        event_id="e-1", kind=kinds.ACTIVITY_APPROVED, recipient=recipient(), data=DECISION, now=NOW, composer=COMPOSER
    )
    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        message.delivery_failed("connection refused", NOW)
        assert message.status == PENDING
        waits.append(message.next_attempt_at - NOW)
    assert waits == sorted(waits) and waits[0] < waits[-1] <= LONGEST_RETRY_DELAY
    message.delivery_failed("connection refused", NOW)
    assert (message.status, message.attempts, message.next_attempt_at) == (FAILED, MAX_ATTEMPTS, None)
    assert message.last_error == "connection refused"


def test_a_permanent_refusal_fails_the_message_at_once():
    message = new_message(
        event_id="e-1", kind=kinds.ACTIVITY_APPROVED, recipient=recipient(), data=DECISION, now=NOW, composer=COMPOSER
    )
    message.delivery_failed("550 no such mailbox", NOW, permanent=True)
    assert (message.status, message.attempts) == (FAILED, 1)


def test_a_delivered_message_records_when_it_was_sent_and_logs_the_attempt():
    message = new_message(
        event_id="e-1", kind=kinds.ACTIVITY_APPROVED, recipient=recipient(), data=DECISION, now=NOW, composer=COMPOSER
    )
    message.delivery_failed("timeout", NOW)
    message.delivered(NOW + timedelta(seconds=5))
    assert (message.status, message.attempts, message.last_error) == (SENT, 2, None)
    line = log_attempt(message, message.sent_at)
    assert (line.attempt, line.outcome, line.error) == (2, SENT, None)


def test_the_domain_imports_only_the_standard_library_shared_errors_and_itself():
    for path in Path(kinds.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert (
                    top in sys.stdlib_module_names
                    or module == "shared.errors"
                    or module.startswith("services.notifications.domain")
                ), (path.name, module)
