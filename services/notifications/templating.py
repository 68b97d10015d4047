"""The message templates adapter: Jinja2 over services/notifications/templates/, rendering a
kind's subject and plain-text body in a language, and the HTML part around a message's text.

The convention (templates/README.md): `<kind>/<language>.txt` extends `_layout/<language>.txt`
(greeting and signature) and fills two blocks, `subject` and `body`; paragraphs are separated by
a blank line, and a paragraph that renders empty (an `{% if reason %}` without a reason) leaves
no trace. Plain text is not escaped (it is not markup); the HTML layout is autoescaped.
Undefined names are errors (StrictUndefined), so a template cannot silently say nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from nameko.extensions import DependencyProvider

from services.notifications.domain.messages import Composer, NoTemplate
from shared.settings import load_settings

TEMPLATES_DIR = Path(__file__).parent / "templates"
LAYOUT = "_layout"  # not a kind: what every message of a language shares
HTML_LAYOUT = f"{LAYOUT}/message.html"
_EMPTY_PARAGRAPHS = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")


class MessageTemplates:
    """The templates of every kind in every language, loaded once, rendered per message."""

    def __init__(self, directory: Path = TEMPLATES_DIR):
        self.directory = directory
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directory),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def written(self) -> dict[str, set[str]]:
        """Each kind with a template and the languages it is written in (from the files)."""
        return {
            folder.name: {path.stem for path in folder.glob("*.txt")}
            for folder in sorted(self.directory.iterdir())
            if folder.is_dir() and folder.name != LAYOUT
        }

    def render(self, kind: str, language: str, context: dict) -> tuple[str, str]:
        """The subject (one line) and plain-text body of `kind` in `language`."""
        try:
            template = self.environment.get_template(f"{kind}/{language}.txt")
        except jinja2.TemplateNotFound:
            raise NoTemplate(f"no {language} template for {kind}") from None
        subject = "".join(template.blocks["subject"](template.new_context(context)))
        body = _EMPTY_PARAGRAPHS.sub("\n\n", template.render(context)).strip("\n")
        return " ".join(subject.split()), body + "\n"

    def html(self, body: str, language: str, subject: str = "") -> str:
        """The HTML part of a message: its plain text, escaped, paragraph by paragraph, each
        address a link (the student's own words stay text: escaping comes first)."""
        paragraphs = [block.split("\n") for block in body.strip().split("\n\n") if block.strip()]
        return self.environment.get_template(HTML_LAYOUT).render(
            language=language, subject=subject, paragraphs=paragraphs
        )


class MessageComposer(DependencyProvider):
    """The templates and the web front-end's address, for the use cases that write messages;
    set up when the container starts."""

    def setup(self):
        settings = load_settings(self.container.service_name, self.container.config)
        self.composer = Composer(render=MessageTemplates().render, web_url=settings.web_url)

    def get_dependency(self, worker_ctx):
        return self.composer
