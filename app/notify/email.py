"""The e-mail of a finished screening: one short message, the counts, the top five
people and a link. Sent through app.accounts.mail (SMTP_* settings)."""

from __future__ import annotations

from app.accounts import mail


class MailFailed(Exception):
    """A try that the mail server refused or that could not reach it."""


def configured() -> bool:
    return mail.configured()


def compose(sentence: str, batch: dict, top: list[tuple[str, int, str]],
            link: str | None) -> tuple[str, str]:
    """(subject, text) of the message."""
    title = batch.get("title") or "Untitled opening"
    subject = f"Screening “{title}” " + ("finished" if batch["status"] == "done" else
                                           "ran out of time" if batch["status"] == "timed_out"
                                           else "failed")
    lines = [sentence, ""]
    if top:
        lines.append("Top candidates:")
        for rank, (name, score, band) in enumerate(top, 1):
            lines.append(f"{rank}. {name}: {score}" + (f" ({band.capitalize()} fit)" if band
                                                        else ""))
        lines.append("")
    lines.append(f"Open the shortlist: {link}" if link else
                 "Open Shortlist to see the shortlist.")
    lines += ["", "You receive this because you chose e-mail notifications in Shortlist."]
    return subject, "\n".join(lines) + "\n"


def send_finished(to: str, sentence: str, batch: dict, top: list, link: str | None) -> str:
    if not mail.configured():
        raise MailFailed("E-mail is not configured (SMTP_HOST).")
    subject, text = compose(sentence, batch, top, link)
    try:
        mail.send(mail.message(to, subject, text))
    except Exception as exc:  # noqa: BLE001  (smtplib errors, OSError: retried)
        code = getattr(exc, "smtp_code", None)
        raise MailFailed(f"The mail server did not take it: {type(exc).__name__}"
                         + (f" {code}" if code else "")) from None
    return "Accepted by the mail server."
