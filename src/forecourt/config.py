"""Settings from the environment (prefix FORECOURT_) or a .env file."""

from __future__ import annotations

from pydantic import Field, SecretStr
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
    capture_writer: str | None = Field(
        default=None,
        description="Unix socket of the capture writer process (set by `forecourt serve`)",
    )

    # Outbound e-mail (comms): the SMTP server the worker hands messages to.
    smtp_host: str = Field(default="localhost", description="SMTP server host")
    smtp_port: int = Field(default=25, description="SMTP server port (587 with STARTTLS)")
    smtp_sender: str = Field(
        default="Forecourt <no-reply@forecourt.local>", description="From: of every e-mail"
    )
    smtp_username: str | None = Field(default=None, description="SMTP login, if the server asks")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password")
    smtp_starttls: bool = Field(default=False, description="Upgrade the connection with STARTTLS")
    smtp_timeout_s: float = Field(default=10.0, description="Give up on an SMTP exchange after")
    comms_max_attempts: int = Field(
        default=6, ge=1, description="Tries before an e-mail the server keeps deferring is failed"
    )
    # Partner webhooks.
    webhook_timeout_s: float = Field(default=10.0, description="Wait this long for a partner")
    webhook_max_attempts: int = Field(
        default=10, ge=1, description="Tries before a delivery goes to the dead-letter list"
    )
