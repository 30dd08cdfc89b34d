"""Serve the dashboard: `handwriting dashboard` / `make dashboard` run Voila on notebooks/dashboard.ipynb
with the project's settings, and print the address once a visitor would get a working pad.

The settings live in etc/jupyter (found through JUPYTER_CONFIG_PATH and JUPYTER_PATH, which this
launcher sets): `voila.json` and the `handwriting` page template (no CDN: the page works offline).
voila.json: a pool of pre-started kernels, refilled 1 s after one is taken (10 s, as before, left a
visitor waiting); gone pages' kernels culled (handwriting.app.kernels says when a page is gone);
no tracebacks, no file downloads; a websocket limit above the app's upload limit; 120 s, not
nbclient's 4, for a pre-started kernel's page to arrive (under a class's load its output came later
than 4 s after the cell ended, and Voila served a page without the app); and no XSRF check:
a closing page's goodbye (Voila's `beforeunload` beacon to /voila/api/shutdown/<kernel id>) carries
no XSRF token, as Voila sets no cookie for it, so with the check every closed tab's kernel lived on
until culled; the POSTs it lets through name a kernel by its random id, which only its page knows.
By hand, from the project root:

    JUPYTER_CONFIG_PATH=etc/jupyter JUPYTER_PATH=etc/jupyter voila notebooks/dashboard.ipynb

Before Voila starts, the letter and word models get their LiteRT conversion if they lack a fresh one
(`handwriting.runtime`; done by a child process, so this launcher never imports TensorFlow): a
kernel then holds no TensorFlow and is ready in seconds. The address is printed only once the pool's
kernels have said "handwriting dashboard: kernel ready" on Voila's log, which this launcher reads and
passes on, and Voila answers under the base URL.

Each visitor sees their own History; the teacher's view (every visitor's rows) is behind a token
(`--admin-token`, ADMIN_TOKEN= for make, else generated), given to the kernels in
HANDWRITING_ADMIN_TOKEN and printed only in the address (`?admin=<token>`), masked in the log. It
binds to 127.0.0.1 unless told otherwise: exposing it on a network is a decision, not a default.

`--base-url` serves everything under a path (`/services/handwriting/` as a JupyterHub service,
whose proxy passes the path on unchanged): the page, its kernels' sockets and the printed addresses;
nothing is served outside it.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from handwriting.app import ADMIN_TOKEN_ENV
from handwriting.paths import PROJECT_ROOT, database_location, default_model_path, default_pen_model_path
from handwriting.paths import default_word_model_path
from handwriting.runtime import ENV as RUNTIME_ENV, RUNTIMES, fresh_conversion, runtime_choice

NOTEBOOK = PROJECT_ROOT / "notebooks" / "dashboard.ipynb"
SETTINGS = PROJECT_ROOT / "etc" / "jupyter"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866
READY_LINE = "handwriting dashboard: kernel ready"  # printed by handwriting.app.dashboard.App.warm
DIED_LINES = ("restarting kernel", "Kernel died", "kernel died")  # jupyter_client's restarter, on a kernel's death
READY_TIMEOUT = 120  # seconds: past this the address is printed anyway, with a warning
# A base URL's path segments: no characters that need escaping in an address, and none of the
# regular-expression ones (Voila builds its routes as regular expressions from the base URL).
BASE_SEGMENT = re.compile(r"[A-Za-z0-9._~@%:-]+")
# Fetched (HEAD) under the base URL once the kernels are ready: the page's front end, which every
# page loads (handwriting/app/frontend), so the server answers at the address that will be printed.
PROBE_PATH = "voila/templates/handwriting/static/page.js"
CONVERT = [sys.executable, "-m", "handwriting.cli", "litert"]  # + the .keras files: `handwriting litert`

# The defaults are voila.json's, so that Voila run by hand and the launcher agree.
_VOILA = json.loads((SETTINGS / "voila.json").read_text())
DEFAULT_POOL = _VOILA["VoilaConfiguration"]["default_pool_size"]
DEFAULT_CULL = _VOILA["MappingKernelManager"]["cull_idle_timeout"]
CULL_INTERVAL = _VOILA["MappingKernelManager"]["cull_interval"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 lets "
                             "everyone who can reach this machine draw and upload, each seeing their own "
                             "History)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--base-url", default="/", metavar="PATH",
                        help="serve under this path, e.g. /services/handwriting/ as a JupyterHub service "
                             "(default /; a leading and trailing / are added; letters, digits and -._~@%%: "
                             "only): the page, its kernels and the printed addresses are under it, and "
                             "nothing is served outside it")
    parser.add_argument("--db", default=None,
                        help="the predictions database: a SQLite file, sqlite:///path or postgresql://... "
                             "(default: $HANDWRITING_DB, else data/predictions.sqlite)")
    parser.add_argument("--model", default=None,
                        help="the .keras model (default: $HANDWRITING_MODEL, else models/handwriting.keras)")
    parser.add_argument("--admin-token", default=None, metavar="TOKEN",
                        help=f"the teacher's token: the address with ?admin=TOKEN shows every visitor's "
                             f"rows (default: ${ADMIN_TOKEN_ENV}, else a new random one, printed in the address)")
    parser.add_argument("--pool-size", type=int, default=DEFAULT_POOL,
                        help=f"kernels started and rendered ahead of visitors (default {DEFAULT_POOL}). A "
                             "visitor who finds the pool empty waits for a kernel to start (~3 s alone, "
                             "longer while others start on 2 cores), so the pool covers a class arriving at "
                             "once: 8 pages within 2 s each take a ready kernel, and each one taken is "
                             "replaced once the pages are quiet (handwriting.app.kernels). Measured "
                             "here, a light (LiteRT) kernel holds ~130 MB resident, ~85 MB of it "
                             "private: 8 waiting cost ~0.7 GB, and start together "
                             "in ~14 s (the address waits for them). With --runtime keras a kernel holds "
                             "TensorFlow: ~710 MB resident, ~340 MB private, ~10 s to start; choose fewer. "
                             "0: no pool, every visitor waits for a kernel to start")
    parser.add_argument("--cull-idle", type=int, default=DEFAULT_CULL,
                        help=f"seconds after which the kernel of a page that has gone without a goodbye "
                             f"(a closed tab frees its kernel at once; this is for a crashed tab, a phone that "
                             f"does not come back) is stopped, checked every {CULL_INTERVAL} s "
                             f"(default {DEFAULT_CULL}: memory back within about 2 minutes; a page that "
                             "returns sooner keeps working; an open page, even idle, is never stopped)")
    # Another notebook with the same settings (the benchmark's baseline page), and which runtime the
    # kernels use (`handwriting.runtime`; the baseline runs "keras", today's TensorFlow kernels).
    parser.add_argument("--notebook", default=str(NOTEBOOK), help=argparse.SUPPRESS)
    parser.add_argument("--runtime", default=None, choices=RUNTIMES, help=argparse.SUPPRESS)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(value: str) -> str:
    """The base URL as Voila takes it: one leading and one trailing "/" ("hw" -> "/hw/", "" -> "/").
    ValueError for a path an address would have to escape, or with "." / ".." segments."""
    segments = [s for s in value.strip().split("/") if s]
    for segment in segments:
        if not BASE_SEGMENT.fullmatch(segment) or segment in (".", ".."):
            raise ValueError(f"the base URL {value!r} may hold only letters, digits and -._~@%: between "
                             "its /, and no . or .. segment")
    return "/" + "".join(s + "/" for s in segments)


def admin_token(args) -> str:
    """The teacher's token: given (--admin-token, else $HANDWRITING_ADMIN_TOKEN) or a new random one."""
    given = args.admin_token if args.admin_token is not None else os.environ.get(ADMIN_TOKEN_ENV)
    if given is None or given == "":
        return secrets.token_urlsafe(24)
    if given != given.strip() or len(given) < 16:
        raise ValueError("the admin token must be at least 16 characters, without spaces around it "
                         "(leave it out to get a random one)")
    return given


