"""One row per person: which done items of a batch are other files of a person already
listed (the rule: app.analysis.identity).

Worked out from the fingerprints stored in the items' results, at read time while a batch
runs (the shortlist stays consistent as items finish: a better file of a person, finished
later, takes the person's place), and written to `item.duplicate_of` when the batch is
finalized. Cost: one indexed read of the batch's done items (their fingerprints) and the
grouping, about 0.1 s for 2,000 items (tests/ui/test_duplicates.py). A done item never
changes again, so a batch's grouping depends only on which items are done: each process
keeps the last few, keyed by the batch and its count of done items, and reads of an
unchanged batch cost nothing.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.engine import Connection

from app.analysis import identity
from app.models import Item, ItemStatus

item_t = Item.__table__
CACHED_BATCHES = 32
_cache: OrderedDict[tuple[uuid.UUID, int], People] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class People:
    """A batch's done items grouped by person, keyed by item id."""

    groups: identity.Groups[int]
    # Item id -> (file name, the candidate's name or None), for the notes on a row.
    labels: dict[int, tuple[str, str | None]]

    @property
    def duplicate_ids(self) -> list[int]:
        return sorted(self.groups.duplicate_of)

    def also_uploaded_as(self, item_id: int) -> tuple[str, ...]:
        return tuple(self.labels[i][0] for i in self.groups.also.get(item_id, ()))

    def possibly_same_as(self, item_id: int) -> tuple[str, ...]:
        """The other people this one may be: "name (file)", or the file's name alone."""
        return tuple(f"{self.labels[i][1]} ({self.labels[i][0]})" if self.labels[i][1]
                     else self.labels[i][0] for i in self.groups.possibly.get(item_id, ()))


def people(conn: Connection, batch_id: uuid.UUID, n_done: int | None = None) -> People:
    """Group the batch's done items by person, from their stored fingerprints. Pass the
    batch's done counter, read in the same transaction, to reuse an earlier grouping."""
    if n_done is None:
        return _people(conn, batch_id)
    with _cache_lock:
        found = _cache.get((batch_id, n_done))
        if found is not None:
            _cache.move_to_end((batch_id, n_done))
            return found
    found = _people(conn, batch_id)
    with _cache_lock:
        _cache[(batch_id, n_done)] = found
        while len(_cache) > CACHED_BATCHES:
            _cache.popitem(last=False)
    return found


def _people(conn: Connection, batch_id: uuid.UUID) -> People:
    result = item_t.c.result
    stored, profile = result["identity"], result["profile"]
    rows = conn.execute(
        select(item_t.c.id, item_t.c.seq, item_t.c.name.label("file"), item_t.c.score,
               stored.label("identity"), profile["name"].label("person"),
               profile["emails"].label("emails"), profile["phones"].label("phones"))
        .where(and_(item_t.c.batch_id == batch_id, item_t.c.status == ItemStatus.done.value,
                    or_(stored.is_not(None), profile.is_not(None))))
    ).mappings().all()
    entries, labels = [], {}
    for row in rows:
        fingerprint = identity.from_result(
            {"identity": row["identity"]} if isinstance(row["identity"], dict) else
            {"profile": {"name": row["person"], "emails": row["emails"] or (),
                         "phones": row["phones"] or ()}})
        if fingerprint is None or not (fingerprint.emails or fingerprint.phones
                                       or fingerprint.signature):
            continue  # nothing to recognise the person by (or another kind of work)
        entries.append(identity.Entry(row["id"], row["score"], row["seq"], fingerprint))
        person = row["person"] if isinstance(row["person"], str) else None
        labels[row["id"]] = (row["file"], person)
    return People(identity.group(entries), labels)


def assign(conn: Connection, batch_id: uuid.UUID) -> int:
    """Write `duplicate_of` for every item of the batch (null for the kept ones); returns
    how many items are duplicates. Run in the finalizing transaction."""
    duplicate_of = people(conn, batch_id).groups.duplicate_of
    conn.execute(update(item_t).where(item_t.c.batch_id == batch_id,
                                      item_t.c.duplicate_of.is_not(None))
                 .values(duplicate_of=None))
    if duplicate_of:
        conn.execute(
            update(item_t).where(item_t.c.id == bindparam("item_id"))
            .values(duplicate_of=bindparam("kept_id")),
            [{"item_id": k, "kept_id": v} for k, v in sorted(duplicate_of.items())])
    return len(duplicate_of)


def stored(conn: Connection, batch_id: uuid.UUID) -> dict[int, int]:
    """The `duplicate_of` written at finalize: item id -> the kept item's id."""
    return dict(conn.execute(
        select(item_t.c.id, item_t.c.duplicate_of)
        .where(item_t.c.batch_id == batch_id, item_t.c.duplicate_of.is_not(None))).all())
