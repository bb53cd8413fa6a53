"""Teams, share links, webhooks and notifications

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 21:45:00

team and team_member: people who see and work on each other's screenings. share_link: a
read-only, expiring, revocable link to a screening (token hash only). webhook: a user's
default webhook (URL and signing secret). notification: each message about a finished or
failed screening, in the app, by e-mail or to a webhook, with its delivery state.
batch.callback_url: a submission's own webhook. user.notify_in_app / notify_email.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    # Columns are added with a plain ALTER TABLE (SQLite too): batch mode would copy the
    # table and drop the old one, which SQLite refuses while other rows refer to it.
    op.add_column('user', sa.Column('notify_in_app', sa.Boolean(), nullable=False,
                                server_default=sa.true()))
    op.add_column('user', sa.Column('notify_email', sa.Boolean(), nullable=False,
                                server_default=sa.false()))
    op.add_column('batch', sa.Column('callback_url', _text(length=2000), nullable=True))
    op.create_table(
        'team',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', _text(length=100), nullable=False),
        sa.Column('created_at', _time(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'team_member',
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('added_at', _time(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['team.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('team_id', 'user_id'),
    )
    op.create_index('ix_team_member_user_id', 'team_member', ['user_id'])
    op.create_table(
        'share_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Uuid(), nullable=False),
        sa.Column('token_hash', _text(length=64), nullable=False),
        sa.Column('blind', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', _time(), nullable=False),
        sa.Column('expires_at', _time(), nullable=False),
        sa.Column('revoked_at', _time(), nullable=True),
        sa.Column('views', sa.Integer(), nullable=False),
        sa.Column('last_viewed_at', _time(), nullable=True),
        sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_share_link_batch_id', 'share_link', ['batch_id'])
    op.create_table(
        'webhook',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('url', _text(length=2000), nullable=False),
        sa.Column('secret', _text(length=100), nullable=False),
        sa.Column('created_at', _time(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Uuid(), nullable=True),
        sa.Column('channel', _text(length=16), nullable=False),
        sa.Column('event', _text(length=32), nullable=False),
        sa.Column('title', _text(length=300), nullable=False),
        sa.Column('target', _text(length=2000), nullable=True),
        sa.Column('state', _text(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('answer', _text(length=500), nullable=True),
        sa.Column('created_at', _time(), nullable=False),
        sa.Column('sent_at', _time(), nullable=True),
        sa.Column('read_at', _time(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_notification_user_unread', 'notification',
                    ['user_id', 'read_at', 'id'])
    op.create_index('ix_notification_batch_id', 'notification', ['batch_id'])


def downgrade() -> None:
    op.drop_index('ix_notification_batch_id', table_name='notification')
    op.drop_index('ix_notification_user_unread', table_name='notification')
    op.drop_table('notification')
    op.drop_table('webhook')
    op.drop_index('ix_share_link_batch_id', table_name='share_link')
    op.drop_table('share_link')
    op.drop_index('ix_team_member_user_id', table_name='team_member')
    op.drop_table('team_member')
    op.drop_table('team')
    with op.batch_alter_table('batch') as batch_op:
        batch_op.drop_column('callback_url')
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_column('notify_email')
        batch_op.drop_column('notify_in_app')
