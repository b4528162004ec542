"""Which generations each ORM write bumps, wired to post_save and post_delete.

Signals see every ``save()`` and ``delete()``, the API's writes and anyone else's ORM
writes alike, including cascades and ``QuerySet.delete()`` (Django sends post_delete per
row when a receiver listens). They do not see ``QuerySet.update()``, ``bulk_create()``,
``bulk_update()``, raw SQL or ``COPY``: whoever writes that way must call
``marketplace.cache.clear()`` or ``invalidate_all()`` afterwards (the seeder, a runner).

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

from collections.abc import Callable
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


def _invalidate(instance: Any, created: bool, fields: Fields = None) -> None:
    if not switches.caching():
        store.note_missed()
        return
    names = generations_for(instance, created, fields)
    store.bump([*getattr(instance, _BEFORE, ()), *names])


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
    if sender is User and fields and fields <= _INVISIBLE_USER_FIELDS:
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
