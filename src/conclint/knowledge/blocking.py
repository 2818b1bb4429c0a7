"""The blocking-call catalogue: data only.

Format (every name is a fully qualified name after import resolution):

``BLOCKING_CALLS``
    ``"module.function"`` -> category. A call of that name inside ``async def`` blocks.
``BLOCKING_METHODS``
    ``"module.Type.method"`` -> category. A call of ``method`` on an object whose type
    conclint can see (constructed from ``module.Type``, or returned by a factory below).
``FACTORIES``
    ``"module.function"`` (or ``"module.Type.method"``) -> ``"module.Type"``: the type of
    the object the call returns, so that methods called on it can be resolved.
    Calling a type itself (``requests.Session()``) always gives an instance of that type;
    constructors are listed here only when they are aliases (``requests.session``).

Categories: ``sleep``, ``network``, ``subprocess``, ``file``, ``wait``, ``database``.
"""

from typing import Dict

SLEEP = "sleep"
NETWORK = "network"
SUBPROCESS = "subprocess"
FILE = "file"
WAIT = "wait"
DATABASE = "database"

BLOCKING_CALLS: Dict[str, str] = {
    "time.sleep": SLEEP,
    "builtins.open": FILE,
    "io.open": FILE,
    "os.open": FILE,
    "os.listdir": FILE,
    "os.scandir": FILE,
    "os.walk": FILE,
    "os.stat": FILE,
    "os.remove": FILE,
    "os.unlink": FILE,
    "os.rename": FILE,
    "os.replace": FILE,
    "os.mkdir": FILE,
    "os.makedirs": FILE,
    "os.rmdir": FILE,
    "os.path.exists": FILE,
    "os.path.isfile": FILE,
    "os.path.isdir": FILE,
    "os.path.getsize": FILE,
    "os.path.getmtime": FILE,
    "shutil.copy": FILE,
    "shutil.copy2": FILE,
    "shutil.copyfile": FILE,
    "shutil.copytree": FILE,
    "shutil.rmtree": FILE,
    "shutil.move": FILE,
    "glob.glob": FILE,
    "glob.iglob": FILE,
}

_PATH_IO_METHODS = (
    "read_text", "read_bytes", "write_text", "write_bytes", "open", "exists",
    "is_file", "is_dir", "iterdir", "glob", "rglob", "stat", "lstat", "mkdir",
    "unlink", "rename", "replace", "rmdir", "touch", "resolve", "chmod",
    "samefile", "owner", "group", "readlink", "symlink_to", "hardlink_to",
    "is_symlink", "is_mount", "expanduser", "absolute", "walk",
)

BLOCKING_METHODS: Dict[str, str] = {
    f"pathlib.{cls}.{method}": FILE
    for cls in ("Path", "PosixPath", "WindowsPath")
    for method in _PATH_IO_METHODS
    if method not in ("expanduser", "absolute")
}

FACTORIES: Dict[str, str] = {}
