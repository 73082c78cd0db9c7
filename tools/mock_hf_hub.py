#!/usr/bin/env python3
"""A local stand-in for the Hugging Face Hub's dataset API, for evalrun's download tests.

Serves the files under --root as the dataset repo <owner>/<name> at any revision:
  GET /api/datasets/<repo>/tree/<rev>?recursive=1   -> file listing (size, git blob oid, lfs sha256 for *.jsonl)
  GET /datasets/<repo>/resolve/<rev>/<path>          -> file bytes, honouring Range requests
Fault injection: --drop-first makes the first download of each file stop halfway (connection closed);
--corrupt PATH always serves PATH with one byte changed; --token T requires 'Authorization: Bearer T'.
"""
import argparse
import hashlib
import http.server
import os
import sys
import threading


def listing(root):
    files = []
    for base, _, names in os.walk(root):
        for name in sorted(names):
            full = os.path.join(base, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            data = open(full, "rb").read()
            entry = {"type": "file", "path": rel, "size": len(data),
                     "oid": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()}
            if rel.endswith(".jsonl"):
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 130}
            files.append(entry)
    return files


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--token", default="")
    parser.add_argument("--drop-first", action="store_true")
    parser.add_argument("--corrupt", default="")
    args = parser.parse_args()
    served = set()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, body, headers=()):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if args.token and self.headers.get("Authorization") != "Bearer " + args.token:
                return self.reply(401, b'{"error":"unauthorized"}')
            path = self.path.split("?")[0]
            parts = path.split("/")
            if path.startswith("/api/datasets/") and "/tree/" in path:
                import json
                return self.reply(200, json.dumps(listing(args.root)).encode(), [("Content-Type", "application/json")])
            if path.startswith("/datasets/") and len(parts) > 6 and parts[4] == "resolve":
                rel = "/".join(parts[6:])
                full = os.path.join(args.root, rel)
                if not os.path.isfile(full):
                    return self.reply(404, b"not found")
                data = bytearray(open(full, "rb").read())
                if rel == args.corrupt:
                    data[0] ^= 1
                start = 0
                rng = self.headers.get("Range")
                if rng and rng.startswith("bytes="):
                    start = int(rng[6:].split("-")[0])
                    if start >= len(data):
                        return self.reply(416, b"")
                body = bytes(data[start:])
                with lock:
                    first = rel not in served
                    served.add(rel)
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(body)))
                if start:
                    self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
                self.end_headers()
                if args.drop_first and first and len(body) > 1:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.wfile.write(body)
                return
            self.reply(404, b"unknown endpoint")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
