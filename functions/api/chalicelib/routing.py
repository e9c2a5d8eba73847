"""Route tables: each area declares its routes once; ``register`` binds them to an app.

A merchant route is authorised by the role blueprints: the key in ``x-api-key`` is authenticated
first, so nothing is looked up for a caller without a valid key; then the route's guard names the
action and the resource, and the authoriser decides. A public route needs no key (its credential
is in the body). Both turn errors into JSON 4xx/5xx answers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from chalice.app import Chalice
from pixellift.adapters.aws import access_http
from pixellift.adapters.aws.access_http import answer_errors, authorised
from pixellift.core.access.model import Action, Resource
from pydantic import BaseModel

from chalicelib.context import ApiContext

ApiGuard = Callable[[ApiContext, str, Mapping[str, str]], tuple[Action, Resource]]
"""The action a request performs and the resource it names, from its workspace and path."""

View = TypeVar("View", bound=Callable[..., Any])


def on_workspace(action: Action) -> ApiGuard:
    """``action`` on the route's workspace."""
    guard = access_http.on_workspace(action)
    return lambda _api, ws, params: guard(ws, params)


def on_batch(action: Action) -> ApiGuard:
    """``action`` on the batch named by the route's ``batch_id``."""
    guard = access_http.on_batch(action)
    return lambda _api, ws, params: guard(ws, params)


@dataclass(frozen=True)
class RouteSpec:
    """One declared route: the view takes the app's :class:`ApiContext` first."""

    path: str
    methods: tuple[str, ...]
    view: Callable[..., Any]
    guard: ApiGuard | None
    """``None`` for a public route."""
    body: type[BaseModel] | None
    """The request-body model the view validates with (documented in OpenAPI)."""


class Routes:
    """The routes of one area of the API, declared with decorators and bound by :func:`register`.

    Examples
    --------
    >>> routes = Routes()
    >>> @routes.public("/ping", ["GET"])
    ... def ping_route(api: ApiContext) -> dict[str, bool]:
    ...     '''Answer a ping.'''
    ...     return {"ok": True}
    >>> app = Chalice(app_name="example")
    >>> register(app, ApiContext(app), [routes])
    >>> app.routes["/ping"]["GET"].view_name, public_views([routes])
    ('ping_route', {'ping_route'})
    """

    def __init__(self) -> None:
        self.specs: list[RouteSpec] = []

    def merchant(
        self,
        path: str,
        methods: list[str],
        guard: ApiGuard,
        *,
        body: type[BaseModel] | None = None,
    ) -> Callable[[View], View]:
        """Declare a route under ``/workspaces/{ws}`` that needs a key allowed by ``guard``."""
        return self._declare(path, methods, guard, body)

    def public(
        self, path: str, methods: list[str], *, body: type[BaseModel] | None = None
    ) -> Callable[[View], View]:
        """Declare a route that needs no key."""
        return self._declare(path, methods, None, body)

    def _declare(
        self,
        path: str,
        methods: list[str],
        guard: ApiGuard | None,
        body: type[BaseModel] | None,
    ) -> Callable[[View], View]:
        def declare(view: View) -> View:
            self.specs.append(RouteSpec(path, tuple(methods), view, guard, body))
            return view

        return declare


def _guarded(api: ApiContext, view: Callable[..., Any], guard: ApiGuard) -> Callable[..., Any]:
    decide = functools.partial(guard, api)

    @functools.wraps(view)
    def guarded(ws: str, **params: str) -> Any:
        def run() -> Any:
            key = api.request().headers.get("x-api-key")
            api.act_as(authorised(api.services().access, key, decide, ws, params))
            return view(api, ws, **params)

        return answer_errors(run)

    return guarded


def _public(api: ApiContext, view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def public(**params: str) -> Any:
        return answer_errors(lambda: view(api, **params))

    return public


def register(app: Chalice, api: ApiContext, tables: Iterable[Routes]) -> None:
    """Add every route of ``tables`` to ``app``, its views serving with ``api``."""
    for table in tables:
        for spec in table.specs:
            if spec.guard is None:
                handler = _public(api, spec.view)
            else:
                handler = _guarded(api, spec.view, spec.guard)
            app.route(spec.path, methods=list(spec.methods))(handler)


def request_bodies(tables: Iterable[Routes]) -> dict[str, type[BaseModel]]:
    """The request-body model of each view that takes one, by view name."""
    return {
        spec.view.__name__: spec.body
        for table in tables
        for spec in table.specs
        if spec.body is not None
    }


def public_views(tables: Iterable[Routes]) -> set[str]:
    """The names of the views that need no key."""
    return {spec.view.__name__ for table in tables for spec in table.specs if spec.guard is None}
