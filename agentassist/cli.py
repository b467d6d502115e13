"""The ``agentassist`` command. Logging handlers are configured here and nowhere else."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentassist import cpu, memory
from agentassist.config import Settings, load_settings
from agentassist.errors import AgentassistError, ScriptError

if TYPE_CHECKING:
    from agentassist.store.db import Store
    from agentassist.store.passwords import PasswordPool

log = logging.getLogger("agentassist")


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


def _database_url(settings: Settings) -> str:
    if settings.server.database_url:
        return settings.server.database_url
    return f"sqlite:///{(settings.data_dir / 'agentassist.db').resolve()}"


def cmd_serve(args: argparse.Namespace) -> int:
    memory.cap_arenas()
    memory.keep_freed_blocks()
    import uvicorn

    from agentassist.api.app import create_app
    from agentassist.api.wsflow import QueuedReading
    from agentassist.audio.keyring import load_keys
    from agentassist.bus import make_bus
    from agentassist.restart import settle_left_calls
    from agentassist.runtime import Runtime
    from agentassist.store.modes import make_private
    from agentassist.store.objects import ObjectStore
    from agentassist.store.passwords import PasswordPool
    from agentassist.store.recordings import RecordingStore
    from agentassist.sweep import Sweeper
    from agentassist.transcribe.models import resolve

    settings = _settings(args)
    if settings.transcribe.enabled:  # a missing or corrupt model stops here, naming the fix
        resolve(settings.transcribe.model, settings.transcribe.transcriber_options().models_dir)
        cpu.apply(settings.transcribe.scheduling)  # before any thread starts: they all inherit it
    store = _open_store(settings, PasswordPool(settings.server.password_hash_workers))
    objects = ObjectStore(settings.storage) if settings.storage.url else None  # boto3 missing stops here
    keys = load_keys(settings.storage.encryption_key_file)  # a missing or unsafe key file stops here
    recordings = RecordingStore(settings.data_dir / "recordings", objects, keys)
    if keys is not None:
        log.info("recordings are encrypted with key %r (%d key(s) known)", keys.current.key_id, len(keys.ids))
    make_private(settings.data_dir, store.url)  # an older version's files were world-readable
    if not settings.recorder.store_dtmf_digits:
        masked = store.mask_digits()
        if masked:
            log.info("masked %d DTMF digit(s) stored in clear ([recorder] store_dtmf_digits = false)", masked)
    bus = make_bus(settings.bus.url)
    runtime = Runtime(settings, store, bus, recordings)
    # not closed yet: each waits [center] phone_timeout_s for its phone; on a shared database only what
    # no living node carries (agentassist.store.claims)
    waiting = settle_left_calls(store, recordings, runtime.claims)
    # Started before serving, so that a taken SIP port or an unusable model ends the command with
    # its message; events of a call that arrives before the loop runs wait in the bus.
    runtime.start()
    runtime.waiting.expect(waiting)  # from now (the model loaded), as the phones can be taken in a moment
    Sweeper(store, runtime.claims, runtime.waiting, bus).start()  # what nodes that die leave (shared database)
    app = create_app(settings, store, bus, recordings, runtime, start_runtime=False)
    host, port = settings.server.host_port
    log.info("serving on http://%s:%d (SIP on %s)", host, port, settings.sip.listen)
    # ws_max_size: the largest message any socket takes is a phone's 64 KiB (docs/wire-protocol.md); 1 MiB
    # instead of uvicorn's 16 MiB bounds what one connection can make the center buffer
    # ws: uvicorn's sans-I/O protocol, reading paused only when messages wait for the app (api/wsflow.py)
    # timeout_graceful_shutdown: a stop waits this long for open requests and sockets (uvicorn's default
    # waits for ever), then the lifespan stops the runtime (Runtime.stop: STOP_S)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        ws=QueuedReading,
        ws_max_size=1 << 20,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    try:
        server.run()
    except KeyboardInterrupt:  # Ctrl-C, raised again by uvicorn once it has stopped everything
        # Not through the interpreter's finalization: a model worker (a daemon) may still be inside a
        # decode, and ctranslate2's threads then abort the process ("terminate called without an active
        # exception", status -6). SIGTERM is raised again by uvicorn and ends the process the same way.
        logging.shutdown()
        os._exit(130)
    finally:
        if not server.started:
            runtime.stop()
    if not server.started:
        raise AgentassistError(f"could not serve HTTP on {settings.server.listen}")
    return 0


def cmd_phone(args: argparse.Namespace) -> int:
    memory.cap_arenas()
    from agentassist.phone.run import run_phone

    return run_phone(_settings(args), ",".join(args.server) if args.server else None)


def cmd_call(args: argparse.Namespace) -> int:
    import httpx

    settings = _settings(args)
    host, port = settings.server.host_port
    token = args.token or os.environ.get("AGENTASSIST_TOKEN", "")
    if not token:
        raise AgentassistError("no API token: pass --token or set AGENTASSIST_TOKEN (see `agentassist users add`)")
    body: dict[str, Any] = {"uri": args.uri}
    with httpx.Client(base_url=f"http://{host}:{port}", headers={"Authorization": f"Bearer {token}"}) as client:
        if args.audio:
            # The server takes no paths: the WAV goes up as a prompt, the call names its id, and the
            # prompt goes once dialled (the softphone read it whole when it placed the call).
            from agentassist.audio.frames import check_wav

            check_wav(args.audio)
            wav = Path(args.audio)
            up = client.post(
                "/api/prompts",
                content=wav.read_bytes(),
                params={"name": wav.name[:200]},
                headers={"Content-Type": "audio/wav"},
                timeout=60,
            )
            if up.status_code >= 400:
                raise AgentassistError(f"server refused the WAV {wav} ({up.status_code}): {up.text}")
            body["prompt"] = up.json()["id"]
        try:
            r = client.post("/api/calls", json=body, timeout=30)
        finally:
            if "prompt" in body:
                with contextlib.suppress(httpx.HTTPError):  # a prompt left behind is listed, deletable
                    client.delete(f"/api/prompts/{body['prompt']}")
    if r.status_code >= 400:
        raise AgentassistError(f"server refused the call ({r.status_code}): {r.text}")
    sys.stdout.write(json.dumps(r.json()) + "\n")
    return 0


def cmd_transcribe(args: argparse.Namespace) -> int:
    from agentassist.transcribe.offline import format_transcript, transcribe_file
    from agentassist.transcribe.transcriber import one_blas_thread

    settings = _settings(args)
    one_blas_thread()  # a process setting, made where the process is composed (not by the Transcriber)
    result = transcribe_file(Path(args.file), settings.transcribe, language=args.language)
    sys.stdout.write(format_transcript(result, args.format))
    return 0


def cmd_script_validate(args: argparse.Namespace) -> int:
    from agentassist.assist.parsing import load_script

    script = load_script(Path(args.file))
    sys.stdout.write(f"{args.file}: ok (script {script.id!r} version {script.version}, {len(script.steps)} steps)\n")
    return 0


def cmd_models_install(args: argparse.Namespace) -> int:
    from agentassist.transcribe.models import install

    path = install(args.name, Path(args.models_dir) if args.models_dir else None)
    sys.stdout.write(f"{args.name}: installed and verified in {path}\n")
    return 0


def _open_store(settings: Settings, passwords: PasswordPool | None = None) -> Store:
    """The migrated Store, its files private to this user (umask 077 from here on); ``passwords``: the
    bounded argon2 pool of a server (commands hash one password: the default pool)."""
    from agentassist.store.db import Store
    from agentassist.store.modes import private_umask

    private_umask()
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    store = Store(_database_url(settings), passwords)
    store.api_token_ttl = settings.server.api_token_ttl
    store.migrate()
    return store


def _read_password(twice: bool) -> str:
    """A password from the terminal (asked ``twice`` when it is one, without echo) or one line of stdin;
    never from argv, which every user of the machine can read in ps."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("new password: ")
        if twice and getpass.getpass("again: ") != first:
            raise AgentassistError("the two passwords differ: nothing changed")
        return first
    line = sys.stdin.readline()
    if not line:
        raise AgentassistError("expected the password as one line on stdin, got nothing")
    return line.rstrip("\r\n")


