"""Runs a Python program file under Pulumi's mocks (no engine) and prints, as JSON, the
resources it registered: type, name and input names. A wrong class or argument name
fails here as it would in `pulumi up`. tests/plugin/readme-programs.test.ts runs the
README's Python program with it."""
import asyncio
import json
import sys

import pulumi
from pulumi.runtime.stack import wait_for_rpcs

registered = []


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        registered.append({"type": args.typ, "name": args.name, "inputs": sorted(args.inputs.keys())})
        return [f"{args.name}-id", args.inputs]

    def call(self, args):
        return {}


pulumi.runtime.set_mocks(Mocks(), preview=False)
with open(sys.argv[1], encoding="utf-8") as f:
    exec(compile(f.read(), sys.argv[1], "exec"), {"__name__": "__main__"})
asyncio.get_event_loop().run_until_complete(wait_for_rpcs())
print(json.dumps(registered))
