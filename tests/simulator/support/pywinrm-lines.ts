// What the pywinrm probes print (tests/simulator/py/run_cmds.py, tests/peers/pywinrm_run.py):
// one JSON object per command, or one error object.

export interface PywinrmLine {
  cmd?: string;
  stdout?: string;
  stderr?: string;
  rc?: number;
  error?: string;
  detail?: string;
}

export function parseLines(stdout: string): PywinrmLine[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as PywinrmLine);
}

/** The five standard commands, as Windows answers them on srv01 for vagrant. */
export const STANDARD_RESULTS: PywinrmLine[] = [
  { cmd: "hostname", stdout: "srv01\r\n", stderr: "", rc: 0 },
  { cmd: "whoami", stdout: "srv01\\vagrant\r\n", stderr: "", rc: 0 },
  { cmd: "cmd /c echo hi", stdout: "hi\r\n", stderr: "", rc: 0 },
  { cmd: "exit 3", stdout: "", stderr: "", rc: 3 },
  {
    cmd: "definitely-not-a-command",
    stdout: "",
    stderr: "'definitely-not-a-command' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n",
    rc: 1,
  },
];
