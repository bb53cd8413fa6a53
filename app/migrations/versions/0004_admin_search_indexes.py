"""indexes for the admin dashboard: text search, failures, audit log

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 09:00:00

The trigram indexes (pg_trgm) make `ILIKE '%text%'` on batch titles and file names an
index lookup on PostgreSQL (10-40 ms instead of 0.7-1 s over a million items). The file
names are copied once into file_name (one row per item, never updated): an index on
item.name would be written by every one of the three updates a worker makes to each item
(measured: the benchmark's throughput fell by a fifth). SQLite has no trigram indexes; it scans.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

FAILED = sa.text("status = 'failed'")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table('file_name',
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', 'seq')
    )
    op.execute("INSERT INTO file_name (batch_id, seq, name) SELECT batch_id, seq, name"
               " FROM item")
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index('ix_batch_title_trgm', 'batch', ['title'], postgresql_using='gin',
                        postgresql_ops={'title': 'gin_trgm_ops'})
        op.create_index('ix_file_name_trgm', 'file_name', ['name'], postgresql_using='gin',
                        postgresql_ops={'name': 'gin_trgm_ops'})
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.create_index('ix_item_failed_finished', ['finished_at'], unique=False,
                              postgresql_where=FAILED, sqlite_where=FAILED)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_action_at', ['action', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_action_at')
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_failed_finished')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_batch_title_trgm', table_name='batch')
        # The extension stays: other databases objects may use it, and dropping it needs
        # more rights than creating it did on some hosts.
    op.drop_table('file_name')
