"""Which generations each ORM write bumps, wired to post_save and post_delete.

Signals see every ``save()`` and ``delete()``, the API's writes and anyone else's ORM
writes alike, including cascades and ``QuerySet.delete()`` (Django sends post_delete per
row when a receiver listens). ``QuerySet.update()``, ``bulk_create()`` and
``bulk_update()`` send no signal: the cached models' default manager
(``marketplace.api.bulk``) reports their rows here through :func:`rows_written`, and
batches a bulk write's bumps into one (:func:`collecting`). Raw SQL and ``COPY`` remain
the caller's job: ``marketplace.cache.invalidate(Model)`` or ``invalidate_all()``.

The generations (the API's GET endpoints in brackets):

* ``jobs``: the public job board [/jobs/], any job or application written.
* ``job:<id>``: one job, its applications and their count [/jobs/<id>/, its applications].
* ``jobrefs``: a job's title, status, budget or date as other lists show them [the
  caller's applications, saved jobs, payments; a user's reviews]: a job deleted, or
  updated in one of those fields (a new job is in none of those lists yet).

A job update saved with ``update_fields`` (as the API's PATCH does) bumps only what shows
those fields: a new description changes the job's own page, not the board or any list.
* ``names``: usernames, profiles, industry and subcategory names [nearly everything].
* ``reviews`` / ``reviews:<id>``: reviews received, by anyone / by one user [/users/,
  /users/<id>/ and its reviews, the ratings cache].
* ``user:<id>``: one user's private lists [applications, saved jobs, payments, wallet].

While the cache switch is off nothing is sent to Redis; the store remembers that a write
went unseen and bumps the global generation before the cache is used again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from marketplace.accounts.models import Profile, User, Wallet
from marketplace.api import switches
from marketplace.cache import store
from marketplace.jobs.models import Application, Industry, Job, SavedJob, Subcategory
from marketplace.payment.models import Payment
from marketplace.rating.models import Review

# A login only touches last_login, a password change only the hash: nothing any answer shows.
_INVISIBLE_USER_FIELDS = frozenset({"last_login", "password"})
# What of a job the board (serializers.job_item) and other lists (job_ref, saved_job) show.
_BOARD_FIELDS = frozenset(
    {"title", "status", "budget", "date", "created_at", "client", "industry", "subcategory"}
    | {"client_id", "industry_id", "subcategory_id"}  # update_fields may name the attname
)
_REF_FIELDS = frozenset({"title", "status", "budget", "date"})
Fields = frozenset[str] | None  # the fields an update saved; None: any (or an insert/delete)


def _job(job: Job, created: bool, fields: Fields) -> list[str]:
    if created:
        return ["jobs", f"job:{job.pk}"]
    names = [f"job:{job.pk}"]
    if fields is None or fields & _BOARD_FIELDS:
        names.append("jobs")
    if fields is None or fields & _REF_FIELDS:
        names.append("jobrefs")
    return names


def _application(item: Application, created: bool, fields: Fields) -> list[str]:
    return ["jobs", f"job:{item.job_id}", f"user:{item.applicant_id}"]


def _saved_job(item: SavedJob, created: bool, fields: Fields) -> list[str]:
    return [f"user:{item.user_id}"]


def _payment(item: Payment, created: bool, fields: Fields) -> list[str]:
    return [f"user:{item.payer_id}", f"user:{item.recipient_id}"]


def _wallet(item: Wallet, created: bool, fields: Fields) -> list[str]:
    return [f"user:{item.user_id}"]


def _review(item: Review, created: bool, fields: Fields) -> list[str]:
    return ["reviews", f"reviews:{item.reviewed_id}"]


def _names(item: Any, created: bool, fields: Fields) -> list[str]:
    return ["names"]


AFFECTS: dict[type, Callable[[Any, bool, Fields], list[str]]] = {
    Job: _job,
    Application: _application,
    SavedJob: _saved_job,
    Payment: _payment,
    Wallet: _wallet,
    Review: _review,
    User: _names,
    Profile: _names,
    Industry: _names,
    Subcategory: _names,
}


def generations_for(instance: Any, created: bool = False, fields: Fields = None) -> list[str]:
    """The generations a write of ``instance`` makes stale.

    ``created``: an insert; ``fields``: the update_fields of an update (None: any field).
    """
    return AFFECTS[type(instance)](instance, created, fields)


# Rows whose generations are named after a foreign key: an update may move the row from
# one job or user to another, and the old owner's answers are stale too.
MOVABLE: dict[type, tuple[str, ...]] = {
    Application: ("job_id", "applicant_id"),
    SavedJob: ("user_id",),
    Payment: ("payer_id", "recipient_id"),
    Wallet: ("user_id",),
    Review: ("reviewed_id",),
}
_BEFORE = "_workbench_generations_before"
# The columns generations_for reads of a row: what a bulk write must know of each row.
KEYS: dict[type, tuple[str, ...]] = {
    model: MOVABLE.get(model, ("id",) if model is Job else ()) for model in AFFECTS
}
LIMIT = 1000  # rows a bulk write names one by one; beyond it, it bumps "all"
_batch: ContextVar[list[str] | None] = ContextVar("invalidation_batch", default=None)


def _bump(names: Iterable[str]) -> None:
    batch = _batch.get()
    if batch is not None:
        batch.extend(names)
    elif switches.caching():
        store.bump(names)
    else:
        store.note_missed()


@contextmanager
def collecting() -> Iterator[None]:
    """Gather the bumps of the block (a bulk write's rows, its cascade) into one, at the end.

    Sent even when the block raises: invalidating too much is harmless. Nested blocks join
    the outermost one.
    """
    if _batch.get() is not None:
        yield
        return
    names: list[str] = []
    token = _batch.set(names)
    try:
        yield
    finally:
        _batch.reset(token)
        if not switches.caching():
            store.note_missed()
        elif names:
            store.bump(names)


def unseen(model: type, fields: Fields) -> bool:
    """Whether writing only ``fields`` of ``model`` changes nothing any answer shows."""
    return model is User and bool(fields) and fields <= _INVISIBLE_USER_FIELDS


def rows_written(
    model: type, rows: Iterable[dict[str, Any]], created: bool, fields: Fields
) -> None:
    """Bump what a bulk write of ``rows`` (each: the KEYS columns of one row) makes stale."""
    if unseen(model, fields):
        return
    if not KEYS[model]:  # the "names" models: no column matters
        _bump(generations_for(model(), created, fields))
        return
    for row in rows:
        _bump(generations_for(model(**row), created, fields))


def everything() -> None:
    """A bulk write too large (or too opaque) to name its rows: every entry is stale."""
    _bump([store.GLOBAL])


def may_move(model: type, fields: Fields) -> bool:
    """Whether writing ``fields`` (None: any) can move a row to another job or user."""
    return model in MOVABLE and _may_move(model, fields)


def model_named(target: type | str) -> type:
    """A cached model, given as the class, ``app_label.Model`` or its table name."""
    for model in AFFECTS:
        if target in (model, model._meta.label, model._meta.label_lower, model._meta.db_table):
            return model
    names = ", ".join(sorted(model._meta.db_table for model in AFFECTS))
    raise ValueError(f"{target!r} is not a cached model or table: use one of {names}")


def invalidate(target: type | str, pks: Iterable[Any] | None = None) -> None:
    """After raw SQL on ``target``: bump what a write of its rows ``pks`` makes stale.

    Without ``pks`` (or for more than LIMIT of them), every generation the table's rows
    can reach: ``names`` for users, profiles, industries and subcategories, ``all`` for
    the others. With ``pks``, the rows are read as stored now (a pk no longer found bumps
    ``all``), so a raw write that moves rows to another job or user calls it before and
    after (or omits ``pks``).
    """
    model = model_named(target)
    if pks is None or not KEYS[model]:
        if KEYS[model]:
            everything()
        else:
            rows_written(model, [], False, None)
        return
    pks = list(pks)
    if len(pks) > LIMIT:
        everything()
        return
    rows = list(model._base_manager.filter(pk__in=pks).values(*KEYS[model]))
    if len(rows) < len(set(pks)):  # deleted rows: their owners are unknown now
        everything()
    rows_written(model, rows, False, None)


def _invalidate(instance: Any, created: bool, fields: Fields = None) -> None:
    if not switches.caching() and _batch.get() is None:
        store.note_missed()
        return
    names = generations_for(instance, created, fields)
    _bump([*getattr(instance, _BEFORE, ()), *names])


def _may_move(sender: type, update_fields) -> bool:
    """Whether an update saving ``update_fields`` (None: all) can change a foreign key."""
    if update_fields is None:
        return True
    named = {field.removesuffix("_id") for field in update_fields}
    return any(key.removesuffix("_id") in named for key in MOVABLE[sender])


def _saving(sender: type, instance: Any, update_fields=None, **kwargs: Any) -> None:
    """Before an update of a movable row, note the generations of the row as stored."""
    if instance.pk is None or instance._state.adding or not switches.caching():
        return
    if not _may_move(sender, update_fields):
        return
    keys = MOVABLE[sender]
    stored = sender._base_manager.filter(pk=instance.pk).values(*keys).first()
    if stored is not None:
        before = sender(**{field: stored[field] for field in keys})
        setattr(instance, _BEFORE, generations_for(before))


def _saved(sender: type, instance: Any, created: bool, update_fields=None, **kwargs: Any) -> None:
    fields = frozenset(update_fields) if update_fields is not None else None
    if unseen(sender, fields):
        return
    _invalidate(instance, created, fields)
    instance.__dict__.pop(_BEFORE, None)


def _deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    _invalidate(instance, False)


def connect() -> None:
    """Called once from ApiConfig.ready()."""
    for model in AFFECTS:
        post_save.connect(_saved, sender=model, dispatch_uid=f"cache-save-{model.__name__}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"cache-del-{model.__name__}")
    for model in MOVABLE:
        pre_save.connect(_saving, sender=model, dispatch_uid=f"cache-pre-{model.__name__}")
