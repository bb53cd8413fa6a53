"""item_attempt: one row per attempt of an item, written when it ends; item.dismissed_at

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 21:20:00

An item kept only its last error, and the charts counted items by their latest end: a
retry erased a failure and moved it to another minute, a move moved a batch's past
counts to another lane. A failed file can be dismissed: left as it is, out of the
failures view and of "retry failed files". Attempts ended before this revision have no rows (their items
still show their last state).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Columns are added with a plain ALTER TABLE (SQLite too): batch mode would copy the
    # table and drop the old one, which SQLite refuses while other rows refer to it.
    op.create_table(
        'item_attempt',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  primary_key=True, autoincrement=True),
        sa.Column('item_id', sa.BigInteger(),
                  sa.ForeignKey('item.id', ondelete='CASCADE'), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('lane', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('worker', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
    )
    op.create_index('ix_item_attempt_item', 'item_attempt', ['item_id', 'id'])
    op.create_index('ix_item_attempt_ended', 'item_attempt', ['ended_at', 'lane', 'outcome'])
    op.add_column('item', sa.Column('dismissed_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('item') as batch_op:
        batch_op.drop_column('dismissed_at')
    op.drop_index('ix_item_attempt_ended', table_name='item_attempt')
    op.drop_index('ix_item_attempt_item', table_name='item_attempt')
    op.drop_table('item_attempt')
