"""ApiContext: what one app serves with, and the request it is handling."""

from __future__ import annotations

import contextvars
import os
from typing import Any

from chalice.app import Chalice, Request
from pixellift.adapters.aws.access_http import parse_json_body
from pixellift.adapters.aws.access_invitation_http import InvitationStores, invitation_services
from pixellift.core.access.invitations import InvitationServices
from pixellift.core.access.model import Principal

from chalicelib.wiring import ApiServices, build_invitation_stores, build_services


class ApiContext:
    """The ports of one Chalice app, built from ``os.environ`` on first use, and its request.

    Each app keeps its own context, so two apps loaded in one process (the local server and the
    tests load ``app.py`` under names of their own) never share ports. ``use`` and
    ``use_invitations`` replace what the environment would give.

    Parameters
    ----------
    app
        The app whose ``current_request`` the views read.

    Examples
    --------
    >>> context = ApiContext(Chalice(app_name="example"))
    >>> context.request()
    Traceback (most recent call last):
    ...
    RuntimeError: no request is being handled
    """

    def __init__(self, app: Chalice) -> None:
        self._app = app
        self._services: list[ApiServices] = []
        self._stores: list[InvitationStores] = []
        self._caller: contextvars.ContextVar[Principal] = contextvars.ContextVar("caller")

    def use(self, services: ApiServices) -> None:
        """Serve with ``services`` instead of the ones built from the environment."""
        self._services[:] = [services]

    def services(self) -> ApiServices:
        """The ports in use, built from ``os.environ`` on first call."""
        if not self._services:
            self._services.append(build_services(os.environ))
        return self._services[0]

    def use_invitations(self, stores: InvitationStores) -> None:
        """Keep invitations and memberships in ``stores`` instead of the environment's tables."""
        self._stores[:] = [stores]

    def invitations(self) -> InvitationServices:
        """Invitation services on the stores in use, deciding and auditing as ``services()``."""
        if not self._stores:
            self._stores.append(build_invitation_stores(os.environ))
        return invitation_services(self.services().access, self._stores[0])

    def request(self) -> Request:
        """The request being handled.

        Raises
        ------
        RuntimeError
            Outside the handling of a request.
        """
        # Chalice sets the attribute when it first handles a request.
        request: Request | None = getattr(self._app, "current_request", None)
        if request is None:
            msg = "no request is being handled"
            raise RuntimeError(msg)
        return request

    def json_body(self) -> dict[str, Any]:
        """The request's body as a JSON object (``BadBodyError`` when it is not one)."""
        return parse_json_body(self.request().raw_body)

    def query(self) -> dict[str, str]:
        """The request's query parameters (empty when it has none)."""
        return dict(self.request().query_params or {})

    def act_as(self, caller: Principal) -> None:
        """Record the authenticated caller of the request being handled."""
        self._caller.set(caller)

    def caller(self) -> Principal:
        """The authenticated caller of the request being handled (merchant routes only)."""
        return self._caller.get()
