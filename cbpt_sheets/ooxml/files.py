"""Files written safely: one lock per workbook, outputs through a temporary file, versions kept.

Every file cbpt-sheets writes (the workbook by ``writer.write_changes``, ``new``,
``demo``, ``--output`` lists and exports) goes through here:

    real_path(path) -> Path                 the file a symbolic link points to
    workbook_lock(path, wait=...) -> lock   one exclusive lock per workbook (context manager)
    same_file(a, b) -> bool                 the same file by another name or link
    keep_backup(path) -> Path               NAME.bak.xlsx, earlier ones in NAME.versions/
    write_output(target, write, inputs=())  a temporary file in the target's folder, then
                                            an atomic replace; an input is never a target
    file_error(target, exc, untouched)      an OSError as a French CbptError (exit 3)

The lock is a ``filelock.FileLock`` (``fcntl.flock`` on Linux and macOS,
``msvcrt.locking`` on Windows) on ``.NAME.xlsx.cbpt-lock`` beside the real file: a
second writer waits ``LOCK_WAIT_SECONDS``, then is refused with a French message
(WorkbookLocked, exit 3). The lock is re-entrant within a process. On Linux and
macOS the empty lock file stays after use (removing it would let two writers lock
two different files); Windows removes it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import shutil
import stat
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

import filelock

from cbpt_sheets.errors import CbptError, WorkbookLocked, os_error_fr

LOCK_WAIT_SECONDS = float(os.environ.get("CBPT_LOCK_WAIT", "15"))
VERSIONS_KEPT = 5  # NAME.bak.xlsx and the four before it, in NAME.versions/
TMP_TAG = ".cbpt-"
_LOCK_SUFFIX = ".cbpt-lock"
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
WRITTEN: list[Path] = []  # the files this process wrote (the exit code tells whether it did)


def real_path(path: str | os.PathLike[str]) -> Path:
    """The file itself: symbolic links followed (the link is written through, never replaced)."""
    return Path(os.path.realpath(os.fspath(path)))


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The lock file of a workbook: ``.NAME.xlsx.cbpt-lock`` beside the real file."""
    real = real_path(path)
    return real.with_name(f".{real.name}{_LOCK_SUFFIX}")


class WorkbookLock:
    """The exclusive lock of one workbook, taken by ``acquire`` and given back by ``release``.

    Re-entrant within a process (the same ``FileLock`` object, counted).
    """

    def __init__(self, path: str | os.PathLike[str], wait: float | None = None) -> None:
        self.path = real_path(path)
        self.wait = LOCK_WAIT_SECONDS if wait is None else wait
        self._lock = filelock.FileLock(lock_path(self.path), is_singleton=True)
        self.held = False

    def acquire(self) -> WorkbookLock:
        """Take the lock, waiting ``wait`` seconds at most; WorkbookLocked when another writer holds it."""
        if self.held:
            return self
        try:
            self._lock.acquire(timeout=self.wait)
        except filelock.Timeout as exc:
            raise WorkbookLocked(
                f"« {self.path.name} » est en cours d'écriture par une autre commande "
                "cbpt-sheets : il n'a pas été modifié. Attendez qu'elle se termine, puis "
                "relancez la commande."
            ) from exc
        except OSError as exc:
            import errno

            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise WorkbookLocked(
                    f"Le dossier « {self.path.parent} » est protégé en écriture "
                    f"({os_error_fr(exc)}) : « {self.path.name} » n'a pas été modifié. Copiez "
                    "le classeur dans un dossier où vous pouvez écrire."
                ) from exc
            raise WorkbookLocked(
                f"Impossible de préparer l'écriture de « {self.path.name} » "
                f"({os_error_fr(exc)}) : il n'a pas été modifié."
            ) from exc
        self.held = True
        return self

    def release(self) -> None:
        """Give the lock back (no-op when not held)."""
        if self.held:
            self.held = False
            with contextlib.suppress(OSError):
                self._lock.release()

    def __enter__(self) -> WorkbookLock:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()


