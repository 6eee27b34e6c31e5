// Every error class of every layer, in one table: its base, `name`, literal `code`
// and message. Callers branch on `code` (contract C), so a code is an interface: this
// table changes only when one is added or deliberately renamed. The prefix says the
// layer: WINRM_ (the wire, NTLM included), WINDOWS_, RESOURCE_.
import {
  AuthenticationError,
  ConfigurationError,
  ProtocolError,
  TimeoutError,
  TransportError,
  WinRMError,
  WSManFaultError,
} from "../provider/src/winrm";
import { NtlmAuthError, NtlmError, NtlmIntegrityError, NtlmMessageError } from "../provider/src/winrm/ntlm";
import {
  HostFaultError,
  InvalidArgumentError,
  PolicyControlledError,
  RegistryError,
  VerifyError,
  WindowsError,
} from "../provider/src/windows";
import { PartialApplyError, ResourceError } from "../provider/src/resources/errors";
import * as winrmModule from "../provider/src/winrm";
import * as ntlmModule from "../provider/src/winrm/ntlm";
import * as windowsModule from "../provider/src/windows";
import * as resourceErrorsModule from "../provider/src/resources/errors";

const endpoint = { host: "srv01.corp.test", port: 5986, scheme: "https" as const };

const cases: Array<{ make: () => Error; base: abstract new (...args: never[]) => Error; name: string; code: string; message: string }> = [
  {
    make: () => new WSManFaultError({ wsmanCode: 5, subcode: "w:AccessDenied", machine: "srv01", faultMessage: "Access is denied." }),
    base: WinRMError,
    name: "WSManFaultError",
    code: "WINRM_FAULT",
    message: "WS-Management fault 5 [w:AccessDenied] on srv01: Access is denied.",
  },
  {
    make: () => new AuthenticationError({ reason: "bad-credentials", offeredSchemes: ["Negotiate"], ...endpoint, authScheme: "Basic", username: "admin" }),
    base: WinRMError,
    name: "AuthenticationError",
    code: "WINRM_AUTH",
    message:
      'https://srv01.corp.test:5986 rejected the Basic credentials for user "admin" (HTTP 401 after a complete Basic exchange); check user name, domain and password',
  },
  {
    make: () => new AuthenticationError({ reason: "scheme-not-offered", offeredSchemes: [], ...endpoint, authScheme: "Basic" }),
    base: WinRMError,
    name: "AuthenticationError",
    code: "WINRM_AUTH",
    message: "https://srv01.corp.test:5986 does not offer Basic authentication (offered: none)",
  },
  {
    make: () => new TransportError({ kind: "tls", ...endpoint, detail: "self-signed certificate", certSubject: "CN=srv01", certSha256: "AB:CD" }),
    base: WinRMError,
    name: "TransportError",
    code: "WINRM_TRANSPORT",
    message:
      "TLS verification of https://srv01.corp.test:5986 failed: self-signed certificate (certificate subject: CN=srv01; SHA-256 fingerprint: AB:CD)",
  },
  {
    make: () => new TimeoutError({ ...endpoint, timeoutMs: 3000, phase: "connect" }),
    base: WinRMError,
    name: "TimeoutError",
    code: "WINRM_TIMEOUT",
    message: "timed out after 3000 ms connecting to https://srv01.corp.test:5986",
  },
  {
    make: () => new ProtocolError("reply does not relate to the request"),
    base: WinRMError,
    name: "ProtocolError",
    code: "WINRM_PROTOCOL",
    message: "reply does not relate to the request",
  },
  {
    make: () => new ConfigurationError("port must be 1-65535"),
    base: WinRMError,
    name: "ConfigurationError",
    code: "WINRM_CONFIG",
    message: "port must be 1-65535",
  },
  {
    make: () => new NtlmMessageError("truncated CHALLENGE_MESSAGE"),
    base: NtlmError,
    name: "NtlmMessageError",
    code: "WINRM_NTLM_BAD_MESSAGE",
    message: "truncated CHALLENGE_MESSAGE",
  },
  {
    make: () => new NtlmAuthError("unknown user or bad password"),
    base: NtlmError,
    name: "NtlmAuthError",
    code: "WINRM_NTLM_AUTH_FAILED",
    message: "unknown user or bad password",
  },
  {
    make: () => new NtlmIntegrityError("message signature does not verify"),
    base: NtlmError,
    name: "NtlmIntegrityError",
    code: "WINRM_NTLM_INTEGRITY",
    message: "message signature does not verify",
  },
  {
    make: () => new PolicyControlledError("Service/Auth/CredSSP", "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowCredSSP", { host: "srv01" }),
    base: WindowsError,
    name: "PolicyControlledError",
    code: "WINDOWS_POLICY_CONTROLLED",
    message:
      "Service/Auth/CredSSP on srv01 is controlled by Group Policy (HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\AllowCredSSP exists), " +
      'so WinRM refuses to change it. Set that policy to "Not Configured" (or remove the value) and run gpupdate, or manage the setting through the policy instead.',
  },
  {
    make: () => new RegistryError("SetDWORDValue", "SOFTWARE\\X", "V", 5),
    base: WindowsError,
    name: "RegistryError",
    code: "WINDOWS_REGISTRY",
    message: 'StdRegProv.SetDWORDValue failed on HKLM\\SOFTWARE\\X value "V": Win32 error 5 (access denied — the account must be a local Administrator)',
  },
  {
    make: () => new VerifyError("Client/TrustedHosts", "a,b", "a"),
    base: WindowsError,
    name: "VerifyError",
    code: "WINDOWS_VERIFY",
    message: 'Client/TrustedHosts did not hold after writing it: expected "a,b", read back "a"',
  },
  {
    make: () => new HostFaultError("Client/Auth/CredSSP on srv01: no answer", "srv01", "Client/Auth/CredSSP", "WINRM_TIMEOUT"),
    base: WindowsError,
    name: "HostFaultError",
    code: "WINDOWS_HOST_FAULT",
    message: "Client/Auth/CredSSP on srv01: no answer",
  },
  {
    make: () => new InvalidArgumentError('unknown delegation policy "AllowEverything"'),
    base: WindowsError,
    name: "InvalidArgumentError",
    code: "WINDOWS_INVALID_ARGUMENT",
    message: 'unknown delegation policy "AllowEverything"',
  },
  {
    make: () => new PartialApplyError("srv01/CredSSPServer/1", { host: "srv01" }, new Error("Service/Auth/CredSSP on srv01: boom")),
    base: ResourceError,
    name: "PartialApplyError",
    code: "RESOURCE_PARTIAL_APPLY",
    message: "Service/Auth/CredSSP on srv01: boom",
  },
];