def cmd_users_add(args: argparse.Namespace) -> int:
    settings = _settings(args)
    password = args.password
    if password is not None:
        log.warning("--password is visible to every user of this machine (ps, /proc): use --password-stdin")
    if args.password_stdin:
        if password is not None:
            raise AgentassistError("expected one of --password and --password-stdin, got both")
        password = _read_password(twice=True)
    store = _open_store(settings)
    token = store.add_user(
        args.name,
        args.role,
        teams=args.team or [],
        password=password,
        all_teams=args.all_teams,
        campaigns=args.campaign or [],
    )
    teams = f" in {', '.join(args.team)}" if args.team else ""
    teams += ", sees all teams" if args.all_teams else ""
    teams += f", campaigns {', '.join(args.campaign)}" if args.campaign else ""
    sys.stdout.write(f"user {args.name!r} ({args.role}{teams}) created; API token:\n{token}\n")
    return 0


def cmd_users_token(args: argparse.Namespace) -> int:
    settings = _settings(args)
    store = _open_store(settings)
    new = store.rotate_token(args.name)
    until = f"valid until {new.expires_at:%Y-%m-%d %H:%M} UTC" if new.expires_at else "never expires"
    # a running server closes the old token's sockets at its next sweep (within 30 s)
    sys.stdout.write(f"user {args.name!r}: new API token ({until}); the old one no longer works:\n{new.token}\n")
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    settings = _settings(args)
    store = _open_store(settings)
    if store.user(args.name) is None:
        raise AgentassistError(f"no user named {args.name!r}")
    store.set_password(args.name, _read_password(twice=True))
    ended = len(store.end_logins(args.name))  # a running server's sockets close at its sweep
    sys.stdout.write(f"password of {args.name!r} changed; {ended} login session(s) ended, API token unchanged\n")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    rows = _open_store(_settings(args)).users()
    sys.stdout.write(f"{'name':<20}  {'role':<15}  {'password':<8}  {'token_expires_at':<19}  teams\n")
    for u in rows:
        teams = ", ".join(u["teams"]) + (" (sees all teams)" if u["all_teams"] else "")
        teams += f"campaigns: {', '.join(u['campaigns'])}" if u["campaigns"] else ""
        expires = (u["token_expires_at"] or "never")[:19]
        password = "yes" if u["has_password"] else "no"
        sys.stdout.write(f"{u['name']:<20}  {u['role']:<15}  {password:<8}  {expires:<19}  {teams or '-'}\n")
    return 0


