"""answers.entity_key: a person's answer in a roster task (the keyed hash of the entity key, never the clear ID);
answers.window widened to 40 (an ad-hoc period's window, 2025-01-01..2025-03-31, is 22 characters)

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-09 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entity_key', sa.String(length=64), nullable=True,
                                      comment="a person's answer (roster tasks): HMAC-SHA256 of the entity key under the workspace secret; null: the unit's own"))
        batch_op.alter_column('window', existing_type=sa.String(length=16), type_=sa.String(length=40),
                              existing_nullable=False,
                              existing_comment='validity: 2025, 2025-06, 2025Q2, or * until changed')


def downgrade() -> None:
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.alter_column('window', existing_type=sa.String(length=40), type_=sa.String(length=16),
                              existing_nullable=False)
        batch_op.drop_column('entity_key')
