"""`python -m app ...`: the command line of operators and scripts. Thin: calls app services."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from pydantic import ValidationError

from app.errors import ShortlistError
from app.logs import configure_logging
from app.models import Plan, Role
from app.settings import describe_settings_error, get_settings


def _read_password(confirm: bool = True) -> str:
    """From stdin when piped, else prompted twice; never from argv (it would show in ps)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Repeat password: ") != password:
        raise ShortlistError("The two passwords differ. Nothing was changed.")
    return password


def cmd_serve(args: argparse.Namespace) -> int:
    from app import serve

    serve.main(get_settings())
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from app import migrate
    from app.engine import banner

    banner.announce("release", "upgrading the database to the latest schema", get_settings())
    migrate.upgrade()
    print(f"Database is at revision {migrate.current()}.")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from app.accounts import users

    user = users.create_user(args.email, _read_password(), role=args.role, plan=args.plan)
    print(f"Created {user.role} {user.email} on the {user.plan} plan.")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    from app.accounts import users

    user = users.set_password(args.email, _read_password())
    print(f"The password of {user.email} is changed; their sessions and API tokens ended.")
    return 0


def cmd_create_token(args: argparse.Namespace) -> int:
    from app.accounts import users

    token = users.create_token(args.email, args.name)
    print(token)
    print("This token is shown once; store it now.", file=sys.stderr)
    return 0


def _print_status(batch_id: str, as_json: bool) -> None:
    import json

    from app.engine import batches

    status = batches.status(batch_id)
    if as_json:
        print(json.dumps(status, sort_keys=True))
        return
    print(f"batch {status['id']} ({status['kind']}, lane {status['lane']}): {status['status']}")
    print("  counters:    " + "  ".join(f"{k}={v}" for k, v in status["counters"].items()))
    print("  item states: " + "  ".join(f"{k}={v}" for k, v in status["item_states"].items()))


