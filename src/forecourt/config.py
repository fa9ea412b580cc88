"""Settings from the environment (prefix FORECOURT_) or a .env file."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything that differs between a laptop, CI and production."""

    model_config = SettingsConfigDict(env_prefix="FORECOURT_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/forecourt.db",
        description="SQLAlchemy URL; sqlite:///path (WAL) or postgresql://user@host:port/db",
    )
    secret_key: str = Field(
        default="change-me-in-production",
        description="Signs web session cookies; set a long random value in production",
    )
    session_max_age_s: int = Field(default=8 * 3600, description="Web sign-in lifetime")
    echo_sql: bool = Field(default=False, description="Log every SQL statement")
