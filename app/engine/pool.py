"""Each recruiter's pool of candidates: a finalized resume screening's people, linked to
the people already in the owner's pool by the same identity rules as inside a screening.

Run in the finalizing transaction (the resume kind's `after_finalize`). For each person of
the screening (its kept files, app.engine.duplicates), the pool's candidates that share an
email, a phone or a band of the text signature with them are compared
(app.analysis.identity.compare): "same" links the file to that candidate and refreshes the
candidate from it (the latest file speaks for them); anything else starts a new candidate.
A person's other files of the screening are linked to the same candidate. Linking is
idempotent: a file already linked is left as it is (a batch finalized again after resumes
were added links only the new ones).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, exists, insert, select, update

from app.analysis import identity
from app.models import Batch, Candidate, CandidateItem, CandidateKey, DocumentReading, Item, utcnow

batch_t, item_t = Batch.__table__, Item.__table__
candidate_t, key_t, link_t = Candidate.__table__, CandidateKey.__table__, CandidateItem.__table__
reading_t = DocumentReading.__table__
# Of the resume's text, what the pool's search reads (with the name, contacts and skills).
SEARCH_TEXT_CHARS = 1_000
_CHUNK = 500


def link_batch(conn: Connection, batch_id: uuid.UUID) -> int:
    """Link the batch's screened files to candidates; returns how many were linked now."""
    owner_id = conn.execute(select(batch_t.c.owner_id).where(batch_t.c.id == batch_id)).scalar()
    linked = select(link_t.c.item_id).where(link_t.c.item_id == item_t.c.id)
    rows = conn.execute(
        select(item_t.c.id, item_t.c.name, item_t.c.result, item_t.c.duplicate_of,
               item_t.c.seq,
               reading_t.c.data["text"].as_string().label("text"))
        .select_from(item_t.outerjoin(reading_t, reading_t.c.document_id == item_t.c.document_id))
        .where(item_t.c.batch_id == batch_id, item_t.c.status == "done", ~exists(linked))
        .order_by(item_t.c.seq)).all()
    if owner_id is None or not rows:
        return 0
    kept = [r for r in rows if r.duplicate_of is None]
    prints = {r.id: identity.from_result(r.result) or identity.Fingerprint() for r in kept}
    known = _candidates_sharing_keys(conn, owner_id, prints.values())
    candidate_of: dict[int, int] = dict(conn.execute(
        select(link_t.c.item_id, link_t.c.candidate_id).join(
            item_t, item_t.c.id == link_t.c.item_id).where(item_t.c.batch_id == batch_id)).all())
    now = utcnow()
    for row in kept:
        fp = prints[row.id]
        keys = identity.lookup_keys(fp)
        match = next((cid for cid, other in known.items() if set(keys) & other.keys
                      and identity.compare(fp, other.fingerprint) == identity.Verdict.same), None)
        values = _candidate_values(row, fp, now)
        if match is None:
            match = conn.execute(insert(candidate_t).values(
                owner_id=owner_id, created_at=now, **values).returning(candidate_t.c.id)
            ).scalar_one()
        else:
            conn.execute(update(candidate_t).where(candidate_t.c.id == match).values(**values))
        _add_keys(conn, owner_id, match, keys)
        known[match] = _Known(fp, set(keys) | (known[match].keys if match in known else set()))
        candidate_of[row.id] = match
    links = [{"item_id": r.id, "candidate_id": candidate_of[r.duplicate_of or r.id]}
             for r in rows if (r.duplicate_of or r.id) in candidate_of]
    if links:
        conn.execute(insert(link_t), links)
    return len(links)


def forget_unlinked(conn: Connection, owner_ids: Iterable[int] | None = None) -> int:
    """Delete the candidates none of whose files is kept any more (after items were
    deleted: a person's data goes with their last screening). Returns how many."""
    condition = ~exists(select(link_t.c.item_id).where(link_t.c.candidate_id == candidate_t.c.id))
    query = delete(candidate_t).where(condition)
    if owner_ids is not None:
        query = query.where(candidate_t.c.owner_id.in_(sorted(set(owner_ids))))
    return conn.execute(query).rowcount


class _Known:
    __slots__ = ("fingerprint", "keys")

    def __init__(self, fingerprint: identity.Fingerprint, keys: set[str]) -> None:
        self.fingerprint, self.keys = fingerprint, keys


def _candidates_sharing_keys(conn: Connection, owner_id: int,
                             prints: Iterable[identity.Fingerprint]) -> dict[int, _Known]:
    wanted = sorted({k for fp in prints for k in identity.lookup_keys(fp)})
    keys_of: dict[int, set[str]] = {}
    for start in range(0, len(wanted), _CHUNK):
        for cid, key in conn.execute(select(key_t.c.candidate_id, key_t.c.key).where(
                key_t.c.owner_id == owner_id, key_t.c.key.in_(wanted[start:start + _CHUNK]))):
            keys_of.setdefault(cid, set()).add(key)
    if not keys_of:
        return {}
    found = conn.execute(select(candidate_t.c.id, candidate_t.c.fingerprint).where(
        candidate_t.c.id.in_(sorted(keys_of)))).all()
    return {cid: _Known(identity.Fingerprint.from_dict(fp or {}), keys_of[cid])
            for cid, fp in found}


def _add_keys(conn: Connection, owner_id: int, candidate_id: int, keys: Sequence[str]) -> None:
    have = set(conn.execute(select(key_t.c.key).where(
        key_t.c.owner_id == owner_id, key_t.c.candidate_id == candidate_id)).scalars())
    new = [{"owner_id": owner_id, "key": k, "candidate_id": candidate_id}
           for k in dict.fromkeys(keys) if k not in have]
    if new:
        conn.execute(insert(key_t), new)


def _candidate_values(row: Any, fp: identity.Fingerprint, now) -> dict[str, Any]:
    profile = (row.result or {}).get("profile") or {}
    name = (profile.get("name") or "").strip()[:200]
    emails, phones = list(profile.get("emails") or []), list(profile.get("phones") or [])
    skills = [str(s) for s in profile.get("skills") or []]
    titles = [str(r.get("title") or "") for r in profile.get("roles") or []
              if isinstance(r, dict)]
    search = " ".join([name, *emails, *phones, *skills, *titles, row.name,
                       (row.text or "")[:SEARCH_TEXT_CHARS]]).casefold()
    return {"name": name, "email": (emails[0] if emails else None),
            "phone": (phones[0][:40] if phones else None), "years": profile.get("years"),
            "skills": skills, "fingerprint": fp.to_dict(), "latest_item_id": row.id,
            "latest_file": row.name, "search_doc": search, "updated_at": now}
