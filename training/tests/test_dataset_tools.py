"""Dataset checker and fetcher (the fetcher downloads a local archive over real HTTP on 127.0.0.1)."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import add_broken_files, shared_dogs

from dogbreed_training.check_dataset import check_dataset
from dogbreed_training.check_dataset import main as check_main
from dogbreed_training.errors import FetchError
from dogbreed_training.fetch_dataset import MARKER, fetch
from dogbreed_training.synthetic import make_dataset


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    root = tmp_path / "dogImages"
    make_dataset(root, classes=3, per_split={"train": 3, "valid": 2, "test": 2}, size=32)
    return root


def test_checker_counts_and_passes_a_good_dataset(dataset: Path, tmp_path: Path, capsys) -> None:
    report_file = tmp_path / "report.json"
    assert check_main([str(dataset), "--json", str(report_file)]) == 0
    report = json.loads(report_file.read_text())
    assert report["ok"] and report["splits"]["train"]["images"] == 9 and report["splits"]["test"]["images"] == 6
    assert "OK: training can use this dataset" in capsys.readouterr().out


def test_checker_reports_unreadable_files_and_strict_fails(dataset: Path) -> None:
    names = sorted(p.name for p in (dataset / "train").iterdir())
    add_broken_files(dataset, names[0])
    quick = check_dataset(dataset)  # header check (PNG's verify also sees the truncation)
    assert quick["unreadableTotal"] == 2
    deep = check_dataset(dataset, deep=True)
    assert deep["unreadableTotal"] == 2 and deep["ok"]
    assert check_main([str(dataset), "--deep"]) == 0
    assert check_main([str(dataset), "--deep", "--strict"]) == 1


def test_checker_finds_class_mismatch(dataset: Path) -> None:
    (dataset / "valid" / "900.extra").mkdir()
    names = sorted(p.name for p in (dataset / "train").iterdir())
    for f in (dataset / "test" / names[0]).iterdir():
        f.unlink()
    (dataset / "test" / names[0]).rmdir()
    report = check_dataset(dataset)
    assert report["classMismatch"]["valid"]["notInTrain"] == ["900.extra"]
    assert report["classMismatch"]["test"]["missingFromSplit"] == [names[0]]
    assert not report["ok"] and check_main([str(dataset)]) == 1


def _zip(folder: Path, archive: Path) -> str:
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.rglob("*")):
            z.write(path, path.relative_to(folder.parent))
    return hashlib.sha256(archive.read_bytes()).hexdigest()


@pytest.fixture()
def http_dir(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_downloads_verifies_and_unpacks(dataset: Path, tmp_path: Path, http_dir) -> None:
    base, served = http_dir
    sha = _zip(dataset, served / "dogImages.zip")
    out = tmp_path / "fetched"
    logs: list[str] = []
    fetch(out, url=f"{base}/dogImages.zip", sha256=sha, log=logs.append)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["test", "train", "valid"]
    assert check_dataset(out)["ok"]
    assert json.loads((out / MARKER).read_text())["sha256"] == sha
    fetch(out, url=f"{base}/missing.zip", log=logs.append)  # already there: no download at all
    assert "nothing to do" in logs[-1]


def test_fetch_rejects_wrong_checksum_and_missing_url(dataset: Path, tmp_path: Path, http_dir) -> None:
    base, served = http_dir
    _zip(dataset, served / "d.zip")
    with pytest.raises(FetchError, match="SHA-256"):
        fetch(tmp_path / "a", url=f"{base}/d.zip", sha256="0" * 64, log=lambda _: None)
    with pytest.raises(FetchError, match="cannot download"):
        fetch(tmp_path / "b", url=f"{base}/nope.zip", log=lambda _: None)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_fetch_from_local_archive_and_refuses_path_traversal(dataset: Path, tmp_path: Path) -> None:
    archive = tmp_path / "local.zip"
    _zip(dataset, archive)
    out = fetch(tmp_path / "local", archive=archive, log=lambda _: None)
    assert (out / "train").is_dir()
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../../escaped.txt", "x")
    with pytest.raises(FetchError, match="outside"):
        fetch(tmp_path / "evil-out", archive=evil, log=lambda _: None)
    assert not (tmp_path.parent / "escaped.txt").exists()


@pytest.mark.skipif(shared_dogs() is None, reason="real photos live in ../shared/data/dogs-mini (absent here)")
def test_checker_on_real_dog_photos() -> None:
    report = check_dataset(shared_dogs())
    assert report["ok"] and report["splits"]["train"]["classes"] == 10
    assert report["unreadableTotal"] == 0
