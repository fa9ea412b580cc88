"""catalog: the platform, body styles, models, trims, options, market offers and prices.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_platform",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_catalog_platform")),
    )
    op.create_table(
        "catalog_body_style",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("platform_code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_code"],
            ["catalog_platform.code"],
            name=op.f("fk_catalog_body_style_platform_code_catalog_platform"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_catalog_body_style")),
    )
    op.create_table(
        "catalog_model",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("body_style_code", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_style_code"],
            ["catalog_body_style.code"],
            name=op.f("fk_catalog_model_body_style_code_catalog_body_style"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_catalog_model")),
    )
    with op.batch_alter_table("catalog_model", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_model_body_style_code"), ["body_style_code"], unique=False
        )
    op.create_table(
        "catalog_trim",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("line", sa.String(length=10), nullable=False),
        sa.Column(
            "body_styles", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("line IN ('core', 'young')", name=op.f("ck_catalog_trim_line")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_catalog_trim")),
    )
    op.create_table(
        "catalog_option",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("choice_group", sa.String(length=20), nullable=True),
        sa.Column(
            "trims", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "requires", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "excludes", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "drive_sides", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_catalog_option")),
    )
    op.create_table(
        "catalog_market_offer",
        sa.Column("market_code", sa.String(length=2), nullable=False),
        sa.Column(
            "body_styles", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "trims", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["market_code"],
            ["market.code"],
            name=op.f("fk_catalog_market_offer_market_code_market"),
        ),
        sa.PrimaryKeyConstraint("market_code", name=op.f("pk_catalog_market_offer")),
    )
    op.create_table(
        "catalog_price",
        sa.Column("market_code", sa.String(length=2), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_catalog_price_amount_minor")),
        sa.ForeignKeyConstraint(
            ["market_code"], ["market.code"], name=op.f("fk_catalog_price_market_code_market")
        ),
        sa.PrimaryKeyConstraint("market_code", "item_code", name=op.f("pk_catalog_price")),
    )


def downgrade() -> None:
    op.drop_table("catalog_price")
    op.drop_table("catalog_market_offer")
    op.drop_table("catalog_option")
    op.drop_table("catalog_trim")
    with op.batch_alter_table("catalog_model", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_model_body_style_code"))
    op.drop_table("catalog_model")
    op.drop_table("catalog_body_style")
    op.drop_table("catalog_platform")
