from programs.rules import (
    PhaseRange,
    phase_coverage_errors,
    rpe_range_error,
    template_minutes_warning,
)


def ranges(*weeks):
    return [PhaseRange(f"P{i + 1}", s, e) for i, (s, e) in enumerate(weeks)]


def test_contiguous_phases_from_17_to_42_pass():
    assert phase_coverage_errors(ranges((17, 22), (23, 28), (29, 34), (35, 42))) == []


def test_order_of_input_does_not_matter():
    assert phase_coverage_errors(ranges((35, 42), (17, 22), (29, 34), (23, 28))) == []


def test_a_gap_is_named_with_its_weeks_and_neighbours():
    errors = phase_coverage_errors(ranges((17, 22), (25, 42)))
    assert errors == ["Gap: no phase covers weeks 23-24 (between “P1” and “P2”)."]


def test_an_overlap_names_both_phases_and_the_week():
    errors = phase_coverage_errors(ranges((17, 23), (23, 42)))
    assert errors == ["Overlap: “P1” (weeks 17-23) and “P2” (weeks 23-42) both cover week 23."]


def test_start_and_end_must_be_17_and_42():
    errors = phase_coverage_errors(ranges((18, 30), (31, 40)))
    assert "The first phase must start at week 17; “P1” starts at week 18." in errors
    assert "The last phase must end at week 42 (until birth); the phases end at week 40." in errors


def test_no_phases_is_an_error():
    assert phase_coverage_errors([]) == [
        "A program needs phases covering weeks 17 to 42; it has none."
    ]


def test_a_reversed_phase_is_an_error():
    errors = phase_coverage_errors(ranges((17, 22), (28, 23), (29, 42)))
    assert "Phase “P2” ends (week 23) before it starts (week 28)." in errors


def test_minutes_warning_only_when_blocks_do_not_add_up():
    assert template_minutes_warning("A", [10, 25, 15, 5, 5], 60) is None
    assert (
        template_minutes_warning("A", [10, 25, 15, 5], 60)
        == "Session template “A” adds up to 55 minutes, not the program's 60."
    )


def test_rpe_range_rules():
    assert rpe_range_error(12, 14) is None
    assert rpe_range_error(None, None) is None
    assert rpe_range_error(5, 14) == "Borg RPE runs from 6 to 20; 5 is outside it."
    assert rpe_range_error(12, 21) == "Borg RPE runs from 6 to 20; 21 is outside it."
    assert rpe_range_error(15, 13) == "The RPE range must run from low to high; got 15-13."
