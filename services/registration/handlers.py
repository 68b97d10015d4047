"""Registration's use cases: each takes a unit of work and plain values, and commits once."""
from __future__ import annotations

from services.registration import domain
from services.registration.orm import Repository
from shared.db import utcnow
from shared.errors import Forbidden, NotFound

# Who may move a student to another programme: the student records' keepers.
PROGRAMME_CHANGERS = ("admin", "registrar")


def student_state(student: domain.Student, programme: domain.Programme) -> dict:
    """The full state other services keep a copy of (event-carried state transfer)."""
    return {
        "student_id": student.student_id, "name": student.name, "email": student.email,
        "programme": {"code": programme.code, "name_en": programme.name_en,
                      "name_sv": programme.name_sv},
        "expected_graduation": student.expected_graduation, "language": student.language,
    }


def view(student: domain.Student, programme: domain.Programme) -> dict:
    return {**student_state(student, programme), "status": student.status,
            "registered_at": student.registered_at}


def register(uow, *, issuer: str, subject: str, request: dict) -> dict:
    repo = Repository(uow.session)
    programme = repo.programme(request["programme"])
    existing = repo.student_by_person(issuer, subject)
    now = utcnow()
    student = domain.register(
        issuer=issuer, subject=subject, name=request.get("name"), email=request.get("email"),
        programme=programme, programme_code=request["programme"],
        expected_graduation=request["expected_graduation"], language=request["language"],
        existing=existing, now=now)
    if existing is None:
        repo.add(student)
    uow.publish("student.registered.v1", {**student_state(student, programme), "registered_at": now})
    uow.commit()
    return view(student, programme)


def find_student(uow, *, issuer: str, subject: str) -> dict:
    repo = Repository(uow.session)
    student = repo.student_by_person(issuer, subject)
    if student is None:
        raise NotFound("you are not registered for the CIM")
    return view(student, repo.programme(student.programme_code))


def get_student(uow, *, student_id: str) -> dict:
    repo = Repository(uow.session)
    student = repo.student(student_id)
    if student is None:
        raise NotFound("no such student")
    return view(student, repo.programme(student.programme_code))


def withdraw(uow, *, issuer: str, subject: str) -> dict:
    repo = Repository(uow.session)
    student = repo.student_by_person(issuer, subject)
    if student is None:
        raise NotFound("you are not registered for the CIM")
    student.withdraw()
    uow.publish("student.withdrawn.v1", {"student_id": student.student_id, "withdrawn_at": utcnow()})
    uow.commit()
    return view(student, repo.programme(student.programme_code))


def change_programme(uow, *, actor: dict, student_id: str, request: dict) -> dict:
    """An admin or registrar records the student's new programme; others hear student.updated.v1."""
    if actor["role"] not in PROGRAMME_CHANGERS:
        raise Forbidden("only an admin or a registrar changes a student's programme")
    repo = Repository(uow.session)
    student = repo.student(student_id)
    if student is None:
        raise NotFound("no such student")
    programme = repo.programme(request["programme"])
    if student.change_programme(programme, request["programme"]):
        uow.publish("student.updated.v1", {**student_state(student, programme),
                                           "updated_at": utcnow()})
    uow.commit()
    return view(student, repo.programme(student.programme_code))


def list_programmes(uow) -> list[dict]:
    return [{"code": p.code, "name_en": p.name_en, "name_sv": p.name_sv}
            for p in Repository(uow.session).programmes()]
