#!/usr/bin/env python3
"""Reads warden-loadgen's output and prints its final tally as one JSON object.

    loadgen_result.py LOADGEN_OUTPUT [KEY=VALUE ...]

The last line warden-loadgen prints is
  [total 20.0s] 49000.1 acks/s, sent 980000, accepted 979000, duplicate 0, rejected 10
  (ResourceExhausted 10); ack latency ms p50 1.21 p99 4.52 max 12.30; from schedule ms
  p50 1.25 p99 5.10 max 14.02
which becomes {"elapsed_s": 20.0, "acks_per_s": 49000.1, "sent": 980000, "accepted": ...,
"accepted_per_s": ..., "sent_per_s": ..., "rejected": {"ResourceExhausted": 10},
"rejected_total": 10, "p50_ms": 1.21, "p99_ms": 4.52, "max_ms": 12.3, "sched_p50_ms": 1.25,
"sched_p99_ms": 5.1, "sched_max_ms": 14.02} (the "from schedule" part, absent from older
load generators' output, only when it is there). KEY=VALUE pairs
are added as they are (numbers when they parse). Exit 1 when there is no total line.
"""
import json
import re
import sys

TOTAL = re.compile(
    r"\[total (?P<elapsed>[\d.]+)s\] (?P<acks>[\d.]+) acks/s, sent (?P<sent>\d+), "
    r"accepted (?P<accepted>\d+), duplicate (?P<duplicate>\d+), rejected (?P<rejected>\d+)"
    r"(?: \((?P<codes>[^)]*)\))?; ack latency ms p50 (?P<p50>[\d.]+) p99 (?P<p99>[\d.]+) "
    r"max (?P<max>[\d.]+)"
    r"(?:; from schedule ms p50 (?P<sp50>[\d.]+) p99 (?P<sp99>[\d.]+) max (?P<smax>[\d.]+))?")


def parse(text):
    found = None
    for line in text.splitlines():
        m = TOTAL.search(line)
        if m:
            found = m
    if found is None:
        return None
    m = found
    elapsed = float(m["elapsed"])
    codes = {}
    if m["codes"]:
        for part in m["codes"].split(", "):
            name, _, count = part.rpartition(" ")
            codes[name] = int(count)
    out = {
        "elapsed_s": elapsed,
        "acks_per_s": float(m["acks"]),
        "sent": int(m["sent"]),
        "accepted": int(m["accepted"]),
        "duplicate": int(m["duplicate"]),
        "rejected_total": int(m["rejected"]),
        "rejected": codes,
        "p50_ms": float(m["p50"]),
        "p99_ms": float(m["p99"]),
        "max_ms": float(m["max"]),
    }
    if m["sp99"] is not None:
        out["sched_p50_ms"] = float(m["sp50"])
        out["sched_p99_ms"] = float(m["sp99"])
        out["sched_max_ms"] = float(m["smax"])
    out["accepted_per_s"] = round(out["accepted"] / elapsed, 1) if elapsed > 0 else 0.0
    out["sent_per_s"] = round(out["sent"] / elapsed, 1) if elapsed > 0 else 0.0
    return out


def main():
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        result = parse(f.read())
    if result is None:
        print(f"loadgen_result: no total line in {sys.argv[1]}", file=sys.stderr)
        return 1
    for pair in sys.argv[2:]:
        key, _, value = pair.partition("=")
        try:
            result[key] = float(value) if "." in value or "e" in value else int(value)
        except ValueError:
            result[key] = value
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
