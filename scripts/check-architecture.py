#!/usr/bin/env python3
"""ARCHITECTURE.md's table of crate dependencies against `cargo metadata`.

The table lists each workspace crate with the workspace crates it depends on (normal
dependencies; dev-dependencies are left out). Any difference, either way, fails with the lines
to change.
"""

import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\|\s*`(riposte[\w-]*)`\s*\|\s*`crates/[\w-]+`\s*\|\s*([^|]*)\|")


def documented():
    """{crate: {dependencies}} from the table's rows: | `crate` | `path` | `dep`, `dep` | owns |"""
    table = {}
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        match = ROW.match(line)
        if match:
            crate, deps = match.groups()
            if crate in table:
                sys.exit(f"ARCHITECTURE.md:{number}: `{crate}` has a second row")
            table[crate] = set(re.findall(r"`(riposte[\w-]*)`", deps))
    return table


def actual():
    """{crate: {dependencies}} of the workspace's library and binary crates."""
    metadata = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps", "--offline"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    members = {p["name"] for p in metadata["packages"]}
    graph = {}
    for package in metadata["packages"]:
        if not package["manifest_path"].startswith(str(ROOT / "crates")):
            continue
        graph[package["name"]] = {
            d["name"] for d in package["dependencies"] if d["name"] in members and d.get("kind") is None
        }
    return graph


def main():
    said, real = documented(), actual()
    problems = []
    for crate in sorted(real.keys() - said.keys()):
        problems.append(f"`{crate}` has no row; it depends on {sorted(real[crate]) or 'no workspace crate'}")
    for crate in sorted(said.keys() - real.keys()):
        problems.append(f"`{crate}` has a row but is no crate of the workspace")
    for crate in sorted(said.keys() & real.keys()):
        for missing in sorted(real[crate] - said[crate]):
            problems.append(f"`{crate}` depends on `{missing}`, which its row does not say")
        for extra in sorted(said[crate] - real[crate]):
            problems.append(f"`{crate}`'s row says it depends on `{extra}`, which it does not")
    if problems:
        print("ARCHITECTURE.md disagrees with cargo metadata:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        sys.exit(1)
    print(f"ARCHITECTURE.md: the dependencies of {len(real)} crates match cargo metadata")


if __name__ == "__main__":
    main()
