"""Notifications when a screening finishes or fails: in the app, by e-mail, to a webhook.

The one home of these rules. app.engine.finalize writes the rows in the batch's finalize
transaction (`on_finished`) and sends one message per e-mail or webhook delivery to the
`notify` queue; a Dramatiq actor (actors.registry) calls `deliver`, which tries once and
asks for a retry (Dramatiq's backoff) until NOTIFY_MAX_ATTEMPTS, then keeps the row
failed with its last answer. Which batch statuses notify: `done` (event batch.finished),
`failed` and `timed_out` (batch.failed); a `cancelled` batch does not (someone chose to
stop it).
"""
