"""The message templates (services/notifications/templates/): every kind in every language,
rendered in full, the HTML part around the text, and the link each message carries."""

import re
from datetime import date, datetime, timezone

import jinja2
import pytest

from services.notifications.domain import kinds, links
from services.notifications.domain.messages import Composer, NoTemplate
from services.notifications.domain.preferences import LANGUAGES
from services.notifications.domain.schedule_messages import ListedItem, item_list
from services.notifications.templating import MessageTemplates
from shared.settings import load_settings
from tests.builders.notifications import (
    WEB_URL,
    a_booking,
    a_composer,
    a_decision,
    a_registration,
    a_revocation,
    a_withdrawn_approval,
    an_issued_certificate,
)

TEMPLATES = MessageTemplates()
ALL_KINDS = {value for name, value in vars(kinds).items() if name.isupper()}
COMMENT = "The dates do not match."
BOOKING = {**a_booking(), "position": 3, "was": "waiting", "cause": "student", "reason": None}


def listed(n: int, student_id: str = "s-1", kind: str = "activity") -> ListedItem:
    return ListedItem(
        item_id=f"a-{n:02}",
        version=1,
        kind=kind,
        title=f"Activity {n:02}" if kind == "activity" else None,
        student_id=student_id,
        student="Åsa Öberg",
        programme="Biomedicine",
        waiting_since=datetime(2027, 3, 1, 9, tzinfo=timezone.utc),
    )


# A list cut short (a report among the activities), and one student's items for a reminder
ITEMS = [listed(0, "s-2", kind="report")] + [listed(n) for n in range(1, 30)]

# Each template with an event that selects it and carries every value it may name (the
# optional ones too). A new kind fails test_every_kind_is_rendered_in_full until it is here.
FULL = {
    kinds.WELCOME: (kinds.WELCOME, a_registration()),
    kinds.ACTIVITY_APPROVED: (kinds.ACTIVITY_APPROVED, a_decision(comment=COMMENT)),
    kinds.ACTIVITY_REJECTED: (kinds.ACTIVITY_REJECTED, a_decision(comment=COMMENT)),
    kinds.ACTIVITY_CHANGES_REQUESTED: (kinds.ACTIVITY_CHANGES_REQUESTED, a_decision(comment=COMMENT)),
    kinds.APPROVAL_WITHDRAWN: (kinds.APPROVAL_WITHDRAWN, a_withdrawn_approval()),
    kinds.ACTIVITY_REQUIREMENT_MET: (kinds.ACTIVITY_REQUIREMENT_MET, {"student_id": "s-1", "activity_ids": ["a-1"]}),
    kinds.REPORT_ACCEPTED: (kinds.REPORT_ACCEPTED, {"student_id": "s-1", "comment": COMMENT}),
    kinds.REPORT_RETURNED: (kinds.REPORT_RETURNED, {"student_id": "s-1", "comment": COMMENT}),
    kinds.CEREMONY_BOOKED: (kinds.CEREMONY_BOOKED, a_booking()),
    kinds.BOOKING_WAITLISTED: (kinds.BOOKING_WAITLISTED, BOOKING),
    kinds.BOOKING_PROMOTED: (kinds.BOOKING_PROMOTED, a_booking()),
    kinds.CEREMONY_CHANGED: (kinds.CEREMONY_CHANGED, {**a_booking(), "changes": ["location"]}),
    kinds.BOOKING_CANCELLED: (kinds.BOOKING_CANCELLED, BOOKING),
    kinds.CEREMONY_CANCELLED: (
        kinds.BOOKING_CANCELLED,
        {**BOOKING, "cause": "ceremony_cancelled", "reason": "The hall is flooded."},
    ),
    kinds.PRESENTATION_MISSED: (kinds.PRESENTATION_MISSED, {"student_id": "s-1", "ceremony_date": date(2027, 6, 12)}),
    kinds.CERTIFICATE_ISSUED: (kinds.CERTIFICATE_ISSUED, an_issued_certificate()),
    kinds.CERTIFICATE_REISSUED: (
        kinds.CERTIFICATE_ISSUED,
        an_issued_certificate(supersedes="OLDCODE", reissue_reason="legal name corrected"),
    ),
    kinds.CERTIFICATE_REVOKED: (kinds.CERTIFICATE_REVOKED, a_revocation()),
    kinds.LEFT_THE_CIM: (kinds.LEFT_THE_CIM, {"student_id": "s-1", "reason": None}),
    kinds.COORDINATOR_DIGEST: (kinds.COORDINATOR_DIGEST, item_list(ITEMS)),
    kinds.REVIEW_REMINDER: (kinds.REVIEW_REMINDER, item_list(ITEMS[1:], target_days=14)),
    kinds.GRADUATION_REMINDER: (kinds.GRADUATION_REMINDER, {"expected_graduation": "2027-05"}),
}
GREETING = {"en": "Dear Åsa Öberg,\n\n", "sv": "Hej Åsa Öberg!\n\n"}
SIGNATURE = {"en": "\n\nKind regards,\nThe CIM team\n", "sv": "\n\nMed vänliga hälsningar\nCIM-teamet\n"}