def cmd_submit(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from app.accounts import users
    from app.engine import batches

    owner = users.get_user_by_email(args.owner)
    params: dict = {}
    if args.kind == "noop":
        items = [batches.NewItem(f"item {i + 1}") for i in range(args.items)]
        params = {"sleep_ms": args.sleep_ms, "fail_rate": args.fail_rate,
                  "transient_rate": args.transient_rate}
    else:
        if not args.opening:
            raise ShortlistError("A resume screening needs --opening FILE.json.")
        params = json.loads(Path(args.opening).read_text())
        from app.recruiting import uploads

        prepared = uploads.prepare((Path(f).name, Path(f).read_bytes()) for f in args.files)
        for rejected in prepared.rejected:
            print(f"Skipped {rejected.name}: {rejected.reason}", file=sys.stderr)
        items = prepared.items
    batch = batches.submit(owner, kind=args.kind, items=items, params=params, lane=args.lane,
                           title=args.title or params.get("title", ""), operator=True)
    print(batch.id)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    _print_status(args.batch_id, args.json)
    return 0


def _operator():
    """The CLI acts as the operator: an admin with every right (the shell is trusted)."""
    from app.models import User

    return User(id=None, email="operator@cli", password_hash="", role=Role.admin.value,
                plan=Plan.enterprise.value)


def cmd_cancel(args: argparse.Namespace) -> int:
    from app.engine import batches

    batches.cancel(_operator(), args.batch_id)
    _print_status(args.batch_id, args.json)
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    from app.engine import batches

    count = batches.retry(_operator(), args.batch_id, include_cancelled=args.cancelled)
    if not args.json:
        print(f"{count} items will be tried again.")
    _print_status(args.batch_id, args.json)
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from app.analysis import command

    return command.main(args.files, args.opening)


def cmd_bench(args: argparse.Namespace) -> int:
    from actors.registry import declare_actors  # the composition root wires the faces in
    from app.benchmarks import throughput

    if args.kind == "resume":
        from app.benchmarks import resumes

        return resumes.main(args.corpus, args.files, args.processes, args.threads, args.json,
                            declare_actors=declare_actors)
    return throughput.main(args.items, args.processes, args.threads, args.kind, args.sleep_ms,
                           args.json, args.rounds, declare_actors=declare_actors)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description="Shortlist")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="run web app, worker and scheduler in one process")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="upgrade the database to the latest schema")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("create-user", help="create a user (password from stdin or prompt)")
    p.add_argument("email")
    p.add_argument("--role", choices=[r.value for r in Role], default=Role.recruiter.value)
    p.add_argument("--plan", choices=[p.value for p in Plan], default=Plan.free.value)
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("set-password", help="set a user's password (a lost admin password;"
                       " from stdin or prompt)")
    p.add_argument("email")
    p.set_defaults(func=cmd_set_password)

    p = sub.add_parser("create-token", help="print a new API token for a user, once")
    p.add_argument("email")
    p.add_argument("--name", default="", help="a label to recognise the token by")
    p.set_defaults(func=cmd_create_token)

    p = sub.add_parser("submit", help="create a batch through the batch service")
    p.add_argument("--owner", required=True, help="email of the user who owns the batch")
    p.add_argument("--kind", default="noop", choices=["noop", "resume"])
    p.add_argument("--items", type=int, default=0, help="noop: number of items")
    p.add_argument("--lane", default=None, help="default: the owner's plan lane")
    p.add_argument("--title", default="")
    p.add_argument("--sleep-ms", type=int, default=0, help="noop: sleep per item")
    p.add_argument("--fail-rate", type=float, default=0.0, help="noop: fraction failing")
    p.add_argument("--transient-rate", type=float, default=0.0,
                   help="noop: fraction failing their first attempt")
    p.add_argument("--opening", help="resume: opening JSON (title, description, ...)")
    p.add_argument("files", nargs="*", help="resume: resume files")
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("analyze", help="print the profile (and match) of resume files, as JSON")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--opening", help="an opening JSON file: title, description, must_have, ...")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("bench", help="noop: the engine against raw Dramatiq; resume: real"
                       " resumes through the fleet against the analysis alone; same run")
    p.add_argument("--items", type=int, default=10_000, help="noop: items per round")
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--kind", default="noop", choices=["noop", "resume"])
    p.add_argument("--corpus", type=Path, default=None,
                   help="resume: a folder of PDF, DOCX and text resumes (default: the"
                        " labelled corpus, ../shared/corpus)")
    p.add_argument("--files", type=int, default=240, help="resume: how many files")
    p.add_argument("--sleep-ms", type=int, default=0, help="work per item")
    p.add_argument("--rounds", type=int, default=3,
                   help="raw, then Shortlist, this many times; the median round is shown")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bench)
    sub.add_parser("bench-dashboard", add_help=False,
                   help="time every admin view over a large database (its own --help)")

    for name, func, text in (("status", cmd_status, "print a batch's status and counts"),
                             ("cancel", cmd_cancel, "cancel a batch"),
                             ("retry", cmd_retry, "retry a batch's failed items")):
        p = sub.add_parser(name, help=text)
        p.add_argument("batch_id")
        p.add_argument("--json", action="store_true", help="one JSON object, stable keys")
        if name == "retry":
            p.add_argument("--cancelled", action="store_true", help="also cancelled items")
        p.set_defaults(func=func)
    return parser


def bench_dashboard(argv: list[str]) -> int:
    """`python -m app bench-dashboard ...`: its own options (see --help)."""
    from app.benchmarks import dashboard
    from ui.auth import SIGNIN_COMPLETE_PATH  # the composition root wires the UI's names in
    from ui.views.admin import VIEWS

    return dashboard.main(argv, views=VIEWS, signin_complete=SIGNIN_COMPLETE_PATH)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench-dashboard"]:
        return bench_dashboard(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        # `serve` is a service, the rest are tools whose stdout is their output.
        configure_logging(get_settings(),
                          stream=sys.stdout if args.func is cmd_serve else sys.stderr)
    except ValidationError as exc:
        print(f"Configuration error: {describe_settings_error(exc)}", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except ShortlistError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
