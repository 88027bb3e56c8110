"""scripts/campaign.py: what the bad-input campaigns share (mutate-configs.py,
boundary-keys.py): one tessera command with a time limit, and its outcome."""
import os
import shutil
import subprocess

WORDS = {0: "ok", 1: "bad-command-line", 2: "bad-input", 3: "failed", 4: "deadlock"}


def tessera(binary, args, timeout, cwd):
    """Runs tessera: (outcome word, tail of stderr). "crash" if killed by a
    signal or stderr holds a sanitizer report; "time limit" past timeout."""
    try:
        p = subprocess.run([binary] + args, cwd=cwd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "time limit", ""
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode < 0 or "Sanitizer" in err or "runtime error:" in err:
        return "crash", err[-2000:]
    return WORDS.get(p.returncode, "exit %d" % p.returncode), err[-400:]


def parse_args(ap, root, work_name):
    """Adds the options both campaigns take (-j, --timeout, --tessera, --work),
    parses, and empties the work folder (root/out/work_name by default)."""
    ap.add_argument("-j", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--tessera", default=os.path.join(root, "build/asan/tessera"))
    ap.add_argument("--work", default=os.path.join(root, "out", work_name))
    a = ap.parse_args()
    a.tessera = os.path.abspath(a.tessera)
    a.work = os.path.abspath(a.work)
    shutil.rmtree(a.work, ignore_errors=True)
    return a