def _store_with_user(args: argparse.Namespace) -> Store:
    """The store, once it has the user ``args.name`` (else the error names them)."""
    store = _open_store(_settings(args))
    if store.user(args.name) is None:
        raise AgentassistError(f"no user named {args.name!r}")
    return store


def cmd_users_delete(args: argparse.Namespace) -> int:
    store = _store_with_user(args)
    store.delete_user(args.name)  # a running server closes their sockets at its next sweep (within 30 s)
    sys.stdout.write(f"user {args.name!r} deleted: their API token and login sessions no longer work\n")
    return 0


def cmd_users_reset_password(args: argparse.Namespace) -> int:
    import secrets

    store = _store_with_user(args)
    password = secrets.token_urlsafe(12)  # 16 characters, 96 bits
    store.set_password(args.name, password)
    ended = len(store.end_logins(args.name))
    sys.stdout.write(
        f"password of {args.name!r} reset; {ended} login session(s) ended, API token unchanged; "
        f"the new password (shown once):\n{password}\n"
    )
    return 0


def cmd_users_add_phone(args: argparse.Namespace) -> int:
    from agentassist.store.phones import add_phone

    credential_id, credential = add_phone(_open_store(_settings(args)), args.agent)
    sys.stdout.write(
        f"phone credential {credential_id} for agent {args.agent!r} (set it as [phone] token or "
        f"$AGENTASSIST_PHONE_TOKEN; shown once):\n{credential}\n"
    )
    return 0


def cmd_users_phones(args: argparse.Namespace) -> int:
    from agentassist.store.phones import phones

    rows = phones(_open_store(_settings(args)), args.agent)
    sys.stdout.write(f"{'id':>5}  {'agent':<20}  {'created_at':<20}  revoked_at\n")
    for r in rows:
        sys.stdout.write(f"{r['id']:>5}  {r['agent']:<20}  {r['created_at'][:19]:<20}  {r['revoked_at'] or '-'}\n")
    return 0


def cmd_users_revoke_phone(args: argparse.Namespace) -> int:
    from agentassist.store.phones import revoke_phone

    agent = revoke_phone(_open_store(_settings(args)), args.id)
    # a running center cuts the phone off at its next check (within [center] credential_check_s)
    sys.stdout.write(f"phone credential {args.id} of agent {agent!r} revoked\n")
    return 0


