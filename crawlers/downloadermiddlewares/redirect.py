"""Follow redirects like Scrapy's ``RedirectMiddleware``; a redirect not followed gets a reason.

Scrapy's own middleware hands a redirect to a scheme it cannot fetch (``file:``,
``ftp:``, ``javascript:``...) to the spider as a plain 3xx response, and drops a chain
longer than ``REDIRECT_MAX_TIMES`` with a generic "ignored". Here both end the chain
with an exception whose ``reason`` the fetch recorder stores on the last hop's row:

- ``redirect_refused``: the ``Location`` is not http(s) (nothing is fetched);
- ``redirect_loop``: the ``Location`` is a URL this chain already visited, or the chain
  is longer than ``REDIRECT_MAX_TIMES`` (the detail says which).

A redirect to a host the address guard refuses is recorded by the guard itself
(``blocked_private_address``), and the spider marks the hop ``redirect_refused``.
Settings: Scrapy's ``REDIRECT_ENABLED``, ``REDIRECT_MAX_TIMES``, ``REDIRECT_PRIORITY_ADJUST``.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from w3lib.url import safe_url_string

_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_FETCHABLE = {"http", "https"}


class RedirectFailed(IgnoreRequest):
    """A redirect that was not followed; ``reason`` is the short code for ``fetches.error``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class CheckedRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirect handling, with refused schemes and loops raised as :class:`RedirectFailed`."""

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        target = self._location(request, response)
        if target is not None:
            scheme = urlsplit(target).scheme.lower()
            if scheme not in _FETCHABLE:
                raise RedirectFailed(
                    "redirect_refused",
                    f"{response.status} redirect to {target[:300]} refused: "
                    f"only http and https are fetched, not {scheme or 'no scheme'}",
                )
            visited = [*request.meta.get("redirect_urls", []), request.url]
            if target.split("#", 1)[0] in {url.split("#", 1)[0] for url in visited}:
                raise RedirectFailed(
                    "redirect_loop",
                    f"{response.status} redirect back to {target[:300]}, "
                    f"which this chain of {len(visited)} hop(s) already visited",
                )
        try:
            return super().process_response(request, response, spider)
        except IgnoreRequest as exc:
            if isinstance(exc, RedirectFailed) or "max redirections" not in str(exc):
                raise
            raise RedirectFailed(
                "redirect_loop",
                f"more than {self.max_redirect_times} redirects (REDIRECT_MAX_TIMES) "
                f"from {(request.meta.get('redirect_urls') or [request.url])[0][:300]}",
            ) from exc

    def _location(self, request: Request, response: Response) -> str | None:
        """The absolute URL a redirect this middleware would act on points to, else None."""
        if request.meta.get("dont_redirect", False) or response.status not in _REDIRECT_STATUSES:
            return None
        if request.meta.get("handle_httpstatus_all", False):
            return None
        if response.status in request.meta.get("handle_httpstatus_list", ()):
            return None
        location = response.headers.get(b"Location")
        if not location:
            return None
        target = safe_url_string(location)
        if location.startswith(b"//"):
            target = f"{urlsplit(request.url).scheme}://{target.lstrip('/')}"
        return urljoin(request.url, target)
