#!/usr/bin/env python3
"""The rehearsal's client side (run by deploy/rehearsal/run.sh; Python 3 standard library only).

  traffic.py story   --run ID --token T --alias-sync URL,URL --ingest URL,URL,URL
  traffic.py load    --run ID --token T --alias-sync URL,URL --ingest URL,URL,URL --seconds N
                     --kill SECONDS:CONTAINER:READY_URL ... --restart-after SECONDS --expected FILE

story: the retroactive-alias story over HTTP: a customer, usage under an alias nobody holds (parked, seen through
another ingest-stream instance), the alias attached (replayed, read back through that other instance).

load: a steady stream of usage (batches of 20 events, under customer IDs, under aliases, and under aliases attached
only later, while the stream runs) spread over the ingest-stream instances; while it runs, SIGKILLs each given
container at its time (docker kill -s KILL), starts it again after --restart-after seconds, and times how long it
takes to answer /health/ready 200 again. A request that fails (connection refused or reset, 5xx) is retried with the
same events (the same transaction IDs) at the next instance, as a Metronome client retries: ingest-stream's
de-duplication makes that safe. Every event answered 200 is written to --expected as "transaction_id<TAB>customer_id"
(the customer it must count for). Prints one JSON object of figures on stdout.
"""
import argparse
import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone


class Client:
    """One kept-alive connection per base URL; a failure closes it and says so (status None)."""

    def __init__(self, token):
        self.token = token
        self.conns = {}

    def call(self, base, method, path, body=None, timeout=20):
        u = urllib.parse.urlparse(base)
        key = (u.hostname, u.port)
        try:
            conn = self.conns.get(key)
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
                self.conns[key] = conn
            headers = {"Authorization": "Bearer " + self.token, "Content-Type": "application/json"}
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            if resp.getheader("Connection", "").lower() == "close":
                self.drop(key)
            return resp.status, (json.loads(data) if data and data[:1] in (b"{", b"[") else data)
        except (OSError, http.client.HTTPException):
            self.drop(key)
            return None, None

    def drop(self, key):
        conn = self.conns.pop(key, None)
        if conn is not None:
            conn.close()


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def event(tx, identifier, tokens=1):
    return {"transaction_id": tx, "customer_id": identifier, "event_type": "api_call", "timestamp": now_iso(),
            "properties": {"tokens": tokens}}


def must(status, body, what):
    if status != 200:
        sys.exit("rehearsal: %s answered %s %s" % (what, status, body))
    return body


def wait_for(what, probe, seconds=60):
    deadline = time.time() + seconds
    last = None
    while time.time() < deadline:
        ok, last = probe()
        if ok:
            return last
        time.sleep(0.5)
    sys.exit("rehearsal: %s not seen within %ss (last: %s)" % (what, seconds, last))


def story(args):
    c = Client(args.token)
    a1, a2 = args.alias_sync[0], args.alias_sync[-1]
    i1, i2 = args.ingest[0], args.ingest[1]
    alias = "ops-%s@acme.example" % args.run
    tx = "%s-story-1" % args.run
    t0 = time.time()
    acme = must(*c.call(a1, "POST", "/v1/customers", {"name": "Acme %s" % args.run}), "create Acme")["data"]["id"]
    must(*c.call(i1, "POST", "/v1/ingest", [event(tx, alias, 1200)]), "ingest under %s" % alias)

    def search():
        status, body = c.call(i2, "POST", "/v1/events/search", {"transactionIds": [tx]})
        return status == 200 and bool(body), body

    parked = wait_for("the event in search", search)[0]
    if parked.get("status") != "pending":
        sys.exit("rehearsal: expected the event pending, got %s" % parked)
    must(*c.call(a2, "POST", "/v1/customers/%s/setIngestAliases" % acme, {"ingest_aliases": [alias]}),
         "attach %s" % alias)

    def replayed():
        status, body = c.call(i2, "POST", "/v1/events/search", {"transactionIds": [tx]})
        return status == 200 and bool(body) and body[0].get("status") == "attributed", body

    found = wait_for("the replayed event", replayed)[0]
    ok = (found["matched_customer"]["id"] == acme and found.get("resolution") == "REPLAYED"
          and found["matched_customer"].get("name") == "Acme %s" % args.run)
    print(json.dumps({"story": "ok" if ok else "FAILED", "customer": acme, "transaction_id": tx,
                      "parked_status": parked["status"], "then_status": found["status"],
                      "resolution": found.get("resolution"), "matched_customer": found["matched_customer"],
                      "ingested_via": i1, "read_via": i2, "seconds": round(time.time() - t0, 1)}))
    with open(args.expected, "a") as out:
        out.write("%s\t%s\n" % (tx, acme))
    if not ok:
        sys.exit(1)


