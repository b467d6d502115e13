"""Settings: one source for each [transcribe] default, and the models folder named in the config file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from agentassist.audio.segmenter import SegmenterOptions
from agentassist.config import TranscribeSettings, load_settings
from agentassist.transcribe.models import default_models_dir, resolve
from agentassist.transcribe.stream import StreamOptions
from agentassist.transcribe.transcriber import TranscriberOptions
from tests.conftest import AGENTASSIST, REPO, SOUNDS_EN


def test_transcribe_defaults_are_the_stages_own_and_what_serve_used() -> None:
    s = TranscribeSettings()
    assert s.segmenter_options() == SegmenterOptions()
    assert s.stream_options() == StreamOptions()
    assert s.transcriber_options() == TranscriberOptions()
    # the values `agentassist serve` ran with when config.py and the dataclasses disagreed
    assert (s.end_silence_ms, s.revise) == (300, True)


def _installed() -> None:
    if not (REPO / "models" / "tiny.en" / "model.bin").is_file():
        pytest.skip("tiny.en not installed: run `make install`")


def _config_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """``etc/agentassist.toml`` naming ``models_dir = "models"`` (the repository's, linked), and a working
    directory that has no models/: ``(config file, working directory)``."""
    etc, run = tmp_path / "etc", tmp_path / "run"
    etc.mkdir()
    run.mkdir()
    (etc / "models").symlink_to(REPO / "models")
    config = etc / "agentassist.toml"
    config.write_text('[transcribe]\nmodels_dir = "models"\n', encoding="utf-8")
    monkeypatch.chdir(run)
    monkeypatch.delenv("AGENTASSIST_MODELS_DIR", raising=False)
    return config, run


def test_a_relative_models_dir_is_found_from_the_config_files_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _installed()
    config, _ = _config_elsewhere(tmp_path, monkeypatch)
    settings = load_settings(config).transcribe
    assert settings.transcriber_options().models_dir == tmp_path / "etc" / "models"
    assert resolve(settings.model, settings.transcriber_options().models_dir) == tmp_path / "etc" / "models" / "tiny.en"
    # an absolute one is taken as it is; one from the environment is the process's, as any override
    config.write_text(f'[transcribe]\nmodels_dir = "{REPO / "models"}"\n', encoding="utf-8")
    assert load_settings(config).transcribe.transcriber_options().models_dir == REPO / "models"
    monkeypatch.setenv("AGENTASSIST_TRANSCRIBE__MODELS_DIR", "here")
    assert load_settings(config).transcribe.transcriber_options().models_dir == Path("here")


def test_without_models_dir_the_environment_variable_then_the_working_directory_decide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTASSIST_MODELS_DIR", raising=False)
    assert load_settings().transcribe.transcriber_options().models_dir is None
    assert default_models_dir() == Path("models")
    monkeypatch.setenv("AGENTASSIST_MODELS_DIR", str(REPO / "models"))
    assert default_models_dir() == REPO / "models"


def test_a_command_run_from_another_folder_loads_the_model_the_config_file_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _installed()
    if not (SOUNDS_EN / "vm-intro.wav").is_file():
        pytest.skip("asterisk-core-sounds-en-wav not installed")
    config, run = _config_elsewhere(tmp_path, monkeypatch)
    env = {k: v for k, v in os.environ.items() if k != "AGENTASSIST_MODELS_DIR"}
    done = subprocess.run(
        [str(AGENTASSIST), "transcribe", str(SOUNDS_EN / "vm-intro.wav"), "--config", str(config), "--format", "srt"],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "message after the tone" in done.stdout.lower()
