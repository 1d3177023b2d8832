"""psoas-triage: screen reported symptoms for likely psoas involvement and triage them safely.

It supports triage; it never diagnoses. Red flags always override the psoas score.

    >>> from psoas_triage import assess
    >>> result = assess({"present": ["groin_pain", "hip_snapping"], "duration_days": 10})
    >>> result.triage_level.value
    'consultation'
"""

from psoas_triage.assessment import (
    assess,
    build_assessment,
    default_rulebook,
    unchecked_red_flags,
    warning_sign_checklist,
)
from psoas_triage.engine import EngineStats, engine_stats, set_max_engines
from psoas_triage.errors import (
    EngineError,
    LanguageError,
    Problem,
    PsoasTriageError,
    ReportError,
    RuleBookError,
)
from psoas_triage.locales import LocaleFile
from psoas_triage.models import (
    Advice,
    AdviceItem,
    Alternative,
    Assessment,
    Change,
    Evidence,
    EvidenceItem,
    Finding,
    Floor,
    Likelihood,
    NextStep,
    Professional,
    Progress,
    Question,
    RedFlag,
    Referral,
    Sex,
    SymptomReport,
    TriageLevel,
    UncheckedRedFlag,
    WarningSign,
)
from psoas_triage.next_step import next_question
from psoas_triage.reports import parse_report, parse_report_json, report_validator
from psoas_triage.rulebook import DEFAULT_RULES_DIR, LoadedRule, RuleBook, load_rulebook

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_RULES_DIR",
    "Advice",
    "AdviceItem",
    "Alternative",
    "Assessment",
    "Change",
    "EngineError",
    "EngineStats",
    "Evidence",
    "EvidenceItem",
    "Finding",
    "Floor",
    "LanguageError",
    "Likelihood",
    "LoadedRule",
    "LocaleFile",
    "NextStep",
    "Problem",
    "Professional",
    "Progress",
    "PsoasTriageError",
    "Question",
    "RedFlag",
    "Referral",
    "ReportError",
    "RuleBook",
    "RuleBookError",
    "Sex",
    "SymptomReport",
    "TriageLevel",
    "UncheckedRedFlag",
    "WarningSign",
    "__version__",
    "assess",
    "build_assessment",
    "default_rulebook",
    "engine_stats",
    "load_rulebook",
    "next_question",
    "parse_report",
    "parse_report_json",
    "report_validator",
    "set_max_engines",
    "unchecked_red_flags",
    "warning_sign_checklist",
]
