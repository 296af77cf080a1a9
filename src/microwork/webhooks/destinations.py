"""Where a delivery may go, so that an endpoint cannot make the server call its own network
(server-side request forgery).

- When an endpoint is saved (`url_check`): an https URL without credentials; plain http only
  for localhost or a loopback address, and only when local endpoints are allowed
  (`local_endpoints_allowed`: DEBUG, or MICROWORK_WEBHOOKS_ALLOW_LOCAL for tests and demos).
  An IP literal must be public.
- At every delivery (`destination_resolve`): the host is resolved and EVERY address it resolves
  to must be public (loopback too when local endpoints are allowed; never a private,
  link-local, shared or reserved one). The request then goes to the address that was checked,
  with the name in the Host header and in TLS's SNI and certificate check, so a second DNS
  answer (rebinding) cannot send it elsewhere. Redirects are never followed (sending.py), so
  a 3xx cannot lead there either.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

LOCAL_NAMES = frozenset({"localhost", "localhost."})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The URL or the address it resolves to may not receive deliveries."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def local_endpoints_allowed() -> bool:
    return bool(settings.DEBUG or settings.MICROWORK_WEBHOOKS_ALLOW_LOCAL)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def address_is_allowed(address: IPAddress, *, local_allowed: bool) -> bool:
    """Public unicast addresses only; loopback too when `local_allowed`."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # ::ffff:10.0.0.1 reaches 10.0.0.1: judge the IPv4 address it carries.
        address = address.ipv4_mapped
    if address.is_loopback:
        return local_allowed
    return address.is_global and not address.is_multicast


def _is_local_host(host: str) -> bool:
    literal = _literal(host)
    return host in LOCAL_NAMES if literal is None else literal.is_loopback


def url_check(url: str, *, local_allowed: bool | None = None) -> None:
    """Raise AddressRefused, saying why, when `url` may not be an endpoint's address."""
    if local_allowed is None:
        local_allowed = local_endpoints_allowed()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise AddressRefused(_("The URL needs a host name."))
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(_("The URL may not hold a user name or a password."))
    try:
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
    except ValueError:
        raise AddressRefused(_("The URL's port is not valid.")) from None
    is_local = _is_local_host(host)
    if parts.scheme == "http" and not (is_local and local_allowed):
        raise AddressRefused(_("The URL must start with https://."))
    if parts.scheme not in ("http", "https"):
        raise AddressRefused(_("The URL must start with https://."))
    if is_local and not local_allowed:
        raise AddressRefused(_("Deliveries cannot go to this server's own addresses."))
    literal = _literal(host)
    if literal is not None and not address_is_allowed(literal, local_allowed=local_allowed):
        raise AddressRefused(_("Deliveries cannot go to a private or reserved address."))


@dataclass(frozen=True)
class Destination:
    """Where one attempt goes: `url` names the checked address instead of the host; `host` is
    sent as the Host header and, over TLS, as the SNI name the certificate must match."""

    url: httpx.URL
    host: str
    address: IPAddress

    @property
    def headers(self) -> dict[str, str]:
        port = urlsplit(str(self.url)).port
        default = 443 if self.url.scheme == "https" else 80
        return {"host": self.host if port in (None, default) else f"{self.host}:{port}"}

    @property
    def extensions(self) -> dict[str, str]:
        return {"sni_hostname": self.host} if self.url.scheme == "https" else {}


def destination_resolve(url: str, *, local_allowed: bool | None = None) -> Destination:
    """Resolve `url`'s host and check every address; raise AddressRefused if one may not be
    reached, or OSError (socket.gaierror) if the name does not resolve."""
    if local_allowed is None:
        local_allowed = local_endpoints_allowed()
    url_check(url, local_allowed=local_allowed)
    parsed = httpx.URL(url)
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in found]
    if not addresses:
        raise OSError(f"{host} has no address")
    for address in addresses:
        if not address_is_allowed(address, local_allowed=local_allowed):
            raise AddressRefused(
                _("%(host)s resolves to %(address)s, a private or reserved address.")
                % {"host": host, "address": address}
            )
    address = addresses[0]
    return Destination(url=parsed.copy_with(host=str(address)), host=host, address=address)
