"""Every form the dashboard accepts is CSRF-checked: each POST (PUT, PATCH, DELETE) route of
the page routers depends on ``web.auth.check_csrf``, so a new page action cannot forget it."""

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from urutiq_ai.web.auth import check_csrf
from urutiq_ai.web.pages import PAGE_ROUTERS

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def calls(dependant: Dependant) -> set[object]:
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= calls(sub)
    return found


def test_every_page_action_checks_its_csrf_token() -> None:
    actions = [
        route
        for router in PAGE_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.methods & CHANGING
    ]
    assert len(actions) >= 20  # login, logout and the pages' actions
    unguarded = [route.path for route in actions if check_csrf not in calls(route.dependant)]
    assert unguarded == []
