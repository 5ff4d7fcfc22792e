#!/usr/bin/env python3
"""Turns bench/run.sh's raw measurements into one table.

    summarize.py OUT_DIR

Reads OUT_DIR/measures.jsonl ({"measure", "run", "value"} per line, value null when a run
produced none), OUT_DIR/meta.json and OUT_DIR/runs.jsonl (every scenario run's details);
writes OUT_DIR/results.json and OUT_DIR/results.md and prints the table.
"""
import json
import os
import sys

# key, what, unit, comparison, target (None: informational), digits
MEASURES = [
    ("stream_wal", "Streaming ingest, WAL-durable acks, saturated", "reports/s", ">=", 150000, 0),
    ("stream_batch", "Streaming ingest, batches of 100 reports per message, WAL-durable acks",
     "reports/s", ">=", 150000, 0),
    ("stream_fsync", "Streaming ingest, fsync group commit, saturated", "reports/s", ">=", 80000, 0),
    ("stream_batch_fsync", "Streaming ingest, batches of 100, fsync group commit", "reports/s",
     ">=", 80000, 0),
    ("unary", "Unary ingest (one RPC per report, many in flight)", "reports/s", ">=", 25000, 0),
    ("p99_40k", "p99 ack latency, streaming at 40,000 reports/s", "ms", "<=", 3, 2),
    ("rate_40k", "  achieved rate in that run", "reports/s", ">=", 40000 * 0.98, 0),
    ("p99_40k_batch10", "  the same in batches of 10 reports per message", "ms", None, None, 2),
    ("p99_40k_sched", "  p99 at 40,000/s counted from the schedule (late sends included)", "ms",
     None, None, 2),
    ("p99_40k_batch10_sched", "  the same in batches of 10", "ms", None, None, 2),
    ("p99_half", "p99 ack latency, streaming at half the measured capacity", "ms", None, None, 2),
    ("rate_half", "  achieved rate in that run", "reports/s", None, None, 0),
    ("alert_p99", "Report -> alert accepted by Alertmanager, p99 (bucket bound)", "s", "<=", 1, 4),
    ("bytes_per_device", "RAM per tracked device ({mem} devices, RSS delta after ingest)", "B",
     "<=", 300, 0),
    ("bytes_per_device_restart", "  same, right after a restart (states load on first report)",
     "B", None, None, 0),
    ("rss_1m", "RSS with {mem} devices (peak)", "MiB", "<=", 1024, 0),
    ("restart_1m", "Restart with {mem} devices until serving", "s", "<=", 5, 2),
    ("fleet_10m_rate", "10M devices, one report per device per 5 min (batches of 100): sustained rate",
     "reports/s", ">=", 33333 * 0.98, 0),
    ("fleet_10m_p99", "  p99 ack latency in that run", "ms", None, None, 0),
    ("fleet_10m_rss", "  peak RSS (hot state)", "MiB", "<=", 3072, 0),
    ("fleet_10m_restart", "  restart with 10M devices until serving", "s", "<=", 5, 2),
    ("overload_offered", "Overload: offered rate (2x streaming capacity, 160 streams)", "reports/s",
     None, None, 0),
    ("overload_accepted", "Overload: accepted rate", "reports/s", None, None, 0),
    ("overload_shed", "Overload: reports shed with RESOURCE_EXHAUSTED", "reports", ">", 0, 0),
    ("overload_rss", "Overload: peak RSS", "MiB", "<=", 1024, 0),
    ("overload_p99", "Overload: p99 send -> ack (client side)", "ms", "<=", 100, 0),
    ("overload_server_p99", "Overload: p99 arrival -> ack (server side, bucket bound)", "ms", None,
     None, 0),
    ("cpu_us_per_report", "wardend CPU per report, saturated streaming", "us", None, None, 1),
    ("loadgen_cpu_us_per_report", "warden-loadgen CPU per report, saturated streaming", "us", None,
     None, 1),
    ("batch_cpu_us_per_report", "wardend CPU per report, batches of 100", "us", None, None, 1),
    ("batch_loadgen_cpu_us_per_report", "warden-loadgen CPU per report, batches of 100", "us",
     None, None, 1),
    ("unary_cpu_us_per_report", "wardend CPU per report, unary", "us", None, None, 1),
    ("fleet_10m_cpu_us_per_report", "wardend CPU per report, 10M devices", "us", None, None, 1),
    ("fleet_10m_loadgen_cpu_us_per_report", "warden-loadgen CPU per report, 10M devices", "us",
     None, None, 1),
    ("unary_loadgen_cpu_us_per_report", "warden-loadgen CPU per report, unary", "us", None, None,
     1),
    ("floor_stream", "gRPC floor (warden-grpc-floor: acks as read, nothing behind): one report "
     "per message, saturated", "reports/s", None, None, 0),
    ("floor_batch", "  gRPC floor, batches of 100, saturated", "reports/s", None, None, 0),
    ("floor_p99_40k", "  gRPC floor, p99 ack latency at 40,000 reports/s", "ms", None, None, 2),
    ("floor_p99_40k_batch10", "  gRPC floor, the same in batches of 10", "ms", None, None, 2),
    ("floor_p99_40k_sched", "  gRPC floor, p99 at 40,000/s counted from the schedule", "ms", None,
     None, 2),
    ("floor_p99_40k_batch10_sched", "  gRPC floor, the same in batches of 10", "ms", None, None,
     2),
    ("floor_cpu_us_per_report", "  gRPC floor server / loadgen CPU per report, saturated: server",
     "us", None, None, 1),
    ("floor_loadgen_cpu_us_per_report", "  ... loadgen", "us", None, None, 1),
    ("floor_batch_cpu_us_per_report", "  the same in batches of 100: server", "us", None, None, 1),
    ("floor_batch_loadgen_cpu_us_per_report", "  ... loadgen", "us", None, None, 1),
    ("floor_40k_cpu_us_per_report", "  the same at 40,000/s one per message: server", "us", None,
     None, 1),
    ("floor_40k_loadgen_cpu_us_per_report", "  ... loadgen", "us", None, None, 1),
    ("micro_apply_report", "Microbenchmark BM_ApplyReport/0 (evaluation only)", "us", None, None,
     2),
]


