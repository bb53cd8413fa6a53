"""indexes for statistics

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:50:14.344103
"""

from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.create_index('ix_batch_created_at', ['created_at'], unique=False)

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.create_index('ix_item_finished_at', ['finished_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_finished_at')

    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_index('ix_batch_created_at')
