"""The caller's notification settings: the default webhook and the last deliveries.
Thin: they call app.notify. (Only /me/webhook and /me/notifications live here; the
account itself is another module's.)"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.models import Notification
from app.notify import notifications, webhooks
from ui.api.auth import UserDep
from ui.api.openapi import errors_doc

router = APIRouter(tags=["notifications"])


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(
        max_length=2000, description="Called when your screenings finish or fail: http(s),"
        " not a private or local address. `null`: no default webhook, only the secret that"
        " signs the `callback_url` of a submission.")


class WebhookOut(BaseModel):
    url: str | None
    created_at: datetime


class NewWebhookOut(BaseModel):
    url: str | None
    secret: str = Field(description="Shown only in this answer. Check each delivery with it:"
                        " `X-Shortlist-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.")


class NotificationOut(BaseModel):
    id: int
    batch_id: uuid.UUID | None
    channel: Literal["app", "email", "webhook"]
    event: Literal["batch.finished", "batch.failed"]
    title: str
    target: str | None = Field(description="The e-mail address or the webhook's URL.")
    state: Literal["pending", "sent", "failed", "read"]
    attempts: int
    answer: str | None = Field(description="The last answer: `HTTP 200`, an error, ...")
    created_at: datetime
    sent_at: datetime | None
    read_at: datetime | None

    @classmethod
    def of(cls, note: Notification) -> NotificationOut:
        return cls(**{name: getattr(note, name) for name in cls.model_fields})


class NotificationList(BaseModel):
    data: list[NotificationOut]


@router.get("/me/webhook", response_model=WebhookOut, summary="Your default webhook",
            description="Its URL (null: only a secret is set); never the secret.",
            responses=errors_doc(401, 403, 404))
def get_webhook(user: UserDep) -> WebhookOut:
    view = webhooks.get_webhook(user)
    return WebhookOut(url=view.url, created_at=view.created_at)


@router.put("/me/webhook", response_model=NewWebhookOut, summary="Set your default webhook",
            description="Sets the URL and makes a new secret, shown only in this answer (the"
                        " previous secret stops signing at once). Deliveries are POSTs of"
                        " `{\"event\", \"batch\": {\"id\", \"title\", \"status\", \"counts\","
                        " \"url\"}, \"sent_at\"}` tried up to NOTIFY_MAX_ATTEMPTS times; a 2xx"
                        " answer within WEBHOOK_TIMEOUT_S is delivered.",
            responses=errors_doc(400, 401, 403, 422))
def set_webhook(user: UserDep, body: WebhookIn) -> NewWebhookOut:
    view = webhooks.set_webhook(user, body.url)
    return NewWebhookOut(url=view.url, secret=view.secret)


@router.delete("/me/webhook", status_code=204, summary="Remove your default webhook",
               description="And its secret: deliveries still waiting fail.",
               responses=errors_doc(401, 403, 404))
def delete_webhook(user: UserDep) -> Response:
    webhooks.delete_webhook(user)
    return Response(status_code=204)


@router.get("/me/notifications", response_model=NotificationList,
            summary="Your last notifications and how they were delivered",
            description="Newest first, every channel: in the app, e-mail, webhook.",
            responses=errors_doc(401, 403, 422))
def list_notifications(
    user: UserDep, limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationList:
    return NotificationList(data=[NotificationOut.of(n)
                                  for n in notifications.deliveries(user, limit)])
