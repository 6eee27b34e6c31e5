// Drives WinRMClient against replies recorded from real Windows hosts (every file in
// shared/reference/windows-captures) and checks what it makes of them.
import { DOMParser } from "@xmldom/xmldom";
import { WinRMClient, WSManFaultError, TransportError } from "../../provider/src/winrm";
import { actionOf, captureNames, commandLineOf, loadCapture } from "./support/captures";
import { REPLAY_PASSWORD, REPLAY_USER, startReplayServer, stepsFrom } from "./support/replay-server";
import type { ReplayServer, ReplayStep } from "./support/replay-server";

const CMD = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";
const SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell";
const PSRP = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell";
const CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config";
const A = {
  create: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
  delete: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete",
  get: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get",
  command: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command",
  receive: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive",
  signal: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal",
  enumerate: "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate",
};

let server: ReplayServer | undefined;
let client: WinRMClient | undefined;

async function replay(steps: ReplayStep[]): Promise<{ server: ReplayServer; client: WinRMClient }> {
  server = await startReplayServer(steps);
  client = new WinRMClient({
    host: "127.0.0.1", port: server.port, auth: "basic", username: REPLAY_USER, password: REPLAY_PASSWORD,
    allowUnencrypted: true, timeoutMs: 10_000, retries: 0,
  });
  return { server, client };
}

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

/** Plays a whole winrs capture through runCommand, checking the command line sent. */
async function runWinrs(file: string, indexes?: number[]) {
  const messages = loadCapture(file);
  const { server: s, client: c } = await replay(stepsFrom(messages, indexes));
  const commandReq = messages.find((m) => actionOf(m.request) === A.command)!;
  const [command, ...args] = commandLineOf(commandReq.request);
  const result = await c.runCommand(command, args);
  expect(s.problems).toEqual([]);
  expect(s.remaining()).toBe(0);
  const sentCommand = s.requests.find((r) => actionOf(r) === A.command)!;
  expect(commandLineOf(sentCommand)).toEqual([command, ...args]);
  return { result, server: s };
}

function headerNames(envelope: string): string[] {
  const doc = new DOMParser().parseFromString(envelope, "text/xml");
  const header = doc.getElementsByTagNameNS("http://www.w3.org/2003/05/soap-envelope", "Header")[0];
  const names: string[] = [];
  for (let n = header.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) names.push((n as unknown as { localName: string }).localName);
  return names;
}

