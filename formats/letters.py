"""Letter templates (Word files with Jinja2 fields, rendered by docxtpl) and their checks.

Offices edit their letters in Word, so a template is a `.docx` named after its kind
(`reply.docx`, `supplement.docx`, …). An agency's own folder is looked up first, then the
shipped `seeds/letters/`. A template is checked when it is loaded: every field it names must
be a field of `domain.letters.LetterContext`, otherwise it is refused with the field and the
file named — so a typo shows up when the office installs the template, not on the day a
letter is due. The template's version is the sha256 of its file, recorded with each letter.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import Environment, TemplateSyntaxError

from domain.errors import DomainError
from domain.letters import CONTEXT_FIELDS, KIND_LABELS, LetterContext, LetterKind

SEED_DIR = Path(__file__).resolve().parent.parent / "seeds" / "letters"
_RULE = "文书模板字段"


@dataclass(frozen=True)
class LoadedTemplate:
    """A checked template: where it came from, its bytes and their sha256."""

    kind: LetterKind
    path: Path
    source: str  # "agency" | "seed"
    data: bytes
    sha256: str

    @property
    def name(self) -> str:
        return f"{self.source}:{self.path.name}"


def template_path(kind: LetterKind, agency_dir: str | Path | None = None) -> tuple[Path, str]:
    """The template file of a kind: the agency's folder first, then the shipped one."""
    filename = f"{kind.value}.docx"
    if agency_dir:
        own = Path(agency_dir) / filename
        if own.is_file():
            return own, "agency"
    return SEED_DIR / filename, "seed"


def _environment() -> Environment:
    return Environment(autoescape=True)


def check_template(path: Path, data: bytes) -> None:
    """Refuse a template that names a field the letters do not have, or does not parse."""
    try:
        template = DocxTemplate(io.BytesIO(data))
        names = template.get_undeclared_template_variables(_environment())
    except TemplateSyntaxError as exc:
        raise DomainError(
            f"文书模板 {path.name} 第{exc.lineno}行（XML）语法有误：{exc.message}",
            field=path.name,
            rule=_RULE,
        ) from None
    except Exception as exc:  # not a Word file at all (zip or XML error)
        raise DomainError(
            f"文书模板 {path.name} 不是可读取的 Word（.docx）文件：{exc}",
            field=path.name,
            rule=_RULE,
        ) from None
    unknown = sorted(set(names) - CONTEXT_FIELDS)
    if unknown:
        raise DomainError(
            f"文书模板 {path} 含有未知字段：{'、'.join(unknown)}"
            f"（可用字段见 domain/letters.py 的 LetterContext）",
            field=unknown[0],
            rule=_RULE,
        )


def load_template(kind: LetterKind, agency_dir: str | Path | None = None) -> LoadedTemplate:
    """Read and check the template of a kind."""
    path, source = template_path(kind, agency_dir)
    if not path.is_file():
        raise DomainError(
            f"找不到{KIND_LABELS[kind]}的模板文件 {path}", field=path.name, rule=_RULE
        )
    data = path.read_bytes()
    check_template(path, data)
    return LoadedTemplate(kind, path, source, data, hashlib.sha256(data).hexdigest())


def check_folder(folder: str | Path) -> list[Path]:
    """Check every template an agency's folder holds (when the folder is set).

    Files not named after a letter kind are not letters and are left alone; the folder need
    not hold every kind (the shipped template serves the rest).
    """
    root = Path(folder)
    if not root.is_dir():
        raise DomainError(f"文书模板目录 {root} 不存在或不是目录", field="letters_dir", rule=_RULE)
    checked = []
    for kind in LetterKind:
        path = root / f"{kind.value}.docx"
        if path.is_file():
            check_template(path, path.read_bytes())
            checked.append(path)
    return checked


def render(template: LoadedTemplate, context: LetterContext) -> bytes:
    """The letter as a .docx file's bytes (autoescaped: applicants' text may hold < or &)."""
    document = DocxTemplate(io.BytesIO(template.data))
    document.render(context.as_mapping(), _environment(), autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
