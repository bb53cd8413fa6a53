"""The hiring team's decisions and notes; password resets; must_change_password

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 21:40:00

decision: a candidate's status in one screening (new, shortlisted, interview, on hold,
rejected), a star and tags, one row per item that has any; note: notes on an item, each
by its author. password_reset: "forgot password" links (hash only, single use,
expiring). user.must_change_password: a one-time password from an admin must be changed
at the next sign-in.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    # Columns are added with a plain ALTER TABLE (SQLite too): batch mode would copy the
    # table and drop the old one, which SQLite refuses while other rows refer to it.
    op.add_column('user', sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                server_default=sa.false()))
    op.create_table(
        'password_reset',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', _text(length=64), nullable=False),
        sa.Column('created_at', _time(), nullable=False),
        sa.Column('expires_at', _time(), nullable=False),
        sa.Column('used_at', _time(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_password_reset_user_id', 'password_reset', ['user_id'])
    op.create_table(
        'decision',
        sa.Column('item_id', sa.BigInteger(), nullable=False),
        sa.Column('batch_id', sa.Uuid(), nullable=False),
        sa.Column('status', _text(length=16), nullable=False),
        sa.Column('starred', sa.Boolean(), nullable=False),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('updated_at', _time(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('item_id'),
    )
    op.create_index('ix_decision_batch_id', 'decision', ['batch_id'])
    op.create_table(
        'note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.BigInteger(), nullable=False),
        sa.Column('batch_id', sa.Uuid(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', _time(), nullable=False),
        sa.Column('updated_at', _time(), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_note_item', 'note', ['item_id', 'id'])
    op.create_index('ix_note_batch_id', 'note', ['batch_id'])


def downgrade() -> None:
    op.drop_index('ix_note_batch_id', table_name='note')
    op.drop_index('ix_note_item', table_name='note')
    op.drop_table('note')
    op.drop_index('ix_decision_batch_id', table_name='decision')
    op.drop_table('decision')
    op.drop_index('ix_password_reset_user_id', table_name='password_reset')
    op.drop_table('password_reset')
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_column('must_change_password')
