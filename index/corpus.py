"""Read a corpus (folders and files) into cleaned SourceDocs with their metadata."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.cleaning import clean_document
from index.errors import DocumentError
from index.loaders import SUPPORTED_SUFFIXES, load_text
from index.metadata import kind_of, read_metadata
from index.schema import SourceDoc

SIDECAR_NAME = "metadata.toml"
_OVERRIDABLE = ("title", "kind", "version", "promulgated", "effective")


@dataclass(slots=True)
class CorpusFile:
    """A file to index and the id it gets: its path inside the corpus root, without suffix."""

    path: Path
    relative: str


@dataclass(slots=True)
class CorpusReadResult:
    """The documents read and the files that could not be read (skipped, nothing else lost)."""

    docs: list[SourceDoc] = field(default_factory=list)
    errors: list[DocumentError] = field(default_factory=list)


def _read_sidecar(root: Path) -> dict[str, dict[str, object]]:
    sidecar = root / SIDECAR_NAME
    if not sidecar.is_file():
        return {}
    try:
        return tomllib.loads(sidecar.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise DocumentError(str(sidecar), f"元数据文件格式错误（{error}）") from error


def discover(sources: Iterable[Path]) -> tuple[list[CorpusFile], dict[str, dict[str, object]]]:
    """List the corpus files under the given folders or files, and the sidecar metadata that applies.

    Args:
        sources: folders (searched recursively) and single files.

    Returns:
        The files in a stable order, and sidecar entries keyed by each file's relative path.
    """
    files: list[CorpusFile] = []
    sidecar: dict[str, dict[str, object]] = {}
    for source in sources:
        root = source if source.is_dir() else source.parent
        entries = _read_sidecar(root)
        candidates = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
        for path in candidates:
            relative = path.relative_to(root).as_posix()
            if path.suffix.lower() not in SUPPORTED_SUFFIXES or path.name.startswith("."):
                continue
            entry = entries.get(relative, {})
            if entry.get("index") is False:
                continue
            files.append(CorpusFile(path=path, relative=relative))
            sidecar[relative] = entry
    return files, sidecar


def read_document(file: CorpusFile, overrides: dict[str, object], *, max_bytes: int) -> SourceDoc:
    """Load, clean and describe one corpus file.

    Raises:
        DocumentError: the file cannot be read (see ``load_text``).
    """
    raw = load_text(file.path, max_bytes=max_bytes, name=file.relative)
    text = clean_document(raw)
    meta = read_metadata(text, file.path.name)
    doc = SourceDoc(
        doc_id=file.relative.rsplit(".", 1)[0],
        path=file.relative,
        title=meta.title,
        kind=meta.kind,
        text=text,
        sha256=hashlib.sha256(file.path.read_bytes()).hexdigest(),
        version=meta.version,
        promulgated=meta.promulgated,
        effective=meta.effective,
        history=meta.history,
    )
    for key in _OVERRIDABLE:
        if key in overrides:
            setattr(doc, key, str(overrides[key]))
    if "title" in overrides and "kind" not in overrides:
        doc.kind = kind_of(doc.title)
    doc.extra = {k: str(v) for k, v in overrides.items() if k not in (*_OVERRIDABLE, "index")}
    return doc


def read_corpus(sources: Iterable[Path], *, max_bytes: int) -> CorpusReadResult:
    """Read every supported file under the sources; unreadable files are reported, not fatal."""
    files, sidecar = discover(sources)
    result = CorpusReadResult()
    for file in files:
        try:
            result.docs.append(read_document(file, sidecar[file.relative], max_bytes=max_bytes))
        except DocumentError as error:
            result.errors.append(error)
    return result
