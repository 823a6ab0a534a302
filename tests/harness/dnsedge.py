"""The one harness the black-box suites start dnsedge (and the peer servers they test it with)
through: the binary, free loopback ports, `dnsedge serve` command lines, a process with its log
that is waited on until ready and stopped by its PID.

Every suite imports it as `harness.dnsedge` (tests/conftest.py puts tests/ on sys.path); each
suite keeps only what is its own (its flags, its readiness probe, its peers).

Environment:
  DNSEDGE_BIN   path of the dnsedge binary (default build/dnsedge of this checkout). When it does not
                exist, the session stops at once with that reason (tests/conftest.py).
"""

from __future__ import annotations

import os
import pathlib
import signal
import socket
import subprocess
import time
from typing import Callable, Iterable

import pytest

DNSEDGE_BIN = os.environ.get("DNSEDGE_BIN", str(pathlib.Path(__file__).resolve().parents[2] / "build" / "dnsedge"))

# Every process started through the harness that is still running; the suites attach their
# logs to the report of a failing test (attach_logs).
LIVE: list["Process"] = []


def need_dnsedge():
    if not os.path.exists(DNSEDGE_BIN):
        pytest.skip(f"dnsedge binary not found at {DNSEDGE_BIN} (set DNSEDGE_BIN or run `make build`)")


# --------------------------------------------------------------------------------------------
# ports


def _family(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def bindable(host: str, port: int, kind: int = socket.SOCK_STREAM) -> bool:
    """True when `port` on `host` can be bound now (TCP by default)."""
    s = socket.socket(_family(host), kind)
    try:
        if kind == socket.SOCK_STREAM:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port(*hosts: str) -> int:
    """A port free for both UDP and TCP on every one of `hosts` (default 127.0.0.1): the kernel
    picks a UDP port on the first host, the others are checked, and the port is released."""
    hosts = hosts or ("127.0.0.1",)
    for _ in range(200):
        u = socket.socket(_family(hosts[0]), socket.SOCK_DGRAM)
        try:
            u.bind((hosts[0], 0))
            port = u.getsockname()[1]
        finally:
            u.close()
        if all(bindable(h, port) and bindable(h, port, socket.SOCK_DGRAM) for h in hosts):
            return port
    raise RuntimeError("no free port")


# --------------------------------------------------------------------------------------------
# command lines


def serve_argv(*, data=None, dns_listen: Iterable[str] = (), api_listen: str | None = None,
               zone_files: Iterable = (), extra: Iterable[str] = ()) -> list[str]:
    """`dnsedge serve` with a data directory, DNS and API listeners, zone files, then `extra`."""
    argv = [DNSEDGE_BIN, "serve"]
    if data is not None:
        argv += ["--data", str(data)]
    for addr in dns_listen:
        argv += ["--dns-listen", addr]
    if api_listen is not None:
        argv += ["--api-listen", api_listen]
    for z in zone_files:
        argv += ["--zone-file", str(z)]
    return argv + list(extra)


# --------------------------------------------------------------------------------------------
# processes


class StoppedByPid:
    """A peer process a harness class starts itself (`self.proc`): stop() sends it SIGTERM by
    PID and kills it after 10 s; usable as a context manager (`with Knot(...) as k:`)."""

    proc: subprocess.Popen

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Process:
    """One server process (dnsedge, knotd, nsd, ...) with its log file in `workdir`."""

    name = "process"

    def __init__(self, workdir, log_path=None):
        self.workdir = pathlib.Path(workdir)
        self.log_path = pathlib.Path(log_path) if log_path else self.workdir / f"{self.name}.log"
        self.proc: subprocess.Popen | None = None
        self.argv: list[str] = []
        self.returncode = None
        self._log = None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, n: int = 80) -> str:
        lines = self.log_text().splitlines()
        return "\n".join(["$ " + " ".join(self.argv)] + lines[-n:])

    def spawn(self, argv: list[str], *, cwd=None, log_mode: str = "ab", **popen_kw):
        """Starts `argv` with stdout and stderr into the log, stdin from /dev/null."""
        self.argv = [str(a) for a in argv]
        self.returncode = None  # a restarted process is running again: teardown must stop it
        self._log = open(self.log_path, log_mode)
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, cwd=cwd, **popen_kw)
        LIVE.append(self)
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float = 20.0):
        """Polls `ready()` until it is true. If the process exits first, or the time runs out
        (the process is then killed), raises RuntimeError with the log's tail."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._forget()
                raise RuntimeError(f"{self.name} exited with status {self.proc.returncode} "
                                   f"before {what}:\n{self.log_tail()}")
            if ready():
                return self
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"{self.name}: not {what} within {timeout}s:\n{self.log_tail()}")

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout: float = 10.0, strict: bool = True) -> int:
        """Stops the process by PID with `sig` and returns its exit status. After `timeout` it
        is killed; with `strict` that is an AssertionError (a server must stop on SIGTERM)."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._forget()
                if strict:
                    raise AssertionError(f"{self.name} did not stop within {timeout}s of "
                                         f"{signal.Signals(sig).name}:\n{self.log_tail()}")
        self.returncode = self.proc.returncode
        self._forget()
        return self.returncode

    def kill(self):
        """SIGKILL, at once."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._forget()

    def _forget(self):
        if self in LIVE:
            LIVE.remove(self)
        if self._log is not None:
            self._log.close()
            self._log = None


def attach_logs(rep, title: Callable[["Process"], str] | None = None):
    """Appends the log of every process still running to a failing test's report (call from a
    suite's pytest_runtest_makereport hook)."""
    if rep.failed:
        for p in list(LIVE):
            head = title(p) if title else f"log of {p.name} ({p.log_path})"
            rep.sections.append((head, p.log_tail()))
