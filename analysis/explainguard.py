"""What EXPLAIN refuses up front, and which statements write.

The containment is the transaction, not this module (``analysis.explainrun``): EXPLAIN
ANALYZE runs READ ONLY unless the caller passes ``allow_writes=True``, is always rolled
back, and its own connection is closed afterwards. What remains here is what that
design cannot contain, each group with its reason below, checked against the
statement's *resolved* names: ``U&"\\0073etval"`` and ``U&"s!0065tval" UESCAPE '!'``
are decoded as PostgreSQL decodes them (sqlglot 30 does not: it keeps the escapes).

Names are the statement's text only: a function that calls one of these from its body
(a wrapper, a view) is not seen, and then the connecting role's own privileges are
the limit. Explain as a role without superuser rights where that matters.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from analysis.errors import AnalysisError
from analysis.fingerprint import statement_kind

EXPLAINABLE = ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "VALUES", "TABLE", "MERGE")
WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")

# Functions refused by name (lower case), with why the transaction cannot contain them.
REFUSED_FUNCTIONS = {
    # Act on other sessions or on the server as a whole; READ ONLY does not stop them
    # (pg_stat_reset, pg_switch_wal, pg_create_restore_point, pg_logical_emit_message,
    # pg_create_physical_replication_slot all ran in a READ ONLY transaction on 16.2),
    # and nothing of theirs is undone by a rollback.
    "pg_stat_reset": "resets statistics for the whole database",
    "pg_stat_reset_shared": "resets server-wide statistics",
    "pg_stat_reset_single_table_counters": "resets statistics",
    "pg_stat_reset_single_function_counters": "resets statistics",
    "pg_stat_reset_slru": "resets statistics",
    "pg_stat_reset_replication_slot": "resets statistics",
    "pg_stat_reset_subscription_stats": "resets statistics",
    "pg_stat_statements_reset": "resets statistics",
    "pg_cancel_backend": "signals another session",
    "pg_terminate_backend": "signals another session",
    "pg_reload_conf": "signals the server",
    "pg_rotate_logfile": "signals the server",
    "pg_promote": "promotes a standby",
    "pg_switch_wal": "switches the WAL file",
    "pg_create_restore_point": "writes a WAL record",
    "pg_logical_emit_message": "writes a WAL record",
    "pg_backup_start": "starts a backup",
    "pg_backup_stop": "stops a backup",
    "pg_start_backup": "starts a backup",
    "pg_stop_backup": "stops a backup",
    "pg_create_physical_replication_slot": "creates a replication slot",
    "pg_create_logical_replication_slot": "creates a replication slot",
    "pg_copy_physical_replication_slot": "creates a replication slot",
    "pg_copy_logical_replication_slot": "creates a replication slot",
    "pg_drop_replication_slot": "drops a replication slot",
    "pg_replication_slot_advance": "moves a replication slot",
    "pg_logical_slot_get_changes": "consumes a replication slot",
    "pg_logical_slot_get_binary_changes": "consumes a replication slot",
    "lo_export": "writes a file on the server",
    "pg_file_write": "writes a file on the server",
    "pg_file_rename": "renames a file on the server",
    "pg_file_unlink": "deletes a file on the server",
    # Run SQL given as a string, where no name check can see it.
    "query_to_xml": "runs SQL given as text",
    "query_to_xmlschema": "runs SQL given as text",
    "query_to_xml_and_xmlschema": "runs SQL given as text",
    "ts_stat": "runs SQL given as text",
    "ts_rewrite": "runs SQL given as text",
    # Sequences are not transactional. READ ONLY stops setval, but with
    # allow_writes=True its change would outlive the rollback; refused in both modes.
    # (nextval fails READ ONLY; with allow_writes=True it advances, as an INSERT does.)
    "setval": "changes a sequence, which no rollback undoes",
    # Session advisory locks die with explain's own connection, but on the caller's
    # connection (inside atomic()) a lock the caller already holds, taken again, only
    # raises a count no query shows, and releasing it would release the caller's lock.
    # New keys taken out of sight (in a function body) are released after the rollback.
    "pg_advisory_lock": "takes a session lock",
    "pg_advisory_lock_shared": "takes a session lock",
    "pg_try_advisory_lock": "takes a session lock",
    "pg_try_advisory_lock_shared": "takes a session lock",
}
# Every dblink function: a connection to another server (or this one) whose work is
# committed there, outside this transaction.
REFUSED_PREFIXES = {"dblink": "runs SQL over another connection, outside this transaction"}


class ExplainError(AnalysisError):
    """EXPLAIN could not run; the message says why in one line."""


class UnsafeStatement(ExplainError):
    """The statement could change something a rollback cannot undo."""


class ExplainTimeout(ExplainError):
    """The statement ran past ``statement_timeout`` (or waited past ``lock_timeout``)."""


def _unescape(text: str, escape: str) -> str:
    """PostgreSQL's ``U&"..."`` decoding: ``\\XXXX``, ``\\+XXXXXX``, ``\\\\`` (or another escape)."""
    e = re.escape(escape)
    pattern = re.compile(rf"{e}({e}|[0-9A-Fa-f]{{4}}|\+[0-9A-Fa-f]{{6}})")
    out, at = [], 0
    for m in pattern.finditer(text):
        out.append(text[at : m.start()])
        code = m[1]
        out.append(escape if code == escape else chr(int(code.lstrip("+"), 16)))
        at = m.end()
    rest = text[at:]
    if escape in rest:
        raise UnsafeStatement(
            f"refusing to EXPLAIN an identifier with a bad Unicode escape: {text!r}"
        )
    return "".join(out) + rest


