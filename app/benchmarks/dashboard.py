"""`python -m app bench-dashboard`: every admin dashboard view, timed over a large database.

It creates a database of its own next to DATABASE_URL's (`<name>_dashboard_bench` on the
same PostgreSQL server; the database DATABASE_URL names is never touched), fills it with
COPY (default 1,000,000 items in 10,000 batches of ~200 owners over 30 days: every batch
and item state, lanes, ~20 distinct failure reasons, file names, admin actions in the
audit log), puts the queued items' messages and a few worker heartbeats in Redis under a
namespace of its own, then starts a real web process (`python -m ui`) and, signed in as
an admin, times the GET of every admin view's path (ui.views.admin.VIEWS) (views still being built
answer 404 and are listed as such), a few operations endpoints, and the service calls
behind the views, in this process. It prints p50/p95 over --repeats requests; the first
request of each is shown apart (it includes the web process's first computation).

Signing in: as the sign-in page does once a password is right. The bench loads the sign-in
page (a session id in the signed cookie), issues a sign-in ticket for the admin bound to
that session (app.accounts.signin_tickets, in the shared Redis) and loads the route that
redeems it, which starts the signed-in session; every request then renders the page as
for a signed-in admin. (It used to forge NiceGUI's storage files, which stopped working
when sign-in moved to tickets: every page "measured" a redirect.) A view that is not
measured (a redirect, a 404, not the admin page) makes the run fail with its name.
`--explain` prints EXPLAIN (ANALYZE, BUFFERS) for every query behind the service calls.

The database is dropped at the end unless --keep; a kept one is reused by the next run
with the same sizes if it is less than REUSE_MAX_AGE_S old (timestamps are relative to
when it was filled).
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import event

from app.benchmarks.dashboard_data import (
    ADMIN_EMAIL,
    FILES,
    FIRST,
    LAST,
    REPO,
    _reusable,
    bench_urls,
    clear_redis,
    create_database,
    drop_database,
    fill,
    fill_redis,
)
from app.settings import get_settings, reset_settings

BUDGET_MS = 500.0


# --- The web process and its session -------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebProcess:
    """`python -m ui` on a free port, with its own storage folder for user sessions."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.secret = secrets.token_urlsafe(32)
        self.storage = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
        self.env = {**env, "PORT": str(self.port), "HOST": "127.0.0.1",
                    "STORAGE_SECRET": self.secret, "NICEGUI_STORAGE_PATH": str(self.storage),
                    "PYTHONPATH": str(REPO), "LOG_LEVEL": "WARNING"}
        self.log = self.storage / "web.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> None:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "ui"], cwd=REPO, env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the web process exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the web process did not answer /healthz in time")

    def sign_in(self, user, signin_complete: str) -> str:
        """The signed-in session cookie of `user`, through the sign-in ticket route."""
        import itsdangerous

        from app.accounts import signin_tickets
        from app.accounts.signin import password_stamp

        with httpx.Client(base_url=self.url, timeout=30, follow_redirects=False) as client:
            client.get("/signin")
            cookie = client.cookies.get("session")
            if not cookie:
                raise RuntimeError("the sign-in page set no session cookie")
            data = itsdangerous.TimestampSigner(self.secret).unsign(cookie)
            session_id = json.loads(base64.b64decode(data)).get("id", "")
            ticket = signin_tickets.issue(user.id, password_stamp(user), session_id, "/")
            response = client.get(signin_complete, params={"ticket": ticket})
            signed_in = client.cookies.get("session")
        if response.status_code not in (302, 303, 307) or not signed_in or signed_in == cookie:
            raise RuntimeError(f"signing in failed: HTTP {response.status_code}"
                               f" to {response.headers.get('location')}")
        return signed_in

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# --- Measuring -------------------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    detail: str
    first_ms: float | None
    samples_ms: list[float]
    note: str = ""

    @property
    def p50(self) -> float | None:
        return statistics.median(self.samples_ms) if self.samples_ms else None

    @property
    def p95(self) -> float | None:
        if not self.samples_ms:
            return None
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def _timed(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def measure_views(web: WebProcess, cookie: str, token: str, repeats: int,
                  views: Sequence[tuple[str, str, object]]) -> list[Timing]:
    timings = []
    with httpx.Client(base_url=web.url, cookies={"session": cookie}, timeout=60,
                      follow_redirects=False) as client:
        targets = [(label, path, {}) for path, label, _ in views]
        auth = {"Authorization": f"Bearer {token}"}
        targets += [("API lanes", "/api/v1/lanes", auth), ("API workers", "/api/v1/workers", auth),
                    ("Prometheus", "/metrics", auth)]
        for label, path, headers in targets:
            first_ms, response = _timed(lambda p=path, h=headers: client.get(p, headers=h))
            note = _check(response, label)
            samples = []
            if not note or note == "ok":
                for _ in range(repeats):
                    ms, response = _timed(lambda p=path, h=headers: client.get(p, headers=h))
                    samples.append(ms)
            timings.append(Timing(label, path, first_ms, samples, note))
    return timings


def _check(response: httpx.Response, label: str) -> str:
    if response.status_code == 404:
        return "not built yet (404)"
    if response.status_code in (302, 303, 307):
        return f"redirected to {response.headers.get('location')}: not signed in?"
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    if "text/html" in response.headers.get("content-type", ""):
        if any(text in response.text for text in (
                "We could not find that page.", "This page is for admins.",
                "Sign in to Shortlist")):
            return "not the admin page"
    return "ok"


class QueryLog:
    """The statements a call runs (for EXPLAIN)."""

    def __init__(self, engine) -> None:
        self.engine, self.statements = engine, []

    def __enter__(self) -> QueryLog:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))