def numeric(value):
    """A value for ordering: ">B" (past the histogram's last bucket) sorts just above B."""
    if isinstance(value, str) and value.startswith(">"):
        return float(value[1:]) * (1 + 1e-9)
    return value


def fmt(value, digits):
    if value is None:
        return "-"
    if isinstance(value, str) and value.startswith(">"):
        return ">" + fmt(float(value[1:]), digits)
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def verdict(op, target, value):
    if target is None or value is None:
        return "info" if target is None else "n/a"
    value = numeric(value)
    ok = {">=": value >= target, "<=": value <= target, ">": value > target}[op]
    return "PASS" if ok else "FAIL"


def main():
    out = sys.argv[1]
    values = {}
    with open(os.path.join(out, "measures.jsonl"), encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            values.setdefault(r["measure"], []).append(r["value"])
    with open(os.path.join(out, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    runs = []
    if os.path.exists(os.path.join(out, "runs.jsonl")):
        with open(os.path.join(out, "runs.jsonl"), encoding="utf-8") as f:
            runs = [json.loads(line) for line in f]

    n = meta.get("memory_devices", 1000000)
    mem = "1M" if n == 1000000 else f"{n:,}"
    rows = []
    for key, what, unit, op, target, digits in MEASURES:
        what = what.format(mem=mem)
        got = values.get(key)
        if got is None:
            continue
        present = sorted((v for v in got if v is not None), key=numeric)
        # The median run (the lower middle one for an even count), as measured.
        median = present[(len(present) - 1) // 2] if present else None
        rows.append({
            "measure": key,
            "what": what,
            "unit": unit,
            "target": None if target is None else f"{op} {fmt(target, digits)}",
            "target_value": target,
            "comparison": op,
            "median": median,
            "runs": got,
            "verdict": verdict(op, target, median),
            "digits": digits,
        })

    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "results": rows, "runs": runs}, f, indent=2)

    header = ["measure", "target", "median", "runs", "result"]
    table = []
    for r in rows:
        table.append([
            r["what"],
            (r["target"] or "-") + ("" if r["target"] is None else f" {r['unit']}"),
            f"{fmt(r['median'], r['digits'])} {r['unit']}",
            ", ".join(fmt(v, r["digits"]) for v in r["runs"]),
            r["verdict"],
        ])
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))

    md = [f"# bench/run.sh results, {meta.get('started_utc', '')}", ""]
    md.append(f"- command: `{meta.get('command', '')}`")
    commit = str(meta.get("commit", "")).rstrip("+")
    md.append(f"- commit: `{commit}`{' plus local changes' if meta.get('dirty') else ''}"
              + (f" ({meta['note']})" if meta.get("note") else ""))

    def loadavg(v):
        return " ".join(v) if isinstance(v, list) else str(v)

    md.append(f"- machine: {meta.get('cpu', '')}, {meta.get('cores', '')} cores, "
              f"{meta.get('mem_gib', '')} GiB RAM, {meta.get('kernel', '')}")
    md.append(f"- load average (1, 5, 15 min) at start: {loadavg(meta.get('loadavg_start', ''))}; "
              f"at end: {loadavg(meta.get('loadavg_end', ''))}")
    md.append(f"- runs per scenario: {meta.get('runs', '')}; scenario length: "
              f"{meta.get('duration_s', '')} s; fleet: {meta.get('devices', '')} devices")
    md.append("")
    md.append("| " + " | ".join(header) + " |")
    md.append("|" + "|".join("---" for _ in header) + "|")
    for row in table:
        md.append("| " + " | ".join(row) + " |")
    md.append("")
    with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
