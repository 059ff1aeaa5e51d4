"""The one error type of the build: it says where (file, line, field) and what is wrong."""
from pathlib import Path


class BuildError(Exception):
    def __init__(self, path, line, field, message):
        self.path, self.line, self.field, self.message = Path(path), line, field, message
        where = f"{shown(self.path)}" + (f":{line}" if line else "") + (f": field {field!r}" if field else "")
        super().__init__(f"{where}: {message}")


def shown(path: Path) -> str:
    """The path relative to the working directory when it lies below it (shorter to read)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
