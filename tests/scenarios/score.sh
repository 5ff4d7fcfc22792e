#!/usr/bin/env bash
# Scores Warden's shipped default profiles (deploy/profiles: what a new user gets) on
# every detection scenario — the shared ones in ../shared/scenarios and Warden's own in
# tests/scenarios — with `wardenctl replay --score`, and writes the results into
# docs/DETECTION.md between <!-- scores:begin --> and <!-- scores:end -->.
#
#   tests/scenarios/score.sh              # build if needed, score, update the doc
#   tests/scenarios/score.sh --no-docs    # only print the tables
#   PROFILES=my/profiles tests/scenarios/score.sh --no-docs   # score other profiles
#
# Scoring rules: ../shared/scenarios/README.md (tools/scenario_score.h implements them).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
write_docs=true
[ "${1:-}" = "--no-docs" ] && write_docs=false

build_dir=${WARDEN_BUILD_DIR:-build}
profiles=${PROFILES:-deploy/profiles}
shared=${WARDEN_SHARED_SCENARIOS:-$root/../shared/scenarios}
jobs=${WARDEN_JOBS:-2}
doc=docs/DETECTION.md

# Build wardenctl if needed (a no-op when it is up to date).
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${WARDEN_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
fi
cmake --build "$build_dir" --target wardenctl -j"$jobs" >/dev/null
wardenctl=$root/$build_dir/tools/wardenctl

# Warden's own scenarios are generated deterministically; make any that are missing.
if ! ls tests/scenarios/*/events.jsonl.gz >/dev/null 2>&1; then
  /usr/bin/python3 tests/scenarios/generate.py
fi

dirs=()
for d in "$shared"/*/ tests/scenarios/*/; do
  [ -f "$d/scenario.json" ] && dirs+=("${d%/}")
done
[ ${#dirs[@]} -gt 0 ] || { echo "score: no scenarios found" >&2; exit 1; }

out=$(mktemp -d /tmp/warden-score-XXXXXX)
trap 'rm -rf "$out"' EXIT
echo "score: replaying ${#dirs[@]} scenarios with $profiles" >&2
# One replay per scenario, $jobs at a time; a failed one leaves its reason in NN.err.
i=0
for d in "${dirs[@]}"; do
  i=$((i + 1))
  n=$(printf '%02d' "$i")
  "$wardenctl" replay --output json --profiles "$profiles" --score "$d" \
    >"$out/$n.json" 2>"$out/$n.err" &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
done
wait || true

/usr/bin/python3 - "$out" "$doc" "$write_docs" "$profiles" "$shared" "${dirs[@]}" <<'PY'
import json, os, sys

out, doc, write_docs, profiles, shared = sys.argv[1:6]
dirs = sys.argv[6:]
rows, labels_rows, failed = [], [], []
for i, d in enumerate(dirs, 1):
    path = os.path.join(out, "%02d.json" % i)
    try:
        with open(path) as f:
            rows.append((d, json.load(f)))
    except (OSError, ValueError):
        err = os.path.join(out, "%02d.err" % i)
        failed.append((d, open(err).read().strip() if os.path.exists(err) else "no output"))
for d, reason in failed:
    print("score: %s: %s" % (d, reason), file=sys.stderr)
if failed:
    sys.exit(1)


def minutes(s):
    return "-" if s is None else "%.1f" % (s / 60)


def source(d):
    return "shared" if os.path.realpath(d).startswith(os.path.realpath(shared)) else "warden"


lines = [
    "| Scenario | Source | Devices | Device-days | Labels | Detected | Recall | "
    "False-alarm device-days | False alarms / 1,000 device-days | TTD p50 (min) | "
    "TTD max (min) |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]
tot = dict(labels=0, detected=0, dd=0.0, fa=0, ttd=[])
for d, s in rows:
    recall = "-" if s["recall"] is None else "%.2f" % s["recall"]
    lines.append("| %s | %s | %d | %.1f | %d | %d | %s | %d | %.1f | %s | %s |" % (
        s["scenario"], source(d), s["devices"], s["device_days"], s["labels"], s["detected"],
        recall, s["false_alarm_device_days"], s["false_alarms_per_1000_device_days"],
        minutes(s["time_to_detect_p50_s"]), minutes(s["time_to_detect_max_s"])))
    tot["labels"] += s["labels"]
    tot["detected"] += s["detected"]
    tot["dd"] += s["device_days"]
    tot["fa"] += s["false_alarm_device_days"]
    for r in s["results"]:
        if r["detected"]:
            tot["ttd"].append(r["time_to_detect_s"])
        labels_rows.append((s["scenario"], r))
ttd = sorted(tot["ttd"])
p50 = None
if ttd:
    n = len(ttd)
    p50 = ttd[n // 2] if n % 2 else (ttd[n // 2 - 1] + ttd[n // 2]) / 2
lines.append("| **all** | | | %.1f | %d | %d | %s | %d | %.1f | %s | %s |" % (
    tot["dd"], tot["labels"], tot["detected"],
    "%.2f" % (tot["detected"] / tot["labels"]) if tot["labels"] else "-", tot["fa"],
    1000 * tot["fa"] / tot["dd"] if tot["dd"] else 0, minutes(p50),
    minutes(ttd[-1] if ttd else None)))

per_label = [
    "| Scenario | Device | Attack | Detected by | Time to detect (min) |",
    "|---|---|---|---|---:|",
]
for name, r in labels_rows:
    by = "%s / %s (`%s`)" % (r["profile"], r["behaviour"], r["metric"]) if r["detected"] else "**missed**"
    per_label.append("| %s | %s | %s | %s | %s |" % (
        name, r["device"], r["attack"], by,
        minutes(r["time_to_detect_s"]) if r["detected"] else "-"))

false_alarms = []
for d, s in rows:
    for f in s["false_alarms"]:
        false_alarms.append("| %s | %s | %s | %s / %s |" % (
            s["scenario"], f["device"], f["time"], f["profile"], f["behaviour"]))

body = ["Profiles: `%s`. Produced by `tests/scenarios/score.sh`; do not edit by hand." % profiles,
        "", *lines, "", "Each label, and the first behaviour that raised an alarm in its window:",
        "", *per_label, ""]
if false_alarms:
    body += ["False alarms:", "", "| Scenario | Device | Time | Behaviour |",
             "|---|---|---|---|", *false_alarms, ""]
else:
    body += ["No false alarms.", ""]
text = "\n".join(body)
print(text)

if write_docs == "true":
    begin, end = "<!-- scores:begin -->", "<!-- scores:end -->"
    current = open(doc).read() if os.path.exists(doc) else "# Detection\n"
    block = "%s\n%s%s" % (begin, text, end)
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        tail = rest.split(end, 1)[1]
        updated = head + block + tail
    else:
        updated = current.rstrip("\n") + "\n\n## Scores\n\n" + block + "\n"
    with open(doc + ".tmp", "w") as f:
        f.write(updated)
    os.replace(doc + ".tmp", doc)
    print("score: wrote %s" % doc, file=sys.stderr)
PY
