"""The client scenario with openstacksdk, against `nicconform mock`.

The same 16 steps as internal/mock/gophercloud_test.go: create a port,
attach it by port_id, list, show, detach, wait for the 404, find the kept
port DOWN and unbound, rename it, attach by net_id, detach, find that port
deleted, be refused the primary NIC (403, huawei profile), show the server,
lock it with a reason (microversion 2.73; openstacksdk reads the mock's
version documents first), unlock, delete the port.

The connection comes from clouds.yaml and OS_CLOUD, as the openstack CLI
and Ansible's openstack.cloud take it: scripts/clients.sh writes
~/.config/openstack/clouds.yaml (HOME pointed at a scratch directory) and
starts the mock. With a password, the cloud names only the identity URL
(the mock's /identity, discovered) and the region: openstacksdk finds
compute and network in the token's catalog. One line
per step; a failing step names the call and the answer; the exit status is
1 when a step fails.

Usage: openstacksdk_scenario.py --profile huawei|nova --errors nova|huawei
       --server ID --primary-port ID --network ID
"""

import argparse
import sys
import time

import openstack
from openstack import exceptions

REASON = "nicconform: openstacksdk scenario"


class StepFailed(Exception):
    """A step's check failed; the message names the call and the answer."""


def answer(exc):
    """The call an openstacksdk error came from and the answer: method, URL,
    status, body."""
    resp = getattr(exc, "response", None)
    if isinstance(exc, exceptions.HttpException) and resp is not None:
        body = " ".join(resp.text.split())[:300]
        return "%s %s answered %s: %s" % (resp.request.method, resp.request.url, resp.status_code, body)
    return "%s: %s" % (type(exc).__name__, exc)


def lock_state(compute, server):
    """locked and locked_reason of a server, read at microversion 2.73
    (openstacksdk 0.101's Server has no locked_reason attribute)."""
    resp = compute.get("/servers/" + server, microversion="2.73")
    exceptions.raise_from_response(resp)
    s = resp.json()["server"]
    return s.get("locked"), s.get("locked_reason"), resp.headers.get("OpenStack-API-Version")


