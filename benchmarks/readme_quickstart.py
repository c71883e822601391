"""The README quick start, run as a newcomer would: every command of its block, as written, one after
another in a checkout (default: this one), each with its exit code and wall time; stops at the first
failure. Usage: `python benchmarks/readme_quickstart.py [CHECKOUT]` (the checkout's .venv/bin goes first
on PATH; about 8 minutes on the 2-core machine, most of it the Kim SST-2 comparison)."""

import os
import subprocess
import sys
import time


def commands(readme: str) -> list[str]:
    """The quick-start block's command lines: comments dropped, backslash continuations joined."""
    block = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    out, cur = [], ""
    for raw in block.splitlines():
        line = (raw.split("  #", 1)[0] if "  #" in raw else raw).rstrip()
        if not line.strip():
            continue
        if line.endswith("\\"):
            cur += line.rstrip("\\").rstrip() + " "
            continue
        out.append((cur + line.strip()).strip())
        cur = ""
    return out


def main() -> int:
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        cmds = commands(f.read())
    env = dict(os.environ, PATH=os.path.join(root, ".venv", "bin") + os.pathsep + os.environ["PATH"])
    for cmd in cmds:
        t = time.time()
        r = subprocess.run(cmd, shell=True, cwd=root, env=env, capture_output=True, text=True)
        print(f"[{r.returncode}] {time.time() - t:6.1f} s  {cmd}", flush=True)
        if r.returncode != 0:
            print(r.stdout[-2000:], r.stderr[-2000:])
            return 1
    print(f"all {len(cmds)} commands of the quick start succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
