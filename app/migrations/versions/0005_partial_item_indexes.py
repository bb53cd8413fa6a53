"""partial item indexes: fewer index writes per worker update

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:10:00

A worker updates each item three times (claim, end, release of the next one). Every such
update writes a new entry into each index of the table whose condition the new row meets.
ix_item_status_lease, ix_item_batch_score and ix_item_finished_at held every item and
were written by all three; their partial replacements hold only the rows their queries
read (running items by lease, queued items, done items by score, finished items), and a
new partial index on pending items serves the dispatcher's "next pending items of a
batch" without being written by any worker update.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

NEW = (
    ("ix_item_pending", ["batch_id", "id"], "status = 'pending'"),
    ("ix_item_running_lease", ["lease_expires_at"], "status = 'running'"),
    ("ix_item_queued", ["id"], "status = 'queued'"),
    ("ix_item_done_score", ["batch_id", "score"], "status = 'done'"),
    ("ix_item_finished_at", ["finished_at", "status"], "finished_at IS NOT NULL"),
)
OLD = (
    ("ix_item_status_lease", ["status", "lease_expires_at"]),
    ("ix_item_batch_score", ["batch_id", "score"]),
    ("ix_item_finished_at", ["finished_at"]),
)


def upgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        for name, _ in OLD:
            batch_op.drop_index(name)
    with op.batch_alter_table('item', schema=None) as batch_op:
        for name, columns, where in NEW:
            batch_op.create_index(name, columns, unique=False, postgresql_where=sa.text(where),
                                  sqlite_where=sa.text(where))


def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        for name, _, _ in NEW:
            batch_op.drop_index(name)
    with op.batch_alter_table('item', schema=None) as batch_op:
        for name, columns in OLD:
            batch_op.create_index(name, columns, unique=False)
