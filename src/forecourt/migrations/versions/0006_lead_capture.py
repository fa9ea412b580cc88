"""lead capture: campaigns, customers, identities, consent, leads

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 18:09:12.128113
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("name_key", sa.String(length=200), nullable=True),
        sa.Column("name_hanzi", sa.String(length=50), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("city_name", sa.String(length=100), nullable=True),
        sa.Column("market_code", sa.String(length=2), nullable=True),
        sa.Column("city_tier", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["customer.id"], name=op.f("fk_customer_merged_into_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_market_code"), ["market_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_phone"), ["phone"], unique=False)

    op.create_table(
        "match_model",
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("model_json", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_match_model")),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("market_code", sa.String(length=2), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("budget_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("utm_source", sa.String(length=100), nullable=True),
        sa.Column("utm_medium", sa.String(length=100), nullable=True),
        sa.Column("utm_campaign", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('live_broadcast', 'road_show', 'regional_offer', 'digital')",
            name=op.f("ck_campaign_kind"),
        ),
        sa.CheckConstraint("budget_minor >= 0", name=op.f("ck_campaign_budget")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_campaign_dates")),
        sa.ForeignKeyConstraint(
            ["market_code"], ["market.code"], name=op.f("fk_campaign_market_code_market")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["campaign.id"], name=op.f("fk_campaign_parent_id_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
        sa.UniqueConstraint("code", name=op.f("uq_campaign_code")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_market_code"), ["market_code"], unique=False)
        batch_op.create_index(
            "ix_campaign_utm", ["utm_campaign", "utm_source", "utm_medium"], unique=False
        )

    op.create_table(
        "source_identity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("name_key", sa.String(length=200), nullable=True),
        sa.Column("name_hanzi", sa.String(length=50), nullable=True),
        sa.Column("phone_raw", sa.String(length=50), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("city_name", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("city_tier", sa.Integer(), nullable=True),
        sa.Column(
            "flags", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("match_outcome", sa.String(length=10), nullable=False),
        sa.Column("match_probability", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_source_identity_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_identity")),
        sa.UniqueConstraint(
            "channel", "source_id", name=op.f("uq_source_identity_channel_source_id")
        ),
    )
    with op.batch_alter_table("source_identity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_source_identity_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "blocking_key",
        sa.Column("key", sa.String(length=240), nullable=False),
        sa.Column("identity_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["source_identity.id"],
            name=op.f("fk_blocking_key_identity_id_source_identity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", "identity_id", name=op.f("pk_blocking_key")),
    )
    op.create_table(
        "consent",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("identity_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_consent_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["source_identity.id"],
            name=op.f("fk_consent_identity_id_source_identity"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_customer_purpose", ["customer_id", "purpose", "at"], unique=False
        )

    op.create_table(
        "lead",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("identity_id", sa.Uuid(), nullable=False),
        sa.Column("resolution", sa.String(length=10), nullable=False),
        sa.Column("market_code", sa.String(length=2), nullable=True),
        sa.Column("dealer_id", sa.Uuid(), nullable=True),
        sa.Column("requested_dealer_code", sa.String(length=40), nullable=True),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("campaign_code", sa.String(length=40), nullable=True),
        sa.Column("attribution", sa.String(length=15), nullable=False),
        sa.Column("utm", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("model_interest", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "issues", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "attributes", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_lead_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_lead_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealer.id"], name=op.f("fk_lead_dealer_id_dealer")
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["source_identity.id"],
            name=op.f("fk_lead_identity_id_source_identity"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead")),
        sa.UniqueConstraint("channel", "source_id", name=op.f("uq_lead_channel_source_id")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_lead_idempotency_key")),
    )
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index("ix_lead_customer", ["customer_id", "received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_dealer_id"), ["dealer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_market_code"), ["market_code"], unique=False)

    op.create_table(
        "match_review",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("identity_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_customer_id", sa.Uuid(), nullable=False),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column(
            "evidence", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_customer_id"],
            ["customer.id"],
            name=op.f("fk_match_review_candidate_customer_id_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["source_identity.id"],
            name=op.f("fk_match_review_identity_id_source_identity"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_review")),
    )
    with op.batch_alter_table("match_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_match_review_identity_id"), ["identity_id"], unique=False
        )
        batch_op.create_index("ix_match_review_open", ["status", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match_review", schema=None) as batch_op:
        batch_op.drop_index("ix_match_review_open")
        batch_op.drop_index(batch_op.f("ix_match_review_identity_id"))

    op.drop_table("match_review")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_market_code"))
        batch_op.drop_index(batch_op.f("ix_lead_dealer_id"))
        batch_op.drop_index("ix_lead_customer")
        batch_op.drop_index(batch_op.f("ix_lead_campaign_id"))

    op.drop_table("lead")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_customer_purpose")

    op.drop_table("consent")
    op.drop_table("blocking_key")
    with op.batch_alter_table("source_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_identity_customer_id"))

    op.drop_table("source_identity")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_utm")
        batch_op.drop_index(batch_op.f("ix_campaign_market_code"))

    op.drop_table("campaign")
    op.drop_table("match_model")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_phone"))
        batch_op.drop_index(batch_op.f("ix_customer_name_key"))
        batch_op.drop_index(batch_op.f("ix_customer_market_code"))
        batch_op.drop_index(batch_op.f("ix_customer_email"))

    op.drop_table("customer")
