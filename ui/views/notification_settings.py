"""/account/notifications: how a person is told that a screening finished or failed (in
Shortlist, by e-mail, a webhook) and how the last deliveries went. Thin: app.notify."""

from __future__ import annotations

from datetime import timezone

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from app.errors import ShortlistError
from app.models import User
from app.notify import email, notifications, webhooks
from ui import auth, theme

PATH = "/account/notifications"
CHANNELS = {"app": "In Shortlist", "email": "E-mail", "webhook": "Webhook"}
STATES = {"pending": "Waiting", "sent": "Delivered", "failed": "Failed", "read": "Read"}


def register() -> None:
    @ui.page(PATH)
    def notifications_page(request: Request):
        user = auth.current_user()
        if user is None:
            return RedirectResponse(auth.signin_url(PATH), status_code=303)
        NotificationSettings(user).build()
        return None


class NotificationSettings:
    def __init__(self, user: User) -> None:
        self.user = user

    def build(self) -> None:
        with theme.frame(self.user, "Notifications"):
            ui.label("Notifications").classes("text-h5")
            ui.label("When one of your screenings finishes or fails, Shortlist tells you in"
                     " the ways you choose here.").classes("sl-muted")
            with ui.card().classes("w-full sl-card"):
                ui.label("Tell me").classes("text-subtitle1 text-weight-medium")
                self.in_app = ui.checkbox(
                    "In Shortlist: a message on any open page and the bell",
                    value=self.user.notify_in_app).mark("choice-app")
                mail_ready = email.configured()
                self.by_email = ui.checkbox(
                    f"By e-mail to {self.user.email}",
                    value=self.user.notify_email and mail_ready).mark("choice-email")
                self.by_email.classes("sl-wrap")
                if not mail_ready:
                    self.by_email.disable()
                    ui.label("E-mail is not set up on this Shortlist yet: an admin sets the"
                             " mail server (SMTP_HOST).").classes("text-caption sl-muted")
                for box in (self.in_app, self.by_email):
                    box.on_value_change(self.save_choices)
            with ui.card().classes("w-full sl-card gap-2"):
                ui.label("Webhook").classes("text-subtitle1 text-weight-medium")
                ui.label("Shortlist sends a signed POST to this address (for your own"
                         " systems: an applicant tracking system, a chat bot).").classes(
                    "sl-muted text-body2")
                self.webhook_box = ui.column().classes("w-full gap-2")
                self.show_webhook()
            with ui.card().classes("w-full sl-card gap-2"):
                ui.label("Last deliveries").classes("text-subtitle1 text-weight-medium")
                self.deliveries_box = ui.column().classes("w-full gap-0")
                self.show_deliveries()

    def save_choices(self) -> None:
        notifications.set_choices(self.user, in_app=bool(self.in_app.value),
                                  by_email=bool(self.by_email.value))
        ui.notify("Saved.", type="positive")

    # --- The webhook ------------------------------------------------------------------

    def show_webhook(self, secret: str | None = None) -> None:
        self.webhook_box.clear()
        try:
            current = webhooks.get_webhook(self.user)
        except ShortlistError:
            current = None
        with self.webhook_box:
            if secret is not None:
                with ui.card().classes("w-full bg-green-1 text-black").mark("webhook-secret"):
                    ui.label("Your webhook secret. Copy it now: it is shown only once.") \
                        .classes("text-weight-medium")
                    ui.label(secret).classes("sl-wrap").style(
                        "font-family: monospace; word-break: break-all")
                    ui.label("Each delivery carries X-Shortlist-Signature: sha256=<HMAC-SHA256"
                             " of the body with this secret>.").classes("text-caption")
            if current is not None:
                ui.label("Now: " + (current.url or "no default address (the secret signs the"
                                    " callback_url of your API submissions)")) \
                    .classes("text-body2 sl-wrap").mark("webhook-now")
            self.url = ui.input("Address", placeholder="https://example.com/hooks/shortlist",
                                value=current.url if current and current.url else "") \
                .classes("w-full").mark("webhook-url")
            self.url._props["maxlength"] = webhooks.MAX_URL
            with ui.row().classes("gap-2"):
                ui.button("Save and make a new secret", on_click=self.save_webhook) \
                    .props("no-caps").mark("webhook-save")
                if current is not None:
                    ui.button("Remove webhook", on_click=self.remove_webhook).props(
                        "no-caps outline color=negative").mark("webhook-remove")

    def save_webhook(self) -> None:
        try:
            view = webhooks.set_webhook(self.user, (self.url.value or "").strip() or None)
        except ShortlistError as exc:
            ui.notify(exc.message, type="negative")
            return
        self.show_webhook(secret=view.secret)

    async def remove_webhook(self) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label("Remove the webhook and its secret? Deliveries still waiting will fail.")
            with ui.row().classes("w-full justify-end"):
                ui.button("Keep it", on_click=lambda: dialog.submit(False)).props("flat no-caps")
                ui.button("Remove", on_click=lambda: dialog.submit(True)).props(
                    "no-caps color=negative").mark("webhook-remove-confirm")
        confirmed = await dialog
        dialog.delete()  # before the redraw below, which clears the box it sits in
        if confirmed:
            try:
                webhooks.delete_webhook(self.user)
            except ShortlistError:
                pass  # removed meanwhile (another tab, the API)
            self.show_webhook()

    # --- Deliveries -------------------------------------------------------------------

    def show_deliveries(self) -> None:
        self.deliveries_box.clear()
        rows = notifications.deliveries(self.user, 20)
        with self.deliveries_box:
            if not rows:
                ui.label("None yet.").classes("sl-muted text-body2")
            for note in rows:
                with ui.column().classes("w-full gap-0 q-py-xs").mark("delivery"):
                    ui.label(note.title).classes("text-body2 sl-wrap")
                    state = STATES.get(note.state, note.state)
                    if note.channel == "app":
                        state = "Read" if note.read_at else "Unread"
                    detail = [CHANNELS.get(note.channel, note.channel), state,
                              _when(note.created_at)]
                    if note.channel != "app":
                        detail.insert(1, note.target or "")
                        detail.append(f"{note.attempts} tries" if note.attempts != 1
                                      else "1 try")
                    if note.answer and note.channel != "app":
                        detail.append(note.answer)
                    ui.label(" · ".join(detail)).classes("text-caption sl-muted sl-wrap")


def _when(moment) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.strftime("%d %b %Y, %H:%M UTC")
