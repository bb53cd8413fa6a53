"""Resume analysis: bytes and text in, typed results out.

Pure: no database, no broker, no network. The engine and the UI use only the names below.
They are loaded on first use (PEP 562): importing a light part, such as the errors
(app.errors builds on them), does not load the PDF and Word readers.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "extract_text": "extract",
    "Match": "match",
    "SUPPORTED_TYPES_TEXT": "messages",
    "Opening": "opening",
    "suggest_min_years": "opening",
    "suggest_skills": "opening",
    "Analysis": "pipeline",
    "analyze": "pipeline",
    "analyze_profile": "pipeline",
    "reading_version": "pipeline",
    "Link": "profile",
    "Profile": "profile",
    "build_profile": "profile",
    "ReportRow": "report",
    "build_report_csv": "report",
    "build_report_xlsx": "report",
    "why_text": "report",
    "detect_type": "sniff",
    "Skill": "taxonomy",
    "Taxonomy": "taxonomy",
    "default_taxonomy": "taxonomy",
    "find_skills": "taxonomy",
    "Rejected": "unpack",
    "UnpackResult": "unpack",
    "UploadedFile": "unpack",
    "unpack_upload": "unpack",
}

__all__ = [
    "SUPPORTED_TYPES_TEXT",
    "Analysis",
    "Link",
    "Match",
    "Opening",
    "Profile",
    "Rejected",
    "ReportRow",
    "Skill",
    "Taxonomy",
    "UnpackResult",
    "UploadedFile",
    "analyze",
    "analyze_profile",
    "build_profile",
    "build_report_csv",
    "build_report_xlsx",
    "default_taxonomy",
    "detect_type",
    "extract_text",
    "find_skills",
    "reading_version",
    "suggest_skills",
    "unpack_upload",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
