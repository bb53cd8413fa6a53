"""document_reading: what was read from a document, kept for screening it again

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 15:00:00

A re-screen (a screening started from an earlier one) points its items at the same
documents, so the items of several batches can share one; ix_item_document_id lets a
deletion keep the documents other items still use.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'document_reading',
        sa.Column('document_id', sa.BigInteger(), nullable=False),
        sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('document_id'),
    )
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.create_index('ix_item_document_id', ['document_id'], unique=False,
                              postgresql_where=sa.text('document_id IS NOT NULL'),
                              sqlite_where=sa.text('document_id IS NOT NULL'))


def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_document_id')
    op.drop_table('document_reading')