def ready(url):
    try:
        u = urllib.parse.urlparse(url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=2)
        conn.request("GET", u.path)
        status = conn.getresponse().status
        conn.close()
        return status == 200
    except (OSError, http.client.HTTPException):
        return False


def killer(plan, restart_after, t0, figures, lock):
    """Kills each container at its time, starts it again, and measures kill → ready."""
    for at, container, ready_url in plan:
        time.sleep(max(0, t0 + at - time.time()))
        killed = time.time()
        subprocess.run(["docker", "kill", "-s", "KILL", container], check=True, stdout=subprocess.DEVNULL)
        entry = {"container": container, "killed_at_s": round(killed - t0, 1)}
        with lock:
            figures["kills"].append(entry)
        threading.Thread(target=restart, args=(container, ready_url, killed, restart_after, t0, entry),
                         daemon=True).start()


def restart(container, ready_url, killed, restart_after, t0, entry):
    time.sleep(restart_after)
    state = subprocess.run(["docker", "inspect", "-f", "{{.State.Running}}", container],
                           capture_output=True, text=True).stdout.strip()
    entry["restarted_by_policy"] = state == "true"
    if state != "true":
        subprocess.run(["docker", "start", container], check=True, stdout=subprocess.DEVNULL)
    entry["started_at_s"] = round(time.time() - t0, 1)
    while not ready(ready_url):
        time.sleep(0.5)
    entry["ready_at_s"] = round(time.time() - t0, 1)
    entry["kill_to_ready_s"] = round(time.time() - killed, 1)


