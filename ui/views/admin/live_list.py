"""Live admin lists: when a list redraws itself, and the "Pause updates" control.

A list follows changes as they come (ui.live's "all" key, or the dashboard's feed) and
redraws at once, unless it is held: paused by the admin, or, automatically, while they
have rows selected or a row's menu or a confirmation open (a redraw would move rows under
the pointer, or drop the selection). Changes that come while held are remembered, and the
list redraws once when the last hold goes. A redraw that is still reading when another
change comes is followed by one more, never by two at once.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from nicegui import background_tasks, context, ui

# Why a list is held, in the words its state line uses.
HOLD_WORDS = {"selection": "rows are selected", "menu": "a menu is open",
              "confirm": "a question is open"}


class LiveControl:
    """The rule: redraw on a change unless held; once released, redraw if anything came."""

    def __init__(self, redraw: Callable[[], Any],
                 on_state: Callable[[LiveControl], None] | None = None,
                 ui_context: AbstractContextManager | None = None) -> None:
        self._redraw = redraw  # sync, or async (a read in a thread)
        self._on_state = on_state
        # An async redraw runs as its own task: inside the page's slot, so it knows its
        # client (who is signed in, where to draw).
        self._ui_context = ui_context
        self.paused = False  # by the admin
        self.holds: set[str] = set()  # automatic: keys of HOLD_WORDS
        self.missed = 0  # changes not shown yet
        self.busy = False
        self._again = False
        self.redraws = 0  # for tests

    @property
    def held(self) -> bool:
        return self.paused or bool(self.holds)

    def changed(self) -> None:
        """Something the list shows may have changed."""
        if self.held:
            self.missed += 1
            self._tell()
            return
        self._run()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._released()

    def hold(self, reason: str, on: bool) -> None:
        if on:
            self.holds.add(reason)
        else:
            self.holds.discard(reason)
        self._released()

    def still_live(self) -> bool:
        """A redraw's read came back: draw it only if nothing held the list meanwhile
        (else it counts as missed, and the list is read again when released)."""
        if self.held:
            self.missed += 1
            self._tell()
            return False
        return True

    def shown(self) -> None:
        """The list was just drawn by other means (a filter, an action): nothing missed."""
        self.missed = 0
        self._tell()

    def _released(self) -> None:
        if not self.held and self.missed:
            self._run()
        else:
            self._tell()

    def _run(self) -> None:
        if self.busy:
            self._again = True
            return
        self.missed = 0
        self.busy = True
        self.redraws += 1
        try:
            result = self._redraw()
        except BaseException:
            self.busy = False
            raise
        if inspect.isawaitable(result):
            background_tasks.create(self._finish(result), name="live list redraw")
        else:
            self._done()

    async def _finish(self, pending) -> None:
        with self._ui_context or nullcontext():
            try:
                await pending
            finally:
                self._done()

    def _done(self) -> None:
        self.busy = False
        self._tell()
        if self._again:
            self._again = False
            self.changed()

    def _tell(self) -> None:
        if self._on_state is not None:
            self._on_state(self)


LIVE_WORDS = "Updates as screenings progress."


def state_text(control: LiveControl, live: str = LIVE_WORDS) -> str:
    if control.paused:
        text = "Updates paused."
    elif control.holds:
        reasons = " and ".join(HOLD_WORDS[r] for r in sorted(control.holds))
        text = f"Updates wait while {reasons}."
    else:
        return live
    if control.missed:
        text += " Newer changes will show when updates resume."
    return text


class LiveBar:
    """The pause toggle and a line saying whether the list is live."""

    def __init__(self, redraw: Callable[[], Any], *, live_text: str = LIVE_WORDS) -> None:
        self.live_text = live_text
        self.control = LiveControl(redraw, on_state=self._show, ui_context=context.slot)
        with ui.row().classes("items-center gap-2 no-wrap").mark("live-bar"):
            # Its own width: squeezed on a phone, its icon went above its words.
            self.button = ui.button(on_click=self.toggle).props(
                "flat dense no-caps").classes("no-wrap").style("flex-shrink: 0").mark(
                "live-toggle")
            self.state = ui.label().classes("text-caption sl-muted sl-wrap").mark("live-state")
        self._show(self.control)

    def toggle(self) -> None:
        self.control.set_paused(not self.control.paused)

    def _show(self, control: LiveControl) -> None:
        paused = control.paused
        text, icon = ("Resume updates", "play_arrow") if paused else ("Pause updates", "pause")
        if self.button.text != text:
            self.button.text = text
            self.button._props["icon"] = icon
            self.button._props["aria-pressed"] = "true" if paused else "false"
            self.button.update()
        line = state_text(control, self.live_text)
        if self.state.text != line:
            self.state.text = line
