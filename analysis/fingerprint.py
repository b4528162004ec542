"""One fingerprint per statement shape, whatever its literals or IN-list length.

Django hands the execute wrapper its SQL with ``%s`` placeholders, so ORM queries
differ mostly by the *number* of placeholders (``IN (%s, %s)`` vs ``IN (%s, %s, %s)``,
``bulk_create`` batches). Raw SQL carries inline literals, and telling a literal from
an identifier or keyword needs a parser: sqlglot (MIT) parses PostgreSQL well enough;
pglast would be exact but is GPL. When sqlglot cannot parse a statement we fall back
to its tokenizer, and when even that fails to the whitespace-folded text, so every
statement gets *some* stable fingerprint.
"""

from __future__ import annotations

import hashlib
import logging
import re
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

PLACEHOLDER = "%s"
LIST = "..."
_SAVEPOINT_ID = re.compile(r'"s\d+_x\d+"')


class _DropFallbackNotice(logging.Filter):
    """sqlglot logs a warning for every statement it keeps as an opaque command (SAVEPOINT,
    VACUUM...); for a fingerprint that is expected, so the notice is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_DropFallbackNotice())


def _is_constant(node: exp.Expression) -> bool:
    if isinstance(node, exp.Tuple):  # a row of constants, as in (a, b) IN ((1, 2), (3, 4))
        return bool(node.expressions) and all(map(_is_constant, node.expressions))
    return isinstance(node, (exp.Literal, exp.Placeholder)) or (
        isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal)
    )


def _fold(node: exp.Expression) -> exp.Expression:
    """Literals become one placeholder; constant IN-lists and VALUES rows become one item."""
    if isinstance(node, exp.Literal) or (
        isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal)
    ):
        return exp.Placeholder()
    if isinstance(node, (exp.Placeholder, exp.Parameter)):  # %s, $1
        return exp.Placeholder()
    if isinstance(node, exp.In) and node.expressions and all(map(_is_constant, node.expressions)):
        node.set("expressions", [exp.var(LIST)])
    elif isinstance(node, exp.Values) and len(node.expressions) > 1:
        node.set("expressions", node.expressions[:1])
    return node


# Statements whose literals matter for grouping; others (SAVEPOINT, SET, DDL) are kept as
# tokens, which sqlglot sometimes parses into odd shapes.
_PARSED_KINDS = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES", "MERGE", "TABLE"}


def _parsed(sql: str) -> str | None:
    if statement_kind(sql) not in _PARSED_KINDS:
        return None
    try:
        statements = sqlglot.parse(sql, read="postgres")
    except (SqlglotError, RecursionError, ValueError):
        return None
    if len(statements) != 1 or statements[0] is None:
        return None
    tree = statements[0]
    if isinstance(tree, exp.Command):  # an opaque statement: the tokens say more
        return None
    folded = tree.transform(_fold)
    return folded.sql(dialect="postgres")


_POSTGRES = Dialect.get_or_raise("postgres")
_CONSTANT_TOKENS = {TokenType.NUMBER, TokenType.STRING, TokenType.PLACEHOLDER}
_CONSTANT_LIST = re.compile(r"\(\s*%s(?:\s*,\s*%s)+\s*\)")


def _tokenized(sql: str) -> str | None:
    try:
        tokens = _POSTGRES.tokenize(sql)
    except (SqlglotError, ValueError):
        return None
    out: list[str] = []
    command = False  # after VACUUM, SAVEPOINT...: sqlglot keeps the rest as one raw string
    for i, token in enumerate(tokens):
        kind, text = token.token_type, token.text
        if kind == TokenType.COMMAND:
            command = True
            out.append(text.upper())
        elif command and kind == TokenType.STRING:
            out.append(" ".join(text.split()))
        elif kind in _CONSTANT_TOKENS or (kind == TokenType.VAR and text.startswith("$")):
            out.append(PLACEHOLDER)
        elif kind == TokenType.MOD and i + 1 < len(tokens) and tokens[i + 1].text == "s":
            out.append(PLACEHOLDER)  # psycopg's %s, tokenized as "%" then "s"
        elif (
            kind == TokenType.VAR
            and text == "s"
            and i
            and tokens[i - 1].token_type == TokenType.MOD
        ):
            continue
        elif kind == TokenType.IDENTIFIER:
            out.append(f'"{text}"')
        else:
            out.append(text if kind == TokenType.VAR else text.upper())
    # a parenthesised list of constants, however long, is one list
    return _CONSTANT_LIST.sub(f"({LIST})", " ".join(out))


@lru_cache(maxsize=8192)
def normalize(sql: str) -> str:
    """The statement with literals as ``?`` and constant lists folded, for display and grouping."""
    sql = _SAVEPOINT_ID.sub('"sp"', sql.strip().rstrip(";"))
    return _parsed(sql) or _tokenized(sql) or " ".join(sql.split())


@lru_cache(maxsize=2048)
def brief(sql: str, max_columns: int = 3) -> str:
    """:func:`normalize` with a long select list shown as ``...``, for one-line messages."""
    text = normalize(sql)
    if statement_kind(text) != "SELECT":
        return text
    try:
        tree = sqlglot.parse_one(text, read="postgres")
    except (SqlglotError, ValueError, RecursionError):
        return text
    if isinstance(tree, exp.Select) and len(tree.expressions) > max_columns:
        tree.set("expressions", [exp.var(LIST)])
        return tree.sql(dialect="postgres")
    return text


@lru_cache(maxsize=8192)
def fingerprint(sql: str) -> str:
    """A short stable id for :func:`normalize`'s result (16 hex digits)."""
    return hashlib.sha1(normalize(sql).encode()).hexdigest()[:16]


def statement_kind(sql: str) -> str:
    """The leading keyword in upper case (``SELECT``, ``INSERT``, ``SAVEPOINT``...), cheaply."""
    stripped = sql.lstrip(" \t\r\n(")
    end = 0
    while end < len(stripped) and (stripped[end].isalpha() or stripped[end] == "_"):
        end += 1
    return stripped[:end].upper()