def service_calls(admin) -> list[tuple[str, Callable[[], object]]]:
    """The service calls behind the views (in this process, against the same database)."""
    from app.admin import metrics, overview, workers
    from app.engine import lanes

    calls: list[tuple[str, Callable[[], object]]] = [
        ("overview.compute (7 days re-read)", lambda: overview.compute()),
        ("overview.compute (closed hours kept)", _kept_week_compute()),
        ("workers.read_workers", workers.read_workers),
        ("metrics.lane_stats (API lanes)", lambda: metrics.lane_stats(admin)),
        ("lanes.controls", lambda: lanes.controls(admin)),
        ("metrics.render (/metrics)", metrics.render),
    ]
    from app.accounts import audit, users
    from app.admin import batch_search, failures
    from app.admin.batch_search import BatchFilter

    rare = f"{FIRST[0]}-{LAST[0]}-{FILES[0]}-7.".lower()
    calls += [
        ("batch_search.search (newest 50)", lambda: batch_search.search(admin)),
        ("batch_search.search (failed, newest 50)",
         lambda: batch_search.search(admin, BatchFilter(statuses=["failed"]))),
        ("batch_search: page + count, common file name",
         lambda: batch_search.search_and_count(admin, BatchFilter(text="lebenslauf"),
                                               count=True)),
        ("batch_search: page + count, rare file name",
         lambda: batch_search.search_and_count(admin, BatchFilter(text=rare), count=True)),
        ("audit.search (newest)", lambda: audit.search(admin)),
        ("failures.groups (last 7 days)", lambda: failures.groups(admin)),
        ("users.list_users (first page)", lambda: users.list_users(admin)),
    ]
    return calls


def _kept_week_compute() -> Callable[[], object]:
    from app.admin import overview

    kept = {}

    def call():
        dashboard, kept["week"] = overview.compute(kept_week=kept.get("week"))
        return dashboard

    return call


def measure_services(admin, repeats: int, explain: bool) -> tuple[list[Timing], list[str]]:
    from app.db import get_engine

    timings, plans = [], []
    for label, call in service_calls(admin):
        try:
            with QueryLog(get_engine()) as log:
                first_ms, _ = _timed(call)
            samples = [_timed(call)[0] for _ in range(repeats)]
        except Exception as exc:  # noqa: BLE001  (a view still being built: report it)
            timings.append(Timing(label, "", None, [], f"failed: {exc!r}"[:120]))
            continue
        timings.append(Timing(label, f"{len(log.statements)} queries", first_ms, samples, "ok"))
        if explain:
            plans += _explain(label, log.statements)
    return timings, plans


def _explain(label: str, statements: list) -> list[str]:
    from app.db import get_engine

    out = []
    with get_engine().connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                        parameters).all()
            out.append(f"--- {label}\n{statement}\n" + "\n".join(r[0] for r in rows))
    return out