def rendered(template: str, language: str, composer: Composer | None = None) -> tuple[str, str]:
    kind, data = FULL[template]
    return (composer or a_composer()).compose(kind, language, "Åsa Öberg", data)


def test_every_kind_has_a_template_in_every_language_and_every_template_is_a_kind():
    written = TEMPLATES.written()
    assert set(written) == ALL_KINDS
    assert {kind: languages for kind, languages in written.items() if languages != set(LANGUAGES)} == {}


def test_every_kind_says_where_its_message_leads():
    assert set(links.PATHS) == ALL_KINDS


def test_every_kind_is_rendered_in_full_in_every_language():
    assert set(FULL) == ALL_KINDS
    for template in FULL:
        for language in LANGUAGES:
            subject, body = rendered(template, language)
            where = (template, language)
            assert subject and "\n" not in subject and subject == subject.strip(), where
            assert body.startswith(GREETING[language]) and body.endswith(SIGNATURE[language]), where
            for left_over in ("{{", "}}", "{%", "%}", "None", "Undefined"):
                assert left_over not in subject + body, (where, left_over)
            assert "\n\n\n" not in body, where
            assert links.link(template, FULL[template][1], WEB_URL) in body, where


def test_the_two_languages_of_a_kind_say_different_words():
    for template in FULL:
        assert rendered(template, "en") != rendered(template, "sv"), template


def test_a_name_the_context_does_not_give_is_an_error_not_an_empty_word():
    with pytest.raises(jinja2.UndefinedError):
        TEMPLATES.render(kinds.WELCOME, "en", {"name": "Åsa", "link": WEB_URL})  # no programme


def test_a_paragraph_about_a_reason_is_left_out_when_there_is_none():
    _, body = a_composer().compose(kinds.ACTIVITY_REJECTED, "en", "Åsa", a_decision(comment=None))
    assert "Reason" not in body and "\n\n\n" not in body
    _, body = a_composer().compose(kinds.ACTIVITY_REJECTED, "en", "Åsa", a_decision(comment="Too short."))
    assert "\n\nReason: Too short.\n\n" in body


def test_template_syntax_in_a_students_or_coordinators_words_is_kept_as_written():
    _, body = a_composer().compose(kinds.REPORT_RETURNED, "en", "{{ name }}", a_decision(comment="see {% raw %} 3"))
    assert body.startswith("Dear {{ name }},") and "Reason: see {% raw %} 3" in body


def test_a_list_of_items_names_each_and_counts_what_it_leaves_out():
    _, body = rendered(kinds.COORDINATOR_DIGEST, "en")
    assert "\n- Åsa Öberg (Biomedicine): final report, waiting since 1 March 2027\n" in body
    assert body.count("\n- ") == 25 and "Activity 24" in body and "Activity 25" not in body
    assert "\n\n… and 5 more.\n\n" in body
    _, body = rendered(kinds.COORDINATOR_DIGEST, "sv")
    assert ": slutrapport, väntar sedan 1 mars 2027\n" in body and "\n\n… och 5 till.\n\n" in body
    _, body = a_composer().compose(kinds.COORDINATOR_DIGEST, "en", "Åsa", item_list(ITEMS[:2]))
    assert "more." not in body and "\n\n\n" not in body


def test_a_coordinator_the_directory_has_no_name_for_is_greeted_without_one():
    for kind in (kinds.COORDINATOR_DIGEST, kinds.REVIEW_REMINDER):
        _, body = a_composer().compose(kind, "en", None, FULL[kind][1])
        assert body.startswith("Dear coordinator,\n\n"), kind
        _, body = a_composer().compose(kind, "sv", None, FULL[kind][1])
        assert body.startswith("Hej!\n\n"), kind


def test_a_language_without_templates_falls_back_to_english():
    subject, _ = a_composer().compose(kinds.WELCOME, "fi", "Åsa", a_registration())
    assert subject == "Your CIM registration is confirmed"


