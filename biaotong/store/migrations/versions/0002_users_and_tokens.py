"""users, roles, org scopes and API tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 04:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('users',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True, comment='argon2id; NULL: may not log in to the web'),
    sa.Column('roles', sa.JSON(), nullable=False, comment='role slugs of biaotong.auth.actor.ROLES'),
    sa.Column('org_code', sa.String(length=12), nullable=True, comment='root of the org subtree; NULL: the whole tree'),
    sa.Column('department', sa.String(length=100), nullable=True, comment='catalog department id (designers)'),
    sa.Column('clearance', sa.String(length=16), nullable=False, comment='public | staff | cleared (masking)'),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_users'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.String(length=16), nullable=False, comment='public part of the token, bt_<id>_<secret>'),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('secret_sha256', sa.String(length=64), nullable=False, comment='the secret is random: a fast hash suffices'),
    sa.Column('roles', sa.JSON(), nullable=False, comment="a subset of the owner's roles"),
    sa.Column('org_code', sa.String(length=12), nullable=True, comment="within the owner's scope"),
    sa.Column('clearance', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['username'], ['users.username'], name=op.f('fk_api_tokens_username_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_username'), ['username'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_username'))
    op.drop_table('api_tokens')
    op.drop_table('users')
