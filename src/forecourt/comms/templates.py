"""Message templates: one plain-text file per template and language, `Subject:` on its first line.

Files live in `comms/templates/<language>/<template>.txt` and are Jinja2 with strict variables,
so a template that names a value the sender did not give fails loudly instead of saying "None".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound, UndefinedError

from forecourt.comms.policies import MessagePurpose
from forecourt.kernel.errors import InvalidInput

# What each template is for decides the consent it needs (comms/policies.py).
PURPOSES: dict[str, MessagePurpose] = {
    "lead_assigned": "service",
    "test_drive_invitation": "marketing",
}
SUBJECT_PREFIX = "Subject:"


@dataclass(frozen=True)
class Rendered:
    """A message ready to send."""

    language: str
    subject: str
    body: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("forecourt.comms", "templates"),
        undefined=StrictUndefined,
        autoescape=False,  # plain-text e-mail: nothing is HTML
        keep_trailing_newline=True,
    )


@cache
def languages() -> frozenset[str]:
    """The languages that have a template set."""
    root = resources.files("forecourt.comms") / "templates"
    return frozenset(entry.name for entry in root.iterdir() if entry.is_dir())


def purpose_of(template: str) -> MessagePurpose:
    """The purpose of a known template; InvalidInput naming the field otherwise."""
    if template not in PURPOSES:
        known = ", ".join(sorted(PURPOSES))
        raise InvalidInput(f"unknown template {template!r}; known: {known}", field="template")
    return PURPOSES[template]


def render(template: str, language: str, variables: dict[str, Any]) -> Rendered:
    """Render `template` in `language` (falling back to English if that language lacks it)."""
    try:
        source = _environment().get_template(f"{language}/{template}.txt")
    except TemplateNotFound:
        source, language = _environment().get_template(f"en/{template}.txt"), "en"
    try:
        text = source.render(**variables)
    except UndefinedError as exc:
        raise InvalidInput(f"template {template!r}: {exc.message}", field="variables") from exc
    return _split(language, text)


def _split(language: str, text: str) -> Rendered:
    first, _, rest = text.partition("\n")
    subject = first.removeprefix(SUBJECT_PREFIX).strip()
    return Rendered(language=language, subject=subject, body=rest.lstrip("\n"))
