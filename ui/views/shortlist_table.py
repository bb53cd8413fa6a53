"""The shortlist table of a screening: columns, cells, phone cards, keyboard use.

Rows open their details by click or, with the keyboard, from the candidate's name (a
button) on wide screens and the whole card on a phone; sortable headers take Enter and
Space. Long file names break only where they would overflow (never mid-word squeezing the
column).
"""

from __future__ import annotations

from typing import Any

from nicegui import ui

from app.recruiting import decisions, queries
from ui import words

# Under a candidate's name, on a wide row and on a phone card alike: the resume (a link),
# their other files and who else they may be.
PERSON_FILES = r"""
<div><a v-if="props.row.file" :href="'/resumes/' + props.row.id" @click.stop
   :target="props.row.file.toLowerCase().endsWith('.pdf') ? '_blank' : null"
   :aria-label="'Open the resume ' + props.row.file"
   class="text-caption sl-wrap sl-file-link">{{ props.row.file }}</a></div>
<div v-if="props.row.also" class="text-caption sl-muted sl-wrap">{{ props.row.also }}</div>
<div v-if="props.row.possibly" class="text-caption text-deep-orange-10 sl-wrap">
  {{ props.row.possibly }}</div>
<div v-if="props.row.starred || props.row.status !== 'new' || props.row.tags.length || props.row.notes"
     class="row items-center q-gutter-xs q-mt-xs">
  <q-icon v-if="props.row.starred" name="star" color="amber-8" size="xs" role="img"
          aria-label="Starred" />
  <q-badge v-if="props.row.status !== 'new'" :color="props.row.status_color" outline>
    {{ props.row.status_text }}</q-badge>
  <q-chip v-for="t in props.row.tags" :key="'t' + t" dense square size="sm" icon="sell"
          class="sl-wrap">{{ t }}</q-chip>
  <span v-if="props.row.notes" class="text-caption sl-muted">
    <q-icon name="sticky_note_2" size="xs" /> {{ props.row.notes_text }}</span>
</div>
"""
GRID_ITEM = r"""
<div class="q-pa-xs col-12">
  <q-card flat bordered class="sl-grid-item" tabindex="0" role="button"
          :aria-label="'Details of ' + props.row.name"
          @click="$parent.$emit('detail', props.row.id)"
          @keydown.enter.self="$parent.$emit('detail', props.row.id)"
          @keydown.space.self.prevent="$parent.$emit('detail', props.row.id)">
    <q-card-section class="row items-start no-wrap q-gutter-x-sm q-pb-xs">
      <q-checkbox v-model="props.selected" dense
                  :aria-label="'Choose ' + props.row.name + ' to compare'" @click.stop />
      <div class="text-h6" style="min-width: 2rem">{{ props.row.rank }}</div>
      <div class="col">
        <div class="text-weight-medium sl-wrap">{{ props.row.name }}</div>
""" + PERSON_FILES + r"""      </div>
      <div class="column items-end">
        <div class="text-h6">{{ props.row.score }}</div>
        <q-badge :color="props.row.band_color" rounded>{{ props.row.band }}</q-badge>
      </div>
    </q-card-section>
    <q-card-section class="q-pt-none text-body2">
      <div v-if="props.row.missing.length">Missing:
        <q-chip v-for="s in props.row.missing" :key="s" dense square outline size="sm"
                color="negative">{{ s }}</q-chip>
      </div>
      <div v-else-if="props.row.matched.length">Has every must-have skill</div>
      <div v-if="props.row.years" class="sl-muted">{{ props.row.years }} years of experience</div>
    </q-card-section>
  </q-card>
</div>
"""

COLUMNS = [
    {"name": "rank", "label": "Rank", "field": "rank", "sortable": True, "align": "right",
     "style": "width: 3.5rem"},
    {"name": "name", "label": "Candidate", "field": "name", "sortable": True, "align": "left",
     "style": "min-width: 12rem"},
    {"name": "score", "label": "Score", "field": "score", "sortable": True, "align": "right",
     "sortOrder": "da"},
    {"name": "band", "label": "Fit", "field": "band", "align": "left"},
    {"name": "matched", "label": "Skills found", "field": "matched", "align": "left",
     "classes": "gt-xs", "headerClasses": "gt-xs"},
    {"name": "missing", "label": "Must-haves missing", "field": "missing", "align": "left"},
    {"name": "years", "label": "Years", "field": "years", "sortable": True, "align": "right",
     "sortOrder": "da"},
]



