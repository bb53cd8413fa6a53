"""`python -m app create-user` and `create-token`, run as real subprocesses."""

import subprocess
import sys

import pytest

from tests.conftest import REPO, subprocess_env


def run_cli(*args: str, stdin: str = "", env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "app", *args], input=stdin, capture_output=True, text=True,
        cwd=REPO, env=env, timeout=60,
    )


@pytest.fixture
def cli_env(sqlite_url):
    return subprocess_env(DATABASE_URL=sqlite_url)


def test_create_user_reads_the_password_from_stdin(cli_env, sqlite_url, monkeypatch):
    result = run_cli("create-user", "Ana@Example.com", "--role", "admin", "--plan", "premium",
                     stdin="correct horse battery\n", env=cli_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Created admin ana@example.com on the premium plan."

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    from app.accounts import users

    user = users.get_user_by_email("ana@example.com")
    assert (user.role, user.plan) == ("admin", "premium")
    assert user.password_hash.startswith("$argon2")
    assert users.verify_password(user.password_hash, "correct horse battery")
    assert not users.verify_password(user.password_hash, "wrong")


@pytest.mark.parametrize(
    ("password", "message"),
    [("", "The password is empty"), ("   ", "The password is empty"),
     ("short", "The password is too short: use at least 10 characters.")],
)
def test_bad_passwords_are_refused_clearly(cli_env, password, message):
    result = run_cli("create-user", "bob@example.com", stdin=password + "\n", env=cli_env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_password_is_never_an_argument(cli_env):
    result = run_cli("create-user", "bob@example.com", "--password", "x" * 12, env=cli_env)
    assert result.returncode == 2
    assert "unrecognized arguments: --password" in result.stderr


def test_duplicate_and_invalid_emails(cli_env):
    assert run_cli("create-user", "c@example.com", stdin="a-good-password\n",
                   env=cli_env).returncode == 0
    again = run_cli("create-user", "C@example.com", stdin="a-good-password\n", env=cli_env)
    assert again.returncode == 2
    assert "A user with the email c@example.com already exists." in again.stderr
    bad = run_cli("create-user", "not-an-email", stdin="a-good-password\n", env=cli_env)
    assert "Please enter a valid email address" in bad.stderr


def test_create_token_prints_it_once_and_stores_only_its_hash(cli_env, sqlite_url, monkeypatch):
    run_cli("create-user", "t@example.com", stdin="a-good-password\n", env=cli_env)
    result = run_cli("create-token", "t@example.com", "--name", "ats", env=cli_env)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("sl_") and len(token) > 40
    assert "shown once" in result.stderr

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    from sqlmodel import select

    from app.accounts import users
    from app.db import session_scope
    from app.models import ApiToken

    assert users.user_for_token(token).email == "t@example.com"
    assert users.user_for_token(token + "x") is None
    with session_scope() as session:
        stored = session.exec(select(ApiToken)).one()
    assert token not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64


def test_bad_configuration_is_reported_without_a_traceback_or_the_secret(cli_env):
    env = dict(cli_env, DATABASE_URL="mysql://admin:hunter2@db/z")
    result = run_cli("migrate", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: DATABASE_URL: DATABASE_URL must start with postgres://,"
        " postgresql:// or sqlite:/// (got 'mysql')")
    assert "hunter2" not in result.stderr


def test_a_lost_password_is_set_again_from_the_command_line(cli_env, sqlite_url, monkeypatch):
    assert run_cli("create-user", "admin@example.com", "--role", "admin",
                   stdin="the-first-password\n", env=cli_env).returncode == 0
    token = run_cli("create-token", "admin@example.com", env=cli_env).stdout.strip()
    result = run_cli("set-password", "Admin@Example.com", stdin="a-new-long-password\n",
                     env=cli_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("The password of admin@example.com is changed; their"
                                     " sessions and API tokens ended.")
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    from app.accounts import users

    user = users.get_user_by_email("admin@example.com")
    assert users.verify_password(user.password_hash, "a-new-long-password")
    assert not users.verify_password(user.password_hash, "the-first-password")
    assert users.user_for_token(token) is None
    unknown = run_cli("set-password", "nobody@example.com", stdin="a-new-long-password\n",
                      env=cli_env)
    assert unknown.returncode != 0 and "There is no user nobody@example.com." in unknown.stderr
    assert "Traceback" not in unknown.stderr
