"""One marshmallow schema instance per class and options (making one copies every field), shared
by every load and dump of the process; and the instance keeps nothing between calls."""

import pytest

from shared.errors import Invalid
from shared.events.envelope import schema_of
from shared.rpc import dump, load
from shared.rpc.paging import PageRequest, dump_page
from shared.rpc.registration import StudentView


def test_the_same_class_and_options_give_the_same_instance_and_other_options_another():
    assert schema_of(PageRequest) is schema_of(PageRequest)
    assert schema_of(StudentView, many=True) is schema_of(StudentView, many=True)
    assert schema_of(StudentView, many=True) is not schema_of(StudentView)
    assert schema_of(StudentView, only=["student_id"]) is not schema_of(StudentView, only=["student_id"])


def test_a_shared_instance_keeps_nothing_from_one_call_to_the_next():
    with pytest.raises(Invalid) as refused:
        load(PageRequest, {"limit": "many", "colour": "red"})
    assert set(refused.value.detail) >= {"limit", "colour"}
    assert load(PageRequest, {"limit": 5}).limit == 5
    first = dump_page(StudentView, {"items": [], "next_cursor": None})
    assert first == {"items": [], "next_cursor": None}
    assert dump(StudentView, {"student_id": "s-1"}, only=["student_id"]) == {"student_id": "s-1"}
