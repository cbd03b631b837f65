"""Uploaded files when things go wrong: a full disk, a failed request.

- A file is written whole or not at all: it goes to a temporary file in the target folder,
  is flushed to disk and only then linked under its name. When the disk fills half-way, the
  temporary file is removed and `StorageFull` is raised; nothing partial is left behind.
- A file written during a request whose transaction rolls back (the database was full, a
  rule refused, anything raised) is removed when the request ends, so no file is left
  without the row that refers to it. `UploadsFollowTransactionMiddleware` does this.
- `storage_full(error)` recognises a full disk, for uploads or for the database
  (PostgreSQL's `disk_full`, SQLite's "database or disk is full"): the error pages answer
  507 with a plain message instead of a traceback.

A process killed between writing a file and committing its row can still leave an
unreferenced file (never a row without its file); docs/reliability.md says how to sweep them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from django.core.files.storage import FileSystemStorage, Storage
from django.db import transaction

FULL = {errno.ENOSPC, errno.EDQUOT}
POSTGRES_DISK_FULL = "53100"


class StorageFull(OSError):
    """There is no space left to keep an upload."""


# Files written during the current request and not yet committed with it, each with the
# on-commit callback that forgets it.
Pending = dict[tuple[int, str], tuple[Storage, Callable[[], None]]]
_uncommitted: ContextVar[Pending | None] = ContextVar("isahub_uncommitted_uploads", default=None)


def _remember_until_commit(storage: Storage, name: str) -> None:
    uncommitted = _uncommitted.get()
    if uncommitted is None or not transaction.get_connection().in_atomic_block:
        return
    key = (id(storage), name)

    def committed() -> None:
        uncommitted.pop(key, None)

    uncommitted[key] = (storage, committed)
    transaction.on_commit(committed)


class TransactionalFileSystemStorage(FileSystemStorage):
    """Django's file-system storage, writing each file atomically and never leaving one
    behind from a request that failed."""

    def _save(self, name: str, content) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        try:
            os.makedirs(directory, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-", suffix=".part")
        except OSError as error:
            raise _translated(error) from error
        try:
            with os.fdopen(descriptor, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                out.flush()
                os.fsync(out.fileno())
            while True:  # link never replaces an existing file: pick another name if taken
                try:
                    os.link(temporary, full_path)
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
            _fsync_directory(directory)
        except OSError as error:
            raise _translated(error) from error
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        _remember_until_commit(self, name)
        return str(name).replace("\\", "/")


def _fsync_directory(directory: str) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _translated(error: OSError) -> OSError:
    if error.errno in FULL:
        return StorageFull(error.errno, "There is no space left to keep the file.")
    return error


def _chain(error: BaseException | None) -> Iterator[BaseException]:
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def storage_full(error: BaseException | None) -> bool:
    """True when the error (or what caused it) is a full disk: uploads or the database."""
    for e in _chain(error):
        if isinstance(e, StorageFull) or (isinstance(e, OSError) and e.errno in FULL):
            return True
        if getattr(e, "sqlstate", None) == POSTGRES_DISK_FULL:
            return True
        if type(e).__module__ == "sqlite3" and "database or disk is full" in str(e):
            return True
    return False


class UploadsFollowTransactionMiddleware:
    """Removes the files a request wrote if its transaction did not commit them."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        uncommitted: Pending = {}
        token = _uncommitted.set(uncommitted)
        try:
            return self.get_response(request)
        finally:
            _uncommitted.reset(token)
            # A callback that neither ran nor is still queued was dropped by a rollback. (One
            # still queued belongs to a transaction that outlives the request: a test's.)
            queued = {id(callback) for _, callback, _ in transaction.get_connection().run_on_commit}
            for (_, name), (storage, callback) in uncommitted.items():
                if id(callback) not in queued:
                    with contextlib.suppress(OSError):
                        storage.delete(name)
