"""Keep files generated from the contracts in step with the code: rewrite them, or name the stale ones."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stale(expected: dict[Path, str], owned: Iterable[Path]) -> list[Path]:
    """Files that differ from what the code generates, are missing, or are no longer generated."""
    differing = [p for p, text in expected.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    leftover = [p for p in owned if p not in expected]
    return sorted(differing + leftover)


def write(expected: dict[Path, str], owned: Iterable[Path]) -> list[Path]:
    """Bring the files in step with the code; returns the ones changed or removed."""
    changed = stale(expected, owned)
    for path in changed:
        if path in expected:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(expected[path], encoding="utf-8")
        else:
            path.unlink()
    return changed


def main(
    argv: list[str] | None,
    *,
    what: str,
    command: str,
    generate: Callable[[], dict[Path, str]],
    owned: Callable[[], Iterable[Path]],
) -> int:
    """Command line of a generator: `--write` regenerates, `--check` exits 1 naming stale files."""
    parser = argparse.ArgumentParser(prog=f"python -m {command}", description=f"Generate {what} from the contracts.")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite the checked-in files")
    mode.add_argument("--check", action="store_true", help="exit 1 if the checked-in files differ from the code")
    args = parser.parse_args(argv)
    if args.write:
        for path in write(generate(), owned()):
            print(f"{'wrote' if path.exists() else 'removed'} {_shown(path)}")
        return 0
    found = stale(generate(), owned())
    for path in found:
        print(f"stale: {_shown(path)}", file=sys.stderr)
    if found:
        print(f"out of date; regenerate with: python -m {command} --write", file=sys.stderr)
    return 1 if found else 0


def _shown(path: Path) -> str:
    """A path relative to the repository when it lies inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