def load(args):
    c = Client(args.token)
    run = args.run
    # Customers: three with an alias each (events under their IDs and their aliases), two whose aliases are
    # attached only during the stream (their events park, then replay).
    customers = []
    for n in range(5):
        alias = "%s-alias-%d" % (run, n)
        late = n >= 3
        body = {"name": "Customer %d of %s" % (n, run), "ingest_aliases": [] if late else [alias]}
        cid = must(*c.call(args.alias_sync[0], "POST", "/v1/customers", body), "create customer %d" % n)["data"]["id"]
        customers.append({"id": cid, "alias": alias, "late": late})
    attach_at = {3: args.seconds * 0.3, 4: args.seconds * 0.6}

    figures = {"senders": args.senders, "requests": 0, "failed_requests": {}, "events_sent": 0,
               "events_accepted": 0, "batches_retried": 0, "slowest_batch_s": 0.0, "kills": [], "attached": []}
    lock = threading.Lock()
    t0 = time.time()
    plan = []
    for spec in args.kill:
        at, container, ready_url = spec.split(":", 2)
        plan.append((float(at), container, ready_url))
    threading.Thread(target=killer, args=(plan, args.restart_after, t0, figures, lock), daemon=True).start()

    expected = open(args.expected, "a")
    state = {"seq": 0, "next_at": t0, "target": 0}
    period = args.batch / float(args.rate)

    def next_batch():
        """The next batch and when to send it, on one schedule shared by every sender: a steady rate overall."""
        with lock:
            if time.time() - t0 >= args.seconds:
                return None, None
            batch, owners = [], []
            for _ in range(args.batch):
                state["seq"] += 1
                seq = state["seq"]
                cust = customers[seq % len(customers)]
                by_id = (seq // len(customers)) % 2 == 0 and not cust["late"]
                batch.append(event("%s-load-%07d" % (run, seq), cust["id"] if by_id else cust["alias"]))
                owners.append(cust["id"])
            send_at = state["next_at"]
            state["next_at"] += period
            state["target"] += 1
            figures["events_sent"] += len(batch)
            return (batch, owners, state["target"]), send_at

    def sender():
        client = Client(args.token)
        down_until = {}
        while True:
            item, send_at = next_batch()
            if item is None:
                return
            batch, owners, target = item
            time.sleep(max(0, send_at - time.time()))
            started = time.time()
            tries = 0
            # Retry the same batch (same transaction IDs) at the next live instance until it is accepted.
            while True:
                candidates = [args.ingest[(target + k) % len(args.ingest)] for k in range(len(args.ingest))]
                live = [b for b in candidates if down_until.get(b, 0) <= time.time()] or candidates
                base = live[0]
                status, body = client.call(base, "POST", "/v1/ingest", batch)
                with lock:
                    figures["requests"] += 1
                if status == 200:
                    break
                if status is not None and 400 <= status < 500:
                    with lock:
                        figures["fatal"] = "ingest refused a batch: %s %s" % (status, body)
                    return
                with lock:
                    key = "connection" if status is None else str(status)
                    figures["failed_requests"][key] = figures["failed_requests"].get(key, 0) + 1
                down_until[base] = time.time() + 2
                tries += 1
                target += 1
                time.sleep(min(1.0, 0.05 * tries))
            took = time.time() - started
            with lock:
                figures["events_accepted"] += len(batch)
                figures["batches_retried"] += 1 if tries else 0
                figures["slowest_batch_s"] = max(figures["slowest_batch_s"], round(took, 2))
                for e, owner in zip(batch, owners):
                    expected.write("%s\t%s\n" % (e["transaction_id"], owner))

    senders = [threading.Thread(target=sender, daemon=True) for _ in range(args.senders)]
    for t in senders:
        t.start()
    while any(t.is_alive() for t in senders) or attach_at:
        elapsed = time.time() - t0
        for n, when in sorted(attach_at.items()):
            if elapsed >= when or not any(t.is_alive() for t in senders):
                attach(c, args.alias_sync, customers[n], figures, t0, lock)
                del attach_at[n]
        time.sleep(0.2)
    expected.close()
    figures["seconds"] = round(time.time() - t0, 1)
    figures["accepted_events_per_second"] = round(figures["events_accepted"] / figures["seconds"], 1)
    # Wait for the restarted containers to be ready before reporting.
    deadline = time.time() + 300
    while any("ready_at_s" not in k for k in figures["kills"]) and time.time() < deadline:
        time.sleep(1)
    print(json.dumps(figures))
    if "fatal" in figures:
        sys.exit("rehearsal: " + figures["fatal"])


def attach(c, alias_sync, customer, figures, t0, lock):
    """setIngestAliases replaces the aliases, so retrying it (at the other instance) is safe."""
    started = time.time()
    failures = {}
    for attempt in range(120):
        base = alias_sync[attempt % len(alias_sync)]
        status, body = c.call(base, "POST", "/v1/customers/%s/setIngestAliases" % customer["id"],
                              {"ingest_aliases": [customer["alias"]]})
        if status == 200:
            with lock:
                customer["late"] = False
                figures["attached"].append({"alias": customer["alias"], "asked_at_s": round(started - t0, 1),
                                            "took_s": round(time.time() - started, 1), "via": base,
                                            "failed_attempts": failures})
            return
        key = "connection" if status is None else str(status)
        failures[key] = failures.get(key, 0) + 1
        time.sleep(0.5)
    sys.exit("rehearsal: could not attach %s: %s" % (customer["alias"], failures))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["story", "load"])
    p.add_argument("--run", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--alias-sync", required=True, type=lambda s: s.split(","))
    p.add_argument("--ingest", required=True, type=lambda s: s.split(","))
    p.add_argument("--expected", required=True)
    p.add_argument("--seconds", type=float, default=90)
    p.add_argument("--rate", type=int, default=200, help="events per second")
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--senders", type=int, default=4, help="concurrent clients sharing the rate")
    p.add_argument("--kill", action="append", default=[])
    p.add_argument("--restart-after", type=float, default=10)
    args = p.parse_args()
    story(args) if args.mode == "story" else load(args)


if __name__ == "__main__":
    main()