def test_a_kind_without_templates_is_no_template():
    with pytest.raises(NoTemplate):
        a_composer().compose("activity-submitted", "en", "Åsa", {})
    with pytest.raises(NoTemplate):
        TEMPLATES.render("activity-submitted", "en", {})


# --- links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template, path",
    [
        (kinds.WELCOME, "/me/activities"),
        (kinds.ACTIVITY_APPROVED, "/me/activities/a-1"),
        (kinds.ACTIVITY_REJECTED, "/me/activities/a-1"),
        (kinds.ACTIVITY_CHANGES_REQUESTED, "/me/activities/a-1"),
        (kinds.APPROVAL_WITHDRAWN, "/me/activities/a-1"),
        (kinds.ACTIVITY_REQUIREMENT_MET, "/me/progress"),
        (kinds.REPORT_RETURNED, "/me/report"),
        (kinds.CEREMONY_BOOKED, "/me/booking"),
        (kinds.BOOKING_WAITLISTED, "/me/booking"),
        (kinds.CEREMONY_CHANGED, "/me/booking"),
        (kinds.CEREMONY_CANCELLED, "/ceremonies"),
        (kinds.PRESENTATION_MISSED, "/ceremonies"),
        (kinds.CERTIFICATE_ISSUED, "/me/certificate"),
        (kinds.CERTIFICATE_REVOKED, "/me/certificate"),
        (kinds.LEFT_THE_CIM, "/me/export"),
        (kinds.COORDINATOR_DIGEST, "/coordinator/inbox"),
        (kinds.REVIEW_REMINDER, "/coordinator/inbox?student=s-1"),
        (kinds.GRADUATION_REMINDER, "/me/progress"),
    ],
)
def test_a_message_links_to_the_page_where_its_reader_acts_on_it(template, path):
    for language in LANGUAGES:
        _, body = rendered(template, language, a_composer("https://cim.example.org/app/"))
        assert f"\nhttps://cim.example.org/app{path}\n" in body, (template, language)


def test_a_review_reminder_of_several_students_items_leads_to_the_whole_inbox():
    _, body = a_composer().compose(kinds.REVIEW_REMINDER, "en", "Åsa", item_list(ITEMS[:3], target_days=1))
    assert f"\n{WEB_URL}/coordinator/inbox\n" in body and "target of 1 day for" in body
    _, body = a_composer().compose(kinds.REVIEW_REMINDER, "sv", "Åsa", item_list([listed(1, "s/1 ?x")], target_days=1))
    assert f"\n{WEB_URL}/coordinator/inbox?student=s%2F1%20%3Fx\n" in body and "mål på 1 dag:" in body


def test_an_activity_id_in_a_link_is_one_path_segment():
    _, body = a_composer().compose(kinds.ACTIVITY_APPROVED, "en", "Åsa", a_decision(activity_id="a/1 ?x"))
    assert f"{WEB_URL}/me/activities/a%2F1%20%3Fx\n" in body


def test_an_issued_certificate_links_to_the_students_certificate_and_its_verification_page():
    _, body = rendered(kinds.CERTIFICATE_ISSUED, "sv")
    assert "https://cim.example.org/verify/NEWCODE" in body and f"{WEB_URL}/me/certificate" in body


def test_the_links_go_to_the_web_front_end_or_else_the_public_address():
    env = {"CIM_PUBLIC_BASE_URL": "https://cim.example.org"}
    assert load_settings("notifications", {}, env).web_url == "https://cim.example.org"
    env["CIM_WEB_URL"] = "https://students.example.org"
    assert load_settings("notifications", {}, env).web_url == "https://students.example.org"


# --- the HTML part -------------------------------------------------------------------------------


def test_the_html_part_is_the_text_escaped_with_addresses_as_links():
    text = "Hej Åsa!\n\nMotivering: <script>x()</script>\n\nKontrollera det på:\nhttps://cim.example.org/verify/ABC\n"
    html = TEMPLATES.html(text, "sv", "Ämne & mer")
    assert '<html lang="sv">' in html and "<title>Ämne &amp; mer</title>" in html
    assert "<script>" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html
    assert re.search(r'<a href="https://cim.example.org/verify/ABC"[^>]*>https://cim.example.org/verify/ABC</a>', html)
    assert html.count("<p>") == 3 and "<br>" in html


def test_every_message_has_an_html_part_with_its_link_as_an_anchor():
    for template in FULL:
        for language in LANGUAGES:
            subject, body = rendered(template, language)
            html = TEMPLATES.html(body, language, subject)
            address = links.link(template, FULL[template][1], WEB_URL)
            assert f'<a href="{address}"' in html, (template, language)
