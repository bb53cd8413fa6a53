"""Admin dashboard: users: list, create, deactivate, role, plan and quota, password reset.

Every change goes through app.accounts.users, which refuses read-only admins and guards against
lock-out; the page only disables what the service would refuse anyway.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from nicegui import events, ui

from app.accounts import users
from app.models import Plan, Role, User
from app.settings import PLAN_LANE, get_settings
from ui import words
from ui.views.admin import common

PATH = "/admin/users"
ROLE_WORDS = {Role.recruiter.value: "Recruiter", Role.admin.value: "Admin",
              Role.readonly_admin.value: "Read-only admin"}
PLAN_WORDS = {p.value: p.value.capitalize() for p in Plan}
COLUMNS = [
    {"name": "email", "label": "Email", "field": "email", "align": "left"},
    {"name": "role", "label": "Role", "field": "role_text", "align": "left"},
    {"name": "plan", "label": "Plan", "field": "plan_text", "align": "left"},
    {"name": "quota", "label": "Most files per screening", "field": "quota", "align": "right"},
    {"name": "state", "label": "Account", "field": "state", "align": "left"},
    {"name": "batches", "label": "Screenings", "field": "batches", "align": "right"},
    {"name": "created", "label": "Created", "field": "created", "align": "left"},
]


def register() -> None:
    @ui.page(PATH)
    def admin_users_page(request: Request):
        user, answer = common.admin_user(PATH)
        if user is None:
            return answer
        # ?email=...: the audit log links to an account this way.
        UsersView(user, email=request.query_params.get("email")).build()
        return None


def quota_text(plan: str, own: int | None) -> str:
    if own is not None:
        return f"{own:,}"
    return f"{get_settings().quota_for(plan):,} (plan)"


def row_of(r: users.UserRow) -> dict[str, Any]:
    return {"id": r.id, "email": r.email, "role": r.role,
            "role_text": ROLE_WORDS.get(r.role, r.role), "plan": r.plan,
            "plan_text": f"{PLAN_WORDS.get(r.plan, r.plan)} ({PLAN_LANE.get(r.plan, 'low')} lane)",
            "quota": quota_text(r.plan, r.max_items_per_batch), "own_quota": r.max_items_per_batch,
            "state": "Active" if r.active else "Deactivated", "active": r.active,
            "batches": r.batches, "created": common.when(r.created_at)}


def quota_value(value: Any) -> int | None:
    """The quota field: empty means the plan's quota."""
    if value in (None, ""):
        return None
    return int(value) if float(value).is_integer() else -1  # -1: refused by the service


