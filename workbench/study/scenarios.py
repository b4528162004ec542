"""The marketplace's workload as named, parameterised scenarios: every GET endpoint.

A scenario is one real request through Django's test client, with a bearer token
(``marketplace.api.auth.token_for``) for a real user picked from the data, and it fails
unless the answer is 200. Who calls and what is requested are *subjects*
(``workbench.study.subjects``): a spec names them (``"/api/jobs/{job}/"``, caller
``typical_freelancer``) and :func:`make` fills them in.

The performance plan's three N+1 patterns are the scenarios ``job_list`` (jobs with
client, industry and subcategory), ``job_applications`` and ``applications``
(applications with job, applicant and employer: the client's view of a job's
applications, and the freelancer's own list) and ``user_list`` / ``user_reviews``
(users with their ratings, the reviews a user received). Page size is a parameter.

    from workbench.study import scenarios, subjects
    runnable = scenarios.build(["job_list", "user_list"], page_size=50,
                               subjects=subjects.pick_subjects())
    runnable[0]()                      # GET /api/jobs/?page_size=50 -> HttpResponse (200)

Measuring them under the variants is ``workbench.study.measure``; the mixed workload
that measures the cache hit rate is ``workbench.study.mixed``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the models need Django set up; the names (SCENARIOS) must not
    from workbench.study.subjects import Subjects

DEFAULT_PAGE_SIZE = 20


class ScenarioFailed(AssertionError):
    """The endpoint did not answer 200."""


@dataclass(frozen=True)
class Spec:
    """A scenario's definition: which endpoint, as whom, about what."""

    name: str
    path: str  # may name subjects: "/api/jobs/{job}/"
    caller: str  # a persona
    description: str
    pattern: str | None = None  # the plan's N+1 pattern it exercises
    paginated: bool = True


SPECS: tuple[Spec, ...] = (
    Spec(
        "job_list",
        "/api/jobs/",
        "typical_freelancer",
        "the public job board, newest first",
        "jobs with client, industry and subcategory",
    ),
    Spec(
        "job_detail",
        "/api/jobs/{job}/",
        "typical_freelancer",
        "one job with its client, creator and application count",
        paginated=False,
    ),
    Spec(
        "job_applications",
        "/api/jobs/{job}/applications/",
        "busy_client",
        "a client reading the applications to their busiest job",
        "applications with job, applicant and employer (the client's view)",
    ),
    Spec(
        "applications",
        "/api/applications/",
        "busy_freelancer",
        "a freelancer's own applications",
        "applications with job, applicant and employer (the freelancer's own list)",
    ),
    Spec(
        "user_list",
        "/api/users/",
        "typical_client",
        "active users with profile, average rating and review count",
        "users with their reviews",
    ),
    Spec(
        "user_detail",
        "/api/users/{busy_freelancer}/",
        "typical_client",
        "one user's profile with rating",
        paginated=False,
    ),
    Spec(
        "user_reviews",
        "/api/users/{busy_freelancer}/reviews/",
        "typical_client",
        "the reviews a user received, with reviewer and job",
        "users with their reviews",
    ),
    Spec(
        "saved_jobs",
        "/api/saved-jobs/",
        "busy_freelancer",
        "the caller's saved jobs, newest first",
    ),
    Spec(
        "payments",
        "/api/payments/",
        "busy_client",
        "payments the caller made or received",
    ),
    Spec("wallet", "/api/wallet/", "typical_freelancer", "the caller's wallet", paginated=False),
)
SCENARIOS: dict[str, Spec] = {spec.name: spec for spec in SPECS}


@dataclass
class Scenario:
    """One GET as one user; call it to make the request (raises unless 200)."""

    name: str
    path: str
    caller_id: int
    persona: str
    params: dict[str, str]
    description: str
    pattern: str | None
    page_size: int | None
    _client: Any = field(default=None, repr=False, compare=False)
    _headers: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        from django.test import Client

        from marketplace.accounts.models import User
        from marketplace.api.auth import token_for

        self._client = self._client or Client()
        self._headers = {"Authorization": f"Bearer {token_for(User(pk=self.caller_id))}"}

    @property
    def url(self) -> str:
        from urllib.parse import urlencode

        return f"{self.path}?{urlencode(self.params)}" if self.params else self.path

    def __call__(self):
        response = self._client.get(self.path, self.params, headers=self._headers)
        if response.status_code != 200:
            raise ScenarioFailed(
                f"GET {self.url} as user {self.caller_id} ({self.persona}) answered "
                f"{response.status_code}: {response.content[:200]!r}"
            )
        return response

    def describe(self) -> dict[str, Any]:
        return {
            "path": self.url,
            "caller": self.caller_id,
            "persona": self.persona,
            "description": self.description,
            "pattern": self.pattern,
            "page_size": self.page_size,
        }


def check_names(names: Iterable[str] | None) -> list[str]:
    if names is None:
        return list(SCENARIOS)
    wanted = list(dict.fromkeys(names))
    if "all" in wanted:
        return list(SCENARIOS)
    unknown = [n for n in wanted if n not in SCENARIOS]
    if unknown:
        raise ValueError(
            f"unknown scenario {unknown[0]!r}: use one of {', '.join(SCENARIOS)} (or all)"
        )
    return wanted


def check_page_size(page_size: int) -> int:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"page size must be a whole number of 1 or more, got {page_size!r}")
    return page_size


def make(
    spec: Spec,
    subjects: Mapping[str, int],
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    page: int = 1,
    caller: int | None = None,
    name: str | None = None,
    client: Any = None,
) -> Scenario:
    """One scenario from its spec; ``subjects`` maps persona and ``job`` names to ids."""
    params: dict[str, str] = {}
    if spec.paginated:
        params["page_size"] = str(check_page_size(page_size))
        if page > 1:
            params["page"] = str(page)
    return Scenario(
        name=name or spec.name,
        path=spec.path.format(**subjects),
        caller_id=caller if caller is not None else subjects[spec.caller],
        persona=spec.caller if caller is None else "chosen",
        params=params,
        description=spec.description,
        pattern=spec.pattern,
        page_size=page_size if spec.paginated else None,
        _client=client,
    )


def build(
    names: Iterable[str] | None = None,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    subjects: Subjects | None = None,
) -> list[Scenario]:
    """The named scenarios (all by default, in the registry's order), ready to call."""
    wanted = check_names(names)
    check_page_size(page_size)
    from django.test import Client

    from workbench.study.subjects import pick_subjects

    subjects = subjects or pick_subjects()

    client = Client()
    ids = subjects.as_dict()
    return [make(SCENARIOS[n], ids, page_size=page_size, client=client) for n in wanted]


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "SCENARIOS",
    "SPECS",
    "Scenario",
    "ScenarioFailed",
    "Spec",
    "build",
    "check_names",
    "check_page_size",
    "make",
]