def resolved_names(tokens: list[Token]) -> list[tuple[str, Token | None]]:
    """Each identifier as PostgreSQL resolves it (lower case), with the token after it."""
    out: list[tuple[str, Token | None]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        after = i + 1
        name = token.text
        unicode = (
            token.token_type == TokenType.VAR
            and token.text.lower() == "u"
            and i + 2 < len(tokens)
            and tokens[i + 1].token_type == TokenType.AMP
            and tokens[i + 2].token_type == TokenType.IDENTIFIER
        )
        if unicode:
            escape, after = "\\", i + 3
            if (
                after + 1 < len(tokens)
                and tokens[after].text.upper() == "UESCAPE"
                and tokens[after + 1].token_type == TokenType.STRING
            ):
                escape, after = tokens[after + 1].text, after + 2
                if len(escape) != 1 or escape in "0123456789abcdefABCDEF+'\" \t\r\n":
                    raise UnsafeStatement(f"refusing to EXPLAIN a bad UESCAPE character {escape!r}")
            name = _unescape(tokens[i + 2].text, escape)
        out.append((name.lower(), tokens[after] if after < len(tokens) else None))
        i = after
    return out


def _refusal(name: str) -> str | None:
    if name in REFUSED_FUNCTIONS:
        return REFUSED_FUNCTIONS[name]
    return next((why for p, why in REFUSED_PREFIXES.items() if name.startswith(p)), None)


def writes(sql: str) -> str | None:
    """Why ``sql`` writes (``"an UPDATE"``, ``"a data-modifying WITH"``...), or None.

    A statement sqlglot cannot parse is treated as read-only here; the server then
    refuses it in the READ ONLY transaction if it does write.
    """
    kind = statement_kind(sql)
    if kind in WRITES:
        return f"an {kind}" if kind[0] in "AEIOU" else f"a {kind}"
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except (SqlglotError, ValueError, RecursionError):
        return None
    if tree is None:
        return None
    if tree.find(exp.Insert, exp.Update, exp.Delete, exp.Merge) is not None:
        return "a data-modifying WITH"
    if tree.find(exp.Lock) is not None:
        return "a SELECT ... FOR UPDATE/SHARE (it locks rows)"
    return None


def check_explainable(sql: str, *, analyze: bool = True, allow_writes: bool = False) -> None:
    """Raise :class:`UnsafeStatement` for what EXPLAIN must not run (see the module doc).

    Writes are refused only when they would execute (``analyze``) without ``allow_writes``.
    """
    kind = statement_kind(sql)
    if kind not in EXPLAINABLE:
        raise UnsafeStatement(
            f"refusing to EXPLAIN a {kind or 'empty'} statement: only "
            f"{', '.join(EXPLAINABLE)} run safely inside a rolled-back transaction"
        )
    try:
        tokens = sqlglot.Dialect.get_or_raise("postgres").tokenize(sql)
    except (SqlglotError, ValueError) as exc:
        raise UnsafeStatement(f"refusing to EXPLAIN SQL that cannot be tokenized: {exc}") from None
    semicolons = [i for i, t in enumerate(tokens) if t.token_type == TokenType.SEMICOLON]
    if any(i != len(tokens) - 1 for i in semicolons):
        raise UnsafeStatement("refusing to EXPLAIN several statements at once; pass one")
    names = resolved_names(tokens)
    for name, following in names:
        why = _refusal(name)
        if why and following is not None and following.token_type == TokenType.L_PAREN:
            raise UnsafeStatement(f"refusing to EXPLAIN a call to {name}(): it {why}")
    # SELECT ... INTO creates a table, and READ ONLY does not stop it under EXPLAIN
    # ANALYZE (checked on 16.2). Refused on the tokens, which sqlglot parses or not.
    types = {t.token_type for t in tokens}
    if TokenType.INTO in types and kind in ("SELECT", "WITH", "VALUES", "TABLE"):
        if not {TokenType.INSERT, TokenType.MERGE} & types:
            raise UnsafeStatement("refusing to EXPLAIN SELECT ... INTO: it creates a table")
        tree = _parse(sql)
        if tree is None or tree.find(exp.Into) is not None:
            raise UnsafeStatement("refusing to EXPLAIN SELECT ... INTO: it creates a table")
    if analyze and not allow_writes:
        why = writes(sql)
        if why:
            raise UnsafeStatement(
                f"refusing to EXPLAIN ANALYZE {why} without allow_writes=True: ANALYZE "
                "executes it (then rolls it back)"
            )


def _parse(sql: str):
    try:
        return sqlglot.parse_one(sql, read="postgres")
    except (SqlglotError, ValueError, RecursionError):
        return None
