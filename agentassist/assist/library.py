"""A directory of call scripts, by id, read again when asked for one it does not have."""

from __future__ import annotations

import logging
from pathlib import Path

from agentassist.assist.parsing import load_script
from agentassist.assist.script import Script
from agentassist.errors import ScriptError

log = logging.getLogger(__name__)


class ScriptLibrary:
    """The scripts of a directory, by id. Bad files are skipped and listed in ``errors``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._scripts: dict[str, Script] = {}
        self.errors: list[str] = []
        self.reload()

    def reload(self) -> None:
        scripts: dict[str, Script] = {}
        errors: list[str] = []
        if self.directory.is_dir():
            for path in sorted([*self.directory.glob("*.yaml"), *self.directory.glob("*.yml")]):
                try:
                    script = load_script(path)
                except ScriptError as exc:
                    errors.extend(exc.errors)
                    continue
                if script.id in scripts:
                    errors.append(f"{path}:1: script id {script.id!r} also used by {scripts[script.id].source}")
                    continue
                scripts[script.id] = script
        for e in errors:
            log.error("%s", e)
        self._scripts, self.errors = scripts, errors

    def ids(self) -> list[str]:
        return sorted(self._scripts)

    def get(self, script_id: str) -> Script:
        script = self._scripts.get(script_id)
        if script is None:
            self.reload()  # a script saved since the last look
            script = self._scripts.get(script_id)
        if script is None:
            raise ScriptError([f"{self.directory}: no script with id {script_id!r} (have: {', '.join(self.ids())})"])
        return script
