"""`get_file`: download a file once into Keras' cache folder, check its
hash, and unpack tar/zip archives safely.

The cache is the one Keras uses (`~/.keras/<cache_subdir>`, or
`$KERAS_HOME/<cache_subdir>`), so files Keras already downloaded are reused.
A download goes to a temporary file next to its target and is renamed into
place only once complete and verified: an interrupted or failed download
never becomes the cached file.
"""
import os
import shutil
import tempfile
import warnings

from ckeras.utils.generic_utils import Progbar

__all__ = ["get_file", "validate_file", "extract_archive", "keras_cache_dir"]

_CHUNK = 1 << 16


class URLFetchError(Exception):
    """A download failed (network, HTTP status, or a truncated transfer).

    Derives from `Exception` as the error Keras raises does.
    """


def keras_cache_dir():
    """Keras' base folder: `$KERAS_HOME` when set, else `~/.keras`."""
    home = os.environ.get("KERAS_HOME")
    return os.path.expanduser(home) if home else os.path.join(os.path.expanduser("~"), ".keras")


def _writable_base(cache_dir):
    """`cache_dir`, created if needed, or Keras' fallback `/tmp/.keras` when
    it cannot be written to."""
    base = os.path.expanduser(os.fspath(cache_dir))
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp", ".keras")
    return base


def _hasher(algorithm, file_hash=None):
    # hashlib, urllib, tarfile and zipfile are imported where used (ssl and
    # friends): `import ckeras` stays light
    import hashlib
    if algorithm not in ("auto", "sha256", "md5"):
        raise ValueError('`hash_algorithm` must be "auto", "sha256" or "md5"; '
                         f"received {algorithm!r}")
    # Keras' rule: "auto" means sha256 for a 64-digit hash, md5 otherwise.
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=_CHUNK):
    """Hex digest (sha256 or md5) of the file at `fpath`."""
    hasher = _hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=_CHUNK):
    """Whether the file at `fpath` has the hash `file_hash`.

    Args:
        fpath: path of the file.
        file_hash: expected hex digest, sha256 or md5.
        algorithm: `"auto"` (sha256 for a 64-character hash, else md5),
            `"sha256"` or `"md5"`.
        chunk_size: bytes read at a time.

    Returns:
        True when the digests agree.
    """
    digest = hash_file(fpath, _hasher(algorithm, file_hash), chunk_size)
    return digest == str(file_hash).lower()


class _DownloadBar:
    """Byte-count progress bar fed by the download loop."""

    def __init__(self, total):
        self.bar = Progbar(total)

    def update(self, done):
        if self.bar.target is None or done < self.bar.target:
            self.bar.update(done)
        else:
            self.bar.update(self.bar.target)


