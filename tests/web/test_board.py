"""The board and the phase pictures: six phases, with private and public beta sharing the board's
one Beta column (each card shows its step) while the charts count each step."""

from __future__ import annotations

from web import charts
from web.pages.dashboard import board, by_phase


def projects(*phases: str) -> list[dict[str, str]]:
    return [{"phase": phase, "state": "active", "title_en": f"P{n}"} for n, phase in enumerate(phases)]


def test_the_board_keeps_both_beta_steps_in_one_beta_column_between_alpha_and_live() -> None:
    columns = board(projects("alpha", "private_beta", "public_beta", "public_beta"))
    assert [code for code, _items in columns] == ["discovery", "alpha", "beta", "live", "retired", "stopped"]
    assert [p["phase"] for p in dict(columns)["beta"]] == ["private_beta", "public_beta", "public_beta"]


def test_the_charts_count_each_beta_step_on_its_own() -> None:
    counts = {code: len(items) for code, items in by_phase(projects("private_beta", "public_beta", "public_beta"))}
    assert (counts["private_beta"], counts["public_beta"]) == (1, 2)
    assert charts.PHASES == ("discovery", "alpha", "private_beta", "public_beta", "live", "retired")


def test_a_projects_journey_shows_six_steps_with_long_names_over_two_lines() -> None:
    names = {code: code.replace("_", " ").capitalize() for code in charts.PHASES}
    names["public_beta"] = "Beta cyhoeddus"
    svg = charts.phase_steps("public_beta", "active", names, {"alpha": "03/2025"})
    assert svg.count("<circle") == 6
    assert ">Beta</tspan>" in svg and ">cyhoeddus</tspan>" in svg and ">Alpha</tspan>" in svg
