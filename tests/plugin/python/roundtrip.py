"""The double hop through the credssp provider plugin, from Python.

`python roundtrip.py <op>` runs one operation on an inline Automation API stack and
prints a JSON summary on its last line; tests/plugin/python.test.ts runs the ops in
turn against simulated hosts and checks the hosts between them. The program uses the
generated SDK (sdk/python, on PYTHONPATH) and takes credentials from the provider
configuration (credssp:user, and credssp:password as a secret), so the resources'
connections name only host and port.

Environment: CREDSSP_ROUNDTRIP (JSON: project, stack, workDir, pulumiRoot, user,
password, ws01/srv01 {fqdn, host, port}) and the engine variables (PULUMI_HOME,
PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, ...), which the CLI inherits.
"""
import json
import os
import sys

import pulumi
from pulumi import automation as auto

import pulumi_credssp as credssp

SETTINGS = json.loads(os.environ["CREDSSP_ROUNDTRIP"])


def connection(role):
    host = SETTINGS[role]
    return credssp.ConnectionArgs(host=host["host"], port=host["port"])


def program():
    srv01 = SETTINGS["srv01"]["fqdn"]
    spn = f"WSMAN/{srv01}"
    server = credssp.CredSSPServer("srv01-accepts-credssp", connection=connection("srv01"))
    client = credssp.CredSSPClient("ws01-offers-credssp", connection=connection("ws01"), delegate_computers=[srv01])
    policy = credssp.DelegationPolicy(
        "ws01-may-delegate",
        connection=connection("ws01"),
        allow_fresh_credentials=[spn],
        allow_fresh_credentials_when_ntlm_only=[spn],
    )
    trusted = credssp.TrustedHosts("ws01-trusts-srv01", connection=connection("ws01"), hosts=[srv01])
    pulumi.export("srv01CredSSP", server.enabled)
    pulumi.export("ws01CredSSP", client.enabled)
    pulumi.export("ws01AllowFreshNTLMOnly", policy.allow_fresh_credentials_when_ntlm_only)
    pulumi.export("ws01TrustedHosts", trusted.value)


def open_stack(op):
    opts = auto.LocalWorkspaceOptions(
        work_dir=SETTINGS["workDir"],
        pulumi_command=auto.PulumiCommand(root=SETTINGS["pulumiRoot"]),
        env_vars={k: v for k, v in os.environ.items() if k.startswith("PULUMI_")},
        project_settings=auto.ProjectSettings(
            name=SETTINGS["project"],
            runtime="python",
            backend=auto.ProjectBackend(url=os.environ["PULUMI_BACKEND_URL"]),
        ),
    )
    if op != "up":
        return auto.select_stack(SETTINGS["stack"], SETTINGS["project"], program, opts=opts)
    stack = auto.create_or_select_stack(SETTINGS["stack"], SETTINGS["project"], program, opts=opts)
    stack.set_all_config(
        {
            "credssp:user": auto.ConfigValue(SETTINGS["user"]),
            "credssp:password": auto.ConfigValue(SETTINGS["password"], secret=True),
        }
    )
    return stack


def planned(events):
    """Per resource: the step the engine planned and the properties the provider's diff named."""
    steps = []
    for e in events:
        pre = e.resource_pre_event
        if pre is None:
            continue
        m = pre.metadata
        op = m.op.value if hasattr(m.op, "value") else str(m.op)
        if op in ("same", "refresh", "read") or m.type == "pulumi:pulumi:Stack" or m.type.startswith("pulumi:providers:"):
            continue
        steps.append({"name": m.urn.split("::")[-1], "op": op, "properties": sorted((m.detailed_diff or {}).keys())})
    return sorted(steps, key=lambda s: s["name"])


def main(op):
    stack = open_stack(op)
    events = []
    if op == "up":
        res = stack.up(refresh=True, on_event=events.append)
        summary = {"result": res.summary.result, "changes": res.summary.resource_changes, "outputs": {k: v.value for k, v in res.outputs.items()}}
    elif op in ("preview", "preview-refresh"):
        res = stack.preview(refresh=(op == "preview-refresh"), diff=True, on_event=events.append)
        summary = {"changes": {str(k.value if hasattr(k, "value") else k): v for k, v in res.change_summary.items()}}
    elif op == "destroy":
        res = stack.destroy(on_event=events.append)
        summary = {"result": res.summary.result, "changes": res.summary.resource_changes}
    else:
        raise SystemExit(f"unknown op {op}")
    summary["steps"] = planned(events)
    print(json.dumps(summary))


if __name__ == "__main__":
    main(sys.argv[1])