def workbook_lock(path: str | os.PathLike[str], wait: float | None = None) -> WorkbookLock:
    """The lock of a workbook, to use as ``with workbook_lock(path): ...``."""
    return WorkbookLock(path, wait)


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two names reach the same file (symbolic or hard link, another spelling)."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return real_path(a) == real_path(b)
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def new_file_mode() -> int:
    """The permissions of a new file: ``0o666`` less the umask, as any program would create it."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


# ---------------------------------------------------------------- errors

_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def file_error(
    target: str | os.PathLike[str], exc: OSError, untouched: str | os.PathLike[str] | None = None
) -> CbptError:
    """An OSError on ``target`` as a French message naming it and what to do (exit 3).

    ``untouched``: the file that was left as it was (the workbook), said in the message.
    """
    t = Path(target)
    code = exc.errno or 0
    if code in _FULL:
        reason = "le disque est plein ou la taille de fichier permise est dépassée"
        advice = "Libérez de la place (ou choisissez un autre dossier), puis relancez la commande."
    elif code == errno.EISDIR:
        reason = "c'est un dossier"
        advice = f"Renommez ou déplacez le dossier « {t.name} », puis relancez la commande."
    elif code in (errno.EACCES, errno.EPERM):
        reason = os_error_fr(exc)
        advice = (
            "Vérifiez que le fichier n'est pas ouvert dans un autre programme et que vous "
            "avez le droit d'écrire dans ce dossier, puis relancez la commande."
        )
    else:
        reason = os_error_fr(exc)
        advice = "Vérifiez le disque et le dossier, puis relancez la commande."
    kept = f" « {Path(untouched).name} » n'a pas été modifié." if untouched is not None else ""
    return CbptError(f"Impossible d'écrire « {t} » : {reason}.{kept} {advice}")


# ---------------------------------------------------------------- backups and versions


def backup_path(path: str | os.PathLike[str]) -> Path:
    """Where the previous version is kept: ``suivi.xlsx`` -> ``suivi.bak.xlsx``."""
    p = Path(path)
    return p.with_name(f"{p.stem}.bak{p.suffix}")


def versions_dir(path: str | os.PathLike[str]) -> Path:
    """Where the earlier versions are kept: ``suivi.xlsx`` -> ``suivi.versions/``."""
    p = Path(path)
    return p.with_name(f"{p.stem}.versions")


def versions(path: str | os.PathLike[str]) -> list[Path]:
    """The earlier versions kept in ``NAME.versions/``, oldest first."""
    folder = versions_dir(path)
    p = Path(path)
    pattern = re.compile(
        re.escape(p.stem)
        + r" \d{4}-\d\d-\d\d \d\dh\d\d(?:m\d\d)?(?:-\d+)?"
        + re.escape(p.suffix)
        + "$"
    )
    try:
        found = [f for f in folder.iterdir() if pattern.match(f.name) and f.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda f: f.name)


def _shelve_backup(p: Path, bak: Path) -> None:
    """Move the previous backup into ``NAME.versions/`` (named by its date), keep the newest."""
    try:
        when = dt.datetime.fromtimestamp(bak.stat().st_mtime)
    except OSError:
        return
    folder = versions_dir(p)
    try:
        folder.mkdir(exist_ok=True)
    except FileExistsError as exc:  # a file of that name: say so rather than lose versions
        raise file_error(folder, OSError(errno.ENOTDIR, "not a directory"), p) from exc
    except OSError as exc:
        raise file_error(folder, exc, p) from exc
    stem = f"{p.stem} {when:%Y-%m-%d %Hh%Mm%S}"
    target = folder / f"{stem}{p.suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{stem}-{n}{p.suffix}"
    try:
        os.replace(bak, target)
    except OSError as exc:
        raise file_error(target, exc, p) from exc
    for old in versions(p)[: -(VERSIONS_KEPT - 1)]:
        with contextlib.suppress(OSError):
            old.unlink()


def keep_backup(path: str | os.PathLike[str]) -> Path:
    """Keep the current file as ``NAME.bak.xlsx``; the previous backup goes to ``NAME.versions/``.

    Five versions stay restorable: the backup and the four before it. Raises CbptError
    (French, exit 3) when the backup cannot be made (a folder of that name, a full disk).
    """
    p = Path(path)
    bak = backup_path(p)
    if bak.is_dir() and not bak.is_symlink():
        raise file_error(bak, OSError(errno.EISDIR, "is a directory"), p)
    if bak.is_file():
        _shelve_backup(p, bak)
    tmp = p.with_name(f".{bak.name}{TMP_TAG}{uuid.uuid4().hex[:8]}.tmp")
    try:
        try:
            os.link(p, tmp)
        except OSError:
            shutil.copy2(p, tmp)
        os.replace(tmp, bak)
    except OSError as exc:
        raise file_error(bak, exc, p) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return bak


# ---------------------------------------------------------------- outputs


def _is_workbook(path: Path) -> bool:
    if path.suffix.lower() in _WORKBOOK_SUFFIXES:
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def refuse_input(target: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]]) -> None:
    """CbptError (exit 3) when ``target`` is one of the ``inputs`` by any name or link."""
    for source in inputs:
        if same_file(target, source):
            raise CbptError(
                f"« {target} » est le classeur lu par la commande : il n'a pas été remplacé. "
                "Choisissez un autre nom de fichier pour --output."
            )


def write_output(
    target: str | os.PathLike[str],
    write: Callable[[IO[bytes]], object],
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write an output file through a temporary file in its folder, then replace atomically.

    ``write(fh)`` writes the content into a binary file. ``inputs``: the workbooks the
    command read; an output that is one of them (same file by any name or link) is
    refused. A symbolic link is written through; an existing workbook is kept as
    ``NAME.bak.xlsx`` first; a new file follows the umask, an existing one keeps its
    permissions. Raises CbptError (French, exit 3); nothing is left behind on failure.
    """
    given = Path(target)
    refuse_input(given, inputs)
    real = real_path(given)
    if real.is_dir():
        raise file_error(given, OSError(errno.EISDIR, "is a directory"))
    if real.exists() and not real.is_file():  # a device or a pipe is never replaced
        raise CbptError(
            f"« {given} » n'est pas un fichier ordinaire (périphérique, tube…) : il n'a pas "
            "été remplacé. Choisissez un nom de fichier pour --output."
        )
    if not real.parent.is_dir():
        raise CbptError(
            f"Le dossier « {real.parent} » n'existe pas : « {given} » n'a pas été écrit."
        )
    # a workbook target takes its lock: a writer of that workbook finishes first
    lock = workbook_lock(real) if real.suffix.lower() in _WORKBOOK_SUFFIXES else None
    with lock or contextlib.nullcontext():
        exists = real.exists()
        try:
            mode = stat.S_IMODE(real.stat().st_mode) if exists else new_file_mode()
        except OSError as exc:
            raise file_error(given, exc) from exc
        tmp: Path | None = None
        try:
            fd, name = tempfile.mkstemp(
                prefix=f".{real.name}{TMP_TAG}", suffix=".tmp", dir=real.parent
            )
            tmp = Path(name)
            with os.fdopen(fd, "wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
            if exists and _is_workbook(real):
                keep_backup(real)
            os.replace(tmp, real)
            tmp = None
            WRITTEN.append(real)
        except OSError as exc:
            raise file_error(given, exc) from exc
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
    return given


def clean_stale_temps(path: str | os.PathLike[str], older_than: float) -> None:
    """Remove temporary files a killed write of this file left behind (older than ``older_than``)."""
    p = Path(path)
    for leftover in p.parent.glob(f".{glob_escape(p.name)}*{TMP_TAG}*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < older_than:
                leftover.unlink()


def glob_escape(name: str) -> str:
    """A file name with glob's special characters escaped."""
    return re.sub(r"([*?\[])", r"[\1]", name)


@contextlib.contextmanager
def removed_on_failure(path: Path) -> Iterator[None]:
    """Remove ``path`` if the block fails (any exception, Ctrl-C and SIGTERM included)."""
    try:
        yield
    except BaseException:
        path.unlink(missing_ok=True)
        raise
