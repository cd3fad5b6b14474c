"""The key figures' text from a summary (the same list the app's panel and the report show)."""

from planner.report.kpis import KPIS


def _figure(label: str, summary: dict) -> str:
    return next(text(summary) for name, text, _ in KPIS if name == label)


def test_the_voltage_figure_is_the_balanced_band_without_a_three_phase_year():
    summary = {"grid": {"min_vm_pu": 0.9512, "max_vm_pu": 1.0234}}
    assert _figure("Voltage", summary) == "0.951 – 1.023 p.u."


def test_the_voltage_figure_takes_the_worst_phases_where_the_year_was_solved_three_phase():
    # one-phase PV on L1 lifts L1 above the balanced mean and leaves L3 below it
    summary = {"grid": {"min_vm_pu": 0.924, "max_vm_pu": 1.018,
                        "three_phase": {"min_vm_pu": {"L1": 0.95, "L2": 0.93, "L3": 0.908},
                                        "max_vm_pu": {"L1": 1.027, "L2": 1.01, "L3": 1.0}}}}
    assert _figure("Voltage", summary) == "0.908 – 1.027 p.u. (phases)"


def test_the_voltage_figure_without_a_grid_is_a_dash():
    assert _figure("Voltage", {}) == "—"


def test_the_cable_peak_is_the_most_loaded_phase_where_it_is_above_the_balanced_loading():
    balanced = {"grid": {"max_line_loading_percent": 25.6}}
    assert _figure("Peak cable loading", balanced) == "25.6 %"
    three = {"grid": {"max_line_loading_percent": 25.6, "three_phase": {"max_phase_loading_percent": 69.9}}}
    assert _figure("Peak cable loading", three) == "69.9 % (phase)"
