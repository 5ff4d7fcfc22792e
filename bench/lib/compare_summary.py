#!/usr/bin/env python3
"""The table of bench/compare_prometheus.sh.

    compare_summary.py OUT_DIR DEVICES REPORT_EVERY SECONDS WARMUP LOADAVG_START LOADAVG_END CMD

Reads OUT_DIR/warden.json and OUT_DIR/prometheus-<interval>.json (one per scrape
interval), writes OUT_DIR/results.json and OUT_DIR/results.md and prints the table.
Detection latency is per misbehaving device whose misbehaviour both rule sets can see
(telnet: the risky-port list; exfiltration: the byte and packet thresholds): from the
device's first misbehaving report (or from the moment it started misbehaving) until
the first of its alerts was seen in the stack's Alertmanager.
"""
import glob
import json
import os
import platform
import statistics
import sys

DETECTABLE = {"telnet", "exfiltration"}  # c2 needs a CIDR rule PromQL cannot express
MIB = 2**20


def analyse(stack):
    kinds = stack["misbehaving"]
    starts = {s["device"]: s["first_report"] for s in stack["starts"]}
    expected = {d for d, k in kinds.items() if k in DETECTABLE}
    first = {}
    per_rule = {}
    false_positives = 0
    for a in stack["alerts"]:
        device, rule = a["device"], a["alertname"].replace("_", "-")
        if device not in kinds:
            false_positives += 1
            continue
        if device in starts:
            per_rule.setdefault(rule, []).append(a["first_seen"] - starts[device])
        if device not in first or a["first_seen"] < first[device]:
            first[device] = a["first_seen"]
    from_report = [first[d] - starts[d] for d in expected if d in first and d in starts]
    onset = stack.get("misbehave_at")
    from_onset = [first[d] - onset for d in expected if d in first and onset]
    rss_peak = stack["rss_peak_system_bytes"] + stack["rss_peak_alertmanager_bytes"]
    rss_end = stack["rss_end_system_bytes"] + stack["rss_end_alertmanager_bytes"]
    return {
        "rss_peak_mib": rss_peak / MIB,
        "rss_peak_system_mib": stack["rss_peak_system_bytes"] / MIB,
        "rss_end_mib": rss_end / MIB,
        "cpu_s": stack["cpu_system_s"] + stack["cpu_alertmanager_s"],
        "cpu_system_s": stack["cpu_system_s"],
        "wall_s": stack["wall_s"],
        "latency_report_median_s": statistics.median(from_report) if from_report else None,
        "latency_report_max_s": max(from_report) if from_report else None,
        "latency_onset_median_s": statistics.median(from_onset) if from_onset else None,
        "latency_onset_max_s": max(from_onset) if from_onset else None,
        "detected": len([d for d in expected if d in first]),
        "expected": len(expected),
        "false_positives": false_positives,
        "per_rule_median_s": {r: statistics.median(v) for r, v in sorted(per_rule.items())},
        "extra": stack.get("extra", {}),
    }


def num(v, digits=1):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"


def ratio(prom, warden):
    if prom is None or warden is None or warden <= 0:
        return None
    return prom / warden


