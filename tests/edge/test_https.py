"""HTTPS through the edge (SPEC §4): routed by the ClientHello's SNI and passed through untouched,
so the client talks TLS with the origin itself and sees the origin's certificate."""

import socket
import subprocess

import pytest

from conftest import EDGE, ORIGIN, TlsOrigin, need


@pytest.fixture(scope="module")
def tls_origin(tmp_path_factory, ports):
    need("openssl")
    o = TlsOrigin(tmp_path_factory.mktemp("tls"), ORIGIN, ports[1], "www.example.com")
    yield o
    o.stop()


def s_client(port, *args):
    need("openssl")
    return subprocess.run(["openssl", "s_client", "-connect", f"{EDGE}:{port}", *args],
                          input="", capture_output=True, text=True, timeout=15)


def test_certificate_seen_is_the_origins(edge, tls_origin):
    out = s_client(edge.https_port, "-servername", "www.example.com", "-showcerts")
    assert "CN = www.example.com" in out.stdout, out.stdout + out.stderr
    pem = out.stdout[out.stdout.index("-----BEGIN CERTIFICATE-----"):out.stdout.index("-----END CERTIFICATE-----") + 25]
    fp = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input=pem,
                        capture_output=True, text=True, check=True).stdout.strip().split("=", 1)[1]
    assert fp == tls_origin.fingerprint
    assert "www.example.com" in tls_origin.sni_seen  # the ClientHello reached the origin unchanged


def test_curl_verifies_the_origin_certificate_through_the_edge(edge, tls_origin):
    need("curl")
    port = edge.https_port
    out = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", str(tls_origin.cert),
                          "--resolve", f"www.example.com:{port}:{EDGE}", f"https://www.example.com:{port}/"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "tls origin www.example.com\n"


def test_unknown_sni_gets_unrecognized_name(edge, tls_origin):
    out = s_client(edge.https_port, "-servername", "nothing.example.org")
    assert "unrecognized name" in (out.stdout + out.stderr)
    assert "BEGIN CERTIFICATE" not in out.stdout


def test_no_sni_is_closed_cleanly(edge, tls_origin):
    out = s_client(edge.https_port, "-noservername")
    assert "BEGIN CERTIFICATE" not in out.stdout
    assert out.returncode != 0


def test_garbage_on_the_https_port_is_closed(edge):
    for junk in (b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n", b"\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00",
                 b"\x16\x03\x01\xff\xff" + b"\x01" * 100):
        s = socket.create_connection((EDGE, edge.https_port), timeout=5)
        s.sendall(junk)
        assert s.recv(100) == b""  # a clean close, nothing sent back
        s.close()


def test_origin_down_gets_internal_error(edge, tls_origin):
    out = s_client(edge.https_port, "-servername", "down.example.com")
    assert "internal error" in (out.stdout + out.stderr)


def test_half_sent_client_hello_times_out(edge):
    s = socket.create_connection((EDGE, edge.https_port), timeout=5)
    s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a ClientHello that never completes
    assert s.recv(100) == b""  # closed after the header timeout (1 s here)
    s.close()
