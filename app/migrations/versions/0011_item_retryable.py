"""item.retryable: whether trying a failed file again can succeed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 18:10:00

A damaged, password-protected, unsupported or unreadable file fails the same way every
time: it is not offered for retry, and the retry buttons count only the others. Failures
recorded before this column are taken as retryable (nothing says otherwise).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('item') as batch_op:
        batch_op.add_column(sa.Column('retryable', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('item') as batch_op:
        batch_op.drop_column('retryable')