describe("error classes", () => {
  test.each(cases)("$name: code $code", ({ make, base, name, code, message }) => {
    const err = make() as Error & { code: string };
    expect(err).toBeInstanceOf(base);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(name);
    expect(err.constructor.name).toBe(name);
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
    expect(String(err)).toBe(`${name}: ${message}`);
  });

  test("each layer's codes carry its prefix, and NTLM's errors are the wire's", () => {
    for (const { make } of cases) {
      const err = make() as Error & { code: string };
      const prefix = err instanceof WinRMError ? "WINRM_" : err instanceof WindowsError ? "WINDOWS_" : err instanceof ResourceError ? "RESOURCE_" : "none";
      expect(err.code.startsWith(prefix)).toBe(true);
    }
    expect(new NtlmAuthError("x")).toBeInstanceOf(WinRMError);
  });

  test("every code is one class's: no two classes share a code", () => {
    const owner = new Map<string, string>();
    for (const { make } of cases) {
      const err = make() as Error & { code: string };
      expect(owner.get(err.code) ?? err.name).toBe(err.name);
      owner.set(err.code, err.name);
    }
    expect(owner.size).toBe(15);
  });

  test("the table has a row for every error class the layers export", () => {
    const bases = new Set<unknown>([WinRMError, NtlmError, WindowsError, ResourceError]);
    const exported = [winrmModule, ntlmModule, windowsModule, resourceErrorsModule]
      .flatMap((m) => Object.values(m))
      .filter((v): v is new (...args: never[]) => Error => typeof v === "function" && v.prototype instanceof Error && !bases.has(v))
      .map((c) => c.name);
    const inTable = new Set(cases.map((c) => c.name));
    expect([...new Set(exported)].sort()).toEqual([...inTable].sort());
  });

  test("PartialApplyError carries what the engine records: id, properties, reasons and the cause", () => {
    const cause = new Error("boom");
    const err = new PartialApplyError("id-1", { a: 1 }, cause);
    expect(err).toMatchObject({ id: "id-1", properties: { a: 1 }, reasons: ["boom"] });
    expect(err.cause).toBe(cause);
  });
});
