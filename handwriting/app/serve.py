"""Serve the dashboard: `handwriting dashboard` / `make dashboard` run Voila on notebooks/dashboard.ipynb
with the project's settings, and print the address.

The settings live in etc/jupyter (found through JUPYTER_CONFIG_PATH and JUPYTER_PATH, which this
launcher sets): `voila.json` (pre-started kernels, idle kernels culled, no tracebacks, no file
downloads, a websocket limit above the app's upload limit) and the `handwriting` page template
(no CDN: the page works offline). By hand, from the project root:

    JUPYTER_CONFIG_PATH=etc/jupyter JUPYTER_PATH=etc/jupyter voila notebooks/dashboard.ipynb

It binds to 127.0.0.1 unless told otherwise: whoever reaches the address sees every stored
prediction (History), so exposing it on a network is a decision, not a default.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from handwriting.paths import PROJECT_ROOT, database_location, default_model_path

NOTEBOOK = PROJECT_ROOT / "notebooks" / "dashboard.ipynb"
SETTINGS = PROJECT_ROOT / "etc" / "jupyter"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 exposes "
                             "the dashboard, History included, to everyone who can reach this machine)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--db", default=None,
                        help="SQLite file of predictions, or a sqlite:/// URL (default: $HANDWRITING_DB, else "
                             "data/predictions.sqlite)")
    parser.add_argument("--model", default=None,
                        help="the .keras model (default: $HANDWRITING_MODEL, else models/handwriting.keras)")
    parser.add_argument("--pool-size", type=int, default=1,
                        help="kernels kept started and rendered ahead of visitors (default 1; each holds "
                             "TensorFlow and the model, a few hundred MB)")
    parser.add_argument("--cull-idle", type=int, default=600,
                        help="seconds after which a kernel whose page was closed is stopped (default 600)")
    # Another notebook with the same settings: the benchmark's baseline page.
    parser.add_argument("--notebook", default=str(NOTEBOOK), help=argparse.SUPPRESS)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def settings(args) -> tuple[list[str], dict[str, str], str]:
    """The Voila command, its environment and the address to print, from the parsed options."""
    db = args.db or database_location()  # as given: the store reads it (a URL is no file name)
    model = Path(args.model).expanduser().resolve() if args.model else default_model_path()
    env = dict(os.environ)
    env["HANDWRITING_DB"] = str(db)
    env["HANDWRITING_MODEL"] = str(model)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter is not the server log's business
    for name in ("JUPYTER_CONFIG_PATH", "JUPYTER_PATH"):
        env[name] = os.pathsep.join([str(SETTINGS)] + [p for p in env.get(name, "").split(os.pathsep) if p])
    # The kernels import the project from here even when it is not installed.
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT)] + paths)
    command = [sys.executable, "-m", "voila", str(getattr(args, "notebook", NOTEBOOK)), "--no-browser",
               f"--Voila.ip={args.host}", f"--Voila.port={args.port}", "--Voila.port_retries=0",
               f"--VoilaConfiguration.default_pool_size={max(0, args.pool_size)}",
               f"--VoilaConfiguration.preheat_kernel={'True' if args.pool_size > 0 else 'False'}",
               f"--MappingKernelManager.cull_idle_timeout={max(0, args.cull_idle)}"]
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    if ":" in shown:
        shown = f"[{shown}]"
    return command, env, f"http://{shown}:{args.port}/"


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _listening(host: str, port: int) -> bool:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    try:
        with socket.create_connection((target, port), timeout=0.5):
            return True
    except OSError:
        return False


def run(args) -> int:
    from handwriting.app.store import Store, StoreError, sqlite_file

    command, env, url = settings(args)
    model = Path(env["HANDWRITING_MODEL"])
    try:  # a URL it cannot serve, a damaged or foreign database file: an error here, not a broken page later
        db = sqlite_file(env["HANDWRITING_DB"])
        Store(db).close()
        env["HANDWRITING_DB"] = str(db)  # the kernels start elsewhere: give them the file, not a relative path
    except StoreError as exc:
        print(f"handwriting dashboard: error: {exc}", file=sys.stderr)
        return 2
    if not model.is_file():
        print(f"handwriting dashboard: warning: no model at {model}; the page will say so "
              "(train one, or set MODEL= / --model)", file=sys.stderr)
    if not _port_free(args.host, args.port):
        print(f"handwriting dashboard: error: port {args.port} on {args.host} is in use "
              "(choose another with PORT= / --port)", file=sys.stderr)
        return 2
    if not _is_loopback(args.host):
        print(f"handwriting dashboard: warning: listening on {args.host}: everyone who can reach this "
              "machine can draw, upload, and see and delete every stored prediction (History).",
              file=sys.stderr)
    print(f"Predictions database: {db}\nModel: {model}", flush=True)
    # Its own session: Ctrl+C reaches this launcher, which stops Voila (and its kernels) in order.
    child = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, start_new_session=True)

    def stop(signum=None, frame=None):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        while child.poll() is None and not _listening(args.host, args.port):
            time.sleep(0.1)
        if child.poll() is None:
            print(f"Dashboard: {url}  (Ctrl+C stops it)", flush=True)
        return child.wait()
    except KeyboardInterrupt:
        stop()
        try:
            child.wait(timeout=15)
            return 0
        except subprocess.TimeoutExpired:
            child.kill()
            return child.wait()
    finally:
        if child.poll() is None:
            stop()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="handwriting dashboard", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