def settings(args, token: str | None = None) -> tuple[list[str], dict[str, str], str]:
    """The Voila command, its environment and the address to print (with the teacher's token),
    from the parsed options. The token goes to the kernels in the environment, never on a command line."""
    db = args.db or database_location()  # as given: the store reads it (a URL is no file name)
    model = Path(args.model).expanduser().resolve() if args.model else default_model_path()
    token = token if token is not None else admin_token(args)
    base = base_url(getattr(args, "base_url", "/"))
    env = dict(os.environ)
    env["HANDWRITING_DB"] = str(db)
    env["HANDWRITING_MODEL"] = str(model)
    env[ADMIN_TOKEN_ENV] = token
    env[RUNTIME_ENV] = runtime_choice(getattr(args, "runtime", None))  # --runtime, else $HANDWRITING_RUNTIME
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter is not the server log's business
    for name in ("JUPYTER_CONFIG_PATH", "JUPYTER_PATH"):
        env[name] = os.pathsep.join([str(SETTINGS)] + [p for p in env.get(name, "").split(os.pathsep) if p])
    # The kernels (and the server's kernel manager, handwriting.app.kernels) import the project from
    # here even when it is not installed.
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT)] + paths)
    pool = max(0, args.pool_size)
    command = [sys.executable, "-m", "voila", str(getattr(args, "notebook", NOTEBOOK)), "--no-browser",
               f"--Voila.ip={args.host}", f"--Voila.port={args.port}", "--Voila.port_retries=0",
               f"--Voila.base_url={base}",
               f"--VoilaConfiguration.default_pool_size={pool}",
               f"--VoilaConfiguration.preheat_kernel={'True' if pool > 0 else 'False'}",
               f"--MappingKernelManager.cull_idle_timeout={max(0, args.cull_idle)}"]
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    if ":" in shown:
        shown = f"[{shown}]"
    return command, env, f"http://{shown}:{args.port}{base}?admin={quote(token, safe='')}"


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _answering(host: str, port: int, base: str) -> bool:
    """Whether the server answers under the base URL: a page's own static file found there (HEAD)."""
    target = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    if ":" in target:
        target = f"[{target}]"
    request = urllib.request.Request(f"http://{target}:{port}{base}{PROBE_PATH}", method="HEAD")
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through $http_proxy
    try:
        with direct.open(request, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):  # not listening yet, or a 404: not (yet) there
        return False


