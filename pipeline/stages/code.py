"""The code stage: the project's modules each command runs, read from the source (every
import statement, those inside functions too), listed with their digests.

It writes one listing per command (`build/code/<command>.txt`): a stage's one code
dependency in dvc.yaml, so that an edit re-runs exactly the stages that run the module it
changes, and `dvc.lock` records a small file a stage rather than every module of every stage
(DVC reads and rewrites it once per stage it runs).
"""

import ast
import functools
import hashlib
from pathlib import Path

PACKAGES = ("pipeline", "schemas")
ROOT = Path(__file__).resolve().parents[2]


def module_path(name: str, root: Path = ROOT) -> Path | None:
    """The file of the project's module `name`, or None if it is no module of ours."""
    base = root.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if name.split(".")[0] in PACKAGES and path.is_file():
            return path
    return None


class Modules:
    """The project's modules under `root`, each file read and parsed once (a run lists
    every command's modules, which share most of them)."""

    def __init__(self, root: Path = ROOT):
        self.root = root
        self.tree = functools.cache(lambda path: ast.parse(path.read_text(encoding="utf-8")))
        self.has_code = functools.cache(self._has_code)
        self.imported = functools.cache(self._imported)

    def _has_code(self, path: Path) -> bool:
        """Whether the module holds more than a docstring (an empty package's __init__
        runs nothing)."""
        body = self.tree(path).body
        return any(
            not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)) for n in body
        )

    def _imported(self, path: Path) -> frozenset[Path]:
        """The files of the project's modules that the module at `path` imports."""
        names = set()
        for node in ast.walk(self.tree(path)):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        parents = {".".join(n.split(".")[:i]) for n in names for i in range(1, n.count(".") + 1)}
        found = (module_path(name, self.root) for name in names | parents)
        return frozenset(p for p in found if p and self.has_code(p))

    def closure(self, entry: Path) -> set[Path]:
        """`entry` and every project module it imports, directly or not."""
        found, todo = set(), [entry]
        while todo:
            path = todo.pop()
            if path not in found:
                found.add(path)
                todo.extend(self.imported(path))
        return found

    def listing(self, command: str) -> str:
        """The modules `abstracts COMMAND` runs (its module's closure), a line each: the
        file's BLAKE2b digest and its path, in path order."""
        lines = []
        for path in sorted(self.closure(self.root / "pipeline" / "commands" / f"{command}.py")):
            digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
            lines.append(f"{digest}  {path.relative_to(self.root).as_posix()}\n")
        return "".join(lines)


def run(out: Path, commands: list[str], root: Path = ROOT) -> list[Path]:
    """Write each command's listing to out/<command>.txt, leaving alone a file that
    already holds it; remove other listings. Return the listings' paths."""
    out.mkdir(parents=True, exist_ok=True)
    modules, written = Modules(root), []
    for command in commands:
        path, text = out / f"{command}.txt", modules.listing(command)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    for stale in set(out.glob("*.txt")) - set(written):
        stale.unlink()
    return written
