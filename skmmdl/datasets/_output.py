"""Write a dataset directory so that it appears whole or not at all."""

import contextlib
import logging
import os
import secrets
import shutil
from pathlib import Path

__all__ = ["check_output_dir", "write_atomically"]

logger = logging.getLogger(__name__)

MARKER_FILE = "metadata.json"


def check_output_dir(output_dir, overwrite):
    """Return ``output_dir`` as a Path after checking it may be written.

    A missing or empty directory may always be written. A non-empty one is
    replaced only with ``overwrite=True`` and only when it contains
    ``metadata.json``, the mark of an earlier build, so that a mistyped path
    cannot delete unrelated files.

    Raises
    ------
    TypeError
        If ``output_dir`` is not a str or Path, or ``overwrite`` not a bool.
    FileExistsError
        If ``output_dir`` is a file, or a non-empty directory that may not
        be replaced.
    """
    if not isinstance(output_dir, (str, Path)):
        raise TypeError(
            f"output_dir must be a str or pathlib.Path, got {type(output_dir).__name__}."
        )
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be True or False, got {overwrite!r}.")

    output_dir = Path(output_dir).absolute()
    if output_dir.exists() and not output_dir.is_dir():
        raise FileExistsError(
            f"output_dir={str(output_dir)!r} exists and is not a directory; "
            "choose another path."
        )
    if not output_dir.is_dir() or not any(output_dir.iterdir()):
        return output_dir

    if not overwrite:
        raise FileExistsError(
            f"output_dir={str(output_dir)!r} already exists and is not empty. "
            "Pass overwrite=True (--overwrite on the command line) to replace "
            "an earlier build, or choose another directory."
        )
    if not (output_dir / MARKER_FILE).is_file():
        raise FileExistsError(
            f"output_dir={str(output_dir)!r} is not empty and has no "
            f"{MARKER_FILE}, so it is not an earlier build and overwrite=True "
            "will not delete it. Choose another directory or empty it yourself."
        )
    return output_dir


@contextlib.contextmanager
def write_atomically(output_dir):
    """Yield a temporary directory that replaces ``output_dir`` on success.

    The temporary directory is created next to ``output_dir`` (so the final
    rename stays on one file system) and removed if the block raises. An
    existing ``output_dir`` is moved aside first and deleted only after the
    new one is in place; if that rename fails, it is moved back.
    """
    output_dir = Path(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    # mkdir, unlike tempfile.mkdtemp, applies the umask, so the renamed
    # directory gets the same permissions as any other new directory.
    temporary = output_dir.parent / f".{output_dir.name}.partial-{secrets.token_hex(6)}"
    temporary.mkdir()
    try:
        yield temporary
    except BaseException:
        logger.debug("Build failed; removing %s.", temporary)
        shutil.rmtree(temporary, ignore_errors=True)
        raise

    try:
        _replace_directory(temporary, output_dir)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _replace_directory(source, target):
    if not target.exists():
        os.replace(source, target)
        return

    aside = target.parent / f".{target.name}.old-{secrets.token_hex(6)}"
    os.replace(target, aside)
    try:
        os.replace(source, target)
    except OSError:
        os.replace(aside, target)
        raise
    shutil.rmtree(aside)
    logger.debug("Replaced the earlier build in %s.", target)