def convert_models(models: list[Path], env: dict[str, str]) -> str | None:
    """Give each existing model a fresh LiteRT conversion, converting in a child process (TensorFlow
    stays out of this launcher). Returns None, or why it failed."""
    stale = [m for m in models if m.is_file() and fresh_conversion(m) is None]
    if not stale:
        return None
    print(f"handwriting dashboard: converting {', '.join(m.name for m in stale)} to LiteRT for light "
          "kernels (once per model file) ...", file=sys.stderr, flush=True)
    done = subprocess.run(CONVERT + [str(m) for m in stale], env=env, cwd=PROJECT_ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    if done.returncode != 0 or any(fresh_conversion(m) is None for m in stale):
        tail = "\n".join(done.stdout.strip().splitlines()[-15:])
        names = " ".join(m.name for m in stale)
        return f"`handwriting litert {names}` failed (exit {done.returncode}):\n{tail}"
    return None


class ServerLog(threading.Thread):
    """Voila's output (its kernels' too), line by line, passed on to our stderr with the teacher's
    token masked; counts the kernels that said they are ready, and notices kernels dying."""

    def __init__(self, stream, secrets_to_mask: list[str]):
        super().__init__(name="voila-log", daemon=True)
        self.stream, self.masks = stream, [s for s in secrets_to_mask if s]
        self.ready = 0
        self.died = False
        self.closed = False
        self.changed = threading.Condition()

    def run(self) -> None:
        for raw in iter(self.stream.readline, b""):
            line = raw.decode("utf-8", errors="replace")
            for secret in self.masks:
                line = line.replace(secret, "***")
            try:
                sys.stderr.write(line)
                sys.stderr.flush()
            except (OSError, ValueError):  # our stderr is gone: keep draining, or Voila would block
                pass
            with self.changed:
                # Kernels write to this one pipe at once: two messages can share a line (the
                # launcher once waited 120 s for an 8th kernel that had said so beside the 7th).
                self.ready += line.count(READY_LINE)
                self.died |= any(marker in line for marker in DIED_LINES)
                self.changed.notify_all()
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def wait(self, condition, timeout: float) -> bool:
        """Until condition(self) holds (True), or the log ends or the time is up (False)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not condition(self):
                left = deadline - time.monotonic()
                if self.closed or left <= 0:
                    return False
                self.changed.wait(min(left, 0.2))
            return True


def _await_usable(log: ServerLog, child: subprocess.Popen, host: str, port: int, base: str,
                  pool: int) -> str | None:
    """Wait until a visitor would get a working pad at once: the whole pool ready and the server
    answering under the base URL. Returns None, or a warning saying why it stopped waiting."""
    started = time.monotonic()

    def done(log: ServerLog) -> bool:
        return child.poll() is not None or log.died or (
            log.ready >= pool and _answering(host, port, base))

    if not log.wait(done, READY_TIMEOUT) and child.poll() is None:
        return (f"{log.ready} of {pool} pre-started kernels ready after {READY_TIMEOUT} s: the first visitors "
                "may wait (see the log above)" if pool
                else f"Voila not answering at {base} after {READY_TIMEOUT} s")
    if log.died and child.poll() is None:
        return "a kernel died while starting (see the log above): pages may not work"
    if child.poll() is None and pool:
        print(f"handwriting dashboard: {pool} kernel(s) ready in {time.monotonic() - started:.1f} s",
              file=sys.stderr, flush=True)
    return None


def stop_process(process: subprocess.Popen, timeout: float = 15) -> int:
    """Ask a process to stop (SIGTERM); past `timeout` seconds kill it, with its whole process group
    when it leads one (Voila started in its own session, with its kernels): a server that ignores
    SIGTERM must not outlive whoever stops it. Its exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                if os.getpgid(process.pid) == process.pid:
                    os.killpg(process.pid, signal.SIGKILL)
                else:
                    process.kill()
            except ProcessLookupError:
                pass
    return process.wait()


def run(args) -> int:
    from handwriting.app.store import Store, StoreError

    try:
        token = admin_token(args)
        command, env, url = settings(args, token)
    except ValueError as exc:
        print(f"handwriting dashboard: error: {exc}", file=sys.stderr)
        return 2
    model = Path(env["HANDWRITING_MODEL"])
    try:  # a URL it cannot serve, a damaged or foreign database: an error here, not a broken page later
        store = Store(env["HANDWRITING_DB"])
        path = getattr(store, "path", None)
        shown_db = getattr(store, "location", None) or str(path)
        store.close()
        if path is not None:  # the kernels start elsewhere: give them the file, not a relative path
            env["HANDWRITING_DB"] = str(path)
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
              "machine can draw and upload. The address printed below carries the teacher's token, the key "
              "to everyone's rows: give visitors the address without ?admin=...", file=sys.stderr)
    runtime = env.get(RUNTIME_ENV, "auto")
    if runtime != "keras":
        failure = convert_models([model, default_word_model_path(), default_pen_model_path()], env)
        if failure and runtime == "litert":
            print(f"handwriting dashboard: error: {failure}", file=sys.stderr)
            return 2
        if failure:
            print(f"handwriting dashboard: warning: {failure}\nThe kernels use Keras (TensorFlow): "
                  "heavier and slower to start.", file=sys.stderr)
    print(f"Predictions database: {shown_db}\nModel: {model}", flush=True)
    # Its own session: Ctrl+C reaches this launcher, which stops Voila (and its kernels) in order.
    # Its output comes through a pipe: read for the kernels' "ready", passed on with the token masked.
    child = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = ServerLog(child.stdout, [token, quote(token, safe="")])
    log.start()

    def stop(signum=None, frame=None):  # SIGTERM to the launcher: stop Voila, killing it if it hangs
        threading.Thread(target=stop_process, args=(child,), daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    try:
        warning = _await_usable(log, child, args.host, args.port, base_url(args.base_url), max(0, args.pool_size))
        if child.poll() is None:
            if warning:
                print(f"handwriting dashboard: warning: {warning}", file=sys.stderr, flush=True)
            print(f"Dashboard: {url}  (the teacher's view, every visitor's rows; Ctrl+C stops it)\n"
                  f"Visitors:  {url.partition('?')[0]}  (each sees their own History)", flush=True)
        code = child.wait()
        log.join(timeout=5)
        return code
    except KeyboardInterrupt:
        stop_process(child)
        return 0
    finally:
        stop_process(child)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="handwriting dashboard", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
