"""A small but non-trivial marketplace and the GET requests that cover every endpoint."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from marketplace.accounts.models import User
from marketplace.jobs.models import Job
from tests.api import factories as f


@dataclass
class Dataset:
    clients: list[User]
    freelancers: list[User]
    others: list[User]  # no profile; inactive
    jobs: list[Job]
    draft: Job
    extra: dict = field(default_factory=dict)

    @property
    def users(self) -> list[User]:
        return [*self.clients, *self.freelancers, *self.others]


def build() -> Dataset:
    """Three clients, four freelancers, jobs in every status, ratings that need rounding."""
    clients = [f.user("client", wallet="250.50") for _ in range(3)]
    freelancers = [f.user("freelancer", wallet=None if i % 2 else "0.00") for i in range(4)]
    no_profile = f.user(None)
    inactive = f.user("freelancer", is_active=False)
    industry = f.industry()
    subs = [f.subcategory(industry), f.subcategory(industry), f.subcategory()]
    statuses = ["open", "in_progress", "completed", "cancelled", "open", "open"]
    jobs: list[Job] = []
    for i, status in enumerate(statuses * 2):
        jobs.append(
            f.job(
                clients[i % 3],
                sub=subs[i % 3],
                status=status,
                budget=f"{100 + 37 * i}.{i:02d}",
                date=datetime.date(2024, 1 + i % 12, 1 + i),
            )
        )
    draft = f.job(clients[0], sub=subs[0], status="draft", title="secret draft")
    # Applications: several per job, some accepted (which allows reviews and payments).
    for i, job in enumerate(jobs):
        for k, freelancer in enumerate(freelancers):
            if (i + k) % 3 == 0:
                status = "accepted" if job.status != "open" and k % 2 == 0 else "pending"
                f.application(job, freelancer, status=status, bid=f"{90 + i + k}.50")
    # Reviews: averages like 4.33 and 3.67 exercise the rounding.
    ratings = {0: [5, 4, 4], 1: [4, 3, 4], 2: [2], 3: []}
    for index, values in ratings.items():
        for n, rating in enumerate(values):
            f.review(clients[n], freelancers[index], jobs[n + index], rating)
    f.review(freelancers[0], clients[0], jobs[0], 3)
    for i, job in enumerate(jobs[:6]):
        f.payment(job, freelancers[i % 4], amount=f"{50 + i}.25", status="pending")
        f.saved(freelancers[i % 4], job)
        f.saved(clients[(i + 1) % 3], job)
    return Dataset(clients, freelancers, [no_profile, inactive], jobs, draft)


def requests(data: Dataset) -> list[tuple[str, User | None]]:
    """(path, caller) for every GET endpoint, public ones anonymous and signed in."""
    client, freelancer = data.clients[0], data.freelancers[0]
    job = data.jobs[0]
    paths: list[tuple[str, User | None]] = [
        ("/api/jobs/", None),
        ("/api/jobs/?page_size=5&page=2", freelancer),
        ("/api/jobs/?status=open", None),
        (f"/api/jobs/?industry={job.industry_id}", client),
        (f"/api/jobs/{job.pk}/", None),
        (f"/api/jobs/{data.jobs[3].pk}/", freelancer),
        (f"/api/jobs/{data.draft.pk}/", client),  # the draft, to its client
        (f"/api/jobs/{data.draft.pk}/", freelancer),  # 404 to anyone else
        (f"/api/jobs/{job.pk}/applications/", client),
        (f"/api/jobs/{job.pk}/applications/?status=accepted", client),
        (f"/api/jobs/{job.pk}/applications/", freelancer),  # 403
        ("/api/applications/", freelancer),
        ("/api/applications/?status=pending", data.freelancers[1]),
        ("/api/users/", None),
        ("/api/users/?role=freelancer&page_size=3", client),
        (f"/api/users/{freelancer.pk}/", None),
        (f"/api/users/{data.freelancers[1].pk}/", None),
        (f"/api/users/{data.others[0].pk}/", None),  # no profile
        (f"/api/users/{data.others[1].pk}/", None),  # inactive: 404
        (f"/api/users/{freelancer.pk}/reviews/", None),
        (f"/api/users/{client.pk}/reviews/", freelancer),
        ("/api/saved-jobs/", freelancer),
        ("/api/saved-jobs/", client),
        ("/api/payments/", client),
        ("/api/payments/?status=pending", freelancer),
        ("/api/wallet/", client),
        ("/api/wallet/", data.freelancers[1]),  # no wallet: 404
        ("/api/applications/", None),  # 401
    ]
    return paths