def cmd_recordings_repair(args: argparse.Namespace) -> int:
    from agentassist.audio.keyring import load_keys
    from agentassist.audio.recorder import needs_repair, repair

    settings = _settings(args)
    keys = load_keys(settings.storage.encryption_key_file)  # an encrypted recording is finished with its key
    target = Path(args.path) if args.path else settings.data_dir / "recordings"
    if target.is_dir():
        files = sorted(target.glob("*.wav"))
    elif target.is_file():
        files = [target]
    else:
        raise AgentassistError(f"{target}: no such file or directory")
    failed = 0
    for path in files:
        try:
            if needs_repair(path, keys):
                sys.stdout.write(f"{path}: repaired ({repair(path, keys):.1f} s)\n")
            else:
                sys.stdout.write(f"{path}: ok\n")
        except (ValueError, OSError, AgentassistError) as exc:
            failed += 1
            sys.stderr.write(f"error: {exc}\n")
    sys.stdout.write(f"{len(files)} recording(s) checked, {failed} unusable\n")
    return 2 if failed else 0


def cmd_recordings_decrypt(args: argparse.Namespace) -> int:
    from agentassist.audio.keyring import load_keys
    from agentassist.audio.sealed import FILE_MODE, open_recording

    keys = load_keys(_settings(args).storage.encryption_key_file)
    fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        with open_recording(Path(args.path), keys) as source, os.fdopen(fd, "wb", closefd=False) as out:
            size = 0
            while data := source.read(1 << 20):  # every record checked: TamperedError names the first bad one
                out.write(data)
                size += len(data)
    except BaseException:
        os.close(fd)
        os.unlink(args.output)
        raise
    os.close(fd)
    sys.stdout.write(f"{args.output}: {size} bytes\n")
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from agentassist.audio.devices import list_devices

    devices = list_devices()  # AudioError with the install hint when PortAudio is missing
    sys.stdout.write(f"{'index':>5}  {'in':>3}  {'out':>3}  {'rate_hz':>7}  name\n")
    for d in devices:
        marks = [m for m, on in (("default input", d.default_input), ("default output", d.default_output)) if on]
        extra = f"  [{', '.join(marks)}]" if marks else ""
        line = f"{d.index:>5}  {d.input_channels:>3}  {d.output_channels:>3}  {d.default_rate_hz:>7}  {d.name}"
        sys.stdout.write(f"{line} ({d.hostapi}){extra}\n")
    if not devices:
        sys.stdout.write("no sound devices: calls run with the null device (silence)\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="agentassist", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    def with_config(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--config", help="TOML settings file")
        return sp

    sp = with_config(sub.add_parser("serve", help="softphone, pipeline, API and web UI in one process"))
    sp.set_defaults(func=cmd_serve)

    sp = with_config(sub.add_parser("phone", help="the softphone on an agent's desk, streaming to a center"))
    sp.add_argument(
        "--server",
        action="append",
        help="the center's URL, or several comma-separated; repeat it for more (default: [phone] server)",
    )
    sp.set_defaults(func=cmd_phone)

    sp = with_config(sub.add_parser("call", help="place a call from the running softphone"))
    sp.add_argument("uri")
    sp.add_argument("--audio", help="WAV played as the agent's voice in this call")
    sp.add_argument("--token", help="API token (default: $AGENTASSIST_TOKEN)")
    sp.set_defaults(func=cmd_call)

    sp = with_config(sub.add_parser("transcribe", help="transcribe an audio file offline"))
    sp.add_argument("file")
    sp.add_argument("--language", default=None)
    sp.add_argument("--format", choices=["json", "vtt", "srt"], default="json")
    sp.set_defaults(func=cmd_transcribe)

    script = sub.add_parser("script", help="call scripts").add_subparsers(dest="script_command", required=True)
    sp = script.add_parser("validate", help="check a script file")
    sp.add_argument("file")
    sp.set_defaults(func=cmd_script_validate)

    models = sub.add_parser("models", help="speech models").add_subparsers(dest="models_command", required=True)
    sp = models.add_parser("install", help="install and verify a model")
    sp.add_argument("name")
    sp.add_argument("--models-dir", help="default: ./models or $AGENTASSIST_MODELS_DIR")
    sp.set_defaults(func=cmd_models_install)

    recordings = sub.add_parser("recordings", help="call recordings").add_subparsers(
        dest="recordings_command", required=True
    )
    sp = with_config(
        recordings.add_parser(
            "repair", help="fix the headers of recordings left by a crash (idempotent; run with the server stopped)"
        )
    )
    sp.add_argument("path", nargs="?", help="a recording or a directory (default: <data_dir>/recordings)")
    sp.set_defaults(func=cmd_recordings_repair)
    sp = with_config(
        recordings.add_parser(
            "decrypt", help="write a recording as plain audio (an encrypted one checked and decrypted; mode 0600)"
        )
    )
    sp.add_argument("path", help="the recording (<data_dir>/recordings/<call id>.wav or .ogg)")
    sp.add_argument("output", help="the file to write (must not exist)")
    sp.set_defaults(func=cmd_recordings_decrypt)

    sp = sub.add_parser("devices", help="list the sound devices ([audio] input_device, output_device)")
    sp.set_defaults(func=cmd_devices)

    users = sub.add_parser("users", help="user accounts").add_subparsers(dest="users_command", required=True)
    sp = with_config(users.add_parser("add", help="create a user and print its API token"))
    sp.add_argument("name")
    # The roles only: every command builds this parser, and the store (SQLAlchemy, 20 MB) is imported by the
    # commands that open it, never by `agentassist phone` (issue 16: the desk's RSS budget).
    from agentassist.store.roles import ROLES

    sp.add_argument("--role", required=True, choices=list(ROLES))
    sp.add_argument(
        "--campaign", action="append", help="a client's campaign: its reports, outcomes and shared calls (repeat)"
    )
    sp.add_argument("--team", action="append", help="team the user belongs to (repeat for several; made when new)")
    sp.add_argument(
        "--password", help="password for POST /api/login (at least 8 characters); visible in ps: prefer the next"
    )
    sp.add_argument(
        "--password-stdin", action="store_true", help="read the password from the terminal, or one line of stdin"
    )
    sp.add_argument(
        "--all-teams",
        action="store_true",
        help="a supervisor or team_leader who sees every team's calls (without it: their teams' and their own)",
    )
    sp.set_defaults(func=cmd_users_add)
    sp = with_config(users.add_parser("token", help="give a user a new API token (the old one stops working)"))
    sp.add_argument("name")
    sp.set_defaults(func=cmd_users_token)
    sp = with_config(users.add_parser("passwd", help="set a user's password (asked twice, or one line of stdin)"))
    sp.add_argument("name")
    sp.set_defaults(func=cmd_users_passwd)
    sp = with_config(users.add_parser("reset-password", help="give a user a new random password, printed once"))
    sp.add_argument("name")
    sp.set_defaults(func=cmd_users_reset_password)
    sp = with_config(users.add_parser("list", help="list the users: role, password set, token expiry, teams"))
    sp.set_defaults(func=cmd_users_list)
    sp = with_config(users.add_parser("delete", help="delete a user: their token and login sessions end"))
    sp.add_argument("name")
    sp.set_defaults(func=cmd_users_delete)
    sp = with_config(users.add_parser("add-phone", help="create a phone credential for an agent and print it"))
    sp.add_argument("agent", help="an existing user of role agent")
    sp.set_defaults(func=cmd_users_add_phone)
    sp = with_config(users.add_parser("phones", help="list the phone credentials (never the credentials)"))
    sp.add_argument("agent", nargs="?", help="only this agent's")
    sp.set_defaults(func=cmd_users_phones)
    sp = with_config(users.add_parser("revoke-phone", help="revoke a phone credential by its id"))
    sp.add_argument("id", type=int)
    sp.set_defaults(func=cmd_users_revoke_phone)

    from agentassist.privacy.commands import add_commands  # retention run, privacy find|export|erase

    add_commands(sub, with_config, _open_store)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command != "serve" and not args.verbose:
        # the schema's migrations are a server's news; a command prints its result and nothing else
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return int(args.func(args))
    except ScriptError as exc:
        for line in exc.errors:
            sys.stderr.write(f"error: {line}\n")
        return 2
    except AgentassistError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except KeyboardInterrupt:  # Ctrl-C: serve has stopped cleanly (uvicorn raises it again after its stop)
        return 130


if __name__ == "__main__":
    sys.exit(main())
