#!/usr/bin/env python3
"""A webhook receiver for Warden's end-to-end tests.

Verifies every request's Standard Webhooks signature on its own (Python's hmac and
base64, independent of Warden's C++), and appends one JSON line per request to LOG:
{"webhook_id", "timestamp", "valid", "status", "type", "event_id", "authorization",
"x_team"}.

Answers with the HTTP status in STATUS_FILE (default 200) so a test can make it fail.

usage: webhook_receiver.py PORT_FILE LOG STATUS_FILE SECRET [SECRET...] [--port N]
Listens on 127.0.0.1 (port N, or a free one), writes the port to PORT_FILE once ready.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import sys


def expected_signatures(secrets, msg_id, timestamp, body):
    out = []
    for secret in secrets:
        key = base64.b64decode(secret[len("whsec_"):])
        signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
        mac = hmac.new(key, signed, hashlib.sha256).digest()
        out.append("v1," + base64.b64encode(mac).decode())
    return out


def main():
    args = sys.argv[1:]
    port = 0
    if "--port" in args:
        i = args.index("--port")
        port = int(args[i + 1])
        del args[i:i + 2]
    port_file, log_path, status_file, *secrets = args

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            msg_id = self.headers.get("webhook-id", "")
            ts = self.headers.get("webhook-timestamp", "")
            got = self.headers.get("webhook-signature", "").split()
            want = expected_signatures(secrets, msg_id, ts, body)
            # Valid when every secret's signature is present (all secrets sign).
            valid = bool(got) and all(any(hmac.compare_digest(w, g) for g in got) for w in want)
            try:
                status = int(open(status_file).read().strip() or "200")
            except (OSError, ValueError):
                status = 200
            try:
                payload = json.loads(body)
            except ValueError:
                payload = {}
            record = {
                "webhook_id": msg_id,
                "timestamp": ts,
                "valid": valid,
                "status": status,
                "type": payload.get("type", ""),
                "event_id": payload.get("data", {}).get("event_id", ""),
                "authorization": self.headers.get("Authorization", ""),
                "x_team": self.headers.get("X-Team", ""),
            }
            with open(log_path, "a") as log:
                log.write(json.dumps(record) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *unused):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
