"""reference data in the registry: country statuses, organisation types, action rules,
other country names

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 18:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('country', sa.Column('aliases', sa.Text(), nullable=True))
    op.create_table('country_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('from_call', sa.Integer(), nullable=False),
    sa.Column('to_call', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_country_status_country'), 'country_status', ['country'],
                    unique=False)
    op.create_table('org_type',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('action_rule',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('first_call', sa.Integer(), nullable=False),
    sa.Column('last_call', sa.Integer(), nullable=False),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('action_rule')
    op.drop_table('org_type')
    op.drop_index(op.f('ix_country_status_country'), table_name='country_status')
    op.drop_table('country_status')
    with op.batch_alter_table('country') as batch:
        batch.drop_column('aliases')
