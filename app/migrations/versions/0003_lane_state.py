"""lane state: admins pause and resume lanes

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lane_state',
    sa.Column('lane', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('lane')
    )


def downgrade() -> None:
    op.drop_table('lane_state')