def wait_for_404(call, what, timeout=10.0):
    """Call until it raises NotFoundException; return the number of calls."""
    deadline = time.monotonic() + timeout
    polls = 0
    while True:
        polls += 1
        try:
            call()
        except exceptions.NotFoundException:
            return polls
        if time.monotonic() > deadline:
            raise StepFailed("%s still answers 200 after %.0fs" % (what, timeout))
        time.sleep(0.02)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", required=True, choices=["huawei", "nova"])
    ap.add_argument("--errors", required=True, choices=["nova", "huawei"])
    ap.add_argument("--server", required=True)
    ap.add_argument("--primary-port", required=True)
    ap.add_argument("--network", required=True)
    ap.add_argument("--label", default="")
    args = ap.parse_args()

    conn = openstack.connect()  # the cloud OS_CLOUD names
    compute, network = conn.compute, conn.network
    server = args.server
    state = {}
    steps = []

    def step(name):
        def register(f):
            steps.append((name, f))
            return f
        return register

    @step("create port")
    def _():
        port = network.create_port(network_id=args.network, name="nicconform-openstacksdk")
        if port.status != "DOWN" or port.device_id:
            raise StepFailed("POST /v2.0/ports answered status=%s device_id=%r" % (port.status, port.device_id))
        state["port"] = port
        return "port %s, MAC %s" % (port.id, port.mac_address)

    @step("attach by port_id")
    def _():
        port = state["port"]
        nic = compute.create_server_interface(server, port_id=port.id)
        if nic.port_id != port.id or nic.mac_addr != port.mac_address or nic.port_state != "ACTIVE":
            raise StepFailed("POST /servers/%s/os-interface answered port_id=%s mac_addr=%s port_state=%s"
                             % (server, nic.port_id, nic.mac_addr, nic.port_state))
        return "NIC %s ACTIVE" % nic.port_id

    @step("list")
    def _():
        ids = [i.port_id for i in compute.server_interfaces(server)]
        if ids != [args.primary_port, state["port"].id]:
            raise StepFailed("GET /servers/%s/os-interface answered ports %s, want the primary %s and %s"
                             % (server, ids, args.primary_port, state["port"].id))
        return "%d NICs: %s" % (len(ids), ", ".join(ids))

    @step("show")
    def _():
        nic = compute.get_server_interface(state["port"].id, server=server)
        if nic.net_id != args.network or len(nic.fixed_ips or []) != 1:
            raise StepFailed("GET /servers/%s/os-interface/%s answered net_id=%s fixed_ips=%s"
                             % (server, nic.port_id, nic.net_id, nic.fixed_ips))
        return "on network %s at %s" % (nic.net_id, nic.fixed_ips[0]["ip_address"])

    @step("detach")
    def _():
        compute.delete_server_interface(state["port"].id, server=server, ignore_missing=False)
        return "202 accepted"

    @step("wait for 404")
    def _():
        start = time.monotonic()
        polls = wait_for_404(lambda: compute.get_server_interface(state["port"].id, server=server),
                             "GET /servers/%s/os-interface/%s" % (server, state["port"].id))
        return "404 after %d polls, %.0fms" % (polls, (time.monotonic() - start) * 1000)

    @step("kept port DOWN and unbound")
    def _():
        port = state["port"]
        kept = network.get_port(port.id)
        if kept.status != "DOWN" or kept.device_id or kept.device_owner or kept.mac_address != port.mac_address:
            raise StepFailed("GET /v2.0/ports/%s answered status=%s device_id=%r device_owner=%r mac=%s"
                             % (port.id, kept.status, kept.device_id, kept.device_owner, kept.mac_address))
        return "status DOWN, no device, same MAC"

    @step("rename")
    def _():
        name = "nicconform-openstacksdk-renamed"
        renamed = network.update_port(state["port"].id, name=name)
        if renamed.name != name:
            raise StepFailed("PUT /v2.0/ports/%s answered name %r" % (state["port"].id, renamed.name))
        return "named " + name

    @step("attach by net_id")
    def _():
        nic = compute.create_server_interface(server, net_id=args.network)
        state["by_net"] = nic.port_id
        return "NIC on a new port " + nic.port_id

    @step("detach")
    def _():
        compute.delete_server_interface(state["by_net"], server=server, ignore_missing=False)
        return "202 accepted"

    @step("port deleted")
    def _():
        wait_for_404(lambda: network.get_port(state["by_net"]), "GET /v2.0/ports/" + state["by_net"])
        return "GET /v2.0/ports/%s answers 404" % state["by_net"]

    @step("primary refused with 403")
    def _():
        if args.profile == "nova":
            return "skipped: the nova profile has no primary NIC"
        try:
            compute.delete_server_interface(args.primary_port, server=server, ignore_missing=False)
        except exceptions.HttpException as e:
            if e.status_code != 403:
                raise
            body = e.response.text if e.response is not None else ""
            want = '"Ecs.0086"' if args.errors == "huawei" else '"forbidden"'
            if want not in body:
                raise StepFailed("DELETE /servers/%s/os-interface/%s: 403 without %s in its body: %s"
                                 % (server, args.primary_port, want, body))
            return "403 " + " ".join(body.split())
        raise StepFailed("DELETE /servers/%s/os-interface/%s answered 2xx, want 403" % (server, args.primary_port))

    @step("show server")
    def _():
        s = compute.get_server(server)
        if s.id != server or s.status != "ACTIVE" or s.is_locked:
            raise StepFailed("GET /servers/%s answered id=%s status=%s locked=%s" % (server, s.id, s.status, s.is_locked))
        return "%s ACTIVE, unlocked" % s.name

    @step("lock")
    def _():
        compute.lock_server(server, locked_reason=REASON)
        locked, reason, _ = lock_state(compute, server)
        if not locked:
            raise StepFailed("GET /servers/%s after lock_server answered locked=%s" % (server, locked))
        if reason == REASON:
            return "locked, reason %r shown" % reason
        # openstacksdk 0.101's Server.lock posts the action without a
        # microversion: Nova serves it at 2.1, where a locked_reason is
        # accepted and dropped (nova/api/openstack/compute/lock_server.py).
        # Lock at 2.73 through the same proxy.
        compute.unlock_server(server)
        resp = compute.post("/servers/%s/action" % server, json={"lock": {"locked_reason": REASON}}, microversion="2.73")
        exceptions.raise_from_response(resp)
        locked, reason, version = lock_state(compute, server)
        if not locked or reason != REASON:
            raise StepFailed("GET /servers/%s at 2.73 answered locked=%s locked_reason=%r" % (server, locked, reason))
        return ("locked; lock_server(locked_reason=...) sent no microversion, so the reason was dropped as Nova "
                "drops it below 2.73; locked again at 2.73 through the proxy (%s): reason %r shown" % (version, reason))

    @step("unlock")
    def _():
        compute.unlock_server(server)
        locked, reason, _ = lock_state(compute, server)
        if locked or reason is not None:
            raise StepFailed("GET /servers/%s answered locked=%s locked_reason=%r" % (server, locked, reason))
        return "unlocked, no reason left"

    @step("delete port")
    def _():
        network.delete_port(state["port"].id, ignore_missing=False)
        wait_for_404(lambda: network.get_port(state["port"].id), "GET /v2.0/ports/" + state["port"].id, timeout=0)
        return "204, then 404"

    label = args.label or "openstacksdk %s %s/%s-errors" % (openstack.version.__version__, args.profile, args.errors)
    for n, (name, f) in enumerate(steps, 1):
        try:
            detail = f()
        except (StepFailed, exceptions.SDKException) as e:
            msg = str(e) if isinstance(e, StepFailed) else answer(e)
            print("%s step %2d %-28s FAILED: %s" % (label, n, name, msg), flush=True)
            return 1
        print("%s step %2d %-28s ok: %s" % (label, n, name, detail), flush=True)
    if len(steps) != 16:
        print("%s: %d steps, want 16" % (label, len(steps)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
