"""Join codes, teacher secrets, anonymous ids and the hashes the class database keeps instead of them.

A join code is 8 characters of Crockford's base 32 (no I, L, O or U: ``0``-``9`` and 22 letters), 40 bits
from ``secrets``, shown as ``7KQ2-M9XD``; what a student types is read leniently (case, spaces and dashes
ignored, O read as 0, I and L as 1).  A teacher secret is 192 bits (``secrets.token_urlsafe(24)``); the
database keeps only its SHA-256, compared with ``hmac.compare_digest``.  A secret that long needs no slow
hash: nobody can enumerate 2**192 candidates, whatever the hash costs.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from landscape.types import InputError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
CODE_LENGTH = 8
CODE_BITS = CODE_LENGTH * 5
READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
EXAMPLE = "7KQ2-M9XD"
SECRET_BYTES = 24  # 192 bits
STUDENT_BYTES = 16  # 128 bits
CLASS_BYTES = 8  # 64 bits; a class id alone grants nothing, it only names the class
CLASS_ID = re.compile(r"[0-9a-f]{16}\Z")
STUDENT_ID = re.compile(r"[A-Za-z0-9_-]{22}\Z")
SECRET = re.compile(r"[A-Za-z0-9_-]{32}\Z")
KEY_CHARS = 1024  # a client key longer than this is hashed from its first 1,024 characters
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as the start of a formula


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def show_code(code: str) -> str:
    """``7KQ2M9XD`` -> ``7KQ2-M9XD`` (how the projector shows it)."""
    return code[:CODE_LENGTH // 2] + "-" + code[CODE_LENGTH // 2:]


def normalise_code(text: object) -> str:
    """A typed join code as stored; InputError when it cannot be one (such a typo is not counted as a guess)."""
    message = (f"a join code is {CODE_LENGTH} letters and digits, like {EXAMPLE}: type the code on the teacher's "
               "screen, or open the join link")
    if not isinstance(text, str) or len(text) > 4 * CODE_LENGTH:
        raise InputError(message)
    code = re.sub(r"[\s\-]", "", text).upper().translate(READS_AS)
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        raise InputError(message)
    return code


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def new_student_id() -> str:
    return secrets.token_urlsafe(STUDENT_BYTES)


def new_class_id() -> str:
    return secrets.token_hex(CLASS_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_secret(secret: object, stored_hash: str) -> bool:
    """Whether ``secret`` is the one whose hash is stored, in time independent of where they differ."""
    given = hash_secret(secret) if isinstance(secret, str) and SECRET.match(secret) else "0" * 64
    return hmac.compare_digest(given, stored_hash) and given != "0" * 64


def key_hash(key: object) -> str:
    """What the attempts table keeps of a client key (a session id, an address): a hash, never the key."""
    text = str(key)[:KEY_CHARS]
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def csv_cell(text: str) -> str:
    """A text cell that a spreadsheet shows as text: a leading ``'`` before = + - @ (OWASP's CSV injection rule)."""
    return "'" + text if text.startswith(FORMULA) else text
