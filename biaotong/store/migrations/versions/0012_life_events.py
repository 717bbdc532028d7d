"""life events, subscriptions and the records they produce

Revision ID: 0012
Revises: 0001
Create Date: 2026-12-02 05:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('life_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('org_code', sa.String(length=12), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('snapshot_id', sa.String(length=80), nullable=False),
    sa.Column('previous_snapshot_id', sa.String(length=80), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=True, comment="the record's own date where it has one"),
    sa.Column('detail', sa.JSON(), nullable=False, comment='codes and dates, e.g. {from, to, programme}'),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_life_events'))
    )
    with op.batch_alter_table('life_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_life_events_detected_at'), ['detected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_life_events_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_life_events_org_code'), ['org_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_life_events_snapshot_id'), ['snapshot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_life_events_type'), ['type'], unique=False)

    op.create_table('event_subscriptions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('types', sa.JSON(), nullable=False),
    sa.Column('org_code', sa.String(length=12), nullable=True, comment='jurisdiction root; NULL: everywhere'),
    sa.Column('action', sa.String(length=16), nullable=False, comment='notify | task'),
    sa.Column('title', sa.String(length=200), nullable=False, comment="what the department's record is called"),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_subscriptions'))
    )
    with op.batch_alter_table('event_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_subscriptions_department'), ['department'], unique=False)

    op.create_table('event_records',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('org_code', sa.String(length=12), nullable=True),
    sa.Column('content', sa.JSON(), nullable=False, comment='the record pre-filled from the one table'),
    sa.Column('status', sa.String(length=16), nullable=False, comment='open | done'),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_records'))
    )
    with op.batch_alter_table('event_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_records_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_records_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_records_subscription_id'), ['subscription_id'], unique=False)


def downgrade() -> None:
    op.drop_table('event_records')
    op.drop_table('event_subscriptions')
    op.drop_table('life_events')
