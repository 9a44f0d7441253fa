"""Behind a reverse proxy (``kluis.proxy``): the client's address and scheme come from
``X-Forwarded-For`` and ``X-Forwarded-Proto`` only when a trusted proxy sends them; HSTS (RFC
6797) goes out on HTTPS only; the session cookie is ``Secure`` when the real scheme is HTTPS."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from kluis.api import get_now
from kluis.app import create_app
from kluis.proxy import (
    Trusted,
    install,
    parse_address,
    parse_element,
    parse_forwarded,
    parse_node,
    resolve,
)
from kluis.runtime import Kluis
from kluis.settings import Settings
from staff_helpers import PASSWORD, Clock, make_user

PROXY = ("10.0.0.5", 40000)
STRANGER = ("192.0.2.7", 40000)
FORWARDED = {"X-Forwarded-For": "198.51.100.23", "X-Forwarded-Proto": "https"}
HSTS = "strict-transport-security"


def _app(settings: Settings) -> FastAPI:
    app = FastAPI()

    @app.get("/whoami")
    def whoami(request: Request) -> dict[str, str | None]:
        return {
            "client": request.client.host if request.client else None,
            "scheme": request.url.scheme,
        }

    install(app, settings)
    return app


def _settings(**values: object) -> Settings:
    return Settings().model_copy(update=values)


def test_a_trusted_proxy_gives_the_client_and_the_scheme() -> None:
    client = TestClient(_app(_settings(trusted_proxies="10.0.0.0/8")), client=PROXY)
    response = client.get("/whoami", headers=FORWARDED)
    assert response.json() == {"client": "198.51.100.23", "scheme": "https"}
    assert response.headers[HSTS] == "max-age=31536000"


def test_a_spoofed_header_from_an_untrusted_client_is_ignored() -> None:
    client = TestClient(_app(_settings(trusted_proxies="10.0.0.0/8")), client=STRANGER)
    response = client.get("/whoami", headers=FORWARDED)
    assert response.json() == {"client": "192.0.2.7", "scheme": "http"}
    assert HSTS not in response.headers


def test_no_proxy_is_trusted_by_default() -> None:
    client = TestClient(_app(_settings()), client=("127.0.0.1", 40000))
    response = client.get("/whoami", headers=FORWARDED)
    assert response.json() == {"client": "127.0.0.1", "scheme": "http"}


def test_hsts_follows_the_setting_on_https() -> None:
    direct = TestClient(_app(_settings(hsts_seconds=600)), base_url="https://crm.example.com")
    assert direct.get("/whoami").headers[HSTS] == "max-age=600"
    off = TestClient(_app(_settings(hsts_seconds=0)), base_url="https://crm.example.com")
    assert HSTS not in off.get("/whoami").headers


def _sign_in(kluis: Kluis, client_address: tuple[str, int], headers: dict[str, str]) -> str:
    proxied = dataclasses.replace(
        kluis, settings=kluis.settings.model_copy(update={"trusted_proxies": "10.0.0.5"})
    )
    app = create_app(proxied)
    app.dependency_overrides[get_now] = Clock()
    client = TestClient(app, follow_redirects=False, client=client_address)
    email = make_user(kluis, "sales")
    response = client.post(
        "/app/sign-in", data={"email": email, "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 303, response.text
    return response.headers["set-cookie"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_session_cookie_is_secure_when_the_real_scheme_is_https(kluis: Kluis) -> None:
    assert kluis.settings.base_url.startswith("http://")
    cookie = _sign_in(kluis, PROXY, FORWARDED)
    assert "secure" in cookie.lower().split("; ")
    spoofed = _sign_in(kluis, STRANGER, FORWARDED)
    assert "secure" not in spoofed.lower().split("; ")


# --- RFC 7239 Forwarded (kluis.proxy.parse_*, resolve) ---

TRUSTED = Trusted(["10.0.0.0/8", "2001:db8:ffff::/48"])


def _header(*values: str) -> list[tuple[bytes, bytes]]:
    return [(b"forwarded", v.encode("latin-1")) for v in values]


@pytest.mark.parametrize(
    ("node", "address", "port"),
    [
        ("192.0.2.43", "192.0.2.43", 0),
        ("192.0.2.43:47011", "192.0.2.43", 47011),
        ("[2001:db8:cafe::17]", "2001:db8:cafe::17", 0),
        ("[2001:db8:cafe::17]:4711", "2001:db8:cafe::17", 4711),
        ("[2001:db8:cafe::17]:_port", "2001:db8:cafe::17", 0),
        ("192.0.2.43:_hidden", "192.0.2.43", 0),
        ("192.0.2.43:99999", "192.0.2.43", 0),
        ("unknown", None, 0),
        ("_hidden", None, 0),
        ("_SEVKISEK", None, 0),
        ("2001:db8:cafe::17", None, 0),
        ("[192.0.2.43]", None, 0),
        ("[2001:db8:cafe::17", None, 0),
        ("[2001:db8:cafe::17]x", None, 0),
        ("192.0.2.43:", None, 0),
        ("example.com", None, 0),
        ("", None, 0),
    ],
)
def test_a_node_is_an_address_with_an_optional_port_or_nothing(
    node: str, address: str | None, port: int
) -> None:
    found, found_port = parse_node(node)
    assert (None if found is None else str(found)) == address
    assert found_port == port


@pytest.mark.parametrize(
    ("element", "hop"),
    [
        ("for=192.0.2.60;proto=http;by=203.0.113.43", ("192.0.2.60", 0, "http")),
        ('For="[2001:db8:cafe::17]:4711"', ("2001:db8:cafe::17", 4711, None)),
        ('for="192.0.2.60";PROTO=HTTPS', ("192.0.2.60", 0, "https")),
        (" for = 192.0.2.60 ; proto = https ", ("192.0.2.60", 0, "https")),
        ('for="\\192.0.2.60"', ("192.0.2.60", 0, None)),
        ("for=unknown;proto=https", (None, 0, "https")),
        ("for=_gazonk", (None, 0, None)),
        ("for=192.0.2.60;proto=gopher", ("192.0.2.60", 0, None)),
        ("proto=https", (None, 0, None)),
        ("for=192.0.2.60;for=192.0.2.61", (None, 0, None)),
        ("for=192.0.2.60;garbage", (None, 0, None)),
        ('for="192.0.2.60', (None, 0, None)),
        ('for=192.0.2.60;host="a;b=c"', ("192.0.2.60", 0, None)),
    ],
)
def test_an_element_names_its_node_and_scheme(
    element: str, hop: tuple[str | None, int, str | None]
) -> None:
    found = parse_element(element)
    assert (None if found.address is None else str(found.address), found.port, found.proto) == hop


def test_commas_inside_quotes_do_not_split_and_several_lines_are_one_list() -> None:
    hops = parse_forwarded(['for=192.0.2.1;host="a,b", for=192.0.2.2', " , for=10.0.0.1"])
    assert [str(h.address) for h in hops] == ["192.0.2.1", "192.0.2.2", "10.0.0.1"]


@pytest.mark.parametrize(
    ("values", "client", "scheme"),
    [
        # the right-most untrusted hop is the client; the proto is that hop's
        (["for=192.0.2.60;proto=https"], ("192.0.2.60", 0), "https"),
        (
            ["for=198.51.100.1, for=192.0.2.60;proto=https, for=10.1.1.1"],
            ("192.0.2.60", 0),
            "https",
        ),
        (["for=198.51.100.1", "for=192.0.2.60", "for=10.1.1.1"], ("192.0.2.60", 0), None),
        (['for="[2001:db8:cafe::17]:4711";proto=https'], ("2001:db8:cafe::17", 4711), "https"),
        (['for=192.0.2.60, for="[2001:db8:ffff::1]"'], ("192.0.2.60", 0), None),
        # every hop trusted: the left-most
        (["for=10.9.9.9, for=10.1.1.1"], ("10.9.9.9", 0), None),
        # unknown or obfuscated: no client address, the scheme still counts
        (["for=192.0.2.60, for=unknown;proto=https, for=10.1.1.1"], None, "https"),
        (["for=192.0.2.60, for=_hidden, for=10.1.1.1"], None, None),
        # a hop that does not parse stops the walk: what the client wrote left of it is not read
        (['for=192.0.2.60, for="oops, for=10.1.1.1'], None, None),
    ],
)
def test_forwarded_gives_the_right_most_untrusted_hop(
    values: list[str], client: tuple[str, int] | None, scheme: str | None
) -> None:
    assert resolve(_header(*values), TRUSTED, "forwarded") == (True, client, scheme)


X_FORWARDED = [(b"x-forwarded-for", b"198.51.100.9, 10.2.2.2"), (b"x-forwarded-proto", b"https")]


def test_which_header_is_read_follows_the_setting() -> None:
    both = [*_header("for=192.0.2.60;proto=http"), *X_FORWARDED]
    assert resolve(both, TRUSTED, "x-forwarded") == (True, ("198.51.100.9", 0), "https")
    assert resolve(both, TRUSTED, "forwarded") == (True, ("192.0.2.60", 0), "http")
    assert resolve(both, TRUSTED, "both") == (True, ("192.0.2.60", 0), "http")
    assert resolve(X_FORWARDED, TRUSTED, "both") == (True, ("198.51.100.9", 0), "https")
    assert resolve(X_FORWARDED, TRUSTED, "forwarded") == (False, None, None)
    assert resolve([], TRUSTED, "both") == (False, None, None)


def test_x_forwarded_for_takes_bare_ipv6_and_bracketed_ports() -> None:
    headers = [(b"x-forwarded-for", b"2001:db8:cafe::17, [2001:db8:cafe::18]:80, 10.0.0.1")]
    assert resolve(headers, TRUSTED, "x-forwarded") == (True, ("2001:db8:cafe::18", 80), None)


ips = st.one_of(
    st.ip_addresses(v=4).filter(lambda a: a not in ipaddress.ip_network("10.0.0.0/8")),
    st.ip_addresses(v=6).filter(lambda a: a not in ipaddress.ip_network("2001:db8:ffff::/48")),
)
proxies = st.one_of(
    st.ip_addresses(network="10.0.0.0/8"), st.ip_addresses(network="2001:db8:ffff::/48")
)


def _node(address: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int | None) -> str:
    host = str(address) if address.version == 4 else f"[{address}]"
    text = host if port is None else f"{host}:{port}"
    return text if address.version == 4 and port is None else f'"{text}"'


@given(
    spoofed=st.lists(st.one_of(ips, proxies), max_size=3),
    client=ips,
    port=st.one_of(st.none(), st.integers(1, 65535)),
    chain=st.lists(proxies, max_size=4),
    proto=st.sampled_from(["http", "https", "HTTPS"]),
)
def test_no_client_text_left_of_the_real_client_is_believed(
    spoofed: list[ipaddress.IPv4Address | ipaddress.IPv6Address],
    client: ipaddress.IPv4Address | ipaddress.IPv6Address,
    port: int | None,
    chain: list[ipaddress.IPv4Address | ipaddress.IPv6Address],
    proto: str,
) -> None:
    """Whatever the client put before its own hop, and however many trusted proxies follow,
    the client is the hop the first trusted proxy appended, with its scheme."""
    elements = [f"for={_node(a, None)}" for a in spoofed]
    elements.append(f"for={_node(client, port)};proto={proto}")
    elements += [f"for={_node(a, None)}" for a in chain]
    named, found, scheme = resolve(_header(", ".join(elements)), TRUSTED, "forwarded")
    assert named
    assert found == (str(client), port or 0)
    assert scheme == proto.lower()


@given(st.binary(max_size=80))
def test_any_header_bytes_resolve_to_an_address_or_nothing(raw: bytes) -> None:
    """Whatever a client sends, followed by the hop a trusted proxy appends: no error, and the
    client named is an IP address or none (never the client's text)."""
    headers = [(b"forwarded", raw + b", for=10.0.0.1")]
    named, client, scheme = resolve(headers, TRUSTED, "both")
    assert named
    assert client is None or parse_address(client[0]) is not None
    assert scheme in (None, "http", "https")


def test_a_trusted_proxy_sending_forwarded_gives_the_client_and_the_scheme() -> None:
    settings = _settings(trusted_proxies="10.0.0.0/8", proxy_header="forwarded")
    client = TestClient(_app(settings), client=PROXY)
    headers = {"Forwarded": 'for="[2001:db8:cafe::17]:4711";proto=https', **FORWARDED}
    response = client.get("/whoami", headers=headers)
    assert response.json() == {"client": "2001:db8:cafe::17", "scheme": "https"}
    assert response.headers[HSTS] == "max-age=31536000"
    stranger = TestClient(_app(settings), client=STRANGER).get("/whoami", headers=headers)
    assert stranger.json() == {"client": "192.0.2.7", "scheme": "http"}
    unknown = client.get("/whoami", headers={"Forwarded": "for=unknown;proto=https"})
    assert unknown.json() == {"client": None, "scheme": "https"}
