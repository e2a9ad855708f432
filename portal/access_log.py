"""Gunicorn's access log with the client's address, not the reverse proxy's.

docker/gunicorn.conf.py sets ``logger_class`` to `ClientAddressLogger`: the ``%(h)s`` of each
access-log line is the address `portal.client_address` finds behind ``TRUSTED_PROXIES``, the
same one django-axes and the rate limits see.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from .client_address import client_address_from


class ClientAddressLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        # Access lines are written by the worker after the request, when Django's settings
        # are loaded.
        atoms["h"] = client_address_from(environ) or "-"
        return atoms
