"""Copies of the portal's files for backups, and their restoration, verified by checksum.

The database is dumped by ``pg_dump`` (scripts/backup.sh); the files live in two storages that
may each be a local folder or an object-storage bucket: public media (forms) and private files
(dossier documents, notices, results). Both are walked through Django's storage API, so the
same backup works whatever backend the settings name. Every file is listed in a manifest with
its size and SHA-256; a restore writes each file back and reads it again to compare.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.files.base import File
from django.core.files.storage import Storage

from portal.storage import file_storages

MANIFEST = "manifest.json"
# area ("media" or "private") → file name → {"size": int, "sha256": str}
Manifest = dict[str, dict[str, dict[str, Any]]]
CHUNK = 1024 * 1024


def storages() -> dict[str, Storage]:
    """The storages a backup covers, by the folder name they take inside a backup."""
    return file_storages()


@dataclass(frozen=True)
class Mismatch:
    area: str
    name: str
    problem: str


def walk(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in a storage, folders first-level by first-level, in a stable order."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield str(PurePosixPath(folder, name)) if folder else name
    for sub in sorted(folders):
        yield from walk(storage, str(PurePosixPath(folder, sub)) if folder else sub)


def _copy_and_hash(source, target) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        target.write(chunk)
    return size, digest.hexdigest()


def sha256_of(storage: Storage, name: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _inside(root: Path, name: str) -> Path:
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ValueError(f"File name outside the backup: {name!r}")
    return path


def backup_files(*, to: Path) -> Manifest:
    """Copy every file of every storage under ``to`` and write the manifest; returns it."""
    manifest: Manifest = {}
    for area, storage in storages().items():
        entries: dict[str, dict[str, Any]] = {}
        for name in walk(storage):
            path = _inside(to / area, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(name, "rb") as source, path.open("wb") as target:
                size, sha256 = _copy_and_hash(source, target)
            entries[name] = {"size": size, "sha256": sha256}
        manifest[area] = entries
    (to / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def read_manifest(folder: Path) -> Manifest:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def path_in_backup(source: Path, area: str, name: str) -> bool:
    return _inside(source / area, name).is_file()


def restore_files(*, source: Path) -> tuple[int, list[Mismatch]]:
    """Write every file of a backup into the storages, then read each back and compare.

    A file already present with the same content is left alone; one present with another
    content is reported, never overwritten (restores go into fresh storages).
    """
    manifest = read_manifest(source)
    mismatches: list[Mismatch] = []
    reported: set[tuple[str, str]] = set()
    restored = 0
    targets = storages()
    for area, entries in manifest.items():
        storage = targets[area]
        for name, expected in entries.items():
            path = _inside(source / area, name)
            if not path.is_file():
                mismatches.append(Mismatch(area, name, "missing from the backup"))
                reported.add((area, name))
                continue
            if storage.exists(name):
                if sha256_of(storage, name)[1] != expected["sha256"]:
                    mismatches.append(Mismatch(area, name, "already present with other content"))
                    reported.add((area, name))
                continue
            with path.open("rb") as handle:
                saved = storage.save(name, File(handle, name=name))
            if saved != name:
                mismatches.append(Mismatch(area, name, f"stored under another name: {saved}"))
                reported.add((area, name))
                continue
            restored += 1
        for name, expected in entries.items():
            if (area, name) in reported or not path_in_backup(source, area, name):
                continue
            if not storage.exists(name):
                mismatches.append(Mismatch(area, name, "not in the storage after the restore"))
            elif sha256_of(storage, name) != (expected["size"], expected["sha256"]):
                mismatches.append(Mismatch(area, name, "checksum differs after the restore"))
    return restored, mismatches


def verify_files() -> dict[str, dict[str, tuple[int, str]]]:
    """Size and SHA-256 of every file now in the storages (what a restore is compared with)."""
    return {
        area: {name: sha256_of(storage, name) for name in walk(storage)}
        for area, storage in storages().items()
    }


@dataclass(frozen=True)
class CopyResult:
    area: str
    copied: int
    already_there: int
    mismatches: list[Mismatch]


def copy_local_files_to_buckets(*, dry_run: bool = False) -> list[CopyResult]:
    """Copy the files still on the local disk into the buckets the settings now name.

    Each file keeps its name (the database refers to it), is read back from the bucket and
    compared by SHA-256. A name already in the bucket with the same content counts as done; with
    other content it is reported and left alone. The local files are never deleted here.
    """
    from django.conf import settings
    from django.core.files.storage import FileSystemStorage

    from portal.storage import object_storages

    roots = {"media": settings.MEDIA_ROOT, "private": settings.PRIVATE_MEDIA_ROOT}
    results = []
    for area, bucket in object_storages().items():
        local = FileSystemStorage(location=roots[area])
        copied = already_there = 0
        mismatches: list[Mismatch] = []
        for name in walk(local):
            expected = sha256_of(local, name)
            if bucket.exists(name):
                if sha256_of(bucket, name) == expected:
                    already_there += 1
                else:
                    mismatches.append(Mismatch(area, name, "in the bucket with other content"))
                continue
            if dry_run:
                copied += 1
                continue
            with local.open(name, "rb") as handle:
                saved = bucket.save(name, File(handle, name=name))
            if saved != name:
                mismatches.append(Mismatch(area, name, f"stored under another name: {saved}"))
            elif sha256_of(bucket, name) != expected:
                mismatches.append(Mismatch(area, name, "checksum differs after the copy"))
            else:
                copied += 1
        results.append(CopyResult(area, copied, already_there, mismatches))
    return results
