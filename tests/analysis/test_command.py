"""`analyze FILE... [--opening FILE.json]` prints JSON and exits 0 only if all files worked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.analysis import messages
from app.analysis.command import main

from . import factories
from .conftest import TODAY


def _run(capsys: pytest.CaptureFixture[str], paths: list[Path], opening: Path | None = None):
    code = main([str(p) for p in paths], str(opening) if opening else None, today=TODAY)
    return code, json.loads(capsys.readouterr().out)


def test_profiles_without_an_opening(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "maria.pdf"
    pdf.write_bytes(factories.make_pdf(factories.NURSE))
    code, out = _run(capsys, [pdf])
    assert code == 0
    assert out["opening"] is None
    [result] = out["files"]
    assert set(result) == {"file", "type", "profile"}
    assert result["file"] == str(pdf)
    assert result["type"] == "pdf"
    assert result["profile"]["name"] == "Maria Garcia"
    assert result["profile"]["years"] == 7.5
    assert set(result["profile"]) == {"name", "emails", "phones", "links", "skills", "years",
                                      "education", "sections", "roles"}


def test_matches_with_an_opening_and_reports_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opening = tmp_path / "opening.json"
    opening.write_text(json.dumps({"title": "Nurse", "description": "ICU nurse",
                                   "must_have": ["BLS", "ACLS"], "nice_to_have": ["Epic"],
                                   "min_years": 3}))
    docx_path = tmp_path / "maria.docx"
    docx_path.write_bytes(factories.make_docx(factories.NURSE))
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(factories.encrypted_pdf())
    archive = tmp_path / "batch.zip"
    archive.write_bytes(factories.make_zip({"a/cv.txt": factories.SALES.encode(),
                                            "inner.zip": factories.make_zip({"x.txt": b"x"})}))
    missing = tmp_path / "nope.pdf"
    code, out = _run(capsys, [docx_path, locked, archive, missing], opening)
    assert code == 1
    assert out["opening"]["must_have"] == ["BLS", "ACLS"]
    files = {f["file"]: f for f in out["files"]}
    assert list(files) == [str(docx_path), str(locked), "batch.zip/inner.zip", "batch.zip/cv.txt",
                           str(missing)]
    maria = files[str(docx_path)]
    assert set(maria) == {"file", "type", "profile", "match"}
    assert maria["type"] == "docx"
    assert maria["match"]["band"] == "strong"
    assert maria["match"]["must_have_missing"] == []
    assert files[str(locked)] == {"file": str(locked), "error": messages.ENCRYPTED_PDF}
    assert files["batch.zip/inner.zip"] == {"file": "batch.zip/inner.zip",
                                            "error": messages.NESTED_ARCHIVE}
    assert files["batch.zip/cv.txt"]["match"]["must_have_missing"] == ["BLS", "ACLS"]
    assert files[str(missing)]["error"].startswith("Could not read this file")


def test_damaged_archive_is_reported_under_its_own_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "batch.zip"
    data = factories.make_zip({"cv.txt": b"Jane Doe" * 50})
    archive.write_bytes(data[:-30])
    code, out = _run(capsys, [archive])
    assert code == 1
    assert out["files"] == [{"file": str(archive), "error": messages.DAMAGED_ARCHIVE}]


def test_invalid_opening_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    opening = tmp_path / "opening.json"
    opening.write_text(json.dumps({"title": "", "description": "x"}))
    cv = tmp_path / "cv.txt"
    cv.write_text("Jane Doe")
    code, out = _run(capsys, [cv], opening)
    assert code == 1
    assert "title" in out["error"]
    assert out["files"] == []