describe("winrs captures via runCommand", () => {
  test("test_winrs_standard: stdout and exit code, full Create/Command/Receive/Signal/Delete sequence", async () => {
    const { result, server: s } = await runWinrs("test_winrs_standard.yml");
    expect(result).toEqual({ stdout: "hi\r\n", stderr: "", exitCode: 0 });
    expect(s.requests.map(actionOf)).toEqual([A.create, A.command, A.receive, A.signal, A.delete]);
    expect(s.requests[3]).toContain("/windows/shell/signal/terminate");
  });

  test("test_winrs_stderr_rc: stderr text and non-zero exit code are results, not errors", async () => {
    const { result } = await runWinrs("test_winrs_stderr_rc.yml");
    expect(result).toEqual({ stdout: "out \r\n", stderr: "err \r\n", exitCode: 1 });
  });

  test("test_winrs_unicode: UTF-8 console output decoded across chunks", async () => {
    const { result } = await runWinrs("test_winrs_unicode.yml");
    expect(result.stdout).toBe("こんにちは\n");
    expect(result.exitCode).toBe(0);
  });

  test("test_winrs_operation_timeout: Receive retried after fault 2150858793 until Done", async () => {
    const { result, server: s } = await runWinrs("test_winrs_operation_timeout.yml");
    expect(result).toEqual({ stdout: "hi\nhi again\n", stderr: "", exitCode: 0 });
    expect(s.requests.map(actionOf).filter((a) => a === A.receive)).toHaveLength(4);
  });

  test("test_winrs_environment: multi-chunk stdout concatenated in order", async () => {
    const { result } = await runWinrs("test_winrs_environment.yml");
    expect(result.exitCode).toBe(0);
    expect(result.stdout.startsWith("1234=5678\r\nPROMPT=$P$G\r\n")).toBe(true);
    expect(result.stdout).toContain("ALLUSERSPROFILE=C:\\ProgramData\r\n");
  });

  test("test_winrs_noprofile and test_winrs_extra_opts", async () => {
    const noprofile = await runWinrs("test_winrs_noprofile.yml");
    expect(noprofile.result.stdout).toContain("COMPUTERNAME=SERVER2016\r\n");
    await client!.close();
    await server!.close();
    const extra = await runWinrs("test_winrs_extra_opts.yml");
    expect(extra.result).toEqual({ stdout: "C:\\Windows\r\n", stderr: "", exitCode: 0 });
  });

  test("test_winrs_send: output of a command (Send steps skipped: runCommand sends no stdin)", async () => {
    const { result } = await runWinrs("test_winrs_send.yml", [0, 1, 4, 5, 6]);
    expect(result).toEqual({ stdout: "output 1\noutput 2\n", stderr: "", exitCode: 0 });
  });

  test("test_winrs_no_cmd_shell: Command fault 2147942402 surfaces, shell still deleted", async () => {
    const messages = loadCapture("test_winrs_no_cmd_shell.yml");
    const { server: s, client: c } = await replay(stepsFrom(messages, [0, 1, 5]));
    const err = await c.runCommand("powershell.exe", ["Write-Host", "hi"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WSManFaultError);
    expect((err as WSManFaultError).wsmanCode).toBe(2147942402);
    expect((err as WSManFaultError).code).toBe("WINRM_FAULT");
    expect(s.requests.map(actionOf)).toEqual([A.create, A.command, A.delete]);
    expect(s.problems).toEqual([]);
    // The second half of the capture: the same command by full path succeeds.
    await c.close();
    await s.close();
    const second = await replay(stepsFrom(messages, [0, 2, 3, 4, 5]));
    const ok = await second.client.runCommand("C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\powershell.exe", ["Write-Host", "hi"]);
    expect(ok).toEqual({ stdout: "hi\n", stderr: "", exitCode: 0 });
  });

  test("test_winrs_bad_cmd_id: Receive fault 2150858843 thrown after Signal and Delete", async () => {
    const messages = loadCapture("test_winrs_bad_cmd_id.yml");
    const { server: s, client: c } = await replay(stepsFrom(messages));
    const err = (await c.runCommand("cmd.exe", ["/c", "echo", "hi"]).catch((e: unknown) => e)) as WSManFaultError;
    expect(err).toBeInstanceOf(WSManFaultError);
    expect(err.wsmanCode).toBe(2150858843);
    expect(err.subcode).toBe("w:InvalidSelectors");
    expect(err.action).toBe(A.receive);
    expect(s.requests.map(actionOf)).toEqual([A.create, A.command, A.receive, A.signal, A.delete]);
    expect(s.remaining()).toBe(0);
  });

  test("test_winrs_fail_poll_process: fault 87 with a ProviderFault message", async () => {
    const messages = loadCapture("test_winrs_fail_poll_process.yml");
    // The recorded Receive fault answers a raw Get here; the fault parsing is what is tested.
    const { client: c } = await replay([{ reply: messages[1] }]);
    const err = (await c.get(CMD, { ShellId: "X" }).catch((e: unknown) => e)) as WSManFaultError;
    expect(err).toBeInstanceOf(WSManFaultError);
    expect(err.wsmanCode).toBe(87);
    expect(err.machine).toBe("127.0.0.1");
    expect(err.subcode).toBe("w:InvalidParameter");
    expect(err.faultMessage).toBe("The parameter is incorrect.");
  });

  test("test_winrs_open_already_opened: raw create + delete of a shell", async () => {
    const messages = loadCapture("test_winrs_open_already_opened.yml");
    const { server: s, client: c } = await replay(stepsFrom(messages));
    const created = await c.create(CMD, '<rsp:Shell xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>');
    const refs = created.ReferenceParameters as Record<string, unknown>;
    expect(refs.ResourceURI).toBe(CMD);
    const shellId = (refs.SelectorSet as Record<string, string>).Selector;
    expect(shellId).toMatch(/^[0-9A-F-]{36}$/);
    await c.delete(CMD, { ShellId: shellId });
    expect(s.requests[1]).toContain(`<wsman:Selector Name="ShellId">${shellId}</wsman:Selector>`);
    expect(s.problems).toEqual([]);
  });
});

describe("wsman config captures via get", () => {
  test.each(["test_wsman_update_envelope_size_150.yml", "test_wsman_update_envelope_size_500.yml", "test_wsman_update_envelope_size_4096.yml"])(
    "%s: full config parsed into a plain object",
    async (file) => {
      const messages = loadCapture(file);
      const { server: s, client: c } = await replay(stepsFrom(messages));
      const config = await c.get(CONFIG);
      const expectedKb = file.match(/_(\d+)\.yml$/)![1];
      expect(config.MaxEnvelopeSizekb).toBe(expectedKb);
      const client = config.Client as Record<string, any>;
      const service = config.Service as Record<string, any>;
      expect(client.Auth.CredSSP).toBe("false");
      expect(client.Auth.Basic).toBe("true");
      expect(client.TrustedHosts).toBe("");
      expect(client.DefaultPorts).toEqual({ HTTP: "5985", HTTPS: "5986" });
      expect(service.Auth.CbtHardeningLevel).toBe("Relaxed");
      expect(service.CertificateThumbprint).toBe("");
      expect((config.Winrs as Record<string, string>).MaxShellsPerUser).toBe("2147483647");
      // The request carries the headers Windows clients send, in the same order.
      expect(headerNames(s.requests[0])).toEqual(headerNames(messages[0].request));
      expect(s.requests[0]).toMatch(/<wsa:MessageID>uuid:[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}<\/wsa:MessageID>/);
      expect(s.requests[0]).toContain("<wsman:MaxEnvelopeSize s:mustUnderstand=\"true\">153600</wsman:MaxEnvelopeSize>");
      expect(s.requests[0]).toContain("<wsman:OperationTimeout>PT5S</wsman:OperationTimeout>");
      expect(s.requests[0]).toContain(`<wsa:To>${s.url}</wsa:To>`);
    },
  );
});

describe("psrp captures: raw operations and fault paths", () => {
  test("test_psrp_disconnect_runspaces: create, optimized enumerate with items and empty, delete", async () => {
    const messages = loadCapture("test_psrp_disconnect_runspaces.yml");
    const { server: s, client: c } = await replay(stepsFrom(messages, [0, 11, 12, 18]));
    const created = await c.create(PSRP, "<rsp:Shell xmlns:rsp=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell\"><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams></rsp:Shell>");
    expect(created.Address).toMatch(/wsman$/);
    const shells = await c.enumerate(SHELL);
    expect(shells).toHaveLength(2);
    expect(shells.map((x) => x.State)).toEqual(["Disconnected", "Disconnected"]);
    expect(shells[0].ShellId).toBe("B6631D8E-65A0-49F2-9053-A1B156C95777");
    const none = await c.enumerate(`${SHELL}/Command`);
    expect(none).toEqual([]);
    await c.delete(PSRP, { ShellId: "B6631D8E-65A0-49F2-9053-A1B156C95777" });
    expect(s.problems).toEqual([]);
    expect(s.requests[1]).toContain("<wsman:OptimizeEnumeration />");
  });

  test("test_psrp_disconnect_runspaces: every recorded reply is a well-formed, related response", async () => {
    // Replay each recorded reply to a raw Get: non-fault replies must parse without error.
    const messages = loadCapture("test_psrp_disconnect_runspaces.yml");
    const { server: s, client: c } = await replay(messages.map((m) => ({ reply: m })));
    for (let i = 0; i < messages.length; i++) {
      await expect(c.get(SHELL)).resolves.toEqual(expect.any(Object));
    }
    expect(s.remaining()).toBe(0);
  });

  test("test_psrp_is_alive_invalid_selectors: Get ok then fault 2150858843 with nested ProviderFault", async () => {
    const messages = loadCapture("test_psrp_is_alive_invalid_selectors.yml");
    const { client: c } = await replay(stepsFrom(messages, [3, 4]));
    const shell = await c.get(SHELL, { ShellId: "6F1903CA-E06A-4A8B-BDFC-B44203149D55" });
    expect(shell.State).toBe("Connected");
    expect(shell.MemoryUsed).toBe("58MB");
    const err = (await c.get(SHELL, { ShellId: "6F1903CA-E06A-4A8B-BDFC-B44203149D55" }).catch((e: unknown) => e)) as WSManFaultError;
    expect(err).toBeInstanceOf(WSManFaultError);
    expect(err.wsmanCode).toBe(2150858843);
    expect(err.machine).toBe("127.0.0.1");
    expect(err.subcode).toBe("w:InvalidSelectors");
    expect(err.faultMessage).toBe("The WS-Management service cannot process the request because the request contained invalid selectors for the resource.");
    expect(err.message).toContain("2150858843");
  });

  test("test_psrp_is_alive_other_wsman_error: fault 2150858767, then Delete still works", async () => {
    const messages = loadCapture("test_psrp_is_alive_other_wsman_error.yml");
    const { server: s, client: c } = await replay(stepsFrom(messages, [3, 4]));
    const err = (await c.get(SHELL, { ShellId: "x" }).catch((e: unknown) => e)) as WSManFaultError;
    expect(err.wsmanCode).toBe(2150858767);
    expect(err.subcode).toBe("a:InvalidMessageInformationHeader");
    expect(err.faultMessage).toContain("invalid timeout field in the SOAP header: PT-1S");
    await c.delete(PSRP, { ShellId: "x" });
    expect(s.problems).toEqual([]);
  });

  test("test_psrp_is_alive_state_disconnected: Get reports the disconnected state", async () => {
    const messages = loadCapture("test_psrp_is_alive_state_disconnected.yml");
    const { client: c } = await replay(stepsFrom(messages, [3, 4]));
    expect((await c.get(SHELL, { ShellId: "a" })).State).toBe("Connected");
    expect((await c.get(SHELL, { ShellId: "a" })).State).toBe("Disconnected");
  });

  test("test_psrp_is_alive_http_error: a 500 without a SOAP body is a TransportError of kind http", async () => {
    const messages = loadCapture("test_psrp_is_alive_http_error.yml");
    const { client: c } = await replay(stepsFrom(messages, [3, 4]));
    await c.get(SHELL, { ShellId: "a" });
    const err = (await c.get(SHELL, { ShellId: "a" }).catch((e: unknown) => e)) as TransportError;
    expect(err).toBeInstanceOf(TransportError);
    expect(err.kind).toBe("http");
    expect(err.httpStatus).toBe(500);
  });
});

test("every capture file is exercised by this suite", () => {
  const source = require("node:fs").readFileSync(__filename, "utf8") as string;
  for (const name of captureNames()) expect(source).toContain(name);
});