NAME_CELL = r"""
<q-td :props="props">
  <div><span class="text-weight-medium sl-wrap sl-link" role="button" tabindex="0"
        :aria-label="'Details of ' + props.row.name"
        @click.stop="$parent.$emit('detail', props.row.id)"
        @keydown.enter.stop="$parent.$emit('detail', props.row.id)"
        @keydown.space.stop.prevent="$parent.$emit('detail', props.row.id)"
        >{{ props.row.name }}</span></div>
""" + PERSON_FILES + r"""</q-td>"""
# Sortable headers reachable by Tab and sorted by Enter or Space, as by a click.
HEADER_CELL = r"""
<q-th :props="props" :tabindex="props.col.sortable ? 0 : null"
      :aria-sort="props.col.sortable ? 'none' : null"
      @keydown.enter.prevent="props.col.sortable && props.sort(props.col)"
      @keydown.space.prevent="props.col.sortable && props.sort(props.col)">
  {{ props.col.label }}
</q-th>"""
# An empty shortlist is a normal state (nothing screened yet), not a warning.
NO_DATA = r"""
<div class="full-width row items-center q-gutter-sm sl-muted">
  <q-icon name="hourglass_empty" size="sm" /><span>{{ props.message }}</span>
</div>"""
CHIPS_CELL = r"""
<q-td :props="props">
  <q-chip v-for="s in props.row.matched" :key="'m' + s" dense square size="sm"
          color="positive" text-color="white">{{ s }}</q-chip>
  <q-chip v-for="s in props.row.nice" :key="'n' + s" dense square outline size="sm"
          color="positive">{{ s }}</q-chip>
</q-td>"""
MISSING_CELL = r"""
<q-td :props="props">
  <q-chip v-for="s in props.row.missing" :key="s" dense square outline size="sm"
          color="negative">{{ s }}</q-chip>
  <span v-if="!props.row.missing.length" class="sl-muted">None</span>
</q-td>"""
BAND_CELL = r"""
<q-td :props="props">
  <q-badge :color="props.row.band_color" rounded>{{ props.row.band }}</q-badge>
</q-td>"""


def row_of(r: queries.ShortlistRow, team: decisions.DecisionView | None = None
           ) -> dict[str, Any]:
    team = team or decisions.DecisionView(r.item_id)
    return {
        # The hiring team's decision (app.recruiting.decisions).
        "status": team.status,
        "status_text": decisions.STATUS_WORDS.get(team.status, team.status),
        "status_color": words.CANDIDATE_STATUS_COLORS.get(team.status, "grey-7"),
        "starred": team.starred, "tags": list(team.tags), "notes": team.notes,
        "notes_text": words.plural(team.notes, "note"),
        "id": r.item_id,
        "rank": r.rank,
        "name": r.name or r.file,
        "file": r.file if r.name else "",
        "score": r.score,
        "band": words.BAND_WORDS.get(r.band, r.band.capitalize()),
        "band_color": words.BAND_COLORS.get(r.band, "grey-7"),
        "matched": r.must_have_matched,
        "nice": r.nice_to_have_matched,
        "missing": r.must_have_missing,
        "years": "" if r.years is None else f"{r.years:g}",
        # One row per person: their other files, and who else they may be.
        "also": f"Also uploaded as {', '.join(r.also_uploaded_as)}"
        if r.also_uploaded_as else "",
        "possibly": f"Possibly the same person as {', '.join(r.possibly_same_as)}"
        if r.possibly_same_as else "",
    }


def shortlist_title(people: int, files_done: int) -> str:
    """'Shortlist (76)'; with duplicates, 'Shortlist (76 people from 80 resumes)'."""
    if not people:
        return "Shortlist"
    if people == files_done:
        return f"Shortlist ({people})"
    return f"Shortlist ({words.plural(people, 'person', 'people')} from" \
           f" {words.plural(files_done, 'resume')})"




def shortlist_table(sort: dict[str, Any]) -> ui.table:
    table = ui.table(columns=[dict(c) for c in COLUMNS], rows=[], row_key="id",
                     selection="multiple",  # to compare 2 to 4 side by side
                     pagination={**sort, "rowsNumber": 0}).classes("sl-table").mark("shortlist")
    table.props("flat bordered wrap-cells binary-state-sort"
                " no-data-label='No resumes screened yet.'")
    # Cards instead of columns on a phone (Quasar's screen size is reactive).
    table.props(':grid="Quasar.Screen.lt.sm"')
    table._props[":selected-rows-label"] = (
        "n => n === 1 ? '1 candidate chosen' : n + ' candidates chosen'")
    table.add_slot("item", GRID_ITEM)
    table.props["rows-per-page-options"] = [10, 25, 50, 100]
    table.props["rows-per-page-label"] = "Per page:"
    table.add_slot("header-cell", HEADER_CELL)
    table.add_slot("no-data", NO_DATA)
    table.add_slot("body-cell-name", NAME_CELL)
    table.add_slot("body-cell-band", BAND_CELL)
    table.add_slot("body-cell-matched", CHIPS_CELL)
    table.add_slot("body-cell-missing", MISSING_CELL)
    return table


def chips_legend() -> None:
    """What the skill chips mean (filled and outlined looked alike without it)."""
    with ui.row().classes("items-center gap-x-3 gap-y-0 text-caption").mark("legend"):
        for chip, props, color, text in (
                ("must-have", "dense square size=sm", "positive", "found must-have"),
                ("nice-to-have", "dense square outline size=sm", "positive", "found nice-to-have"),
                ("skill", "dense square outline size=sm", "negative", "missing must-have")):
            with ui.row().classes("items-center gap-1 no-wrap"):  # a chip stays with its words
                ui.chip(chip, color=color, text_color="white" if "outline" not in props
                        else None).props(props)
                ui.label(text).classes("sl-muted")
