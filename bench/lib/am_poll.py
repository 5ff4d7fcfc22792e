#!/usr/bin/env python3
"""Polls an Alertmanager and records when each alert first became visible.

    am_poll.py ALERTMANAGER_URL OUT.json [INTERVAL_SECONDS]

Every INTERVAL (default 0.025 s) GETs /api/v2/alerts and, for each (alertname, device)
not seen before, records the wall-clock time of the poll that first saw it. OUT.json is
rewritten (atomically) whenever something new appears:
  {"alerts": [{"alertname": ..., "device": ..., "first_seen": 1732634000.123,
               "starts_at": "..."}], "polls": n, "errors": n}
Runs until SIGTERM/SIGINT.
"""
import json
import os
import signal
import sys
import time
import urllib.request

stop = False


def on_signal(signum, frame):
    global stop
    stop = True


def main():
    url, out = sys.argv[1], sys.argv[2]
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.025
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    seen, alerts, polls, errors = set(), [], 0, 0

    def write():
        tmp = out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"alerts": alerts, "polls": polls, "errors": errors}, f)
        os.replace(tmp, out)

    write()
    while not stop:
        t0 = time.time()
        try:
            with urllib.request.urlopen(url + "/api/v2/alerts", timeout=5) as r:
                body = json.load(r)
            now = time.time()
            polls += 1
            fresh = False
            for a in body:
                labels = a.get("labels", {})
                key = (labels.get("alertname", ""), labels.get("device", ""))
                if key in seen:
                    continue
                seen.add(key)
                fresh = True
                alerts.append({"alertname": key[0], "device": key[1], "first_seen": now,
                               "poll_started": t0, "starts_at": a.get("startsAt")})
            if fresh or polls % 200 == 0:
                write()
        except Exception:  # Alertmanager busy or restarting: try again
            errors += 1
        time.sleep(max(0.0, interval - (time.time() - t0)))
    write()


if __name__ == "__main__":
    main()
