"""batch.dispatch_window: a batch's share of its owner's window in its lane

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 18:10:00

A user's active batches in one lane share one window of items in the broker
(app.engine.fairshare), so submitting more batches does not buy more of the lane; each
batch keeps its share here, read by the statement that releases its next items.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('batch') as batch_op:
        batch_op.add_column(sa.Column('dispatch_window', sa.Integer(), nullable=False,
                                      server_default='100'))


def downgrade() -> None:
    with op.batch_alter_table('batch') as batch_op:
        batch_op.drop_column('dispatch_window')
