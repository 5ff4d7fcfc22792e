#!/usr/bin/env python3
"""What a Prometheus histogram recorded between two scrapes of a /metrics page.

    histogram_delta.py NAME BEFORE.txt AFTER.txt

Sums the series of NAME over every label but `le`, subtracts BEFORE from AFTER and prints
{"count": n, "mean_s": ..., "p50_le_s": ..., "p99_le_s": ..., "max_le_s": ...}: the
quantiles are the upper bound of the bucket holding them, as precise as the histogram's
buckets allow; above the last finite bucket they are the string ">B" (B that bound).
"""
import json
import math
import re
import sys

LINE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})? (?P<value>\S+)')


def read(path, name):
    buckets, count, total = {}, 0.0, 0.0
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            value = float(m["value"])
            if m["name"] == name + "_bucket":
                le = re.search(r'le="([^"]+)"', m["labels"] or "").group(1)
                bound = math.inf if le == "+Inf" else float(le)
                buckets[bound] = buckets.get(bound, 0.0) + value
            elif m["name"] == name + "_count":
                count += value
            elif m["name"] == name + "_sum":
                total += value
    return buckets, count, total


def main():
    name, before, after = sys.argv[1:4]
    b0, c0, s0 = read(before, name)
    b1, c1, s1 = read(after, name)
    count = c1 - c0
    cumulative = sorted((le, n - b0.get(le, 0.0)) for le, n in b1.items())

    finite = [le for le, _ in cumulative if not math.isinf(le)]

    def quantile(q):
        if count <= 0:
            return None
        for le, n in cumulative:
            if n >= q * count:
                return f">{finite[-1]:g}" if math.isinf(le) and finite else le
        return None

    print(json.dumps({
        "count": int(count),
        "mean_s": (s1 - s0) / count if count > 0 else None,
        "p50_le_s": quantile(0.5),
        "p99_le_s": quantile(0.99),
        "max_le_s": quantile(1.0),
    }))


if __name__ == "__main__":
    main()
