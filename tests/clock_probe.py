"""Run only by tests/test_clock.py, in a pytest of its own (its name keeps it out of the
suite): reports the moment the session's clock says it is."""

import datetime as dt


def test_report_the_session_clock():
    today = dt.date.today()  # noqa: DTZ011 - the naive reading is the one to prove moved
    print(f"CLOCK-PROBE {dt.datetime.now(dt.UTC).isoformat()} {today.isoformat()}")
