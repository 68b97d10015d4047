"""The figures table's format (never its figures): rows merged by scenario, the document's own
table readable and complete."""

from tests.faults import report


def test_a_new_row_replaces_its_scenario_and_keeps_the_others():
    first = report.merged("# Reliability\n\nprose\n", [{"scenario": "a", "lost": 0}, {"scenario": "b", "lost": 1}])
    second = report.merged(first, [{"scenario": "b", "lost": 0}])
    rows = report.parse(second)
    assert sorted(rows) == ["a", "b"] and rows["b"]["lost"] == "0"
    assert second.startswith("# Reliability\n\nprose\n") and second.count(report.BEGIN) == 1


def test_the_documents_table_has_every_column_and_a_number_in_each_figure():
    rows = report.parse(report.DOCUMENT.read_text(encoding="utf-8"))
    assert rows, "docs/reliability.md has no figures table"
    for row in rows.values():
        assert list(row) == report.COLUMNS
        for column in report.COLUMNS[1:-2]:
            float(row[column])  # a figure, whatever its value
        assert row["holds"] in ("yes", "NO")
