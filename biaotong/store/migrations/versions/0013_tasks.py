"""tasks, answers, reviews and corrections

Revision ID: 0013
Revises: 0001
Create Date: 2026-12-02 05:05:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tasks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('report_id', sa.String(length=80), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('org_code', sa.String(length=12), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False, comment='draft | submitted | returned | approved'),
    sa.Column('version', sa.Integer(), nullable=False, comment='optimistic concurrency: every change adds one'),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('published_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False, comment='per field: origin (prefilled | reused | typed | asked), element'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
    sa.UniqueConstraint('report_id', 'period', 'org_code', name='uq_tasks_report_period_org')
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_org_code'), ['org_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_report_id'), ['report_id'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('org_code', sa.String(length=12), nullable=False),
    sa.Column('element', sa.String(length=80), nullable=False, comment='entity.code of a data element'),
    sa.Column('window', sa.String(length=16), nullable=False, comment='validity: 2025, 2025-06, 2025Q2, or * until changed'),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False, comment='draft | submitted | approved'),
    sa.Column('current', sa.Boolean(), nullable=False, comment='the newest version of this unit · element · window'),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('previous', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers'))
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_org_code'), ['org_code'], unique=False)

    op.create_table('task_reviews',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False, comment='submit | return | approve'),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('field_comments', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_reviews'))
    )
    with op.batch_alter_table('task_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_reviews_task_id'), ['task_id'], unique=False)

    op.create_table('corrections',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.String(length=80), nullable=False),
    sa.Column('field', sa.String(length=80), nullable=False),
    sa.Column('org_code', sa.String(length=12), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('value_seen', sa.JSON(), nullable=True, comment='the pre-filled value the worker says is wrong'),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('keys', sa.JSON(), nullable=False, comment='entity keys the worker points at (drill-down)'),
    sa.Column('sources', sa.JSON(), nullable=False, comment="the sources holding the field's elements"),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False, comment='open | accepted | rejected | fixed'),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrections'))
    )
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corrections_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_corrections_task_id'), ['task_id'], unique=False)


def downgrade() -> None:
    op.drop_table('corrections')
    op.drop_table('task_reviews')
    op.drop_table('answers')
    op.drop_table('tasks')
