"""The cached models' default manager: bulk writes invalidate like single-object writes.

``QuerySet.update()``, ``bulk_create()`` and ``bulk_update()`` send no signal, so the
signal receivers in ``marketplace.api.invalidation`` never see them. This QuerySet,
the default manager of every cached model (and so of their related managers,
``job.applications.update(...)``), reports their rows there:

* ``update(**kwargs)`` locks the matching rows (``SELECT ... FOR UPDATE``, one query),
  reads the columns their generations are named after, updates exactly those rows, and
  when the update can move a row to another job or user reads the new owners too. The
  old and the new owners are bumped, as a single ``save()`` would. Caching off: no
  reads, the store remembers the write went unseen (as for a ``save()``).
* ``bulk_create(objs)`` bumps what each created object affects (``update_conflicts``,
  or an object whose id did not come back, bumps ``all``).
* ``bulk_update(objs, fields)`` runs Django's batched ``update()`` calls, so the above.
* ``delete()`` was already seen row by row (Django sends ``post_delete`` per row when a
  receiver listens, cascades included); here it sends one bump for all of them.

Every bulk write sends one batch of bumps after its statement (now, and again when an
enclosing transaction commits). More than ``invalidation.LIMIT`` rows bump ``all``.
``Model._base_manager``, raw SQL and ``COPY`` are not covered: call
``marketplace.cache.invalidate(Model)`` after them.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction


def _policy():
    # Imported late: the models import this module, and the policy imports the models.
    from marketplace.api import invalidation

    return invalidation


class InvalidatingQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        policy = _policy()
        fields = frozenset(kwargs)
        if policy.unseen(self.model, fields):
            return super().update(**kwargs)
        with policy.collecting():
            if not policy.switches.caching() or not policy.KEYS[self.model]:
                policy.rows_written(self.model, [], False, fields)
                return super().update(**kwargs)
            return self._update_rows(policy, fields, kwargs)

    update.alters_data = True

    def _update_rows(self, policy, fields: frozenset[str], kwargs: dict[str, Any]) -> int:
        keys = policy.KEYS[self.model]
        base = self.model._base_manager.using(self.db)
        with transaction.atomic(using=self.db, savepoint=False):
            matching = base.filter(pk__in=self.order_by().values("pk")).select_for_update()
            rows = list(matching.values("pk", *keys)[: policy.LIMIT + 1])
            if len(rows) > policy.LIMIT:
                policy.everything()
                return super().update(**kwargs)
            pks = [row.pop("pk") for row in rows]
            # Exactly the rows read (and locked): a row committed into the filter since
            # would otherwise change without its generations being bumped.
            count = base.filter(pk__in=pks).update(**kwargs)
            policy.rows_written(self.model, rows, False, fields)
            if policy.may_move(self.model, fields):
                moved = list(base.filter(pk__in=pks).values(*keys))
                policy.rows_written(self.model, moved, False, fields)
        return count

    def bulk_create(self, objs, *args: Any, **kwargs: Any) -> list:
        policy = _policy()
        with policy.collecting():
            created = super().bulk_create(objs, *args, **kwargs)
            if kwargs.get("update_conflicts") or any(obj.pk is None for obj in created):
                policy.everything()  # rows updated in place, or ids we cannot name
            else:
                keys = policy.KEYS[self.model]
                rows = [{key: getattr(obj, key) for key in keys} for obj in created]
                policy.rows_written(self.model, rows, True, None)
        return created

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, batch_size: int | None = None) -> int:
        with _policy().collecting():  # Django's own update() calls, one bump for all
            return super().bulk_update(objs, fields, batch_size=batch_size)

    bulk_update.alters_data = True

    def delete(self):
        with _policy().collecting():  # post_delete per row, cascades included
            return super().delete()

    delete.alters_data = True
    delete.queryset_only = True


InvalidatingManager = models.Manager.from_queryset(InvalidatingQuerySet)
