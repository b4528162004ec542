"""The marketplace under concurrent users: a real server (gunicorn) and load (Locust).

* ``server``: gunicorn (or Django's runserver) as a child process on 127.0.0.1, started,
  waited for and stopped cleanly;
* ``wsgi``: the application gunicorn serves; under a load run it also counts, per worker
  process, requests, queries, the database backend's CPU and cache lookups (``counters``);
* ``plan``: the mixed workload's reads and writes as plain URLs and tokens for Locust;
* ``locustfile`` / ``users``: the Locust user class (no Django in the Locust processes);
* ``locust_run``: Locust headless, alone or as a master with local workers, and its results;
* ``database``: the dedicated copy of the database a load run writes into;
* ``figures`` / ``run``: one load run, variant by variant and level by level.

Importing this package imports nothing else (the Locust processes import ``users``).
"""
