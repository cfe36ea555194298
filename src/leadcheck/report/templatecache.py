"""Compiled report templates kept between runs, in a folder only the user can write to.

Jinja compiles each template to Python before it renders it; for the report's
dozen templates that is about a fifth of what leadcheck itself spends on one
report. The compiled code is kept in

    $LEADCHECK_CACHE_DIR/templates, else
    $XDG_CACHE_HOME/leadcheck/templates, else
    ~/.cache/leadcheck/templates

and found again by template name and source checksum, so a changed or
overriding template is compiled afresh. Loading compiled code runs it: the
folder is used only when it is a real folder (not a link), owned by the user
and closed to everyone else, otherwise every run compiles. The key also
carries what shapes the compiled code (the sandbox, its options, Jinja's and
leadcheck's code_version), so code compiled by another Jinja program, or for an
unsandboxed environment, is never loaded into the report's sandbox. A cache
that cannot be read or written is never an error: the template is compiled.
``LEADCHECK_CACHE_DIR=off`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, FileSystemBytecodeCache

from leadcheck.codeversion import code_version

OFF = "off"


def cache_dir() -> Path | None:
    """Where compiled templates are kept on this machine; None when turned off."""
    explicit = os.environ.get("LEADCHECK_CACHE_DIR")
    if explicit == OFF:
        return None
    if explicit:
        return Path(explicit) / "templates"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "leadcheck" / "templates"


def private_folder(path: Path) -> bool:
    """Make ``path`` (mode 0700) if missing; True when it is a real folder of this user's, closed to others."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        found = os.lstat(path)
    except OSError:
        return False
    return (
        stat.S_ISDIR(found.st_mode)
        and found.st_uid == os.getuid()
        and stat.S_IMODE(found.st_mode) & 0o077 == 0
    )


class TemplateCache(FileSystemBytecodeCache):
    """Jinja's file cache, keyed by what shapes the code too, and never failing a render."""

    def __init__(self, directory: Path, salt: str) -> None:
        super().__init__(str(directory), "%s.jinja")
        self.salt = salt

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(f"{self.salt}\x00{name}\x00{filename or ''}".encode()).hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, TypeError, EOFError):
            bucket.reset()  # unreadable or damaged: compile instead

    def dump_bytecode(self, bucket: Bucket) -> None:
        # A full disk or a read-only home costs only the time to compile next run.
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def template_cache(environment_class: type, options: dict[str, object]) -> TemplateCache | None:
    """The cache for templates compiled by ``environment_class`` with ``options``; None when unsafe or off."""
    folder = cache_dir()
    if folder is None or not private_folder(folder):
        return None
    shape = [
        f"{environment_class.__module__}.{environment_class.__qualname__}",
        repr(sorted(getattr(environment_class, "intercepted_binops", ()))),
        repr(sorted(options.items())),
        jinja2.__version__,
        code_version(),  # the environment's own code (the loop rewrite, finalize) included
    ]
    return TemplateCache(folder, "\x00".join(shape))
