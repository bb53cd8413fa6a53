"""Audit finding 1 (API side): a recruiter's token cannot submit the operator's noop kind,
by JSON or multipart; an admin's multipart params are read with the JSON schema, so no
test hook (`crash_seqs`) or hour-long sleep gets through either way."""

from __future__ import annotations

import json

from tests.api.conftest import error_of

FILES = [("files", ("a.txt", b"a")), ("files", ("b.txt", b"b"))]
ADMINS_ONLY = "Batches of kind noop are for admins only."


def test_a_recruiter_cannot_submit_noop_by_json_or_multipart(api):
    alice = api.user(plan="enterprise")
    crash = {"crash_seqs": [0, 1, 2]}
    by_json = api.post("/batches", alice, json={"kind": "noop", "items": [{"name": "a"}]})
    by_form = api.post("/batches", alice, files=FILES,
                       data={"kind": "noop", "params": json.dumps({"sleep_ms": 1})})
    for response in (by_json, by_form):
        assert error_of(response) == (403, "permission_denied")
        assert response.json()["error"]["message"] == ADMINS_ONLY
    # The audit's request: the hook is refused by the schema before anything else
    hooked = api.post("/batches", alice, files=FILES,
                      data={"kind": "noop", "params": json.dumps(crash)})
    assert error_of(hooked) == (422, "validation_error")
    assert api.get("/batches", alice).json()["data"] == []


def test_multipart_params_follow_the_json_schema_even_for_admins(api):
    admin = api.user(role="admin")
    for params in ({"crash_seqs": [0]}, {"sleep_ms": 600_000}, {"sleep_ms": "x"},
                   {"fail_rate": 2}):
        as_form = api.post("/batches", admin, files=FILES,
                           data={"kind": "noop", "params": json.dumps(params)})
        as_json = api.post("/batches", admin, json={"kind": "noop", "params": params,
                                                    "items": [{"name": "a"}]})
        assert error_of(as_form) == error_of(as_json) == (422, "validation_error"), params
    ok = api.post("/batches", admin, files=FILES,
                  data={"kind": "noop", "params": json.dumps({"sleep_ms": 60_000})})
    assert ok.status_code == 201, ok.text
    assert ok.json()["params"] == {"sleep_ms": 60_000, "fail_rate": 0.0, "transient_rate": 0.0}
