"""Outbound e-mail through an SMTP server (smtplib), behind a one-method interface."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Protocol


class MailError(Exception):
    """The server did not take the message; `permanent` when trying again cannot help (5xx)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Mailer(Protocol):
    """Anything that sends one plain-text e-mail or raises MailError."""

    def send(self, *, to: str, subject: str, body: str, message_id: str, language: str) -> None: ...


@dataclass(frozen=True)
class SmtpMailer:
    """Sends through one SMTP server, one connection per message (workers send a few a second)."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 10.0

    def send(self, *, to: str, subject: str, body: str, message_id: str, language: str) -> None:
        """Hand one message to the server. `message_id` is the stable left part of the Message-ID
        header, so a copy sent again after a lost acknowledgement can be recognised."""
        message = self._message(to, subject, body, message_id, language)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as server:
                self._open(server)
                server.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise MailError(
                f"recipient refused: {exc.recipients}", permanent=_all_5xx(codes)
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise MailError(
                f"{exc.smtp_code} {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"{type(exc).__name__}: {exc}", permanent=False) from exc

    @property
    def _domain(self) -> str:
        address = parseaddr(self.sender)[1]
        return address.rpartition("@")[2] or "forecourt.local"

    def _open(self, server: smtplib.SMTP) -> None:
        if self.starttls:
            server.starttls(context=ssl.create_default_context())
        if self.username:
            server.login(self.username, self.password or "")

    def _message(
        self, to: str, subject: str, body: str, message_id: str, language: str
    ) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<{message_id}@{self._domain}>"
        message.set_content(body, charset="utf-8")
        message["Content-Language"] = language  # after set_content, which resets Content-*
        return message


def _all_5xx(codes: list[int]) -> bool:
    return bool(codes) and all(code >= 500 for code in codes)