class UsersView:
    def __init__(self, user: User, email: str | None = None) -> None:
        self.user = user
        self.row: dict[str, Any] | None = None
        self.email = (email or "").strip()[:320] or None

    def build(self) -> None:
        can = common.can_change(self.user)
        with common.frame(self.user, "Users", PATH):
            common.read_only_note(self.user)
            with ui.row().classes("w-full items-end gap-2 wrap").mark("filters"):
                self.f_text = ui.input("Email", value=self.email).props(
                    "outlined dense clearable").classes("w-64").mark("filter-email")
                self.f_text.on("keydown.enter", lambda: self.search())
                self.f_role = ui.select(ROLE_WORDS, multiple=True, label="Role").props(
                    "outlined dense use-chips options-dense").classes("w-56").mark("filter-role")
                ui.button("Search", icon="search", on_click=self.search).props(
                    "unelevated no-caps").mark("apply-filters")
                ui.space()
                self.new_button = ui.button("New user", icon="person_add",
                                            on_click=lambda: self.new_dialog.open()).props(
                    "outline no-caps").mark("new-user")
            self.table = ui.table(columns=[dict(c) for c in COLUMNS], rows=[], row_key="id"
                                  ).classes("sl-table").mark("users")
            self.table.props("flat bordered wrap-cells hide-pagination"
                             " no-data-label='No user matches.'")
            self.table.pagination = {"rowsPerPage": 0}
            self.table.on("rowClick", self.on_row, js_handler="(evt, row) => emit(row.id)")
            self.pager = common.Pager(self.refresh)
            self.outcome = ui.label().classes("text-body2 sl-wrap").mark("outcome")
            self.confirm = common.Confirm()
            self.user_dialog()
            self.create_dialog()
            self.password_dialog()
        for element in (self.new_button, *self.change_elements):
            element.set_enabled(can)
        self.refresh()

    # --- Dialogs -------------------------------------------------------------------------

    def user_dialog(self) -> None:
        with ui.dialog() as self.dialog, ui.card().classes("gap-3 q-pa-lg").style(
                "min-width: 24rem").mark("user-dialog"):
            self.d_email = ui.label().classes("text-h6 sl-wrap")
            self.d_state = ui.label().classes("text-body2 sl-muted")
            with ui.row().classes("items-center gap-2"):
                self.d_role = ui.select(ROLE_WORDS, label="Role").props(
                    "outlined dense").classes("w-48").mark("user-role")
                role_button = ui.button("Change role", on_click=self.change_role).props(
                    "outline no-caps").mark("change-role")
            with ui.row().classes("items-center gap-2"):
                self.d_plan = ui.select(PLAN_WORDS, label="Plan").props(
                    "outlined dense").classes("w-40").mark("user-plan")
                self.d_quota = ui.number("Most files per screening", min=1, format="%d",
                                         placeholder="The plan's").props(
                    "outlined dense clearable").classes("w-48").mark("user-quota")
                plan_button = ui.button("Save plan", on_click=self.change_plan).props(
                    "outline no-caps").mark("change-plan")
            with ui.row().classes("items-center gap-2"):
                self.d_active = ui.button(on_click=self.toggle_active).props(
                    "outline no-caps color=negative").mark("toggle-active")
                reset_button = ui.button("Reset password", icon="key",
                                         on_click=self.ask_reset).props(
                    "outline no-caps").mark("reset-password")
            with ui.row().classes("w-full justify-end"):
                ui.button("Close", on_click=self.dialog.close).props("flat no-caps")
        self.change_elements = [self.d_role, role_button, self.d_plan, self.d_quota, plan_button,
                                self.d_active, reset_button]

    def create_dialog(self) -> None:
        with ui.dialog() as self.new_dialog, ui.card().classes("gap-3 q-pa-lg").style(
                "min-width: 24rem").mark("create-dialog"):
            ui.label("New user").classes("text-h6")
            self.n_email = ui.input("Email").props("outlined dense").classes("w-full").mark(
                "new-email")
            self.n_role = ui.select(ROLE_WORDS, value=Role.recruiter.value, label="Role").props(
                "outlined dense").classes("w-full").mark("new-role")
            self.n_plan = ui.select(PLAN_WORDS, value=Plan.free.value, label="Plan").props(
                "outlined dense").classes("w-full").mark("new-plan")
            self.n_quota = ui.number("Most files per screening (empty: the plan's)", min=1,
                                     format="%d").props("outlined dense clearable").classes(
                "w-full").mark("new-quota")
            ui.label("Shortlist makes a one-time password, shown once, for you to pass on;"
                     " they choose their own at their first sign-in.").classes(
                "text-caption sl-muted sl-wrap")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=self.new_dialog.close).props("flat no-caps")
                ui.button("Create", on_click=self.create).props("unelevated no-caps").mark(
                    "create-user")

    def password_dialog(self) -> None:
        with ui.dialog() as self.pw_dialog, ui.card().classes("gap-3 q-pa-lg").mark(
                "password-dialog"):
            self.pw_title = ui.label().classes("text-h6 sl-wrap")
            self.pw_value = ui.label().classes("text-h6 text-weight-bold").style(
                "font-family: monospace").mark("one-time-password")
            ui.label("Copy it now: it is shown only this once. Pass it on safely.").classes(
                "text-body2 sl-wrap")
            with ui.row().classes("w-full justify-end"):
                ui.button("Done", on_click=self.close_password).props("unelevated no-caps")

    def show_password(self, title: str, password: str) -> None:
        self.pw_title.text, self.pw_value.text = title, password
        self.pw_dialog.open()

    def close_password(self) -> None:
        self.pw_value.text = ""  # gone from the page once closed
        self.pw_dialog.close()

    # --- Reading -------------------------------------------------------------------------

    def search(self) -> None:
        self.pager.reset()
        self.refresh()

    def refresh(self) -> None:
        page = common.read(PATH, lambda user: users.list_users(
            user, text=self.f_text.value, roles=tuple(self.f_role.value or ()),
            cursor=self.pager.cursor))
        if page is common.NOTHING:
            return
        self.table.rows = [row_of(r) for r in page.rows]
        self.table.update()
        self.pager.show(page.next_cursor)
        if self.row is not None:
            self.row = next((r for r in self.table.rows if r["id"] == self.row["id"]), self.row)

    def on_row(self, e: events.GenericEventArguments) -> None:
        user_id = e.args[0] if isinstance(e.args, list) and e.args else e.args
        row = next((r for r in self.table.rows if r["id"] == user_id), None)
        if row is None:
            return
        self.row = row
        self.d_email.text = row["email"]
        self.d_state.text = f"{row['state']} · {words.plural(row['batches'], 'screening')}"
        self.d_role.value, self.d_plan.value = row["role"], row["plan"]
        self.d_quota.value = row["own_quota"]
        self.d_active.text = "Deactivate" if row["active"] else "Activate"
        self.dialog.open()

    # --- Actions -------------------------------------------------------------------------

    async def _do(self, call, done) -> Any:
        result = await common.run_action(PATH, call, done=done)
        if result is not None:
            self.outcome.text = done(result) if callable(done) else done
            self.refresh()
        return result

    async def change_role(self) -> None:
        user_id, role = self.row["id"], self.d_role.value
        if await self._do(lambda u: users.change_role(u, user_id, role),
                          f"{self.row['email']} is now: {ROLE_WORDS.get(role, role)}."):
            self.dialog.close()

    async def change_plan(self) -> None:
        user_id, plan = self.row["id"], self.d_plan.value
        quota = quota_value(self.d_quota.value)
        if await self._do(lambda u: users.change_plan(u, user_id, plan, quota),
                          f"{self.row['email']}: {PLAN_WORDS[plan]} plan, at most"
                          f" {quota_text(plan, quota)} files per screening."):
            self.dialog.close()

    async def toggle_active(self) -> None:
        row = self.row
        if not row["active"]:
            await self._set_active(row, True, f"{row['email']} can sign in again.")
            return
        self.confirm.ask(
            f"Deactivate {row['email']}?",
            "They are signed out at once and their API tokens are revoked for good:"
            " reactivating the account does not bring the tokens back.", "Deactivate",
            lambda: self._set_active(row, False, f"{row['email']} is deactivated: signed"
                                     " out, and their API tokens are revoked."), danger=True)

    async def _set_active(self, row: dict, active: bool, done: str) -> None:
        if await self._do(lambda u: users.set_active(u, row["id"], active), done):
            self.dialog.close()

    def ask_reset(self) -> None:
        row = self.row
        self.confirm.ask(f"Reset the password of {row['email']}?",
                         "Their current password, open sessions and API tokens stop working"
                         " at once. You get a one-time password to pass on; they choose their"
                         " own at their next sign-in.", "Reset password",
                         lambda: self.reset(row["id"], row["email"]), danger=True)

    async def reset(self, user_id: int, email: str) -> None:
        password = await common.run_action(PATH, lambda u: users.reset_password(u, user_id))
        if password:
            self.dialog.close()
            self.outcome.text = f"The password of {email} was reset."
            self.show_password(f"New password for {email}", password)

    async def create(self) -> None:
        email, role, plan = self.n_email.value, self.n_role.value, self.n_plan.value
        quota = quota_value(self.n_quota.value)
        created = await common.run_action(
            PATH, lambda u: users.admin_create_user(u, email, role=role, plan=plan,
                                                    max_items_per_batch=quota))
        if created:
            account, password = created
            self.new_dialog.close()
            self.n_email.value, self.n_quota.value = "", None
            self.outcome.text = f"{account.email} was created."
            self.show_password(f"Password for {account.email}", password)
            self.refresh()
