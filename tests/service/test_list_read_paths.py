"""Every list route's use case pages at the source, on real databases: the statements a page
sends and the rows the database returns for it do not grow with the data (10 items, then 1,000:
the same counts, for the first page and for a page after a cursor; rows as the PostgreSQL driver
reports them, SQLite's does not), and walking the pages by cursor gives every item once, in the
list's order. The lists: ceremonies to come, a student's activities, the activity catalogue, the
programmes, the coordinator directory, the pending certificate reviews, a student's delivery
log (the inbox, the audit
trail and the funnel: tests/service/test_approvals_read_paths.py)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from services.activities import handlers as activities_handlers, orm as activities_orm
from services.approvals import orm as approvals_orm
from services.approvals.handlers import coordinators as coordinators_handlers
from services.certificates import orm as certificates_orm
from services.certificates.handlers import revocation
from services.ceremony import handlers as ceremony_handlers, orm as ceremony_orm
from services.notifications import handlers as notifications_handlers, orm as notifications_orm
from services.registration import handlers as registration_handlers, orm as registration_orm
from shared.db import UnitOfWork, create_engine, make_session_factory, utcnow
from shared.permissions import ADMIN, STUDENT, Actor
from shared.rpc.paging import Page
from tests.helpers import RowCounter, migrate

ADMIN_ACTOR = Actor(issuer="test", subject="admin", role=ADMIN)
STUDENT_ID = "stu-lists"
STUDENT_ACTOR = Actor(issuer="test", subject="s", role=STUDENT, student_id=STUDENT_ID)
NOW = utcnow()
PAGE = 4  # the small fixture's first two pages are full ones (4 items, and the one that says more)


def _ceremonies(start: int, n: int) -> dict:
    return {
        ceremony_orm.ceremonies: [
            {
                "ceremony_id": f"c-{i:05d}",
                "title": f"Ceremony {i}",
                "starts_at": NOW + timedelta(days=30, minutes=i % 7),  # equal times: the id orders them
                "utc_offset_minutes": 60,
                "location": "Aula",
                "capacity": 50,
                "language": "en",
                "status": "scheduled",
                "scheduled_by": "c-1",
                "scheduled_at": NOW,
                "programmes": [],
            }
            for i in range(start, start + n)
        ]
    }


def _activities(start: int, n: int) -> dict:
    return {
        **(_activity_types(99999, 1) if start == 0 else {}),
        activities_orm.activities: [
            {
                "activity_id": f"a-{i:05d}",
                "student_id": STUDENT_ID if i % 2 == 0 else f"other-{i}",
                "type_code": "zz-99999",
                "title": f"Activity {i}",
                "description": "-",
                "location_kind": "abroad",
                "location_country": "NO",
                "start_date": date(2026, 1, 1),
                "end_date": date(2026, 1, 2),
                "evidence_urls": [],
                "status": "submitted",
                "version": 1,
                "created_at": NOW - timedelta(minutes=i % 11),
                "submitted_at": NOW,
            }
            for i in range(2 * start, 2 * (start + n))  # half of them the student's
        ],
    }


def _activity_types(start: int, n: int) -> dict:
    return {
        activities_orm.activity_types: [
            {
                "code": f"zz-{i:05d}",
                "name_en": f"Type {i}",
                "name_sv": f"Typ {i}",
                "sessions_required": 1,
                "default_location": "abroad",
                "supplement_en": "-",
                "supplement_sv": "-",
            }
            for i in range(start, start + n)
        ]
    }


def _programmes(start: int, n: int) -> dict:
    return {
        registration_orm.programmes: [
            {"code": f"P{i:05d}", "name_en": f"Programme {i}", "name_sv": f"Program {i}"}
            for i in range(start, start + n)
        ]
    }


def _coordinators(start: int, n: int) -> dict:
    return {
        approvals_orm.coordinators: [
            {"subject": f"c-{i:05d}", "name": f"C {i}", "email": f"c{i}@example.org", "programmes": ["MPUBH"]}
            for i in range(start, start + n)
        ]
    }


def _reviews(start: int, n: int) -> dict:
    certificates, reviews = [], []
    for i in range(start, start + n):
        certificate_id = str(uuid.uuid4())
        certificates.append(
            {
                "certificate_id": certificate_id,
                "code": f"CODE-{i:05d}",
                "version": 1,
                "status_index": i,  # its place in the revocation status list (unique)
                "student_id": f"stu-{i:05d}",
                "state": "valid",
                "holder_name": f"Holder {i}",
                "programme_code": "MPUBH",
                "programme_name_en": "Public Health",
                "programme_name_sv": "Folkhälsa",
                "activities": [],
                "ceremony_date": date(2026, 6, 1),
                "issued_at": NOW,
            }
        )
        for decision in [None] + (["keep"] if i % 3 == 0 else []):  # decided ones are not listed
            reviews.append(
                {
                    "review_id": f"r-{i:05d}-{decision}",
                    "certificate_id": certificate_id,
                    "certificate_code": f"CODE-{i:05d}",
                    "student_id": f"stu-{i:05d}",
                    "activity_id": f"a-{i}",
                    "withdrawal_reason": "-",
                    "requested_at": NOW - timedelta(minutes=i % 13),
                    "decision": decision,
                }
            )
    return {certificates_orm.certificates: certificates, certificates_orm.certificate_reviews: reviews}


def _messages(start: int, n: int) -> dict:
    recipients = []
    if start == 0:  # one student, and as many messages as the fixture asks (another's too)
        recipients = [
            {"student_id": sid, "name": "Åsa", "email": "asa@example.org", "language": "en", "as_of": NOW}
            for sid in (STUDENT_ID, "stu-other")
        ]
    messages = [
        {
            "message_id": f"m-{i:05d}-{sid}",
            "event_id": f"e-{i:05d}-{sid}",
            "kind": "student.registered",
            "student_id": sid,
            "to_address": "asa@example.org",
            "subject": f"Message {i}",
            "body": "-",
            "language": "en",
            "status": "sent",
            "attempts": 1,
            "created_at": NOW + timedelta(minutes=i % 11),  # equal times: the id orders them
        }
        for i in range(start, start + n)
        for sid in (STUDENT_ID, "stu-other")
    ]
    return {**({notifications_orm.recipients: recipients} if recipients else {}), notifications_orm.messages: messages}


# list -> (service, repository, rows of n more items, the use case of one page, an item's position)
LISTS = {
    "ceremonies": (
        "ceremony",
        ceremony_orm.Repository,
        _ceremonies,
        lambda uow, page: ceremony_handlers.list_ceremonies(uow, page),
        lambda item: (item["starts_at"], item["id"]),
    ),
    "activities": (
        "activities",
        activities_orm.Repository,
        _activities,
        lambda uow, page: activities_handlers.list_activities(uow, actor=STUDENT_ACTOR, page=page),
        lambda item: (item.created_at, item.activity_id),
    ),
    "activity types": (
        "activities",
        activities_orm.Repository,
        _activity_types,
        lambda uow, page: activities_handlers.list_activity_types(uow, page),
        lambda item: (item.code,),
    ),
    "programmes": (
        "registration",
        registration_orm.Repository,
        _programmes,
        lambda uow, page: registration_handlers.list_programmes(uow, page),
        lambda item: (item["code"],),
    ),
    "coordinators": (
        "approvals",
        approvals_orm.Repository,
        _coordinators,
        lambda uow, page: coordinators_handlers.list_coordinators(uow, actor=ADMIN_ACTOR, page=page),
        lambda item: (item.subject,),
    ),
    "delivery log": (
        "notifications",
        notifications_orm.Repository,
        _messages,
        lambda uow, page: notifications_handlers.list_messages(
            uow, actor=ADMIN_ACTOR, student_id=STUDENT_ID, page=page
        ),
        lambda item: (item.created_at, item.message_id),
    ),
    "certificate reviews": (
        "certificates",
        certificates_orm.Repository,
        _reviews,
        lambda uow, page: revocation.list_reviews(uow, actor=ADMIN_ACTOR, page=page),
        lambda item: (item["requested_at"], item["review_id"]),
    ),
}


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request, tmp_path):
    if request.param == "postgresql":
        return request.getfixturevalue("database_url")
    return f"sqlite:///{tmp_path / 'lists.db'}"


def _seed(engine, rows: dict):
    with engine.begin() as conn:
        for table, values in rows.items():
            conn.execute(table.insert(), values)


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_page_sends_the_same_statements_for_10_items_and_for_1000(database, name):
    service, repository, rows, use_case, position = LISTS[name]
    migrate(service, database)
    engine = create_engine(database)
    factory = make_session_factory(engine)
    counter = RowCounter(engine)

    def run(page: Page) -> dict:
        with UnitOfWork(factory, service, repository=repository) as uow:
            return use_case(uow, page)

    def counted(page: Page) -> tuple[tuple[int, int], dict]:
        counter.reset()
        result = run(page)
        return (counter.count, counter.rows), result

    try:
        _seed(engine, rows(0, 10))
        first_small, page = counted(Page(limit=PAGE))
        assert len(page["items"]) == PAGE and page["next_cursor"]
        next_small, _ = counted(Page(cursor=page["next_cursor"], limit=PAGE))
        _seed(engine, rows(10, 990))
        first_big, page = counted(Page(limit=PAGE))
        next_big, _ = counted(Page(cursor=page["next_cursor"], limit=PAGE))
        assert (first_big, next_big) == (first_small, next_small)
        assert first_small[0] <= 3, first_small
        if engine.dialect.name == "postgresql":  # the rows of one page (and its details), not of the list
            assert 0 < first_small[1] <= 3 * (PAGE + 1), first_small

        seen, cursor = [], None  # every item once, in order, page after page
        while True:
            page = run(Page(cursor=cursor, limit=97))
            assert len(page["items"]) <= 97
            seen += [position(item) for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(seen) and len(set(seen)) == len(seen) >= 600
    finally:
        engine.dispose()
