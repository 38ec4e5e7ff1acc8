"""What every benchmark here needs around its measurements: its own PostgreSQL database, a
free port on loopback, and child processes that are stopped as a whole."""

import contextlib
import os
import signal
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

HOST = "127.0.0.1"
SHARED_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dorffunk_bench"


def bench_database_url(name: str) -> str:
    """A benchmark's own database: BENCH_<NAME>_DATABASE_URL if set, else BENCH_DATABASE_URL's
    (or SHARED_DATABASE_URL's) with "_<name>" added to its name. Never DATABASE_URL, and
    never another benchmark's: each one loads or replaces rows of its own."""
    own = os.environ.get(f"BENCH_{name.upper()}_DATABASE_URL")
    if own:
        return own
    parts = urlsplit(os.environ.get("BENCH_DATABASE_URL", SHARED_DATABASE_URL))
    return parts._replace(path=parts.path.rstrip("/") + f"_{name}").geturl()


def ensure_database(url: str) -> None:
    """Create the database of this postgres:// URL unless it exists."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class ChildProcess:
    """One child process started in its own process group (start_new_session=True), so that
    stopping it ends exactly the processes it started. Its output goes to `log_path`."""

    # Seconds a stopped process may take to finish before it is killed.
    stop_timeout = 15

    def __init__(self, name: str, logdir: Path):
        self.name = name
        self.log_path = logdir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
