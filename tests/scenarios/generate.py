#!/usr/bin/python3
"""Writes Warden's own detection scenarios, deterministically.

The format is ../shared/scenarios/README.md (scenario.json, events.jsonl.gz,
labels.json). The fleet mimics the shared auth-brute-force scenario: cameras,
thermostats and gateways reporting every 300 s on the same addresses, ports, topics
and traffic shape (per-device levels, log-normal noise, a day/night cycle, rare
bursts), plus broker events (connects, ~1 publish a minute, rare config deliveries,
rare reconnects). Each scenario then adds one kind of attack on a few devices and
labels it; `clean-fleet` adds none, over several days, and must not alarm.

    tests/scenarios/generate.py                   # every scenario into tests/scenarios/
    tests/scenarios/generate.py --out DIR smoke   # only `smoke` (a tiny one for tests)

Same arguments, same bytes: randomness comes from a seed per scenario name, and the
gzip header carries no time or file name. Standard library only.
"""

import argparse
import gzip
import hashlib
import io
import json
import math
import os
import random
import sys

INTERVAL = 300
DAY = 86400

# The lists a security team keeps, by their conventional names (the same values as the
# shared scenarios).
LISTS = {
    "vendor-cloud": {"type": "cidr", "values": ["192.0.2.0/24"]},
    "threat-intel-deny": {"type": "cidr", "values": ["203.0.113.0/24", "198.51.100.0/24"]},
    "fleet-egress": {"type": "cidr", "values": ["198.18.0.0/16"]},
    "risky-ports": {"type": "port", "values": [23, 2323, 4444, 5555, 6667, 31337]},
}

CLASSES = {
    # group, name prefix, device-to-device spread of the median bytes_out, per-report
    # noise (log scale), day/night amplitude (log scale), publishes per 5 minutes.
    "camera": dict(group="cameras", prefix="cam", median=45e6, device_sigma=0.5,
                   noise=0.36, diurnal=0.12, publish=(4, 7), msg_bytes=(200, 1900),
                   iface="eth0", topics=("telemetry", "events")),
    "thermostat": dict(group="thermostats", prefix="thermo", median=50e3, device_sigma=0.35,
                       noise=0.32, diurnal=0.02, publish=(2, 5), msg_bytes=(200, 680),
                       iface="wlan0", topics=("telemetry",)),
    "gateway": dict(group="gateways", prefix="gw", median=12e6, device_sigma=0.6,
                    noise=0.3, diurnal=0.15, publish=(5, 10), msg_bytes=(500, 2000),
                    iface="eth0", topics=("telemetry",)),
}


class Device:
    """One simulated device: its inventory entry and what it normally does."""

    def __init__(self, rng, cls, index, site):
        c = CLASSES[cls]
        self.cls = cls
        self.c = c
        self.name = "%s-%04d" % (c["prefix"], index)
        self.site = site
        self.groups = [c["group"]]
        if cls == "camera":
            model = rng.choice(["CAM-X310", "CAM-X200"])
            firmware = "3.1.0" if model == "CAM-X310" else "2.4.1"
        elif cls == "thermostat":
            model, firmware = rng.choice([("TH-200", "1.8.2"), ("TH-300", "2.0.1")])
        else:
            model, firmware = "GW-9", rng.choice(["5.2.0", "5.3.1"])
        self.attributes = {"class": cls, "model": model, "firmware": firmware,
                           "site": "site-%02d" % site}
        self.source_ip = "198.18.%d.%d" % (site, rng.randint(10, 13))
        self.cert = hashlib.sha256(("cert:" + self.name).encode()).hexdigest()
        self.bytes_out = min(max(rng.lognormvariate(math.log(c["median"]), c["device_sigma"]),
                                 c["median"] / 3), c["median"] * 5)
        if cls == "camera":
            self.in_ratio = rng.uniform(0.025, 0.045)
            self.bytes_per_packet = (rng.uniform(1250, 1400), rng.uniform(65, 75))
            self.tcp_ports, self.udp_ports = [443, 554], [3702]
        elif cls == "thermostat":
            self.in_ratio = rng.uniform(0.7, 0.95)
            self.bytes_per_packet = (rng.uniform(150, 170), rng.uniform(140, 160))
            self.tcp_ports = [22] if rng.random() < 0.15 else []
            self.udp_ports = [5353] if rng.random() < 0.5 else []
        else:
            self.in_ratio = rng.uniform(0.8, 1.05)
            self.bytes_per_packet = (rng.uniform(650, 750), rng.uniform(550, 650))
            self.tcp_ports = [22, 1883] + ([8080] if rng.random() < 0.7 else [])
            self.udp_ports = [67, 5353]
            self.cpu = rng.uniform(15, 28)
            self.local = [("10.1%d.%d.%d" % (site, rng.randint(1, 4), rng.randint(2, 250)),
                           rng.randint(32768, 60999)) for _ in range(rng.randint(12, 26))]
        # The day/night cycle peaks at a site-dependent UTC hour.
        self.peak_hour = (17 + site * 1.5) % 24
        self.offset = rng.uniform(0, INTERVAL)  # when in each interval it reports
        self.cloud_extra = []  # 192.0.2.x:443 sessions besides the broker's
        self.publish = c["publish"]


