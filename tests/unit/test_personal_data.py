"""Every column of every service says whether it holds personal data, and the docs page says so too."""

import pytest
import sqlalchemy as sa

from cim import personal_data as page
from shared.personal_data import classified, classification, problems, service_tables


@pytest.mark.parametrize("service", page.DATA_SERVICES)
def test_every_column_of_the_service_is_classified(service):
    found = [p for table in service_tables(service) for p in problems(table)]
    assert not found, "\n".join(found)


def test_a_new_unclassified_column_is_reported():
    table = sa.Table(
        "t", sa.MetaData(), sa.Column("a", sa.Integer), sa.Column("email", sa.String), info=classified(none=("a",))
    )
    assert problems(table) == ["t.email is not classified"]


def test_a_personal_column_without_reason_or_erasure_is_reported():
    table = sa.Table("t", sa.MetaData(), sa.Column("email", sa.String), info=classified(contact={"email": ""}))
    assert problems(table) == [
        "t.email holds contact data but gives no reason",
        "t holds personal data but does not say what erasure does to it",
    ]


@pytest.mark.parametrize("service", page.DATA_SERVICES)
def test_a_column_commented_personal_data_is_classified_as_personal(service):
    """The schema comments of the first migrations say "personal data": the marks agree."""
    for table in service_tables(service):
        for column in table.columns:
            if column.comment and "personal data" in column.comment:
                assert classification(table)[column.name][0] != "none", f"{table.name}.{column.name}"


def test_the_personal_data_page_matches_the_models():
    assert page.PAGE.read_text() == page.markdown(), "docs/personal-data.md is stale: run `cim docs`"


def test_the_page_names_where_the_students_email_is_held():
    text = page.markdown()
    for service in ("registration", "approvals", "notifications"):
        section = text.split(f"## {service}\n", 1)[1].split("\n## ", 1)[0]
        assert "| `email` | contact |" in section, service
