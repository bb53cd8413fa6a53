"""The README stays true: its test command is CI's, and it lists every setting."""

from app.settings import Settings, settings_table
from tests.conftest import REPO


def test_ci_runs_the_readmes_test_command():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    command = (".venv/bin/pip install -q -c requirements.lock -e '.[dev]'"
               " && .venv/bin/python -m pytest")
    assert f"python3 -m venv .venv && {command}" in readme
    assert f"\npython3 -m venv .venv && {command}\n" in ci


def test_readme_lists_every_setting():
    """Regenerate with `python -m app.settings` when a setting changes."""
    readme = (REPO / "README.md").read_text()
    missing = [name.upper() for name in Settings.model_fields
               if f"| `{name.upper()}` |" not in readme]
    assert missing == []
    assert settings_table() in readme
