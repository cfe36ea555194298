"""The secret key of a workspace, kept outside the workspace file.

Raters are stored under a keyed hash (HMAC-SHA256) of whatever identifies
them in a source (an email, a survey's response id). If the key sat in the
same file, anyone given the file could hash a list of guessed emails and
find every rater; so it lives in its own file in the user's configuration
folder, named after the workspace's (not secret) id:

    $LEADCHECK_KEY_DIR/<workspace id>.key, else
    $XDG_CONFIG_HOME/leadcheck/keys/<workspace id>.key, else
    ~/.config/leadcheck/keys/<workspace id>.key

Losing the key loses only de-duplication (a rater who answers again is not
recognised as the same person); answers are never encrypted with it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from leadcheck.base.errors import StoreError

KEY_BYTES = 32


def key_dir() -> Path:
    """Where workspace keys are kept on this machine."""
    explicit = os.environ.get("LEADCHECK_KEY_DIR")
    if explicit:
        return Path(explicit)
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "leadcheck" / "keys"


def key_path(workspace_id: str) -> Path:
    """The key file of the workspace with id ``workspace_id``."""
    return key_dir() / f"{workspace_id}.key"


def read_key(workspace_id: str) -> bytes | None:
    """The workspace's key, or None when its file does not exist."""
    path = key_path(workspace_id)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise StoreError(
            f"{path}: cannot read the workspace key ({type(e).__name__}); check the file"
        ) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise StoreError(
            f"{path}: not a leadcheck workspace key (expected {KEY_BYTES * 2} hex digits); "
            "restore it from where you keep the workspace, or move it away to start a new key"
        )
    return key


def write_key(workspace_id: str, key: bytes | None = None) -> bytes:
    """Create the workspace's key file (readable by its owner only) and return the key.

    An existing key is never overwritten: the one already there is returned.
    """
    existing = read_key(workspace_id)
    if existing is not None:
        return existing
    key = key if key is not None else secrets.token_bytes(KEY_BYTES)
    path = key_path(workspace_id)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(key.hex() + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temporary, path)  # never replaces a key another process wrote meanwhile
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    except OSError as e:
        raise StoreError(
            f"{path.parent}: cannot keep the workspace key there ({e.strerror or type(e).__name__}); "
            "set LEADCHECK_KEY_DIR to a folder you can write to"
        ) from None
    found = read_key(workspace_id)
    assert found is not None
    return found
