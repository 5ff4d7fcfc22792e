#!/usr/bin/env python3
"""Runs a command and writes the CPU seconds it used (user + system, with its children).

    cputime.py OUT_FILE COMMAND [ARGS...]

Exits with the command's exit code (128 + N when a signal N ended it). SIGTERM/SIGINT
are passed on to the command.
"""
import os
import resource
import signal
import subprocess
import sys


def main():
    out, cmd = sys.argv[1], sys.argv[2:]
    child = subprocess.Popen(cmd)
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda signum, frame: child.send_signal(signum))
    rc = child.wait()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"{usage.ru_utime + usage.ru_stime:.2f}\n")
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main())
