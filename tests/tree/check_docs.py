#!/usr/bin/env python3
"""tests/tree/check_docs.py ROOT: every path the docs name exists.

Reads README.md, docs/*.md and results/README.md. Fails (naming file and
line) on: a relative Markdown link whose target does not exist; a path in
backquotes under one of the tree's folders (sim/, noc/, nic/, stack/,
workloads/, configs/, scripts/, docs/, tests/, bench/, results/) that does
not exist (`a.[ch]` and `a.{h,c}` are expanded; names with * or <...> are
patterns and skipped); a build folder other than build/release and
build/asan (and build/cost, build/pgo: a benchmark's and the profile's); a reference to ../shared (the project's design notes are not in
a user's clone: cite sources by name). Standard library only."""
import os
import re
import sys

ROOTS = ("sim", "noc", "nic", "stack", "workloads", "configs", "scripts", "docs", "tests",
         "bench", "results")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`]+)`")


def expand(path):
    m = re.search(r"\[([a-z]+)\]", path)
    if m:
        return [x for c in m.group(1) for x in expand(path[:m.start()] + c + path[m.end():])]
    m = re.search(r"\{([^}]+)\}", path)
    if m:
        return [x for c in m.group(1).split(",") for x in expand(path[:m.start()] + c + path[m.end():])]
    return [path]


def main():
    root = sys.argv[1]
    docs = ["README.md", "results/README.md"] + sorted(
        os.path.join("docs", f) for f in os.listdir(os.path.join(root, "docs")) if f.endswith(".md"))
    errors = []
    for doc in docs:
        base = os.path.dirname(doc)
        in_fence = False
        with open(os.path.join(root, doc), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.startswith("```"):
                    in_fence = not in_fence
                if "../shared" in line:
                    errors.append(f"{doc}:{n}: names ../shared (not in a user's clone; cite the "
                                  "source by name)")
                for m in LINK.finditer(line):
                    t = m.group(1).split("#")[0]
                    if not t or re.match(r"[a-z]+:", t):
                        continue
                    if not os.path.exists(os.path.normpath(os.path.join(root, base, t))):
                        errors.append(f"{doc}:{n}: link to {t}, which does not exist")
                words = [m.group(1) for m in CODE.finditer(line)]
                if in_fence:
                    words += line.split()
                for w in words:
                    for tok in w.split():
                        tok = tok.strip(",;:()'\"")
                        bm = re.match(r"build/([^/\s]+)", tok)
                        # (build/cost: bench/chip_http_cost.sh's own build;
                        # build/pgo: scripts/pgo.sh's profile and its build)
                        if bm and bm.group(1) not in ("release", "asan", "cost", "pgo", "<type>"):
                            errors.append(f"{doc}:{n}: {tok}: the build folders are build/release "
                                          "and build/asan (and bench/chip_http_cost.sh's "
                                          "build/cost, scripts/pgo.sh's build/pgo)")
                        if "/" not in tok or tok.split("/")[0] not in ROOTS:
                            continue
                        if re.search(r"[*<>]|\.\.\.|XXX|NNN", tok):
                            continue
                        tok = tok.rstrip(".")
                        if not any(os.path.exists(os.path.join(root, p)) or
                                   os.path.exists(os.path.join(root, base, p)) for p in expand(tok)):
                            errors.append(f"{doc}:{n}: {tok} does not exist")
    for e in errors:
        print(e)
    print(f"check_docs: {len(docs)} files, {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
