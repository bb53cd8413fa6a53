"""Resume analysis: bytes and text in, typed results out.

Pure: no database, no broker, no network. The engine and the UI use only the names below.
"""

from .extract import extract_text
from .match import Match
from .messages import SUPPORTED_TYPES_TEXT
from .opening import Opening, suggest_skills
from .pipeline import Analysis, analyze
from .profile import Link, Profile
from .report import ReportRow, build_report_csv, build_report_xlsx
from .sniff import detect_type
from .taxonomy import Skill, Taxonomy, default_taxonomy, find_skills
from .unpack import Rejected, UnpackResult, UploadedFile, unpack_upload

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
    "build_report_csv",
    "build_report_xlsx",
    "default_taxonomy",
    "detect_type",
    "extract_text",
    "find_skills",
    "suggest_skills",
    "unpack_upload",
]