def fleet(rng, cameras, thermostats, gateways, sites=5):
    devices = []
    for cls, n in (("camera", cameras), ("thermostat", thermostats), ("gateway", gateways)):
        for i in range(1, n + 1):
            devices.append(Device(rng, cls, i, rng.randint(1, sites)))
    return devices


class Attack:
    """What an attack changes on one device from `start` to `end` (epoch seconds)."""

    kind = "attack"
    signals = []

    def __init__(self, device, start, end, **params):
        self.device, self.start, self.end, self.p = device, start, end, params

    def active(self, t):
        return self.start <= t < self.end

    def label(self):
        return {"device": self.device.name, "attack": self.kind, "start": int(self.start),
                "end": int(self.end), "signals": self.signals}

    # Hooks, each a no-op unless the attack changes that part.
    def traffic(self, t, bo, bi, po, pi):
        return bo, bi, po, pi

    def tcp_ports(self, t, ports):
        return ports

    def connections(self, t, conns):
        return conns

    def broker_events(self, rng):
        return []

    def silent(self, t):
        return False


class Exfiltration(Attack):
    kind = "exfiltration"
    signals = ["aws:all-bytes-out", "aws:all-packets-out"]

    def traffic(self, t, bo, bi, po, pi):
        if not self.active(t):
            return bo, bi, po, pi
        f = self.p["factor"]
        return bo * f, bi * 1.3, po * f, pi * 1.5


class SlowRamp(Attack):
    """bytes_out grows geometrically to `factor` over `ramp` seconds, then holds."""
    kind = "exfiltration-slow-ramp"
    signals = ["aws:all-bytes-out", "aws:all-packets-out"]

    def traffic(self, t, bo, bi, po, pi):
        if not self.active(t):
            return bo, bi, po, pi
        f = self.p["factor"] ** min(1.0, (t - self.start) / self.p["ramp"])
        return bo * f, bi * (1 + (f - 1) * 0.02), po * f, pi * (1 + (f - 1) * 0.05)


class Backdoor(Attack):
    kind = "backdoor-port"
    signals = ["aws:listening-tcp-ports", "aws:num-listening-tcp-ports"]

    def tcp_ports(self, t, ports):
        return sorted(set(ports) | {self.p["port"]}) if self.active(t) else ports


class C2(Attack):
    kind = "c2-destination"
    signals = ["aws:destination-ip-addresses"]

    def connections(self, t, conns):
        if not self.active(t):
            return conns
        return conns + [(self.p["address"], self.p["port"], 40000 + (self.start % 20000))]


