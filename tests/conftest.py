"""Shared fixtures: real recorded speech, free ports, a real `agentassist serve`, a real baresip."""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.ports import free_port

pytest_plugins = ["tests.parallel"]  # the suite in pytest-xdist workers: the "alone" mark and the groups

REPO = Path(__file__).resolve().parent.parent
SOUNDS_EN = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
TEXTS_EN = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
SOUNDS_RU = Path("/usr/share/asterisk/sounds/ru")
TEXTS_RU = Path("/usr/share/doc/asterisk-core-sounds-ru/core-sounds-ru.txt.gz")
SHARED = REPO.parent / "shared"
AGENTASSIST = Path(sys.executable).parent / "agentassist"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
]  # fmt: skip


def need_chromium() -> None:
    """Skip unless Debian's chromium and Playwright are installed (`make test` installs both)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed: run `make test`")
    pytest.importorskip("playwright.sync_api")


@contextlib.contextmanager
def chromium_browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_js(page: Any, expression: str, arg: Any = None, timeout: float = 30_000) -> Any:
    """What Playwright's ``page.wait_for_function`` does, without eval in the page: the pages'
    Content-Security-Policy refuses eval, and wait_for_function evals its predicate there. This polls
    ``page.evaluate`` (sent through the DevTools protocol, which the policy does not govern) until
    ``expression`` is truthy and returns its value."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout:.0f} ms: {expression}")
        page.wait_for_timeout(50)


def voicemail_script(script_id: str) -> str:
    """A two-step script for the voicemail prompts the browser tests play (vm-intro: "...leave your
    message after the tone...")."""
    return f"""id: {script_id}
version: 1
steps:
  - id: leave-message
    say: ["Please leave your message after the tone."]
    mandatory: true
  - id: goodbye
    say: ["Goodbye and thank you."]
    mandatory: true
"""


def _clean(text: str) -> str:
    return re.sub(r"[\[(][^\])]*[\])]", "", text).strip()