def render(views: list[Timing], services: list[Timing], facts: dict[str, object]) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.1f}"

    lines = [f"{k}: {v}" for k, v in facts.items()]
    for title, rows in (("view (GET, signed-in admin)", views), ("service call", services)):
        lines += ["", f"| {title} | path / queries | first ms | p50 ms | p95 ms | "
                      f"< {BUDGET_MS:.0f} ms | note |", "|---|---|---|---|---|---|---|"]
        for t in rows:
            met = "" if t.p95 is None else ("yes" if t.p95 < BUDGET_MS else "**no**")
            lines.append(f"| {t.name} | {t.detail} | {ms(t.first_ms)} | {ms(t.p50)} |"
                         f" {ms(t.p95)} | {met} | {t.note} |")
    return "\n".join(lines)


# --- Main ---------------------------------------------------------------------------------


def main(argv: list[str] | None, *, views: Sequence[tuple[str, str, object]],
         signin_complete: str) -> int:
    """`views` (path, label, ...) and `signin_complete` are the web app's
    (ui.views.admin.VIEWS, ui.auth.SIGNIN_COMPLETE_PATH), handed in by the command line,
    the one place that knows the UI."""
    parser = argparse.ArgumentParser(prog="python -m app bench-dashboard",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--keep", action="store_true",
                        help="keep the bench database (a later run with the same sizes"
                             " reuses it while it is recent)")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE of every query behind the service calls")
    args = parser.parse_args(argv)
    if args.batches < 1 or args.items < args.batches:
        parser.error("--items must be at least --batches, and --batches at least 1")
    settings = get_settings()
    if settings.dialect != "postgresql":
        print("DATABASE_URL must name a PostgreSQL server: the bench creates its own database"
              " there.", file=sys.stderr)
        return 2
    if settings.redis_url is None:
        print("REDIS_URL must name a Redis server: the web process and the bench share it"
              " (queue depths, workers, the sign-in ticket).", file=sys.stderr)
        return 2
    maintenance, bench_url, name = bench_urls(settings.sqlalchemy_url)
    namespace = f"{settings.redis_namespace}-dashboard-bench"
    os.environ.update(DATABASE_URL=bench_url, REDIS_NAMESPACE=namespace)
    reset_settings()

    from app import migrate
    from app.accounts import users
    from app.db import build_engine, set_engine
    from app.engine.broker import build_broker, set_broker

    facts: dict[str, object] = {"items": f"{args.items:,}", "batches": f"{args.batches:,}",
                                "database": name, "redis namespace": namespace}
    web = None
    try:
        if _reusable(bench_url, args.items, args.batches):
            facts["data"] = "reused (kept by an earlier run)"
        else:
            create_database(maintenance, name)
            set_engine(build_engine(get_settings()))
            migrate.upgrade()
            set_engine(None)
            timings = fill(bench_url, args.items, args.batches)
            facts["data"] = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
        set_engine(build_engine(get_settings()))
        set_broker(build_broker(get_settings()))
        clear_redis(namespace)
        facts.update(fill_redis())
        admin = users.get_user_by_email(ADMIN_EMAIL)
        token = users.create_token(ADMIN_EMAIL, "dashboard bench")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        web = WebProcess(env)
        web.start()
        views = measure_views(web, web.sign_in(admin, signin_complete), token,
                              args.repeats, views)
        services, plans = measure_services(admin, args.repeats, args.explain)
        print(render(views, services, facts))
        for plan in plans:
            print("\n" + plan)
        slow = [t.name for t in views + services if t.p95 is not None and t.p95 >= BUDGET_MS]
        print(f"\n{'Every measured view and call is under' if not slow else 'Over'}"
              f" {BUDGET_MS:.0f} ms at p95{'' if not slow else ': ' + ', '.join(slow)}.")
        unmeasured = [f"{t.name} ({t.note})" for t in views if t.note and t.note != "ok"]
        if unmeasured:
            print(f"NOT MEASURED: {', '.join(unmeasured)}.", file=sys.stderr)
            return 1
        return 0
    finally:
        if web is not None:
            web.stop()
        try:
            clear_redis(namespace)
        except Exception:  # noqa: BLE001  (Redis gone: nothing to clean)
            pass
        set_engine(None)
        if not args.keep:
            drop_database(maintenance, name)

