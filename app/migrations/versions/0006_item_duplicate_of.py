"""item.duplicate_of: the kept file of the same person in a screening

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 07:00:00

Written when a screening is finalized (app.engine.duplicates): the id of the item kept
for the same person, null for every other item. No index: it is read per batch, and the
batch's items are found through ix_item_batch_status_id.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('item', sa.Column('duplicate_of', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_column('duplicate_of')