def _prompts(texts_file: Path, sounds: Path, lang: str) -> dict[str, str]:
    if not texts_file.is_file() or not sounds.is_dir():
        pytest.skip(f"asterisk-core-sounds-{lang}(-wav) not installed: run `make test`")
    texts: dict[str, str] = {}
    with gzip.open(texts_file, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            if ":" in line and not line.startswith(";"):
                name, _, text = line.partition(":")
                texts[name.strip()] = _clean(text)
    return texts


@pytest.fixture(scope="session")
def prompts_en() -> dict[str, str]:
    """Reference text of every English Asterisk core sound, by name (from Debian's package)."""
    return _prompts(TEXTS_EN, SOUNDS_EN, "en")


@pytest.fixture(scope="session")
def prompts_ru() -> dict[str, str]:
    """Reference text of every Russian Asterisk core sound, by name (from Debian's package)."""
    return _prompts(TEXTS_RU, SOUNDS_RU, "ru")


def need(*programs: str) -> None:
    for p in programs:
        if shutil.which(p) is None:
            pytest.skip(f"{p} not installed: run `make test`")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI (``CI`` set), a test skipped because something is "not installed" fails instead.

    `make test` installs every program, package, model and sound the suite uses, so such a skip in CI is a
    missing install step: on the machine that ran it by hand it passed, on a fresh one it would be passed
    over in silence (espeak-ng was missing from the Makefile that way until session 17)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") and report.skipped and call.excinfo is not None:
        reason = str(call.excinfo.value)
        if "not installed" in reason:
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, which `make test` set up: {reason}"


@dataclass
class Server:
    """A real `agentassist serve` subprocess."""

    root: Path
    config: Path
    sip_port: int
    http_port: int
    token: str = ""
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path = field(default_factory=Path)
    verbose: bool = False  # `agentassist -v serve`: debug logging, pjsua's whole packets included

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sip_uri(self) -> str:
        return f"sip:agent@127.0.0.1:{self.sip_port}"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10)

    def start(self, timeout_s: float = 60) -> None:
        self.log_path = self.root / f"serve-{int(time.time() * 1000)}.log"
        log = open(self.log_path, "wb")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            [str(AGENTASSIST), *(["-v"] if self.verbose else []), "serve", "--config", str(self.config)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_env(),
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"agentassist serve exited {self.proc.returncode}:\n{self.log()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"agentassist serve not healthy within {timeout_s} s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def text(self) -> str:
        """The whole log, for what a test looks for in it (:meth:`log` is its tail, for messages)."""
        return self.log_path.read_text(errors="replace") if self.log_path.is_file() else ""

    def log(self) -> str:
        return self.text()[-6000:]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["AGENTASSIST_MODELS_DIR"] = str(REPO / "models")
    env.pop("AGENTASSIST_TOKEN", None)
    return env


def write_config(root: Path, sip_port: int, http_port: int, **sections: dict[str, object]) -> Path:
    values: dict[str, dict[str, object]] = {
        # every call answered at once (the default "ring" makes a second call wait: test_call_waiting)
        "sip": {"listen": f"127.0.0.1:{sip_port}", "auto_answer": True, "second_call": "answer"},
        "audio": {"input_device": "null", "agent_audio_file": ""},
        "transcribe": {"model": "tiny.en", "language": "en"},
        "assist": {"scripts_dir": str(root / "scripts"), "default_script": ""},
        "server": {"listen": f"127.0.0.1:{http_port}", "data_dir": str(root / "data")},
    }
    for name, extra in sections.items():
        values.setdefault(name, {}).update(extra)
    lines: list[str] = []
    for name, keys in values.items():
        lines.append(f"[{name}]")
        for k, v in keys.items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    (root / "scripts").mkdir(exist_ok=True)
    path = root / "agentassist.toml"
    path.write_text("\n".join(lines))
    return path


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return _toml_str(str(v))


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_user(config: Path, name: str, role: str, *options: str) -> str:
    """`agentassist users add`, with more ``options`` such as "--all-teams"; returns the API token."""
    out = subprocess.run(
        [str(AGENTASSIST), "users", "add", name, "--role", role, *options, "--config", str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def new_server(root: Path, **sections: dict[str, object]) -> Server:
    """A server (not started) configured under ``root`` on free ports, with the admin Alex as its token."""
    sip_port, http_port = free_port(), free_port()
    root.mkdir(exist_ok=True)
    config = write_config(root, sip_port, http_port, **sections)
    server = Server(root, config, sip_port, http_port)
    server.token = add_user(config, "Alex", "admin")
    return server


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[callable]:  # type: ignore[valid-type]
    servers: list[Server] = []

    def make(**sections: dict[str, object]) -> Server:
        root = tmp_path if not servers else tmp_path / f"server-{len(servers)}"  # a second server: its own
        servers.append(new_server(root, **sections))
        return servers[-1]

    yield make
    for s in servers:
        s.stop()


class Baresip:
    """baresip as the customer's phone: dials, plays a WAV through aufile, hangs up after `seconds`."""

    def __init__(
        self, root: Path, audio: Path, answer: bool = False, modules: tuple[str, ...] = (), account: str = ""
    ) -> None:
        """``modules``: more baresip modules ("g722", "srtp"); ``account``: more account parameters,
        e.g. ";audio_codecs=G722" or ";mediaenc=srtp"."""
        self.dir = root / f"baresip-{free_port()}"
        self.dir.mkdir()
        self.audio, self.modules, self.answer, self.account = audio, modules, answer, account
        self.proc: subprocess.Popen[bytes] | None = None
        self._configure()

    def _configure(self) -> None:
        """Pick fresh ports and write baresip's config and account for them."""
        port = free_port()
        self.uri = f"sip:customer@127.0.0.1:{port}"
        rtp = free_port() // 2 * 2
        self.console_port = free_port()
        (self.dir / "config").write_text(
            "\n".join(
                [
                    "poll_method epoll",
                    f"sip_listen 127.0.0.1:{port}",
                    f"audio_source aufile,{self.audio}",
                    "audio_player aufile,/dev/null",
                    "audio_alert aufile,/dev/null",
                    f"rtp_ports {rtp}-{rtp + 40}",
                    "module_path /usr/lib/baresip/modules",
                    "module g711.so",
                    *(f"module {m}.so" for m in self.modules),
                    "module aufile.so",
                    f"cons_listen 127.0.0.1:{self.console_port}",
                    "module cons.so",
                    "module_app account.so",
                    "module_app menu.so",
                    "",
                ]
            )
        )
        mode = ";answermode=auto" if self.answer else ""
        (self.dir / "accounts").write_text(f"<sip:customer@127.0.0.1:{port}>;regint=0{mode}{self.account}\n")
        (self.dir / "contacts").write_text("")

    def _start(self, extra: list[str], seconds: int, ready: str) -> None:
        """Start baresip and wait until its log shows ``ready``. A port picked by free_port() can be
        taken by another socket before baresip binds it (baresip then exits with "Address already in
        use" and never dials): such a start is retried on fresh ports."""
        for _ in range(4):
            log_path = self.dir / "baresip.log"
            with open(log_path, "wb") as log:
                self.proc = subprocess.Popen(
                    ["baresip", "-f", str(self.dir), *extra, "-t", str(seconds)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                text = log_path.read_text(errors="replace")
                if ready in text:
                    return
                if self.proc.poll() is not None or "init failed" in text:
                    break
                time.sleep(0.05)
            self.stop()
            self._configure()
        raise AssertionError(f"baresip did not start: {self.log()}")

    def dial(self, uri: str, seconds: int) -> None:
        self._start(["-e", f"/dial {uri}"], seconds, "call: connecting")

    def listen(self, seconds: int) -> None:
        self._start([], seconds, "baresip is ready")

    def command(self, text: str) -> None:
        """Press keys at baresip's console (its cons module, over UDP): "x" hold, "X" resume, digits send DTMF."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(text.encode(), ("127.0.0.1", self.console_port))

    def wait(self, timeout_s: float) -> None:
        assert self.proc is not None
        self.proc.wait(timeout_s)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def text(self) -> str:
        """baresip's whole log, for what a test looks for in it: :meth:`log` is its tail, for messages,
        and a call that lasts longer (a loaded machine) pushes early lines out of that tail with its
        status lines ("[0:00:11] audio=...")."""
        p = self.dir / "baresip.log"
        return p.read_text(errors="replace") if p.is_file() else ""

    def log(self) -> str:
        return self.text()[-3000:]


@pytest.fixture
def baresip(tmp_path: Path) -> Iterator[callable]:  # type: ignore[valid-type]
    need("baresip")
    phones: list[Baresip] = []

    def make(audio: Path, answer: bool = False, modules: tuple[str, ...] = (), account: str = "") -> Baresip:
        phone = Baresip(tmp_path, audio, answer, modules, account)
        phones.append(phone)
        return phone

    yield make
    for p in phones:
        p.stop()
