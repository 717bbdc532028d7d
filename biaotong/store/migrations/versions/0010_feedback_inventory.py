"""feedback, its messages, the report inventory and 表外表 reports

Revision ID: 0010
Revises: 0001
Create Date: 2026-12-02 04:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feedback_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('target_kind', sa.String(length=16), nullable=False, comment='report | field | task | value | system | outside_form'),
    sa.Column('report_id', sa.String(length=80), nullable=True),
    sa.Column('field', sa.String(length=80), nullable=True),
    sa.Column('task_ref', sa.String(length=120), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('sender', sa.String(length=64), nullable=True, comment='NULL when anonymous'),
    sa.Column('sender_org', sa.String(length=12), nullable=True, comment='NULL when anonymous'),
    sa.Column('token_sha256', sa.String(length=64), nullable=True, comment="anonymous: hash of the sender's token"),
    sa.Column('department', sa.String(length=100), nullable=False, comment='who must answer'),
    sa.Column('status', sa.String(length=16), nullable=False, comment='open | answered | closed'),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attachment', sa.LargeBinary(), nullable=True),
    sa.Column('attachment_name', sa.String(length=200), nullable=True),
    sa.Column('attachment_type', sa.String(length=16), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_items'))
    )
    with op.batch_alter_table('feedback_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_items_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_items_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_items_sender_org'), ['sender_org'], unique=False)

    op.create_table('feedback_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='answer | close | reopen | escalate'),
    sa.Column('author', sa.String(length=64), nullable=False, comment="a username, a department, or 'sender' (anonymous)"),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_messages'))
    )
    with op.batch_alter_table('feedback_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_messages_feedback_id'), ['feedback_id'], unique=False)

    op.create_table('inventory_listings',
    sa.Column('report_id', sa.String(length=80), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False, comment='legal or policy basis, as text'),
    sa.Column('basis_ref', sa.String(length=200), nullable=False, comment='document reference (文号)'),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('reach', sa.JSON(), nullable=False, comment='[{"org": code, "level": "village"}, ...]'),
    sa.Column('listed_by', sa.String(length=64), nullable=False),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_inventory_listings'))
    )
    op.create_table('outside_forms',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False, comment='the department that sent the form'),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('org_code', sa.String(length=12), nullable=True, comment='the unit that received it; NULL when anonymous'),
    sa.Column('reporter', sa.String(length=64), nullable=True, comment='NULL when anonymous'),
    sa.Column('feedback_id', sa.Integer(), nullable=True),
    sa.Column('attachment', sa.LargeBinary(), nullable=True),
    sa.Column('attachment_name', sa.String(length=200), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_forms'))
    )
    with op.batch_alter_table('outside_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outside_forms_department'), ['department'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outside_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outside_forms_department'))
    op.drop_table('outside_forms')
    op.drop_table('inventory_listings')
    with op.batch_alter_table('feedback_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_messages_feedback_id'))
    op.drop_table('feedback_messages')
    with op.batch_alter_table('feedback_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_items_sender_org'))
        batch_op.drop_index(batch_op.f('ix_feedback_items_report_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_items_department'))
    op.drop_table('feedback_items')
