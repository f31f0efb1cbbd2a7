"""Incidents CSV parsing: good rows, and line-numbered errors for bad ones."""

from __future__ import annotations

import datetime as dt

import pytest

from supervisor_tui.reports.incidents import IncidentsError, parse_incidents, parse_incidents_text
from tests.export.dataset import INCIDENTS_CSV


def test_parses_rows_with_optional_columns():
    rows = parse_incidents_text(INCIDENTS_CSV)
    assert len(rows) == 8
    assert rows[3] == {"date": dt.date(2026, 8, 20), "category": "delayed escalation", "cohort": "overnight-float",
                       "staff_id": "S001", "incident_ref": "INC-1"}
    only_required = parse_incidents_text("date,category,cohort\n2026-01-02,handover gap,elm-street\n")
    assert only_required == [{"date": dt.date(2026, 1, 2), "category": "handover gap", "cohort": "elm-street",
                              "staff_id": "", "incident_ref": ""}]


@pytest.mark.parametrize("text, message", [
    ("date,category\n2026-01-01,x\n", "missing column(s) cohort"),
    ("date,category,cohort,colour\n", "unknown column(s) colour"),
    ("date,category,cohort\n2026-13-01,x,c1\n", "line 2: date '2026-13-01' is not a date"),
    ("date,category,cohort\n2026-01-01,,c1\n2026-01-02,x,\n", "line 3: cohort is empty"),
    ("date,category,cohort,staff_id\n2026-01-01,x,c1,bad id\n", "line 2: staff_id 'bad id'"),
    ("date,category,cohort\n2026-01-01,x,c1,extra\n", "line 2: more fields than columns"),
    ("date,category,cohort\n", "no incident rows"),
])
def test_bad_files_name_the_line(text, message):
    with pytest.raises(IncidentsError) as caught:
        parse_incidents_text(text, "inc.csv")
    assert message in str(caught.value)
    assert str(caught.value).startswith("inc.csv: ")


def test_known_cohorts_and_staff_are_checked(tmp_path):
    path = tmp_path / "inc.csv"
    path.write_text("date,category,cohort,staff_id\n2026-01-01,x,nowhere,S999\n")
    with pytest.raises(IncidentsError) as caught:
        parse_incidents(path, known_cohorts={"elm-street"}, known_staff={"S001"})
    assert "line 2: cohort 'nowhere' is not a known cohort" in str(caught.value)
    assert "line 2: staff_id 'S999' is not on the roster" in str(caught.value)
    with pytest.raises(IncidentsError, match="no such file"):
        parse_incidents(tmp_path / "missing.csv")
