"""get_file against a local HTTP server: cache layout, reuse, hashes,
progress, extraction, and every failure leaving nothing in the cache."""
import hashlib
import io
import os
import tarfile
import warnings
import zipfile

import pytest

from ckeras.utils import get_file
from ckeras.utils.file_utils import URLFetchError, extract_archive, validate_file

DATA = bytes(range(256)) * 300


def _tar_gz(members):
    """members: name -> bytes, or ("sym"|"hard", target)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(body, tuple):
                info.type = tarfile.SYMTYPE if body[0] == "sym" else tarfile.LNKTYPE
                info.linkname = body[1]
                tar.addfile(info)
            else:
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
    return buf.getvalue()


def _zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in members.items():
            z.writestr(name, body)
    return buf.getvalue()


def _cache_files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, files in os.walk(root) for f in files)


def test_downloads_into_keras_home_datasets_and_reuses(server, cache, capsys):
    url = server.put("data.bin", DATA)
    path = get_file("data.bin", origin=url)
    assert path == os.path.join(str(cache), "datasets", "data.bin")
    assert open(path, "rb").read() == DATA
    out = capsys.readouterr().out
    assert f"Downloading data from {url}" in out
    assert f"{len(DATA)}/{len(DATA)}" in out          # the byte-count Progbar ran to the end
    assert get_file("data.bin", origin=url) == path  # cached: no second request
    assert server.requests == ["/data.bin"]


def test_default_cache_is_home_dot_keras(server, tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = get_file(origin=server.put("x.txt", b"abc"))   # fname from the URL
    assert path == str(tmp_path / "home" / ".keras" / "datasets" / "x.txt")


def test_cache_dir_subdir_and_absolute_fname(server, tmp_path):
    url = server.put("x.txt", b"abc")
    p = get_file("y.txt", origin=url, cache_dir=tmp_path / "c", cache_subdir="sub")
    assert p == str(tmp_path / "c" / "sub" / "y.txt")
    absolute = str(tmp_path / "abs" / "z.txt")
    assert get_file(absolute, origin=url, cache_dir=tmp_path / "c") == absolute
    assert open(absolute, "rb").read() == b"abc"


def test_unwritable_cache_falls_back_to_tmp(server, tmp_path, monkeypatch):
    ro = str(tmp_path / "ro")
    real_access = os.access
    # tests may run as root, where chmod does not deny writes: deny it here
    monkeypatch.setattr(os, "access", lambda p, m: False if os.fspath(p) == ro
                        else real_access(p, m))
    p = get_file("fallback-ckeras-test.bin", origin=server.put("f.bin", b"1"), cache_dir=ro)
    try:
        assert p == os.path.join("/tmp", ".keras", "datasets", "fallback-ckeras-test.bin")
    finally:
        os.remove(p)


@pytest.mark.parametrize("algo", ["sha256", "md5"])
def test_hash_checked_and_stale_cache_redownloaded(server, cache, algo, capsys):
    digest = hashlib.new(algo, DATA).hexdigest()
    url = server.put("d.bin", DATA)
    target = cache / "datasets" / "d.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"stale")
    assert get_file("d.bin", origin=url, file_hash=digest) == str(target)
    assert target.read_bytes() == DATA
    assert "hash does not match" in capsys.readouterr().out
    assert validate_file(str(target), digest)
    assert not validate_file(str(target), digest[::-1])


def test_md5_hash_argument(server, cache):
    url = server.put("d.bin", DATA)
    assert get_file("d.bin", origin=url, md5_hash=hashlib.md5(DATA).hexdigest())
    with pytest.raises(ValueError, match="md5"):
        get_file("e.bin", origin=url, md5_hash="0" * 32)


def test_hash_mismatch_after_download_raises_and_caches_nothing(server, cache):
    url = server.put("d.bin", DATA)
    with pytest.raises(ValueError, match="sha256 file hash does not match"):
        get_file("d.bin", origin=url, file_hash="0" * 64)
    assert _cache_files(cache) == []


def test_interrupted_download_leaves_nothing(server, cache):
    server.put("d.bin", DATA)
    with pytest.raises(URLFetchError, match="closed after") as err:
        get_file("d.bin", origin=server.url("truncated/d.bin"))
    assert str(cache / "datasets" / "d.bin") in str(err.value)
    assert _cache_files(cache) == []


def test_offline_error_says_where_to_put_the_file(refused_url, cache):
    with pytest.raises(Exception, match="URL fetch failure") as err:
        get_file("mnist.npz", origin=refused_url)
    assert "place it at " + str(cache / "datasets" / "mnist.npz") in str(err.value)
    assert _cache_files(cache) == []


def test_http_error_status(server, cache):
    with pytest.raises(URLFetchError, match="404"):
        get_file("missing.bin", origin=server.url("missing.bin"))
    assert _cache_files(cache) == []


def test_bad_arguments(cache):
    with pytest.raises(ValueError, match="origin"):
        get_file("a")
    with pytest.raises(ValueError, match="file name"):
        get_file(origin="http://127.0.0.1:1/")
    with pytest.raises(ValueError, match="hash_algorithm"):
        get_file("a", origin="http://127.0.0.1:1/a", hash_algorithm="sha1")


def test_untar_returns_folder_and_extracts_once(server, cache):
    url = server.put("pack.tar.gz", _tar_gz({"pack/a.txt": b"A", "pack/sub/b.txt": b"B"}))
    path = get_file("pack", origin=url, untar=True)
    assert path == str(cache / "datasets" / "pack")
    assert (cache / "datasets" / "pack.tar.gz").exists()
    assert (cache / "datasets" / "pack" / "sub" / "b.txt").read_bytes() == b"B"
    (cache / "datasets" / "pack" / "a.txt").write_bytes(b"edited")
    assert get_file("pack.tar.gz", origin=url, untar=True) == path
    assert (cache / "datasets" / "pack" / "a.txt").read_bytes() == b"edited"  # not re-extracted


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_extract_returns_archive_path_and_unpacks_beside_it(server, cache, kind):
    body = (_tar_gz if kind == "tar" else _zip)({"folder/x.txt": b"X"})
    name = "arch.tar.gz" if kind == "tar" else "arch.zip"
    path = get_file(name, origin=server.put(name, body), extract=True)
    assert path == str(cache / "datasets" / name)
    assert (cache / "datasets" / "folder" / "x.txt").read_bytes() == b"X"
    assert not [n for n in os.listdir(cache / "datasets") if n.startswith(".")]


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_traversal_members_are_skipped(tmp_path, kind):
    members = {"ok.txt": b"ok", "../evil.txt": b"x", "/abs-evil.txt": b"x"}
    if kind == "tar":
        members.update({"link": ("sym", "../../outside"), "hard": ("hard", "../evil.txt"),
                        "inlink": ("sym", "ok.txt")})
    archive = tmp_path / ("a." + kind)
    archive.write_bytes((_tar_gz if kind == "tar" else _zip)(members))
    dest = tmp_path / "dest"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert extract_archive(archive, dest, kind)
    names = sorted(os.listdir(dest))
    assert names == (["inlink", "ok.txt"] if kind == "tar" else ["ok.txt"])
    assert not (tmp_path / "evil.txt").exists()
    assert any("../evil.txt" in str(w.message) for w in caught)


def test_corrupt_archive_raises_and_keeps_folder(tmp_path):
    good = _tar_gz({"f.txt": b"y" * 5000})
    archive = tmp_path / "bad.tar.gz"
    archive.write_bytes(good[:len(good) // 2])
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "keep.txt").write_bytes(b"k")
    with pytest.raises(ValueError, match="corrupt or truncated"):
        extract_archive(archive, dest, "tar")
    assert sorted(os.listdir(dest)) == ["keep.txt"]


def test_not_an_archive_or_no_format(tmp_path):
    f = tmp_path / "plain.bin"
    f.write_bytes(b"not an archive")
    assert extract_archive(f, tmp_path / "d") is False
    assert extract_archive(f, tmp_path / "d", None) is False
    with pytest.raises(ValueError, match="archive_format"):
        extract_archive(f, tmp_path / "d", "rar")