def main():
    out, devices, report_every, seconds, warmup, la0, la1, cmd = sys.argv[1:9]
    warden = analyse(json.load(open(os.path.join(out, "warden.json"))))
    proms = []
    for path in sorted(glob.glob(os.path.join(out, "prometheus-*.json")),
                       key=lambda p: -int(p.rsplit("-", 1)[1].split(".")[0])):
        stack = json.load(open(path))
        proms.append((stack["interval_s"], analyse(stack)))

    rows = [
        ("RSS, peak (system + its Alertmanager)", "rss_peak_mib", "MiB", 0, ">= 20x less"),
        ("RSS, system alone, peak", "rss_peak_system_mib", "MiB", 0, None),
        ("RSS at the end", "rss_end_mib", "MiB", 0, None),
        ("CPU seconds over the run", "cpu_s", "s", 1, None),
        ("Detection: first misbehaving report -> alert in Alertmanager, median",
         "latency_report_median_s", "s", 3, ">= 30x faster"),
        ("  same, worst device", "latency_report_max_s", "s", 3, None),
        ("Detection: misbehaviour starts -> alert (incl. report cadence), median",
         "latency_onset_median_s", "s", 3, None),
        ("  same, worst device", "latency_onset_max_s", "s", 3, None),
    ]
    header = ["measure", "Warden"]
    for interval, _ in proms:
        header += [f"Prometheus {interval}s", "ratio"]
    header.append("target")
    table = []
    verdicts = {}
    for what, key, unit, digits, target in rows:
        row = [what, f"{num(warden[key], digits)} {unit}"]
        for interval, p in proms:
            r = ratio(p[key], warden[key])
            row += [f"{num(p[key], digits)} {unit}", "-" if r is None else f"{r:,.1f}x"]
            if target and r is not None:
                need = 20 if "20x" in target else 30
                verdicts[f"{key}@{interval}s"] = "PASS" if r >= need else "FAIL"
        row.append(target or "")
        table.append(row)
    row = ["Misbehaving devices detected (telnet + exfiltration)",
           f"{warden['detected']}/{warden['expected']}"]
    for _, p in proms:
        row += [f"{p['detected']}/{p['expected']}", ""]
    table.append(row + [""])
    row = ["False-positive alerts", str(warden["false_positives"])]
    for _, p in proms:
        row += [str(p["false_positives"]), ""]
    table.append(row + [""])

    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    for k, v in sorted(verdicts.items()):
        print(f"{k}: {v}")

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    meta = {
        "command": cmd, "devices": int(devices), "metrics_per_device": 8,
        "report_every_s": float(report_every), "seconds": int(seconds), "warmup_s": int(warmup),
        "loadavg_start": la0, "loadavg_end": la1, "cpu": cpu, "cores": os.cpu_count(),
        "mem_gib": round(mem / 1024 / 1024, 1), "kernel": platform.release(),
        "started_utc": os.path.basename(out).replace("compare-", ""),
    }
    json.dump({"meta": meta, "warden": warden,
               "prometheus": {str(i): p for i, p in proms}, "verdicts": verdicts},
              open(os.path.join(out, "results.json"), "w"), indent=2)
    md = [f"# bench/compare_prometheus.sh results, {meta['started_utc']}", "",
          f"- command: `{cmd}`",
          f"- fleet: {devices} devices x 8 metrics, each device reporting every {report_every} s; "
          f"misbehaviour starts {warmup} s into each {seconds} s run",
          f"- machine: {cpu}, {os.cpu_count()} cores, {meta['mem_gib']} GiB, {platform.release()}",
          f"- load average at start: {la0}; at end: {la1}", "",
          "| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    md += ["| " + " | ".join(r) + " |" for r in table]
    md.append("")
    for interval, p in proms:
        e = p["extra"]
        md.append(f"Prometheus {interval}s: head series {num(e.get('head_series'), 0)}, "
                  f"samples per scrape {num(e.get('scrape_samples'), 0)}, slowest scrape "
                  f"{num(e.get('scrape_duration_max_s'), 2)} s, failed scrapes "
                  f"{num(e.get('scrapes_failed'), 0)}, last rule evaluation "
                  f"{num(e.get('rule_eval_duration_last_s'), 2)} s; per-rule median latency "
                  + ", ".join(f"{r} {v:.2f} s" for r, v in p["per_rule_median_s"].items()))
    md.append(f"Load generator CPU seconds (not counted, but on the same cores): Warden's "
              f"(streaming) {num(warden['extra'].get('loadgen_cpu_s'))} s; " + "; ".join(
                  f"Prometheus {i}s exporter {num(p['extra'].get('loadgen_cpu_s'))} s"
                  for i, p in proms) + ".")
    md.append("Warden: per-rule median latency " + ", ".join(
        f"{r} {v:.3f} s" for r, v in warden["per_rule_median_s"].items()))
    md.append("")
    open(os.path.join(out, "results.md"), "w").write("\n".join(md))


if __name__ == "__main__":
    main()
