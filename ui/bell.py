"""The header's bell (unread count, the latest notifications) and the toast that shows a
notification on any open page the moment it is written. Thin: app.notify decides."""

from __future__ import annotations

from datetime import timezone

from nicegui import ui

from app.models import User
from app.notify import notifications
from ui import live

TOAST_S = 20.0
SETTINGS_PATH = "/account/notifications"

CSS = """
.sl-toasts { position: fixed; right: 16px; bottom: 16px; z-index: 6000;
  width: min(400px, calc(100vw - 32px)); display: flex; flex-direction: column; gap: 8px; }
.sl-toast { border-left: 4px solid var(--q-positive); }
.sl-toast.sl-toast--failed { border-left-color: var(--q-negative); }
/* Its own red: in dark mode a flat button's --q-negative is lightened for text, which
   left the white count at 2:1 on it (the variable is set on the badge itself). */
.sl-bell-count { --q-negative: #c62828; }
.sl-bell-list { width: 380px; max-width: 100%; }
/* A phone: Quasar would squeeze the menu into the room left of the bell; it takes the
   window's width instead (a stylesheet's !important outranks Quasar's inline place). */
@media (max-width: 599px) {
  .q-menu.sl-bell-menu { left: 8px !important; right: 8px !important;
    max-width: none !important; width: auto !important; }
  .sl-bell-list { width: 100%; }
}
.sl-bell-row { padding: 8px 16px; border-radius: 4px; cursor: pointer; }
.sl-bell-row:hover, .sl-bell-row:focus-visible { background: rgba(39, 84, 181, 0.08); }
.sl-bell-unread { font-weight: 600 !important; }
"""


class Bell:
    def __init__(self, user: User) -> None:
        self.user = user
        ui.add_css(CSS)
        with ui.button(icon="notifications").props("flat round color=white") as self.button:
            self.button._props["aria-label"] = "Notifications"
            self.button.mark("bell")
            self.badge = ui.badge("", color="negative").props("floating rounded") \
                .classes("sl-bell-count").mark("bell-count")
            with ui.menu().props("anchor='bottom right' self='top right'") \
                    .classes("sl-bell-menu").mark("bell-popup") as self.menu:
                self.box = ui.column().classes("sl-bell-list gap-0 q-py-xs").mark("bell-menu")
        self.menu.on_value_change(lambda e: self.fill() if e.value else None)
        # Fixed at the page's bottom right; outside the header, whose text is white.
        with self.button.client.layout:
            self.toasts = ui.element("div").classes("sl-toasts").mark("toasts")
        self.show_count(notifications.unread_count(user))
        live.hub.subscribe_notifications(user.id, self.on_event)

    def show_count(self, n: int) -> None:
        self.badge.text = str(n) if n < 100 else "99+"
        self.badge.set_visibility(n > 0)
        self.button._props["aria-label"] = f"Notifications, {n} unread" if n else "Notifications"
        self.button.update()

    def fill(self) -> None:
        self.box.clear()
        latest = notifications.latest_in_app(self.user)
        with self.box:
            with ui.row().classes("w-full items-center q-px-md q-py-xs no-wrap"):
                ui.label("Notifications").classes("text-subtitle2")
                ui.space()
                if any(n.read_at is None for n in latest):
                    ui.button("Mark all read", on_click=self.read_all).props(
                        "flat dense no-caps color=primary").mark("bell-read-all")
            if not latest:
                ui.label("Nothing yet. You are told here when a screening finishes.").classes(
                    "q-px-md q-py-sm sl-muted text-body2")
            for note in latest:
                row = ui.column().classes("sl-bell-row gap-0").mark("bell-row")
                row._props["tabindex"] = "0"
                row._props["role"] = "link"
                with row:
                    ui.label(note.title).classes("text-body2 sl-wrap" + (
                        " sl-bell-unread" if note.read_at is None else ""))
                    ui.label(_when(note)).classes("text-caption sl-muted")
                row.on("click", lambda _, n=note: self.open(n.id, n.batch_id))
                row.on("keydown.enter", lambda _, n=note: self.open(n.id, n.batch_id))
            ui.separator()
            ui.link("Notification settings", SETTINGS_PATH).classes(
                "sl-link q-px-md q-py-sm text-body2").mark("bell-settings")

    def open(self, note_id: int, batch_id) -> None:
        notifications.mark_read(self.user, note_id)
        ui.navigate.to(f"/screenings/{batch_id}" if batch_id else SETTINGS_PATH)

    def read_all(self) -> None:
        notifications.mark_read(self.user)
        self.show_count(0)
        self.fill()

    def on_event(self, event: dict) -> None:
        self.show_count(notifications.unread_count(self.user))
        self.toast(event)

    def toast(self, event: dict) -> None:
        failed = event.get("event") == "batch.failed"
        with self.toasts:
            card = ui.card().classes("sl-toast w-full q-pa-sm" + (
                " sl-toast--failed" if failed else "")).mark("notification-toast")
            card._props["role"] = "status"
            with card, ui.row().classes("w-full items-start no-wrap gap-2"):
                ui.icon("error_outline" if failed else "task_alt").classes(
                    "text-xl " + ("text-negative" if failed else "text-positive"))
                with ui.column().classes("gap-1 col"):
                    ui.label(str(event.get("title", ""))).classes("text-body2 sl-wrap")
                    ui.link("Open the screening", f"/screenings/{event.get('batch')}") \
                        .classes("sl-link text-body2").mark("toast-link")
                close = ui.button(icon="close", on_click=card.delete).props(
                    "flat round dense size=sm")
                close._props["aria-label"] = "Dismiss"
        ui.timer(TOAST_S, lambda: card.delete() if not card.is_deleted else None, once=True)


def _when(note) -> str:
    moment = note.created_at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.strftime("%d %b %Y, %H:%M UTC")
