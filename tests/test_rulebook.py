"""Loading a rule directory: what it reads, and errors that name the file and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from psoas_triage import RuleBook, RuleBookError, load_rulebook


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, 1))


def test_the_mini_book_loads_with_its_rules_in_file_order(mini_book: RuleBook) -> None:
    assert [loaded.rule.id for loaded in mini_book.rules] == [
        "groin",
        "groin_snapping",
        "fever_flag",
        "severe_pain",
    ]
    assert {loaded.family for loaded in mini_book.rules} == {"mini"}
    assert mini_book.policy.bands.likely == 20
    assert mini_book.full_version.startswith("0.0.1+")


def test_labels_and_synonyms_resolve_to_codes_for_people_facing_surfaces(
    mini_book: RuleBook,
) -> None:
    assert mini_book.code_for("Groin Pain") == "groin_pain"
    assert mini_book.code_for("pain in the groin") == "groin_pain"
    assert mini_book.code_for("hip-snapping") == "hip_snapping"
    assert mini_book.code_for("sore toe") is None


def test_the_digest_changes_when_a_rule_changes(mini_copy: Path, mini_book: RuleBook) -> None:
    _edit(mini_copy / "rules.yaml", "points: 12", "points: 13")
    assert load_rulebook(mini_copy).digest != mini_book.digest


def test_unknown_code_in_a_rule_names_file_rule_and_suggestion(mini_copy: Path) -> None:
    _edit(
        mini_copy / "rules.yaml",
        "when: {all: [groin_pain, hip_snapping]}",
        "when: {all: [groin_pain, hip_snap]}",
    )
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    error = caught.value
    assert error.file == str(mini_copy / "rules.yaml")
    assert error.rule == "groin_snapping"
    assert "unknown code 'hip_snap'" in str(error)
    assert "did you mean: hip_snapping" in str(error)


def test_schema_errors_point_at_the_rule_by_id(mini_copy: Path) -> None:
    _edit(mini_copy / "rules.yaml", "    points: 10\n", "    points: 10\n    weight: 3\n")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    assert caught.value.rule == "groin_snapping"
    assert "unknown key 'weight'" in str(caught.value)
    assert "rules.yaml" in str(caught.value)
    lines = (mini_copy / "rules.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[caught.value.line - 1] == "    weight: 3"


def test_duplicate_rule_ids_are_refused(mini_copy: Path) -> None:
    _edit(mini_copy / "rules.yaml", "id: groin_snapping", "id: groin")
    with pytest.raises(RuleBookError, match="duplicate rule id") as caught:
        load_rulebook(mini_copy)
    assert caught.value.rule == "groin"


def test_unknown_source_is_refused(mini_copy: Path) -> None:
    _edit(mini_copy / "rules.yaml", "sources: [test_source]", "sources: [tset_source]")
    with pytest.raises(RuleBookError, match=r"unknown source 'tset_source'.*test_source"):
        load_rulebook(mini_copy)


def test_negative_points_without_a_consultation_floor_are_refused(mini_copy: Path) -> None:
    # A finding that lowers the score could lower the band and so the triage level,
    # unless it carries a floor at least as high as the likelihood's own.
    _edit(mini_copy / "rules.yaml", "points: 10", "points: -10")
    with pytest.raises(RuleBookError, match="negative points need a triage_floor") as caught:
        load_rulebook(mini_copy)
    assert caught.value.rule == "groin_snapping"


def test_a_rule_without_any_effect_is_refused(mini_copy: Path) -> None:
    _edit(mini_copy / "rules.yaml", "    points: 10\n", "")
    with pytest.raises(RuleBookError, match="must give points, a triage floor or an alternative"):
        load_rulebook(mini_copy)


def test_a_red_flag_needs_a_floor(mini_copy: Path) -> None:
    _edit(mini_copy / "rules.yaml", "    triage_floor: urgent\n", "")
    with pytest.raises(RuleBookError, match="red-flag rule must set a triage_floor"):
        load_rulebook(mini_copy)


def test_negation_is_not_part_of_the_condition_language(mini_copy: Path) -> None:
    _edit(
        mini_copy / "rules.yaml",
        "when: {all: [groin_pain]}",
        "when: {all: [groin_pain], none: [fever]}",
    )
    with pytest.raises(RuleBookError, match="none"):
        load_rulebook(mini_copy)


def test_upper_bounds_are_not_part_of_the_condition_language(mini_copy: Path) -> None:
    _edit(mini_copy / "rules.yaml", "pain_intensity: {gte: 7}", "pain_intensity: {lt: 7}")
    with pytest.raises(RuleBookError, match="lt"):
        load_rulebook(mini_copy)


def test_examples_must_use_known_codes(mini_copy: Path) -> None:
    _edit(mini_copy / "rules.yaml", "fires: [{present: [fever]}]", "fires: [{present: [fevr]}]")
    with pytest.raises(RuleBookError, match=r"example fires\[0\].*fevr") as caught:
        load_rulebook(mini_copy)
    assert caught.value.rule == "fever_flag"


def test_advice_must_name_known_rules_and_codes(mini_copy: Path) -> None:
    _edit(mini_copy / "advice.yaml", "when: {red_flag: true}", "when: {rules_any: [fever_flg]}")
    with pytest.raises(RuleBookError, match=r"unknown rule 'fever_flg'.*fever_flag") as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(mini_copy / "advice.yaml")


def test_all_problems_are_collected(mini_copy: Path) -> None:
    _edit(mini_copy / "rules.yaml", "sources: [test_source]", "sources: [nope_one]")
    _edit(mini_copy / "vocabulary.yaml", "sources: [test_source]", "sources: [nope_two]")
    with pytest.raises(RuleBookError, match=r"\(and 1 more problem\)") as caught:
        load_rulebook(mini_copy)
    assert len(caught.value.problems) == 2


def test_a_missing_special_file_is_named(mini_copy: Path) -> None:
    (mini_copy / "advice.yaml").unlink()
    with pytest.raises(RuleBookError, match="cannot read") as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(mini_copy / "advice.yaml")


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(RuleBookError, match="not a rule directory"):
        load_rulebook(tmp_path / "nowhere")


def test_python_tags_are_refused_and_never_run(mini_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    (mini_copy / "extra.yaml").write_text(
        f"family: x\ntitle: !!python/object/apply:os.system ['touch {marker}']\nrules: []\n"
    )
    with pytest.raises(RuleBookError, match="invalid YAML") as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(mini_copy / "extra.yaml")
    assert not marker.exists()


def test_aliases_and_duplicate_keys_are_refused(mini_copy: Path) -> None:
    (mini_copy / "extra.yaml").write_text("family: &f x\ntitle: *f\nrules: []\n")
    with pytest.raises(RuleBookError, match="aliases are not allowed"):
        load_rulebook(mini_copy)
    (mini_copy / "extra.yaml").write_text("family: x\nfamily: y\ntitle: t\nrules: []\n")
    with pytest.raises(RuleBookError, match="duplicate key 'family'"):
        load_rulebook(mini_copy)
