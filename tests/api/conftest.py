"""The API under test: a fresh FastAPI app with only the API registered, on a Stack."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.accounts import ratelimit, users
from app.engine import batches
from app.models import User
from app.settings import get_settings
from tests.conftest import Stack
from ui.api import register, sse

PREFIX = "/api/v1"


def set_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: Any) -> None:
    """Works before and after the setting is declared in app/settings.py."""
    settings = get_settings()
    if name in type(settings).model_fields:
        monkeypatch.setattr(settings, name, value)
    else:
        monkeypatch.setattr(type(settings), name, value, raising=False)


@dataclass
class Api:
    client: TestClient
    stack: Stack
    tokens: dict[int, str] = field(default_factory=dict)

    def user(self, role: str = "recruiter", plan: str = "enterprise", **kw) -> User:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        user = users.create_user(email, "a-good-password", role=role, plan=plan)
        self.tokens[user.id] = users.create_token(email, "tests")
        return user

    def auth(self, user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user.id]}"}

    def get(self, path: str, user: User | None = None, **kw):
        return self.client.get(PREFIX + path, headers={**(self.auth(user) if user else {}),
                                                       **kw.pop("headers", {})}, **kw)

    def post(self, path: str, user: User | None = None, **kw):
        return self.client.post(PREFIX + path, headers={**(self.auth(user) if user else {}),
                                                        **kw.pop("headers", {})}, **kw)

    def delete(self, path: str, user: User | None = None, **kw):
        return self.client.delete(PREFIX + path, headers={**(self.auth(user) if user else {}),
                                                          **kw.pop("headers", {})}, **kw)

    def submit_noop(self, user: User, n: int = 3, **extra) -> dict:
        """A noop batch owned by `user`, as the API shows it. The API takes noop from
        admins only, so a recruiter's is made as an operator makes it (the CLI)."""
        if user.role != "admin":
            batch = batches.submit(user, kind="noop", operator=True,
                                   items=[batches.NewItem(f"item {i}.txt") for i in range(n)],
                                   params=extra.get("params"), lane=extra.get("lane"))
            return self.get(f"/batches/{batch.id}", user).json()
        body = {"kind": "noop", "items": [{"name": f"item {i}.txt"} for i in range(n)],
                **extra}
        response = self.post("/batches", user, json=body)
        assert response.status_code == 201, response.text
        return response.json()


def build_app() -> FastAPI:
    app = FastAPI()
    register(app)
    return app


@pytest.fixture
def api(stack: Stack) -> Api:
    client = TestClient(build_app())
    yield Api(client, stack)
    client.close()
    sse.hub.stop()
    ratelimit.reset()


def error_of(response) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) <= {"code", "message", "details"}, body
    assert body["error"]["message"], body
    return response.status_code, body["error"]["code"]


RESUME = (
    "Jane Doe\njane@example.com\n\nExperience\nSenior Python developer, 2015-2024: built"
    " APIs with Python, SQL and Docker.\n\nEducation\nBSc Computer Science\n"
)
OPENING = {"title": "Python Developer", "description": "Python, SQL and Docker",
           "must_have": ["Python"], "nice_to_have": ["Docker"], "min_years": 2}