class Flood(Attack):
    """Publishes `factor` times the device's usual rate from `start` to `end` exactly."""
    kind = "message-flood"
    signals = ["aws:num-messages-sent"]

    def broker_events(self, rng):
        d = self.device
        per_second = (self.p["factor"] - 1) * sum(d.publish) / 2 / INTERVAL
        lo, hi = d.c["msg_bytes"]
        return [(rng.uniform(self.start, self.end), "publish",
                 {"topic": "dt/%s/%s/telemetry" % (d.cls, d.name),
                  "bytes": rng.randint(lo, (lo + hi) // 2)})
                for _ in range(int(per_second * (self.end - self.start)))]


class Flapping(Attack):
    kind = "connection-flapping"
    signals = ["aws:num-connection-attempts", "aws:num-disconnects"]

    def broker_events(self, rng):
        d, events, t = self.device, [], self.start
        while t < self.end:
            events.append((t, "disconnect", {"source_ip": d.source_ip}))
            t += rng.uniform(2, 15)
            events.append((t, "connect", {"source_ip": d.source_ip, "success": True,
                                          "cert": d.cert}))
            t += rng.uniform(*self.p["every"])
        return events


class Offline(Attack):
    """The device drops off the broker and stops reporting (unplugged, jammed, killed)."""
    kind = "device-offline"
    signals = ["aws:disconnect-duration"]

    def silent(self, t):
        return self.active(t)

    def broker_events(self, rng):
        d = self.device
        return [(self.start, "disconnect", {"source_ip": d.source_ip}),
                (self.end, "connect", {"source_ip": d.source_ip, "success": True,
                                       "cert": d.cert})]


class ForeignSource(Attack):
    """The device's identity is used from an address outside the fleet's egress: each time
    the impostor connects, the broker drops the real device's session (same client id);
    the real device reconnects a little later and drops the impostor's in turn."""
    kind = "unknown-source-ip"
    signals = ["aws:source-ip-address"]

    def broker_events(self, rng):
        d, events, t = self.device, [], self.start
        while t < self.end:
            events.append((t, "disconnect", {"source_ip": d.source_ip,
                                             "reason": "duplicate client id"}))
            events.append((t, "connect", {"source_ip": self.p["address"], "success": True,
                                          "cert": d.cert}))
            back = t + rng.uniform(20, 120)
            for _ in range(rng.randint(1, 3)):
                events.append((rng.uniform(t + 1, back), "publish",
                               {"topic": "dt/%s/%s/telemetry" % (d.cls, d.name),
                                "bytes": rng.randint(200, 700)}))
            events.append((back, "disconnect", {"source_ip": self.p["address"],
                                                "reason": "duplicate client id"}))
            events.append((back, "connect", {"source_ip": d.source_ip, "success": True,
                                             "cert": d.cert}))
            t += rng.uniform(600, 1200)
        return events


def report(rng, d, t, attacks, state):
    """One Device Defender report (long names) of device `d` at time t."""
    c = d.c
    hour = (t % DAY) / 3600.0
    level = math.log(d.bytes_out) + c["diurnal"] * math.cos(2 * math.pi * (hour - d.peak_hour) / 24)
    bo = math.exp(level + rng.gauss(0, c["noise"]))
    if rng.random() < 0.002:  # a burst: a clip upload, a firmware check, a log flush
        bo *= rng.uniform(3, 8)
    bi = bo * d.in_ratio * math.exp(rng.gauss(0, 0.15))
    po, pi = bo / d.bytes_per_packet[0], bi / d.bytes_per_packet[1]
    for a in attacks:
        bo, bi, po, pi = a.traffic(t, bo, bi, po, pi)
    tcp = list(d.tcp_ports)
    for a in attacks:
        tcp = a.tcp_ports(t, tcp)
    # Connections: the broker, cloud sessions that come and go, a gateway's local clients.
    if rng.random() < 0.05:
        if d.cls == "camera":
            k = rng.choice([0, 1, 2])
            state["extra"] = [("192.0.2.%d" % rng.randint(40, 64), 443) for _ in range(k)]
        elif d.cls == "thermostat":
            state["extra"] = [("192.0.2.20", 443)] if rng.random() < 0.1 else []
        else:
            state["extra"] = [("192.0.2.%d" % rng.randint(66, 94), 443)]
    conns = [("192.0.2.10", 8883, state["port"])]
    conns += [(a, p, 30000 + (hash_int(d.name, a) % 30000)) for a, p in state.get("extra", [])]
    if d.cls == "gateway":
        n = len(d.local)
        state["local"] = max(6, min(n, state.get("local", n - 4) + rng.choice([-1, 0, 0, 1])))
        conns += [(ip, port, 1883) for ip, port in d.local[:state["local"]]]
    for a in attacks:
        conns = a.connections(t, conns)
    metrics = {
        "listening_tcp_ports": {"ports": [{"port": p, "interface": c["iface"]} for p in tcp],
                                "total": len(tcp)},
        "listening_udp_ports": {"ports": [{"port": p, "interface": c["iface"]}
                                          for p in d.udp_ports], "total": len(d.udp_ports)},
        "network_stats": {"bytes_in": int(bi), "bytes_out": int(bo), "packets_in": int(pi) + 1,
                          "packets_out": int(po) + 1},
        "tcp_connections": {"established_connections": {
            "connections": [{"remote_addr": "%s:%d" % (a, p), "local_port": lp,
                             "local_interface": c["iface"]} for a, p, lp in conns],
            "total": len(conns)}},
    }
    r = {"header": {"report_id": int(t), "version": "1.0"}, "metrics": metrics}
    if d.cls == "gateway":
        cpu = d.cpu * math.exp(rng.gauss(0, 0.2))
        r["custom_metrics"] = {"cpu_usage": [{"number": round(min(cpu, 99.0), 1)}]}
    return r


SEED = 0  # --seed: another draw of the same scenarios


def hash_int(*parts):
    key = "/".join(parts) if SEED == 0 else "/".join(parts + ("seed%d" % SEED,))
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)


def broker(t, d, kind, **fields):
    b = {"type": kind, "client_id": d.name}
    b.update(fields)
    return (t, d.name, {"broker": b})


def simulate(rng, spec):
    """Every event of the scenario, sorted by time, and its labels."""
    start, end = spec["start"], spec["start"] + spec["duration_s"]
    devices, attacks = spec["devices"], spec["attacks"]
    by_device = {}
    for a in attacks:
        by_device.setdefault(a.device.name, []).append(a)
    events = []
    for d in devices:
        mine = by_device.get(d.name, [])
        drng = random.Random(hash_int(spec["name"], d.name))
        state = {"port": drng.randint(32768, 60999)}
        # Broker: connected from the start; rare reconnects (Wi-Fi, a router reboot).
        events.append(broker(start + drng.uniform(0, 5), d, "connect", source_ip=d.source_ip,
                             success=True, cert=d.cert))
        offline = [a for a in mine if isinstance(a, Offline)]
        t = start + d.offset
        while t < end:
            if not any(a.silent(t) for a in mine):
                if drng.random() > 0.0005:  # a report now and then is lost
                    events.append((int(t), d.name, {"report": report(drng, d, int(t), mine, state)}))
            t += INTERVAL + drng.uniform(-25, 25)
        bucket = start
        while bucket < end:
            if not any(a.silent(bucket) for a in offline):
                for _ in range(drng.randint(*d.publish)):
                    topic = drng.choice(d.c["topics"])
                    lo, hi = d.c["msg_bytes"]
                    size = drng.randint(lo, hi if topic == "events" else (lo + hi) // 2)
                    events.append(broker(int(bucket + drng.uniform(0, INTERVAL)), d, "publish",
                                         topic="dt/%s/%s/%s" % (d.cls, d.name, topic), bytes=size))
                if drng.random() < 0.08:
                    events.append(broker(int(bucket + drng.uniform(0, INTERVAL)), d, "deliver",
                                         topic="cmd/%s/%s/config" % (d.cls, d.name),
                                         bytes=drng.randint(200, 500)))
                if drng.random() < 0.03 / (DAY / INTERVAL) and not mine:
                    at = bucket + drng.uniform(0, INTERVAL)
                    events.append(broker(int(at), d, "disconnect", source_ip=d.source_ip))
                    events.append(broker(int(at + drng.uniform(30, 180)), d, "connect",
                                         source_ip=d.source_ip, success=True, cert=d.cert))
            bucket += INTERVAL
        for a in mine:
            for at, kind, fields in a.broker_events(drng):
                events.append(broker(int(at), d, kind, **fields))
    events = [e for e in events if start <= e[0] < end]
    events.sort(key=lambda e: (e[0], e[1], "report" in e[2]))
    return events, [a.label() for a in attacks]


def at_hours(start, h):
    return start + int(h * 3600)


# Each scenario: a name, a description, the fleet and the attacks. Times are hours from
# the start; attacks begin after at least 16 hours of normal traffic, so baselines have
# warmed up, as in the shared scenarios.
def scenarios():
    def base(name, start, days, cams, thermos, gws):
        rng = random.Random(hash_int("fleet", name))
        return {"name": name, "start": start, "duration_s": int(days * DAY), "rng": rng,
                "devices": fleet(rng, cams, thermos, gws), "attacks": []}

    out = []

    s = base("clean-fleet", 1747008000, 3, 9, 9, 4)
    s["description"] = ("Three ordinary days of a mixed fleet: day/night cycles, bursts, "
                        "noise, reconnects; no attack. Every alarm is a false alarm.")
    out.append(s)

    s = base("exfiltration", 1747612800, 1.25, 6, 4, 2)
    d = {x.name: x for x in s["devices"]}
    st = s["start"]
    s["attacks"] = [
        Exfiltration(d["cam-0003"], at_hours(st, 18.2), at_hours(st, 19.0), factor=15),
        Exfiltration(d["thermo-0004"], at_hours(st, 21.5), at_hours(st, 22.5), factor=25),
        Exfiltration(d["gw-0002"], at_hours(st, 25.1), at_hours(st, 26.6), factor=20),
    ]
    s["description"] = ("A camera, a thermostat and a gateway send 15-25x their normal "
                        "bytes_out for 45-90 minutes.")
    out.append(s)

    s = base("exfiltration-slow-ramp", 1748217600, 1.5, 6, 4, 2)
    d = {x.name: x for x in s["devices"]}
    st = s["start"]
    s["attacks"] = [
        SlowRamp(d["thermo-0002"], at_hours(st, 18.0), at_hours(st, 26.0), factor=30,
                 ramp=6 * 3600),
        SlowRamp(d["cam-0005"], at_hours(st, 20.0), at_hours(st, 28.0), factor=30,
                 ramp=6 * 3600),
    ]
    s["description"] = ("A thermostat and a camera ramp bytes_out up geometrically to 30x "
                        "over 6 hours, then hold it for 2 hours: slow enough that a baseline "
                        "following the device may learn part of it.")
    out.append(s)

    s = base("backdoor-port", 1748822400, 1.25, 6, 4, 2)
    d = {x.name: x for x in s["devices"]}
    st = s["start"]
    s["attacks"] = [
        Backdoor(d["cam-0004"], at_hours(st, 19.3), at_hours(st, 23.0), port=4444),
        Backdoor(d["gw-0002"], at_hours(st, 24.4), at_hours(st, 27.0), port=31337),
    ]
    s["description"] = ("A camera starts listening on TCP 4444 and a gateway on TCP 31337 "
                        "(backdoor shells) for a few hours.")
    out.append(s)

    s = base("c2-threat-intel", 1749427200, 1.25, 6, 4, 2)
    d = {x.name: x for x in s["devices"]}
    st = s["start"]
    s["attacks"] = [
        C2(d["thermo-0003"], at_hours(st, 17.7), at_hours(st, 19.2), address="198.51.100.23",
           port=443),
        C2(d["gw-0001"], at_hours(st, 22.0), at_hours(st, 25.0), address="203.0.113.77",
           port=8443),
    ]
    s["description"] = ("A thermostat and a gateway hold a connection to a command-and-control "
                        "address on the threat-intel-deny list.")
    out.append(s)

    s = base("publish-flood", 1750032000, 1.25, 6, 4, 2)
    d = {x.name: x for x in s["devices"]}
    st = s["start"]
    s["attacks"] = [
        Flood(d["cam-0006"], at_hours(st, 17.1), at_hours(st, 17.6), factor=60),
        Flood(d["thermo-0003"], at_hours(st, 23.4), at_hours(st, 24.1), factor=100),
    ]
    s["description"] = ("A camera and a thermostat publish 60-100x their normal message rate "
                        "for 30-42 minutes.")
    out.append(s)

    s = base("connection-flapping", 1750636800, 1.25, 6, 4, 2)
    d = {x.name: x for x in s["devices"]}
    st = s["start"]
    s["attacks"] = [
        Flapping(d["thermo-0001"], at_hours(st, 18.6), at_hours(st, 19.6), every=(20, 60)),
        Flapping(d["cam-0002"], at_hours(st, 23.0), at_hours(st, 23.75), every=(40, 120)),
    ]
    s["description"] = ("A thermostat and a camera drop and re-open their broker connection "
                        "every 20 seconds to 2 minutes for about an hour (a crash loop, or "
                        "two clients fighting over one identity).")
    out.append(s)

    s = base("device-offline", 1751241600, 1.25, 6, 4, 2)
    d = {x.name: x for x in s["devices"]}
    st = s["start"]
    s["attacks"] = [
        Offline(d["cam-0006"], at_hours(st, 19.1), at_hours(st, 22.1)),
        Offline(d["gw-0002"], at_hours(st, 24.6), at_hours(st, 26.0)),
    ]
    s["description"] = ("A camera disconnects for 3 hours and a gateway for 84 minutes, "
                        "reporting nothing meanwhile (unplugged, jammed or killed).")
    out.append(s)

    s = base("unknown-source-ip", 1751846400, 1.25, 6, 4, 2)
    d = {x.name: x for x in s["devices"]}
    st = s["start"]
    s["attacks"] = [
        ForeignSource(d["thermo-0004"], at_hours(st, 20.2), at_hours(st, 21.2),
                      address="100.72.14.9"),
        ForeignSource(d["cam-0005"], at_hours(st, 26.0), at_hours(st, 27.0),
                      address="100.99.201.33"),
    ]
    s["description"] = ("A thermostat's and a camera's certificates connect from addresses "
                        "outside the fleet's egress ranges (a stolen identity) a few times in "
                        "an hour, while the real devices carry on.")
    out.append(s)

    # A tiny scenario for tests: 4 devices, 3 hours; a camera opens TCP 4444 after 2 hours.
    s = base("smoke", 1752451200, 0.125, 2, 1, 1)
    d = {x.name: x for x in s["devices"]}
    st = s["start"]
    s["attacks"] = [Backdoor(d["cam-0002"], at_hours(st, 2.0), at_hours(st, 2.5), port=4444)]
    s["description"] = "Tiny: a camera listens on TCP 4444 for half an hour (for tests)."
    out.append(s)
    return out


def write(spec, root):
    events, labels = simulate(spec["rng"], spec)
    folder = os.path.join(root, spec["name"])
    os.makedirs(folder, exist_ok=True)
    scenario = {
        "name": spec["name"],
        "description": spec["description"],
        "start": spec["start"],
        "duration_s": spec["duration_s"],
        "interval_s": INTERVAL,
        "devices": [{"name": d.name, "groups": d.groups, "attributes": d.attributes}
                    for d in spec["devices"]],
        "lists": LISTS,
    }
    with open(os.path.join(folder, "scenario.json"), "w") as f:
        json.dump(scenario, f, indent=2)
        f.write("\n")
    with open(os.path.join(folder, "labels.json"), "w") as f:
        json.dump(labels, f, indent=2)
        f.write("\n")
    raw = io.BytesIO()
    # mtime 0 and no file name: the same events give the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        for t, device, body in events:
            line = {"t": t, "device": device}
            line.update(body)
            gz.write(json.dumps(line, separators=(",", ":")).encode())
            gz.write(b"\n")
    with open(os.path.join(folder, "events.jsonl.gz"), "wb") as f:
        f.write(raw.getvalue())
    return len(events), len(raw.getvalue())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="scenarios to write (default: all but smoke)")
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                        help="where the scenario folders go (default: next to this script)")
    parser.add_argument("--seed", type=int, default=0,
                        help="another draw of the same scenarios, e.g. to check the "
                             "profiles on data they were not chosen on (default: 0, the "
                             "committed draw)")
    args = parser.parse_args()
    global SEED
    SEED = args.seed
    specs = {s["name"]: s for s in scenarios()}
    names = args.names or [n for n in specs if n != "smoke"]
    for n in names:
        if n not in specs:
            sys.exit("generate.py: unknown scenario '%s' (known: %s)" % (n, ", ".join(specs)))
    for n in names:
        count, size = write(specs[n], args.out)
        print("%-24s %7d events  %8d bytes" % (n, count, size))


if __name__ == "__main__":
    main()