def _download(origin, target):
    """Streams `origin` into `target`; raises URLFetchError for a network
    error, an HTTP error status, or fewer bytes than announced."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(origin) as response, open(target, "wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.strip().isdigit() else None
            bar = _DownloadBar(total)
            done = 0
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                done += len(chunk)
                bar.update(done)
            if total is not None and done != total:
                raise URLFetchError(f"URL fetch failure on {origin}: the connection closed "
                                    f"after {done} of {total} bytes.")
    except URLFetchError:
        raise
    except urllib.error.HTTPError as e:
        raise URLFetchError(f"URL fetch failure on {origin}: {e.code} -- {e.msg}") from None
    except urllib.error.URLError as e:
        raise URLFetchError(f"URL fetch failure on {origin}: {e.reason}") from None
    except Exception as e:  # OSError, http.client.IncompleteRead and friends
        raise URLFetchError(f"URL fetch failure on {origin}: {type(e).__name__}: {e}") from None


def _inside(path, base):
    path = os.path.realpath(path)
    return path == base or path.startswith(base + os.sep)


def _safe_tar_members(archive, base):
    """Members that land inside `base`: no absolute or `..` paths, links
    only to targets inside `base`, no devices. The rest are skipped with a
    warning, as Keras does."""
    for member in archive.getmembers():
        dest = os.path.join(base, member.name)
        ok = _inside(dest, base) and not (member.ischr() or member.isblk() or member.isfifo())
        if ok and member.issym():
            ok = _inside(os.path.join(os.path.dirname(dest), member.linkname), base)
        elif ok and member.islnk():
            ok = _inside(os.path.join(base, member.linkname), base)
        if ok:
            yield member
        else:
            warnings.warn(f"Skipping invalid path during archive extraction: {member.name!r}.",
                          stacklevel=3)


def _safe_zip_members(archive, base):
    for name in archive.namelist():
        if _inside(os.path.join(base, name), base):
            yield name
        else:
            warnings.warn(f"Skipping invalid path during archive extraction: {name!r}.",
                          stacklevel=3)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar (plain, gz, bz2, xz) or zip archive into `path`.

    Members that would land outside `path` (absolute names, `..`, links
    pointing out) are skipped with a warning. The archive is unpacked into
    a temporary folder inside `path` first and moved into place only when
    complete, so a corrupt archive leaves `path` as it was.

    Args:
        file_path: the archive.
        path: folder to extract into.
        archive_format: `"auto"` (`["tar", "zip"]`), `"tar"`, `"zip"`, a list
            of those, or None (extract nothing).

    Returns:
        True if the file was an archive of an accepted format and was
        extracted, False otherwise.

    Raises:
        ValueError: for an unknown archive format, or a corrupt archive.
    """
    import tarfile
    import zipfile

    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    if isinstance(formats, str):
        formats = [formats]
    unknown = [f for f in formats if f not in ("tar", "zip")]
    if unknown:
        raise ValueError(f'`archive_format` must be "auto", "tar", "zip", a list of them or None; '
                         f"received {archive_format!r}")
    file_path, path = os.fspath(file_path), os.fspath(path)
    for kind in formats:
        is_match = tarfile.is_tarfile if kind == "tar" else zipfile.is_zipfile
        try:
            matched = is_match(file_path)
        except (EOFError, OSError, tarfile.TarError) as e:  # a truncated gzip stream
            raise ValueError(f"Could not read the archive {file_path!r}: it is corrupt or "
                             f"truncated ({type(e).__name__}: {e}).") from None
        if not matched:
            continue
        os.makedirs(path, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".extract-", dir=path)
        try:
            base = os.path.realpath(staging)
            if kind == "tar":
                with tarfile.open(file_path) as archive:
                    members = list(_safe_tar_members(archive, base))
                    # Python's own "data" filter too, where it exists (3.11.4+)
                    extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                    archive.extractall(staging, members=members, **extra)
            else:
                with zipfile.ZipFile(file_path) as archive:
                    archive.extractall(staging, members=list(_safe_zip_members(archive, base)))
            for name in os.listdir(staging):
                dest = os.path.join(path, name)
                if os.path.isdir(dest) and not os.path.islink(dest):
                    shutil.rmtree(dest)
                elif os.path.lexists(dest):
                    os.remove(dest)
                os.replace(os.path.join(staging, name), dest)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as e:
            raise ValueError(f"Could not extract the {kind} archive {file_path!r}: it is "
                             f"corrupt or truncated ({type(e).__name__}: {e}).") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return True
    return False


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None):
    """Downloads a file from a URL if it is not already in the cache.

    The file at `origin` is saved as `cache_dir/cache_subdir/fname`, by
    default `~/.keras/datasets/fname` (`$KERAS_HOME/datasets/fname` when
    `KERAS_HOME` is set; `/tmp/.keras/...` when the cache folder cannot be
    written), the folder Keras uses, so files Keras downloaded are reused.
    A cached file is checked against `file_hash` when given and downloaded
    again when it does not match. Offline, copy the file by hand to the
    path named in the error.

    Args:
        fname: name of the file; an absolute path saves it there. None takes
            the last part of `origin`'s path.
        origin: URL of the file.
        untar: deprecated in favour of `extract`: unpack a `.tar.gz`, and
            return the folder `fname` (without `.tar.gz`).
        md5_hash: deprecated in favour of `file_hash`: an md5 digest.
        file_hash: the expected sha256 or md5 hex digest of the file.
        cache_subdir: subfolder of the cache; an absolute path is used as is.
        hash_algorithm: `"md5"`, `"sha256"` or `"auto"` (by the digest's
            length).
        extract: unpack the file as an archive (tar, tar.gz, tar.bz2, zip)
            into the cache folder.
        archive_format: `"auto"` (`["tar", "zip"]`), `"tar"`, `"zip"`, or None.
        cache_dir: the cache folder; None means `$KERAS_HOME` or `~/.keras`.

    Returns:
        Path to the downloaded file (the unpacked folder with `untar=True`).

    Raises:
        ValueError: no `origin`, no file name to take, or a hash mismatch
            after downloading (the download is discarded).
        URLFetchError: (an `Exception`) the download failed; the message
            says where to put the file by hand.

    Example:
        >>> path = get_file("mnist.npz",                    # doctest: +SKIP
        ...     origin="https://storage.googleapis.com/tensorflow/"
        ...            "tf-keras-datasets/mnist.npz")
    """
    import urllib.parse

    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    _hasher(hash_algorithm)  # rejects an unknown algorithm before any download
    datadir = os.path.join(_writable_base(keras_cache_dir() if cache_dir is None
                                          else cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    fname = os.fspath(fname) if fname is not None else ""
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: {origin!r}. "
                             "Please specify the `fname` argument.")
    if untar:
        if fname.endswith(".tar.gz"):
            fname = fname[:-len(".tar.gz")]
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    download = not os.path.exists(fpath)
    if not download and file_hash is not None and not validate_file(fpath, file_hash,
                                                                    hash_algorithm):
        print("A local file was found, but it seems to be incomplete or outdated because "
              f"the {_hasher(hash_algorithm, file_hash).name} file hash does not match "
              f"the original value of {file_hash} so we will re-download the data.")
        download = True

    if download:
        print(f"Downloading data from {origin}")
        folder = os.path.dirname(fpath) or "."
        os.makedirs(folder, exist_ok=True)
        fd, partial = tempfile.mkstemp(prefix=os.path.basename(fpath) + ".", suffix=".part",
                                       dir=folder)
        os.close(fd)
        try:
            try:
                _download(origin, partial)
            except URLFetchError as e:
                raise URLFetchError(f"{e} If you are offline, download the file by hand and "
                                    f"place it at {fpath}") from None
            if file_hash is not None and not validate_file(partial, file_hash, hash_algorithm):
                raise ValueError("Incomplete or corrupted file detected. The "
                                 f"{_hasher(hash_algorithm, file_hash).name} file hash does "
                                 f"not match the provided value of {file_hash}.")
            os.replace(partial, fpath)
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    if untar:
        if not os.path.exists(untar_fpath):
            extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        extract_archive(fpath, datadir, archive_format)
    return fpath
