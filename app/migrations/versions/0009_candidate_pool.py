"""candidate, candidate_key, candidate_item: each recruiter's pool of people

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 16:00:00

A candidate is one person across a recruiter's screenings (app.engine.pool links each
screening's files when it is finalized); candidate_key finds them again by email, phone
or text signature band; candidate_item lists their files (deleted with the items).
PostgreSQL gets a trigram index for the pool's search, as the admin's search has.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'candidate',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column('years', sa.Float(), nullable=True),
        sa.Column('skills', sa.JSON(), nullable=False),
        sa.Column('fingerprint', sa.JSON(), nullable=False),
        sa.Column('latest_item_id', sa.BigInteger(), nullable=True),
        sa.Column('latest_file', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('search_doc', sa.Text(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_candidate_owner_updated', 'candidate',
                    ['owner_id', 'updated_at', 'id'])
    op.create_table(
        'candidate_key',
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('candidate_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('owner_id', 'key', 'candidate_id'),
    )
    op.create_table(
        'candidate_item',
        sa.Column('item_id', sa.BigInteger(), nullable=False),
        sa.Column('candidate_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('item_id'),
    )
    op.create_index('ix_candidate_item_candidate', 'candidate_item', ['candidate_id'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index('ix_candidate_search_trgm', 'candidate', ['search_doc'],
                        postgresql_using='gin', postgresql_ops={'search_doc': 'gin_trgm_ops'})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_candidate_search_trgm', table_name='candidate')
    op.drop_index('ix_candidate_item_candidate', table_name='candidate_item')
    op.drop_table('candidate_item')
    op.drop_table('candidate_key')
    op.drop_index('ix_candidate_owner_updated', table_name='candidate')
    op.drop_table('candidate')
