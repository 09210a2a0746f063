"""The corpus manifest (data/corpora/<name>/manifest.yaml): which file is which language and role."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eval.corpus import Document
from eval.errors import InputError
from eval.languages.codes import normalize_code
from eval.manifest_keys import DOCUMENT_ENTRY, DOCUMENTS_TOP, check_keys
from eval.textio import decode_bytes, read_text

ROLES = ("reference", "version")


@dataclass(frozen=True)
class DocumentSpec:
    file: str
    lang: str
    role: str
    origin: str = ""
    licence: str = ""
    name: str = ""
    segmented: bool = False  # one sentence per line, kept as given: segment ids are line numbers
    doc: str = ""  # many documents per corpus: a version pairs with the reference of the same doc id


@dataclass(frozen=True)
class Manifest:
    name: str
    root: Path
    documents: list[DocumentSpec] = field(default_factory=list)

    @property
    def reference(self) -> DocumentSpec:
        return next(d for d in self.documents if d.role == "reference")

    @property
    def versions(self) -> list[DocumentSpec]:
        return [d for d in self.documents if d.role == "version"]


def load_yaml_mapping(path: Path) -> dict[str, Any]:
    """A corpus manifest as a mapping; missing file, bad YAML or a non-mapping are InputErrors naming it."""
    if not path.is_file():
        raise InputError(f"{path}: manifest not found; every corpus folder needs a manifest.yaml")
    try:
        text, _ = decode_bytes(path.read_bytes(), str(path))  # the same encoding detection as documents
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: invalid YAML ({exc}); fix the manifest") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of manifest keys, got {type(data).__name__}")
    return data


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{where} must be true or false, got {value!r}")
    return value


def load_manifest(corpus_dir: str | Path) -> Manifest:
    """Read and validate manifest.yaml: valid language codes (normalised), known roles, exactly one reference."""
    root = Path(corpus_dir)
    path = root / "manifest.yaml"
    data = load_yaml_mapping(path)
    check_keys(data, DOCUMENTS_TOP, path)
    docs_raw = data.get("documents")
    if not isinstance(docs_raw, list) or not docs_raw:
        raise InputError(f"{path}: 'documents' must be a non-empty list of {{file, lang, role}} entries")
    docs: list[DocumentSpec] = []
    for i, entry in enumerate(docs_raw, 1):
        if not isinstance(entry, dict) or "file" not in entry:
            raise InputError(f"{path}: document #{i} needs at least 'file', 'lang' and 'role'")
        check_keys(entry, DOCUMENT_ENTRY, path, f"in document #{i} ({entry['file']})")
        lang = normalize_code(entry.get("lang", ""), f"{path}: document {entry['file']}")
        role = str(entry.get("role", ""))
        if role not in ROLES:
            raise InputError(
                f"{path}: document {entry['file']} has unknown role {role!r}; use 'reference' or 'version'"
            )
        docs.append(
            DocumentSpec(
                file=str(entry["file"]),
                lang=lang,
                role=role,
                origin=str(entry.get("origin", "")),
                licence=str(entry.get("licence", "")),
                # with documents, a version's files share one system name: its language unless named
                name=str(entry.get("name") or (lang if entry.get("doc") else Path(entry["file"]).stem)),
                segmented=_flag(entry.get("segmented", False), f"{path}: document {entry['file']}: segmented"),
                doc=str(entry.get("doc") or ""),
            )
        )
    check_documents(path, docs)
    return Manifest(name=str(data.get("name") or root.name), root=root, documents=docs)


def check_documents(path: Path, docs: list[DocumentSpec]) -> None:
    """One reference per document id (or one in all, without ids) and unique (name, doc) pairs."""
    with_id = [d for d in docs if d.doc]
    if with_id and len(with_id) != len(docs):
        first = next(d for d in docs if not d.doc)
        raise InputError(f"{path}: document {first.file} has no 'doc' id; give every entry one, or none")
    for doc in dict.fromkeys(d.doc for d in docs):
        refs = [d for d in docs if d.role == "reference" and d.doc == doc]
        if len(refs) != 1:
            where = f" for doc {doc!r}" if doc else ""
            raise InputError(f"{path}: exactly one document must have role 'reference'{where}, found {len(refs)}")
    keys = [(d.name, d.doc) for d in docs]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        what = f"name {dup[0]!r} and doc {dup[1]!r}" if dup[1] else f"name {dup[0]!r}"
        raise InputError(f"{path}: document names must be unique, {what} appears twice")


def load_document(manifest: Manifest, spec: DocumentSpec) -> Document:
    decoded = read_text(manifest.root / spec.file)
    return Document(
        name=spec.name,
        lang=spec.lang,
        role=spec.role,  # type: ignore[arg-type]
        path=str(manifest.root / spec.file),
        text=decoded.text,
        sha256=decoded.sha256,
        origin=spec.origin,
        licence=spec.licence,
    )
