"""Routes come from the published catalog: a record change reaches new connections with the next
publish (here: a zone file reload on SIGHUP), with no restart of the edge."""

import json
import os
import socket

import pytest

from conftest import EDGE, ORIGIN, ORIGIN2, Dnsedge, HttpOrigin, read_response, zone_text


@pytest.fixture(scope="module")
def origins(ports):
    a, b = HttpOrigin(ORIGIN, ports[0]), HttpOrigin(ORIGIN2, ports[0])
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture(scope="module")
def reloadable(tmp_path_factory, ports, origins):
    if not os.path.exists(os.environ.get("DNSEDGE_BIN", "/work/main/build/dnsedge")):
        pytest.skip("dnsedge binary not found")
    d = Dnsedge(tmp_path_factory.mktemp("routing"), zone_text(serial=1), http_port=ports[0], https_port=ports[1])
    yield d
    d.stop()


def get(port, host, sock=None):
    s = sock or socket.create_connection((EDGE, port), timeout=5)
    s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    status, _, body = read_response(s.makefile("rb"))
    if sock is None:
        s.close()
    return status, (json.loads(body)["origin"] if status == 200 else body.decode())


def test_a_changed_record_routes_new_connections_to_the_new_origin(reloadable):
    port = reloadable.http_port
    assert get(port, "www.example.com") == (200, ORIGIN)
    reloadable.reload(zone_text(www=ORIGIN2, serial=2))
    assert get(port, "www.example.com") == (200, ORIGIN2)
    assert get(port, "example.com") == (200, ORIGIN)  # unchanged names keep their origin


def test_a_record_no_longer_proxied_loses_its_route(reloadable):
    port = reloadable.http_port
    text = zone_text(serial=3).replace("www A 127.0.0.31 ; cf_tags=cf-proxied:true", "www A 127.0.0.31")
    reloadable.reload(text)
    status, body = get(port, "www.example.com")
    assert status == 409 and "error code: 1001" in body
    reloadable.reload(zone_text(serial=4))
    assert get(port, "www.example.com") == (200, ORIGIN)


def test_a_kept_alive_connection_follows_the_change_on_its_next_request(reloadable):
    port = reloadable.http_port
    s = socket.create_connection((EDGE, port), timeout=5)
    try:
        assert get(port, "www.example.com", s) == (200, ORIGIN)
        reloadable.reload(zone_text(www=ORIGIN2, serial=5))
        assert get(port, "www.example.com", s) == (200, ORIGIN2)
    finally:
        s.close()


def test_an_ipv6_edge_address_proxies_too(tmp_path, ports, origins):
    import subprocess
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        s6.bind(("::1", ports[0]))
    except OSError:
        pytest.skip("no ::1 or the port is taken there")
    finally:
        s6.close()
    d = Dnsedge(tmp_path, zone_text(), http_port=ports[0], https_port=ports[1], extra=["--edge-ipv6", "::1"])
    try:
        out = subprocess.run(["curl", "-sS", "-g", "--max-time", "10", "-H", "Host: www.example.com",
                              f"http://[::1]:{ports[0]}/v6"], capture_output=True, text=True)
        info = json.loads(out.stdout)
        assert info["origin"] == ORIGIN  # an IPv4 origin behind an IPv6 edge address
        assert info["headers"]["x-forwarded-for"] == "::1"
        assert info["headers"]["cf-connecting-ip"] == "::1"
    finally:
        d.stop()
