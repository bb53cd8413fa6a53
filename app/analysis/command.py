"""`analyze FILE... [--opening FILE.json]`: analyse resumes at the command line.

Prints one JSON document to stdout:
    {"opening": {...} | null,
     "files": [{"file", "type", "profile", "match"?} | {"file", "error"}, ...]}
"match" is present when an opening is given. A ZIP is unpacked as at submission, each
entry reported as "archive.zip/entry". Exit code 0 when every file was analysed, 1
otherwise (including an unreadable or invalid opening file).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from app.analysis.errors import ShortlistError

from .opening import Opening
from .pipeline import analyze, read_profile
from .sniff import detect_type
from .unpack import safe_name, unpack_upload

# Limits for command-line use, equal to the defaults of app.settings (max_file_bytes,
# zip_max_entries, max_upload_bytes, zip_max_ratio); the package stays free of settings.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ENTRIES = 1000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100.0


def main(paths: list[str], opening_path: str | None, *, today: date | None = None) -> int:
    try:
        opening = _load_opening(opening_path) if opening_path else None
    except ShortlistError as exc:
        _print({"opening": None, "error": exc.message, "files": []})
        return 1
    results: list[dict[str, Any]] = []
    for path in paths:
        results.extend(_analyse_path(path, opening, today))
    _print({"opening": opening.to_dict() if opening else None, "files": results})
    return 0 if all("error" not in r for r in results) else 1


def _load_opening(path: str) -> Opening:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ShortlistError(f"Could not read the opening file {path}: {exc.strerror}.") from exc
    except ValueError as exc:
        raise ShortlistError(f"The opening file {path} is not valid JSON: {exc}.") from exc
    return Opening.from_dict(raw)


def _analyse_path(path: str, opening: Opening | None, today: date | None) -> list[dict[str, Any]]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return [{"file": path, "error": f"Could not read this file: {exc.strerror}."}]
    try:
        unpacked = unpack_upload(
            Path(path).name, data, max_file_bytes=MAX_FILE_BYTES, max_entries=MAX_ENTRIES,
            max_total_bytes=MAX_TOTAL_BYTES, max_ratio=MAX_RATIO,
        )
    except ShortlistError as exc:
        return [{"file": path, "error": exc.message}]
    archive = Path(path).name if detect_type(data) == "zip" else None

    def label(name: str) -> str:
        # Entries are shown inside their archive; the archive itself (or a plain file)
        # by the path the user typed.
        return f"{archive}/{name}" if archive and name != safe_name(archive) else path

    results = [{"file": label(r.name), "error": r.reason} for r in unpacked.rejected]
    for uploaded in unpacked.files:
        results.append(_analyse_one(label(uploaded.name), uploaded.data, opening, today))
    return results


def _analyse_one(label: str, data: bytes, opening: Opening | None, today: date | None) -> dict:
    try:
        if opening is None:
            kind, profile = read_profile(data, today=today)
            return {"file": label, "type": kind, "profile": profile.to_dict()}
        result = analyze(data, label, opening, today=today).to_dict()
        result.pop("version", None)
        return result
    except ShortlistError as exc:
        return {"file": label, "error": exc.message}


def _print(document: dict[str, Any]) -> None:
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":  # pragma: no cover - the app's CLI wires `main` properly
    parser = argparse.ArgumentParser(prog="analyze", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--opening")
    args = parser.parse_args()
    sys.exit(main(args.files, args.opening))
