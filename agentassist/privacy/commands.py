"""``agentassist retention run`` and ``agentassist privacy find|export|erase`` (docs/privacy.md): what the
admin API does, for an operator on the server's machine. Each run is audited as ``cli <os user>``."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agentassist.config import Settings, load_settings
from agentassist.errors import AgentassistError

if TYPE_CHECKING:
    from agentassist.store.db import Store
    from agentassist.store.person import Subject
    from agentassist.store.recordings import RecordingStore

OpenStore = Callable[[Settings], "Store"]


def _actor() -> str:
    return f"cli {getpass.getuser()}"


def _opened(args: argparse.Namespace, open_store: OpenStore) -> tuple[Settings, Store, RecordingStore]:
    """The settings, the database and the recordings, with the keys the server reads (``[storage]
    encryption_key_file``, ``AGENTASSIST_RECORDING_KEY``: docs/encryption.md), so that an encrypted
    recording is read, silenced and exported here as the server would."""
    from agentassist.audio.keyring import load_keys
    from agentassist.store.objects import ObjectStore
    from agentassist.store.recordings import RecordingStore

    settings = load_settings(args.config)
    keys = load_keys(settings.storage.encryption_key_file)  # a missing or unsafe key file stops here
    store = open_store(settings)
    objects = ObjectStore(settings.storage) if settings.storage.url else None
    return settings, store, RecordingStore(settings.data_dir / "recordings", objects, keys)


def _subject(query: str) -> Subject:
    from agentassist.store.person import Subject
    from agentassist.store.scoring import FieldError

    try:
        return Subject.parse(query)
    except FieldError as exc:
        raise AgentassistError(exc.message) from None


def _digest(settings: Settings, subject: Subject) -> str:
    from agentassist.api.signing import Signer, load_secret

    return Signer(load_secret(settings)).digest("erasure subject", subject.key)


def _print(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def cmd_retention_run(args: argparse.Namespace, open_store: OpenStore) -> int:
    from agentassist.store.audit import audit_as
    from agentassist.store.retention import run_retention

    settings, store, recordings = _opened(args, open_store)
    now = datetime.fromisoformat(args.now.replace("Z", "+00:00")) if args.now else datetime.now(UTC)
    if now.tzinfo is None:
        raise AgentassistError(f"--now: expected a time with its UTC offset (2027-01-31T00:00:00Z), got {args.now!r}")
    audit_as(store, _actor(), "retention.run", None, f"now {args.now}" if args.now else "")
    report = run_retention(store, recordings, settings.retention, now)
    _print(report.json())
    return 1 if report.failed else 0


def cmd_privacy(args: argparse.Namespace, open_store: OpenStore) -> int:
    from agentassist.store.audit import audit_as
    from agentassist.store.erasure import erase, export
    from agentassist.store.person import find

    subject = _subject(args.query)
    settings, store, recordings = _opened(args, open_store)
    digest = _digest(settings, subject)
    if args.privacy_command == "erase":
        if not args.yes:
            raise AgentassistError("erase deletes for good: run `agentassist privacy find` first, then add --yes")
        from agentassist.audio.encode import OpusOptions

        # the bitrate the center's Ogg recordings are made with: one silenced is encoded again so
        opus = OpusOptions(settings.recorder.opus_bitrate_bps)
        receipt = erase(store, recordings, subject, _actor(), digest, opus)
        _print(receipt)
        _say_not_silenced(receipt, recordings)
        return 1 if receipt["failed"] or receipt["not_silenced"] else 0
    if args.privacy_command == "export":
        with open(args.out, "wb") as out:
            found = export(store, recordings, subject, out)
        sys.stdout.write(f"{args.out}: {found['counts']['calls']} calls\n")
    else:
        found = find(store, recordings, subject)
        _print(found)
    c = found["counts"]
    detail = f"subject {digest[:16]}: {c['calls']} calls ({c['party_calls']} theirs, {c['held_calls']} held)"
    audit_as(store, _actor(), f"privacy.{args.privacy_command}", None, detail)
    return 0


def _say_not_silenced(receipt: dict[str, Any], recordings: RecordingStore) -> None:
    """Each recording left unsilenced, and why, on stderr (the receipt lists them too): the erasure is not
    whole until they are silenced."""
    why: dict[str, str] = receipt.get("not_silenced_why", {})
    for call_id in receipt["not_silenced"]:
        sys.stderr.write(
            f"error: call {call_id}: its recording is NOT silenced over the erased lines: {why.get(call_id)}\n"
        )
    if receipt["not_silenced"] and recordings.keys is None:
        sys.stderr.write(
            "error: no recording key is configured here ([storage] encryption_key_file in the config given, or "
            "AGENTASSIST_RECORDING_KEY): an encrypted recording cannot be silenced without it (docs/encryption.md); "
            "configure the server's key and erase again\n"
        )


def add_commands(sub: Any, with_config: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
                 open_store: OpenStore) -> None:  # fmt: skip
    """The ``retention`` and ``privacy`` subcommands, on the main parser's subparsers."""
    retention = sub.add_parser("retention", help="deletion by the [retention] rules").add_subparsers(
        dest="retention_command", required=True
    )
    sp = with_config(retention.add_parser("run", help="one deletion pass now (the server runs one every hour)"))
    sp.add_argument("--now", help="the time to apply the rules at, ISO 8601 with offset (default: now)")
    sp.set_defaults(func=lambda a: cmd_retention_run(a, open_store))
    privacy = sub.add_parser("privacy", help="a person's data: find, export, erase").add_subparsers(
        dest="privacy_command", required=True
    )
    for name, text in (
        ("find", "every call, recording, transcript line and evaluation about a number or a name (JSON)"),
        ("export", "all of it in one zip"),
        ("erase", "erase all of it but what a legal hold keeps; prints the receipt (JSON)"),
    ):
        sp = with_config(privacy.add_parser(name, help=text))
        sp.add_argument("query", help="a phone number (+48 600 123 456) or a name")
        if name == "export":
            sp.add_argument("--out", required=True, help="the zip to write")
        if name == "erase":
            sp.add_argument("--yes", action="store_true", help="yes, erase for good")
        sp.set_defaults(func=lambda a: cmd_privacy(a, open_store))
