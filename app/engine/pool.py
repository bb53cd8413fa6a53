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
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, delete, exists, insert, select, update

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
    known, by_key = _candidates_sharing_keys(conn, owner_id, prints.values())
    candidate_of: dict[int, int] = dict(conn.execute(
        select(link_t.c.item_id, link_t.c.candidate_id).join(
            item_t, item_t.c.id == link_t.c.item_id).where(item_t.c.batch_id == batch_id)).all())
    now = utcnow()
    updates: dict[int, dict[str, Any]] = {}
    new_keys: list[dict[str, Any]] = []
    new_rows: list[tuple[Any, list[str], dict[str, Any]]] = []
    for row in kept:
        fp = prints[row.id]
        keys = identity.lookup_keys(fp)
        # Only the candidates sharing a key are compared (the keys index them), in id order
        nearby = sorted({cid for k in keys for cid in by_key.get(k, ())})
        match = next((cid for cid in nearby
                      if identity.compare(fp, known[cid]) == identity.Verdict.same), None)
        if match is None:
            new_rows.append((row, keys, _candidate_values(row, fp, now)))
            continue
        updates[match] = _candidate_values(row, fp, now)
        known[match] = fp  # the latest file speaks for them from now on
        candidate_of[row.id] = match
        # by_key holds every stored row of these keys: the candidate's missing ones are new
        new_keys.extend({"owner_id": owner_id, "key": k, "candidate_id": match}
                        for k in dict.fromkeys(keys) if match not in by_key.get(k, ()))
        _index(by_key, match, keys)
    # Within one screening, kept files are different people: their new candidates are
    # written together, then their keys.
    if new_rows:
        ids = conn.execute(
            insert(candidate_t).returning(candidate_t.c.id, sort_by_parameter_order=True),
            [{"owner_id": owner_id, "created_at": now, **values} for _, _, values in new_rows],
        ).scalars().all()
        new_keys.extend({"owner_id": owner_id, "key": k, "candidate_id": cid}
                        for cid, (_, keys, _) in zip(ids, new_rows) for k in dict.fromkeys(keys))
        for cid, (row, _, _) in zip(ids, new_rows):
            candidate_of[row.id] = cid
    if new_keys:
        conn.execute(insert(key_t), new_keys)
    if updates:
        columns = sorted(next(iter(updates.values())))
        conn.execute(
            update(candidate_t).where(candidate_t.c.id == bindparam("c_id"))
            .values({c: bindparam(f"c_{c}") for c in columns}),
            [{"c_id": cid, **{f"c_{c}": v[c] for c in columns}} for cid, v in updates.items()])
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


def _index(by_key: dict[str, set[int]], candidate_id: int, keys: Iterable[str]) -> None:
    for key in keys:
        by_key.setdefault(key, set()).add(candidate_id)


def _candidates_sharing_keys(conn: Connection, owner_id: int,
                             prints: Iterable[identity.Fingerprint],
                             ) -> tuple[dict[int, identity.Fingerprint], dict[str, set[int]]]:
    """The owner's candidates sharing a key with these fingerprints: their fingerprints,
    and the candidates under each key."""
    wanted = sorted({k for fp in prints for k in identity.lookup_keys(fp)})
    by_key: dict[str, set[int]] = {}
    for start in range(0, len(wanted), _CHUNK):
        for cid, key in conn.execute(select(key_t.c.candidate_id, key_t.c.key).where(
                key_t.c.owner_id == owner_id, key_t.c.key.in_(wanted[start:start + _CHUNK]))):
            by_key.setdefault(key, set()).add(cid)
    ids = sorted({cid for cids in by_key.values() for cid in cids})
    known: dict[int, identity.Fingerprint] = {}
    for start in range(0, len(ids), _CHUNK):
        for cid, fp in conn.execute(select(candidate_t.c.id, candidate_t.c.fingerprint).where(
                candidate_t.c.id.in_(ids[start:start + _CHUNK]))):
            known[cid] = identity.Fingerprint.from_dict(fp or {})
    return known, by_key


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
