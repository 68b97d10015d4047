"""Registration's use cases on a fake unit of work: what they change, publish and refuse."""

import pytest

from services.registration import domain, handlers
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import STUDENT_REGISTERED, STUDENT_UPDATED, STUDENT_WITHDRAWN
from shared.rpc.registration import ProgrammeChange, Registration
from tests.builders import a_coordinator, a_registrar, a_student_actor, an_admin
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.registration import FakeRegistrationRepository


def programmes():
    # fresh objects per test: domain classes are mapped by the ORM once orm.py is imported
    return [
        domain.Programme("MBIOM", "Biomedicine", "Biomedicin"),
        domain.Programme("MPUBH", "Public Health", "Folkhälsovetenskap"),
    ]


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeRegistrationRepository(programmes()), producer="registration")


def a_registration(**overrides) -> Registration:
    values = {
        "programme": "MBIOM",
        "expected_graduation": "2027-06",
        "language": "en",
        "name": "Ada Example",
        "email": "ada@example.org",
    }
    return Registration(**{**values, **overrides})


def register(uow, actor=None, **overrides) -> dict:
    with uow:
        return handlers.register(uow, actor=actor or a_student_actor(), request=a_registration(**overrides))


def test_registering_stores_the_student_and_publishes_their_full_state(uow):
    student = register(uow)
    assert uow.committed
    assert uow.types_published() == [STUDENT_REGISTERED]
    data = uow.published[0]["data"]
    assert data["student_id"] == student["student_id"]
    assert data["programme"] == {"code": "MBIOM", "name_en": "Biomedicine", "name_sv": "Biomedicin"}
    assert uow.repo.student(student["student_id"]).status == domain.REGISTERED


def test_registering_twice_is_a_conflict_and_publishes_nothing_more(uow):
    register(uow)
    with pytest.raises(Conflict):
        register(uow)
    assert uow.rolled_back and uow.types_published() == [STUDENT_REGISTERED]


def test_an_unknown_programme_is_refused_with_the_field(uow):
    with pytest.raises(Invalid) as refused:
        register(uow, programme="NOPE")
    assert "programme" in refused.value.detail
    assert uow.published == [] and uow.repo.students == {}


def test_re_registering_after_withdrawal_keeps_the_student_id(uow):
    first = register(uow)
    with uow:
        handlers.withdraw(uow, actor=a_student_actor())
    again = register(uow, programme="MPUBH")
    assert again["student_id"] == first["student_id"]
    assert again["programme"]["code"] == "MPUBH"
    assert uow.types_published() == [STUDENT_REGISTERED, STUDENT_WITHDRAWN, STUDENT_REGISTERED]


def test_withdrawing_when_not_registered_is_not_found(uow):
    with pytest.raises(NotFound):
        with uow:
            handlers.withdraw(uow, actor=a_student_actor())


@pytest.mark.parametrize("changer", [an_admin(), a_registrar()])
def test_an_admin_or_registrar_changes_the_programme_and_others_hear_it(uow, changer):
    student = register(uow)
    with uow:
        moved = handlers.change_programme(
            uow, actor=changer, student_id=student["student_id"], request=ProgrammeChange("MPUBH")
        )
    assert moved["programme"]["code"] == "MPUBH"
    assert uow.types_published()[-1] == STUDENT_UPDATED


def test_the_same_programme_again_publishes_nothing(uow):
    student = register(uow)
    with uow:
        handlers.change_programme(
            uow, actor=an_admin(), student_id=student["student_id"], request=ProgrammeChange("MBIOM")
        )
    assert uow.types_published() == [STUDENT_REGISTERED]


@pytest.mark.parametrize("actor", [a_coordinator(), a_student_actor()])
def test_others_may_not_change_a_programme(uow, actor):
    student = register(uow)
    with pytest.raises(Forbidden):
        with uow:
            handlers.change_programme(
                uow, actor=actor, student_id=student["student_id"], request=ProgrammeChange("MPUBH")
            )
