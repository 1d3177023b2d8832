"""The presentations of issue 25, side by side: what each is told, and how long it is.

Run it from a checkout (``.venv/bin/python benchmarks/advice_presentations.py``) or against an
older one (``PYTHONPATH=<worktree>/src``) to compare: it only uses what every version has
(``assess``, the Assessment's lists, the rich report), and the short JSON where it exists.
Each presentation has a completed warning-sign checklist (every sign not listed is denied).
"""

from __future__ import annotations

import io
import json
import sys
from typing import Any

from rich.console import Console

from psoas_triage import assess, warning_sign_checklist
from psoas_triage.render import render_assessment

PRESENTATIONS: dict[str, dict[str, Any]] = {
    "pregnant 30 weeks, groin pain rising from a chair": {
        "present": ["pregnant_14_weeks_or_more", "groin_pain", "pain_sit_to_stand",
                    "front_of_hip_pain"],
        "age": 31, "sex": "female", "duration_days": 10, "pain_intensity": 4,
    },
    "day 1 of a hip-flexor pull, 16-year-old sprinter": {
        "present": ["sudden_movement_strain", "runner", "front_of_hip_pain", "pain_lifting_leg"],
        "age": 16, "sex": "male", "duration_days": 1, "pain_intensity": 5,
    },
    "day 1 of a groin pull, 25-year-old footballer": {
        "present": ["sudden_movement_strain", "kicking_sports", "groin_pain", "pain_lifting_leg"],
        "age": 25, "sex": "male", "duration_days": 1, "pain_intensity": 5,
    },
    "six weeks after a hip replacement": {
        "present": ["hip_replacement", "recent_surgery", "groin_pain", "pain_lifting_leg"],
        "age": 68, "sex": "female", "duration_days": 5, "pain_intensity": 4,
    },
    "on an anticoagulant, back pain rising from a chair": {
        "present": ["anticoagulant_use", "low_back_pain", "pain_sit_to_stand"],
        "age": 70, "sex": "male", "duration_days": 3, "pain_intensity": 4,
    },
    "kickboxer with a snapping hip": {
        "present": ["kicking_sports", "groin_pain", "hip_snapping", "pain_lifting_leg"],
        "age": 27, "sex": "male", "duration_days": 5, "pain_intensity": 3,
    },
    "7-year-old with a limp": {
        "present": ["limp", "hip_pain"], "age": 7, "sex": "male", "duration_days": 2,
        "pain_intensity": 3,
    },
    "low back pain for 6 months": {
        "present": ["low_back_pain", "low_back_stiffness"], "age": 45, "sex": "female",
        "duration_days": 180, "pain_intensity": 4,
    },
    "desk worker, 3 days of front-of-hip tightness": {
        "present": ["prolonged_sitting", "front_of_hip_pain", "pain_sit_to_stand", "poor_posture",
                    "fetal_sleep_position"],
        "age": 35, "sex": "female", "duration_days": 3, "pain_intensity": 3,
    },
    "high heels and low back pain": {
        "present": ["high_heels", "low_back_pain", "lumbosacral_pain"], "age": 29,
        "sex": "female", "duration_days": 2, "pain_intensity": 2,
    },
    "runner with groin pain": {
        "present": ["runner", "groin_pain", "training_increase"], "age": 30, "sex": "male",
        "duration_days": 4, "pain_intensity": 3,
    },
    "6 weeks after giving birth, pelvic girdle pain": {
        "present": ["recently_gave_birth", "pelvic_girdle_pain", "groin_pain"], "age": 33,
        "sex": "female", "duration_days": 14, "pain_intensity": 4,
    },
    "the README demo (most signs not asked)": {
        "present": ["groin_pain", "hip_snapping"], "absent": ["fever"], "age": 34,
        "duration_days": 10, "pain_intensity": 5,
    },
}  # fmt: skip


def summary(name: str, report: dict[str, Any], signs: list[str]) -> dict[str, Any]:
    """What one presentation is told: level, band, lists and their lengths, report size."""
    if "absent" not in report:
        report = {**report, "absent": [code for code in signs if code not in report["present"]]}
    result = assess(report)
    more = getattr(result, "more", None)
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(render_assessment(result, 80))
    to_json = getattr(result, "to_json", None)
    held = [getattr(item, "id", item) for item in result.advice.held_back]
    return {
        "presentation": name,
        "level": result.triage_level.value,
        "band": f"{result.likelihood.value} ({result.psoas_score})",
        "self_care": [item.id for item in result.advice.self_care],
        "more_self_care": [item.id for item in more.self_care] if more else [],
        "avoid": [item.id for item in result.advice.avoid],
        "referrals": [referral.professional.value for referral in result.referrals],
        "more_referrals": [r.professional.value for r in more.referrals] if more else [],
        "held_back": held,
        "seek_help": [item.id for item in result.advice.seek_help],
        "report_lines": out.getvalue().rstrip("\n").count("\n") + 1,
        "json_bytes": len((to_json() if to_json else result.model_dump_json()).encode()),
    }


def main() -> None:
    signs = [sign.code for sign in warning_sign_checklist()]
    rows = [summary(name, report, signs) for name, report in PRESENTATIONS.items()]
    json.dump(rows, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
