"""quality findings and runs

Revision ID: 0011
Revises: 0001
Create Date: 2026-12-02 05:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quality_findings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False, comment='sha256 of check|entity|key|source|element'),
    sa.Column('check', sa.String(length=64), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('org_code', sa.String(length=12), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False, comment='owner of the source: who fixes it'),
    sa.Column('element', sa.String(length=64), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('other_source', sa.String(length=64), nullable=True),
    sa.Column('other_value', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False, comment='open | sent | fixed | explained'),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_in', sa.String(length=80), nullable=True, comment="the owner's snapshot it was last seen in"),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True, comment='the explanation, or the snapshot that fixed it'),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_findings')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_quality_findings_fingerprint'))
    )
    with op.batch_alter_table('quality_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_findings_check'), ['check'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_findings_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_findings_org_code'), ['org_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_findings_source'), ['source'], unique=False)

    op.create_table('quality_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trigger', sa.String(length=100), nullable=False),
    sa.Column('checks', sa.Integer(), nullable=False),
    sa.Column('findings', sa.Integer(), nullable=False),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('fixed', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_runs'))
    )


def downgrade() -> None:
    op.drop_table('quality_runs')
    with op.batch_alter_table('quality_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_findings_source'))
        batch_op.drop_index(batch_op.f('ix_quality_findings_org_code'))
        batch_op.drop_index(batch_op.f('ix_quality_findings_department'))
        batch_op.drop_index(batch_op.f('ix_quality_findings_check'))
    op.drop_table('quality_findings')
