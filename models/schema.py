"""The registry schema: organisations, themes, projects, participations, and provenance.

Every imported row remembers the file and line it came from (``source_file``, ``source_row``).
Identifiers (PIC, OID, Erasmus code) are each unique where known; an organisation may have any
subset of them. ``category`` is the canonical organisation category (``higher-education``,
``school``, ``research``, ``company``, ``ngo``, ``public-body``, ``network``, ``other``);
``type_code`` keeps the type as the source spelt it (``EPLUS-NGO``, ``HES``...).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "ActionRule",
    "Base",
    "Country",
    "CountryStatus",
    "ImportRecord",
    "OrgType",
    "Organisation",
    "OrganisationAlias",
    "Participation",
    "Project",
    "Theme",
]


class Base(DeclarativeBase):
    pass


organisation_theme = Table(
    "organisation_theme",
    Base.metadata,
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)

project_theme = Table(
    "project_theme",
    Base.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)


class Country(Base):
    """A country by its Erasmus code (``EL`` for Greece, ``UK``, ``XK``)."""

    __tablename__ = "country"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(100))
    #: Territories such as RE (Réunion) belong to a member state for eligibility.
    part_of: Mapped[str | None] = mapped_column(String(2))
    #: Other names people use (``Deutschland``, ``Suomi``, ``Holland``), ``|``-separated.
    aliases: Mapped[str | None] = mapped_column(Text)


class CountryStatus(Base):
    """A country's status for a range of call years: ``programme`` (2014-20), ``member`` or
    ``associated`` (2021-27); a country without a row for a year is a partner / third
    country then."""

    __tablename__ = "country_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    status: Mapped[str] = mapped_column(String(20))
    from_call: Mapped[int] = mapped_column(Integer)
    to_call: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)


class OrgType(Base):
    """An organisation type of a scheme (``canonical``, ``eplus`` ``EPLUS-*``, ``cordis``)
    and the canonical category it belongs to."""

    __tablename__ = "org_type"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: The row's place in the reference file (categories are listed in that order).
    position: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(30))


class ActionRule(Base):
    """The eligibility rules of one action (KA220-HED...) as data, with their source and the
    calls they are valid for; ``rules`` is the action's JSON object."""

    __tablename__ = "action_rule"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    label: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)
    first_call: Mapped[int] = mapped_column(Integer)
    last_call: Mapped[int] = mapped_column(Integer)
    rules: Mapped[str] = mapped_column(Text)


class Theme(Base):
    """A theme of the vocabulary: seed theme, Erasmus+ topic, 2021-27 priority, H2020 part."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    label_en: Mapped[str] = mapped_column(String(300))
    label_fi: Mapped[str | None] = mapped_column(String(300))


class Organisation(Base):
    __tablename__ = "organisation"
    __table_args__ = (Index("ix_organisation_country_category", "country", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pic: Mapped[str | None] = mapped_column(String(9), unique=True)
    oid: Mapped[str | None] = mapped_column(String(9), unique=True)
    erasmus_code: Mapped[str | None] = mapped_column(String(30), unique=True)
    legal_name: Mapped[str | None] = mapped_column(String(500))
    normalised_name: Mapped[str | None] = mapped_column(String(500), index=True)
    country: Mapped[str] = mapped_column(ForeignKey("country.code"))
    city: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(30))
    type_code: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(500))
    eche_start: Mapped[dt.date | None] = mapped_column(Date)
    eche_end: Mapped[dt.date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    source_file: Mapped[str | None] = mapped_column(String(300))
    source_row: Mapped[int | None] = mapped_column(Integer)

    themes: Mapped[list[Theme]] = relationship(secondary=organisation_theme)
    participations: Mapped[list[Participation]] = relationship(back_populates="organisation")
    aliases: Mapped[list[OrganisationAlias]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan")

    @property
    def display_name(self) -> str:
        if self.legal_name:
            return self.legal_name
        return f"(unnamed, PIC {self.pic})" if self.pic else f"(unnamed #{self.id})"


class OrganisationAlias(Base):
    """Another name an organisation is known by: a CORDIS legal name that differs from the
    ECHE one, a short name (``CNRS``, ``MPG``). Searchable like the legal name."""

    __tablename__ = "organisation_alias"
    __table_args__ = (UniqueConstraint("organisation_id", "normalised"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    normalised: Mapped[str] = mapped_column(String(500), index=True)
    #: ``name`` (another legal name) or ``short_name``.
    kind: Mapped[str] = mapped_column(String(20))
    source_file: Mapped[str | None] = mapped_column(String(300))

    organisation: Mapped[Organisation] = relationship(back_populates="aliases")


class Project(Base):
    """A past project: an H2020 action (``programme='H2020'``) or an Erasmus+ project."""

    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("programme", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(40))
    identifier: Mapped[str] = mapped_column(String(60))
    action: Mapped[str | None] = mapped_column(String(40))
    start_year: Mapped[int | None] = mapped_column(Integer, index=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    acronym: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    #: The call topic (``SwafS-09-2018``) and its title, for H2020 projects.
    topic_code: Mapped[str | None] = mapped_column(String(100), index=True)
    topic_title: Mapped[str | None] = mapped_column(Text)
    source_file: Mapped[str | None] = mapped_column(String(300))
    source_row: Mapped[int | None] = mapped_column(Integer)
    #: A digest of the export row the project was last written from (Erasmus+ exports): a
    #: re-import skips a row whose digest the project already holds, without reading it back.
    source_digest: Mapped[str | None] = mapped_column(String(32))

    themes: Mapped[list[Theme]] = relationship(secondary=project_theme)
    participations: Mapped[list[Participation]] = relationship(back_populates="project")


class Participation(Base):
    __tablename__ = "participation"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(20))  # coordinator | partner
    source_file: Mapped[str | None] = mapped_column(String(300))
    source_row: Mapped[int | None] = mapped_column(Integer)

    project: Mapped[Project] = relationship(back_populates="participations")
    organisation: Mapped[Organisation] = relationship(back_populates="participations")


class ImportRecord(Base):
    """One import that changed the registry; its id is part of the registry fingerprint."""

    __tablename__ = "import_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
