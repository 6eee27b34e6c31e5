"""The code `pulumi import` generated for a Python project, run as that project's program.

`python imported.py <generated.py>` runs the generated file as an inline Automation
API program on the project's stack (CREDSSP_IMPORTED: JSON with workDir, project,
stack, pulumiRoot), previews it, and prints on its last line the change summary, which
tests/plugin/import.test.ts expects to be all "same" right after the import.
The SDK (sdk/python) is on PYTHONPATH; the engine variables come from the environment.
"""
import json
import os
import sys

from pulumi import automation as auto

SETTINGS = json.loads(os.environ["CREDSSP_IMPORTED"])


def main(generated):
    with open(generated, encoding="utf-8") as f:
        code = compile(f.read(), generated, "exec")

    def program():
        exec(code, {"__name__": "__main__"})

    opts = auto.LocalWorkspaceOptions(
        work_dir=SETTINGS["workDir"],
        pulumi_command=auto.PulumiCommand(root=SETTINGS["pulumiRoot"]),
        env_vars={k: v for k, v in os.environ.items() if k.startswith("PULUMI_")},
    )
    stack = auto.select_stack(SETTINGS["stack"], SETTINGS["project"], program, opts=opts)
    res = stack.preview(diff=True)
    print(json.dumps({str(k.value if hasattr(k, "value") else k): v for k, v in res.change_summary.items()}))


if __name__ == "__main__":
    main(sys.argv[1])
