"""Registration's use cases: each takes a unit of work (with its repository) and typed values.

A use case never commits: its unit of work commits when the caller's `with` block ends.
"""

from __future__ import annotations

from services.registration import domain
from shared import keyset
from shared.db import utcnow
from shared.errors import NotFound
from shared.events import STUDENT_REGISTERED, STUDENT_UPDATED, STUDENT_WITHDRAWN
from shared.permissions import ADMIN, REGISTRAR, Actor, ensure_may_have_role
from shared.rpc.paging import FIRST_PAGE, Page
from shared.rpc.registration import ProgrammeChange, Registration

# Who may move a student to another programme: the student records' keepers.
PROGRAMME_CHANGERS = (ADMIN, REGISTRAR)


def student_state(student: domain.Student, programme: domain.Programme) -> dict:
    """The full state other services keep a copy of (event-carried state transfer)."""
    return {
        "student_id": student.student_id,
        "issuer": student.issuer,
        "subject": student.subject,
        "name": student.name,
        "email": student.email,
        "programme": {"code": programme.code, "name_en": programme.name_en, "name_sv": programme.name_sv},
        "expected_graduation": student.expected_graduation,
        "language": student.language,
    }


def view(student: domain.Student, programme: domain.Programme) -> dict:
    state = {k: v for k, v in student_state(student, programme).items() if k not in ("issuer", "subject")}
    return {**state, "status": student.status, "registered_at": student.registered_at}


def register(uow, *, actor: Actor, request: Registration) -> dict:
    programme = uow.repo.programme(request.programme)
    existing = uow.repo.student_by_person(actor.issuer, actor.subject)
    now = utcnow()
    student = domain.register(
        issuer=actor.issuer,
        subject=actor.subject,
        name=request.name,
        email=request.email,
        programme=programme,
        programme_code=request.programme,
        expected_graduation=request.expected_graduation,
        language=request.language,
        existing=existing,
        now=now,
    )
    if existing is None:
        uow.repo.add(student)
    uow.publish(STUDENT_REGISTERED, {**student_state(student, programme), "registered_at": now})
    return view(student, programme)


def _registered(uow, actor: Actor) -> domain.Student:
    student = uow.repo.student_by_person(actor.issuer, actor.subject)
    if student is None:
        raise NotFound("you are not registered for the CIM")
    return student


def find_student(uow, *, issuer: str, subject: str) -> dict:
    student = uow.repo.student_by_person(issuer, subject)
    if student is None:
        raise NotFound("you are not registered for the CIM")
    return view(student, uow.repo.programme(student.programme_code))


def get_student(uow, *, student_id: str) -> dict:
    student = uow.repo.student(student_id)
    if student is None:
        raise NotFound("no such student")
    return view(student, uow.repo.programme(student.programme_code))


def student_names(uow, *, student_ids: list[str]) -> dict[str, str]:
    """The names of the students among `student_ids` that registration knows (an erased or
    unknown id is left out: whoever lists it shows the id)."""
    return uow.repo.names_of(sorted(set(student_ids))) if student_ids else {}


def withdraw(uow, *, actor: Actor, reason: str | None = None) -> dict:
    """The student leaves the CIM (POST /v1/me/withdrawal); the others hear student.withdrawn.v1."""
    student = _registered(uow, actor)
    student.withdraw()
    uow.publish(STUDENT_WITHDRAWN, {"student_id": student.student_id, "withdrawn_at": utcnow(), "reason": reason})
    return view(student, uow.repo.programme(student.programme_code))


def change_programme(uow, *, actor: Actor, student_id: str, request: ProgrammeChange) -> dict:
    """An admin or registrar records the student's new programme; others hear student.updated.v1."""
    ensure_may_have_role(actor, *PROGRAMME_CHANGERS, doing="change a student's programme")
    student = uow.repo.student(student_id)
    if student is None:
        raise NotFound("no such student")
    programme = uow.repo.programme(request.programme)
    if student.change_programme(programme, request.programme):
        uow.publish(STUDENT_UPDATED, {**student_state(student, programme), "updated_at": utcnow()})
    return view(student, uow.repo.programme(student.programme_code))


def list_programmes(uow, page: Page = FIRST_PAGE) -> dict:
    """One page of the programmes, by code."""
    position = keyset.decode_cursor(page.cursor, "programmes", (str,)) if page.cursor else None
    rows = uow.repo.programmes_page(position, page.limit)
    cut = keyset.page_of(rows, page.limit, "programmes", lambda p: (p.code,))
    items = [{"code": p.code, "name_en": p.name_en, "name_sv": p.name_sv} for p in cut["items"]]
    return {"items": items, "next_cursor": cut["next_cursor"]}


# --- what campus systems reported (through the campus edge) ---------------------------------


def enrol(uow, data: dict):
    """The learning platform enrolled a person: registered as if they had done it themselves.

    Already registered: nothing changes (the learning platform and the student may both do it).
    """
    existing = uow.repo.student_by_person(data["issuer"], data["subject"])
    if existing is not None and existing.status == domain.REGISTERED:
        return
    programme = uow.repo.programme(data["programme"])
    now = utcnow()
    student = domain.register(
        issuer=data["issuer"],
        subject=data["subject"],
        name=data["name"],
        email=data["email"],
        programme=programme,
        programme_code=data["programme"],
        expected_graduation=data["expected_graduation"],
        language=data["language"],
        existing=existing,
        now=now,
    )
    if existing is None:
        uow.repo.add(student)
    uow.publish(STUDENT_REGISTERED, {**student_state(student, programme), "registered_at": now})


def unenrol(uow, data: dict):
    """The learning platform unenrolled the student: they withdraw (once)."""
    student = uow.repo.student(data["student_id"])
    if student is None or student.status != domain.REGISTERED:
        return
    student.withdraw()
    uow.publish(STUDENT_WITHDRAWN, {"student_id": student.student_id, "withdrawn_at": utcnow()})


def change_legal_name(uow, data: dict):
    """Student records changed the legal name: the profile follows; others hear the full state."""
    student = uow.repo.student(data["student_id"])
    if student is None:
        raise NotFound("no such student")
    if student.rename(data["legal_name"]):
        programme = uow.repo.programme(student.programme_code)
        uow.publish(STUDENT_UPDATED, {**student_state(student, programme), "updated_at": utcnow()})
