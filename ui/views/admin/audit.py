"""Admin dashboard: the audit log: every admin action, newest first, filtered. Read only:
this page has no way to change or remove a row."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from nicegui import ui

from app.accounts import audit
from app.errors import ShortlistError
from app.models import User
from ui.views.admin import common
from ui.views.admin import users as users_view

PATH = "/admin/audit"
ACTION_WORDS = {
    "submit": "Submitted a screening", "cancel": "Cancelled a screening",
    "retry": "Retried failed files", "move": "Moved a screening to another lane",
    "delete": "Deleted a screening", "bulk_cancel": "Cancelled screenings (bulk)",
    "bulk_retry": "Retried screenings (bulk)", "bulk_move": "Moved screenings (bulk)",
    "bulk_delete": "Deleted screenings (bulk)",
    "retry_failure_group": "Retried files failed with one reason",
    "pause_lane": "Paused a lane", "resume_lane": "Resumed a lane",
    "create_user": "Created a user", "deactivate_user": "Deactivated a user",
    "activate_user": "Activated a user", "change_role": "Changed a role",
    "change_plan": "Changed a plan or quota", "reset_password": "Reset a password",
    "create_token": "Created an API token", "revoke_token": "Revoked an API token",
    "change_password": "Changed their password",
    "request_password_reset": "Asked for a password reset link",
    "reset_password_by_link": "Chose a new password with a reset link",
    "share": "Shared a screening by link", "revoke_share": "Withdrew a share link",
    "view_share": "A share link was opened",
}
COLUMNS = [
    {"name": "at", "label": "When", "field": "at", "align": "left"},
    {"name": "who", "label": "Who", "field": "who", "align": "left"},
    {"name": "what", "label": "What", "field": "what", "align": "left"},
    {"name": "batch", "label": "Screening", "field": "batch", "align": "left"},
    {"name": "details", "label": "Details", "field": "details", "align": "left"},
]
# Keys shown elsewhere in the row, or too long for a cell.
_HIDDEN = {"by", "bulk", "changed_ids", "skipped_ids"}


def register() -> None:
    @ui.page(PATH)
    def admin_audit_page(request: Request):
        user, answer = common.admin_user(PATH)
        if user is None:
            return answer
        AuditView(user).build()
        return None


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def details_text(details: dict[str, Any]) -> str:
    """The details as one line: 'changed: 3, skipped: 1, filter: statuses: running'."""
    parts = [f"{k.replace('_', ' ')}: {_value(v)}" for k, v in details.items()
             if k not in _HIDDEN and v not in (None, "", [], {})]
    if details.get("bulk") and "changed_ids" not in details:
        parts.append("part of a bulk action")
    return "; ".join(parts)


def batch_ref(ref: audit.BatchRef) -> dict[str, str]:
    """A screening as the log shows it: its title linking to its page, or, once deleted,
    plain words (with the title its deletion recorded, when known)."""
    if ref.exists:
        return {"text": ref.title or "Untitled opening", "link": f"/screenings/{ref.id}"}
    if ref.title is not None:
        return {"text": f"deleted screening “{ref.title or 'Untitled opening'}”", "link": ""}
    return {"text": "deleted screening", "link": ""}


def user_link(ref: audit.UserRef | None) -> str:
    """The Users page showing that account (there is no page for an account that is gone)."""
    if ref is None or not ref.exists:
        return ""
    return f"{users_view.PATH}?email={quote(ref.email)}"


def row_of(r: audit.AuditRow) -> dict[str, Any]:
    refs = [batch_ref(ref) for ref in ([r.batch] if r.batch else list(r.batches))]
    hidden = {"title"} if r.batch and not r.batch.exists else set()
    if r.subject is not None:
        hidden |= {"user_id", "email"}  # shown, linked, beside what was done
    return {"id": r.id, "at": common.when(r.at),
            "who": r.actor.email if r.actor else r.actor_email,
            "who_link": user_link(r.actor),
            "what": ACTION_WORDS.get(r.action, r.action.replace("_", " ").capitalize()),
            "subject": r.subject.email if r.subject else "", "subject_link": user_link(r.subject),
            "batch": str(r.batch_id) if r.batch_id else "", "refs": refs,
            "more": f"and {r.more_batches:,} more" if r.more_batches else "",
            "details": details_text({k: v for k, v in r.details.items() if k not in hidden})}


class AuditView:
    def __init__(self, user: User) -> None:
        self.user = user
        self.filters = audit.AuditFilter()

    def build(self) -> None:
        with common.frame(self.user, "Audit log", PATH):
            ui.label("Every admin action, newest first. The log cannot be changed.").classes(
                "text-body2 sl-muted")
            with ui.row().classes("w-full items-end gap-2 wrap").mark("filters"):
                self.f_actor = ui.input("Who (email)").props("outlined dense clearable").classes(
                    "w-56").mark("filter-actor")
                self.f_action = ui.select(ACTION_WORDS, multiple=True, label="What").props(
                    "outlined dense use-chips options-dense").classes("w-64").mark(
                    "filter-action")
                self.f_batch = ui.input("Screening id").props("outlined dense clearable").classes(
                    "w-80").mark("filter-batch")
                self.f_from = common.date_input("From", "filter-from")
                self.f_to = common.date_input("Until", "filter-to")
                ui.button("Search", icon="search", on_click=self.search).props(
                    "unelevated no-caps").mark("apply-filters")
            self.table = ui.table(columns=[dict(c) for c in COLUMNS], rows=[], row_key="id"
                                  ).classes("sl-table").mark("audit")
            self.table.props("flat bordered wrap-cells hide-pagination"
                             " no-data-label='No action recorded matches.'")
            self.table.pagination = {"rowsPerPage": 0}
            # Texts are interpolated ({{ }}): titles and emails are people's text.
            self.table.add_slot("body-cell-batch", r"""
                <q-td :props="props">
                  <div v-for="(ref, i) in props.row.refs" :key="i" class="sl-wrap">
                    <a v-if="ref.link" :href="ref.link" class="sl-link">{{ ref.text }}</a>
                    <span v-else class="sl-muted">{{ ref.text }}</span>
                  </div>
                  <div v-if="props.row.more" class="text-caption sl-muted">
                    {{ props.row.more }}</div>
                </q-td>""")
            self.table.add_slot("body-cell-who", r"""
                <q-td :props="props" class="sl-wrap">
                  <a v-if="props.row.who_link" :href="props.row.who_link"
                     class="sl-link">{{ props.row.who }}</a>
                  <span v-else>{{ props.row.who }}</span>
                </q-td>""")
            self.table.add_slot("body-cell-what", r"""
                <q-td :props="props" class="sl-wrap">
                  <div>{{ props.row.what }}</div>
                  <a v-if="props.row.subject_link" :href="props.row.subject_link"
                     class="sl-link text-caption">{{ props.row.subject }}</a>
                  <span v-else-if="props.row.subject" class="text-caption">
                    {{ props.row.subject }}</span>
                </q-td>""")
            self.pager = common.Pager(self.refresh)
        self.refresh()

    def search(self) -> None:
        try:
            self.filters = audit.AuditFilter(
                actor=self.f_actor.value or None, actions=tuple(self.f_action.value or ()),
                batch_id=self.f_batch.value or None,
                since=common.day_start(self.f_from.value),
                until=common.day_start(self.f_to.value, end=True))
        except ShortlistError as exc:
            ui.notify(exc.message, type="warning")
            return
        self.pager.reset()
        self.refresh()

    def refresh(self) -> None:
        page = common.read(PATH, lambda user: audit.search(user, self.filters,
                                                           cursor=self.pager.cursor))
        if page is common.NOTHING:
            return
        self.table.rows = [row_of(r) for r in page.rows]
        self.table.update()
        self.pager.show(page.next_cursor)
