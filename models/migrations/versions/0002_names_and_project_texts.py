"""organisation aliases; project acronym, call topic and topic title

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 12:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('organisation_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('normalised', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_file', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'normalised')
    )
    op.create_index(op.f('ix_organisation_alias_organisation_id'), 'organisation_alias',
                    ['organisation_id'], unique=False)
    op.create_index(op.f('ix_organisation_alias_normalised'), 'organisation_alias',
                    ['normalised'], unique=False)
    op.add_column('project', sa.Column('acronym', sa.String(length=100), nullable=True))
    op.add_column('project', sa.Column('topic_code', sa.String(length=100), nullable=True))
    op.add_column('project', sa.Column('topic_title', sa.Text(), nullable=True))
    op.create_index(op.f('ix_project_topic_code'), 'project', ['topic_code'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_project_topic_code'), table_name='project')
    with op.batch_alter_table('project') as batch:
        batch.drop_column('topic_title')
        batch.drop_column('topic_code')
        batch.drop_column('acronym')
    op.drop_index(op.f('ix_organisation_alias_normalised'), table_name='organisation_alias')
    op.drop_index(op.f('ix_organisation_alias_organisation_id'),
                  table_name='organisation_alias')
    op.drop_table('organisation_alias')
