// Every error class of every layer, in one table: its base, `name`, literal `code`
// and message. Callers branch on `code` (contract C), so a code is an interface: this
// table changes only when one is added or deliberately renamed. The prefix says the
// layer: WINRM_ (the wire, NTLM and Kerberos included), WINDOWS_, RESOURCE_, PLUGIN_.
import {
  AuthenticationError,
  ConfigurationError,
  ProtocolError,
  TimeoutError,
  TransportError,
  WinRMError,
  WSManFaultError,
  EndpointError,
  CredSspError,
  CredSspServerKeyError,
  CredSspStatusError,
  SpnegoError,
} from "../provider/src/winrm";
import { NtlmAuthError, NtlmError, NtlmIntegrityError, NtlmMessageError } from "../provider/src/winrm/ntlm";
import {
  ApReqRejectedError,
  errorFromKrbError,
  KdcUnreachableError,
  KerberosConfigError,
  KerberosError,
  KerberosIntegrityError,
  KerberosNoCredentialsError,
  KerberosProtocolError,
  KerberosRejection,
} from "../provider/src/winrm/kerberos";
import {
  HostFaultError,
  InvalidArgumentError,
  PolicyControlledError,
  RegistryError,
  VerifyError,
  WindowsError,
} from "../provider/src/windows";
import { DoubleHopCheckFailed, ImportNotFoundError, ImportNotSupportedError, LedgerError, PartialApplyError, ResourceError } from "../provider/src/resources/errors";
import * as winrmModule from "../provider/src/winrm";
import * as ntlmModule from "../provider/src/winrm/ntlm";
import * as kerberosModule from "../provider/src/winrm/kerberos";
import * as windowsModule from "../provider/src/windows";
import * as resourceErrorsModule from "../provider/src/resources/errors";
import {
  ImportIdError,
  PluginError,
  ProviderConfigError,
  UnknownResourceTypeError,
  UnsupportedValueError,
} from "../provider/src/plugin/errors";
import * as pluginErrorsModule from "../provider/src/plugin/errors";

const endpoint = { host: "srv01.corp.test", port: 5986, scheme: "https" as const };
// A KRB-ERROR as the KDC sent it, and where we were (the server's clock 30 s ahead).
const krbError = (errorCode: number) => ({ errorCode, serverTime: 1_700_000_030_000, realm: "CORP.TEST" });
const krbContext = (exchange: "AS" | "TGS" | "AP") => ({
  exchange,
  client: "alice@CORP.TEST",
  target: "HTTP/srv01.corp.test@CORP.TEST",
  localTime: 1_700_000_000_000,
});

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
    make: () =>
      new AuthenticationError({
        reason: "bad-credentials", offeredSchemes: [], ...endpoint, authScheme: "CredSSP", username: "CORP\\admin",
        ntStatus: 0xc000006d, statusText: "the server answered STATUS_LOGON_FAILURE (0xC000006D)",
      }),
    base: WinRMError,
    name: "AuthenticationError",
    code: "WINRM_AUTH",
    message:
      'https://srv01.corp.test:5986 rejected the CredSSP credentials for user "CORP\\admin" (HTTP 401 after a complete CredSSP exchange; ' +
      "the server answered STATUS_LOGON_FAILURE (0xC000006D)); check user name, domain and password",
  },
  {
    make: () => new CredSspError("malformed CredSSP TSRequest: version is missing"),
    base: WinRMError,
    name: "CredSspError",
    code: "WINRM_CREDSSP",
    message: "malformed CredSSP TSRequest: version is missing",
  },
  {
    make: () => new CredSspServerKeyError(endpoint),
    base: WinRMError,
    name: "CredSspServerKeyError",
    code: "WINRM_CREDSSP_SERVER_KEY",
    message:
      "https://srv01.corp.test:5986 did not prove it holds the private key of the CredSSP TLS channel (its pubKeyAuth does not " +
      "match the public key we saw): a man-in-the-middle is possible. The credentials were NOT sent.",
  },
  {
    make: () => new CredSspStatusError({ ntStatus: 0xc0000192, ...endpoint }),
    base: WinRMError,
    name: "CredSspStatusError",
    code: "WINRM_CREDSSP_STATUS",
    message: "https://srv01.corp.test:5986 ended CredSSP authentication with STATUS_NETLOGON_NOT_STARTED (0xC0000192)",
  },
  {
    make: () => new SpnegoError("the acceptor rejected every offered mechanism (1.3.6.1.4.1.311.2.2.10)"),
    base: WinRMError,
    name: "SpnegoError",
    code: "WINRM_SPNEGO",
    message: "the acceptor rejected every offered mechanism (1.3.6.1.4.1.311.2.2.10)",
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
    make: () => new KerberosProtocolError("malformed Kerberos message: KRB-ERROR: 3 trailing bytes"),
    base: KerberosError,
    name: "KerberosProtocolError",
    code: "WINRM_KRB_PROTOCOL",
    message: "malformed Kerberos message: KRB-ERROR: 3 trailing bytes",
  },
  {
    make: () => new KerberosIntegrityError("GSS wrap token checksum does not verify"),
    base: KerberosError,
    name: "KerberosIntegrityError",
    code: "WINRM_KRB_INTEGRITY",
    message: "GSS wrap token checksum does not verify",
  },
  {
    make: () => new KerberosConfigError("no KDC known for realm CORP.TEST"),
    base: KerberosError,
    name: "KerberosConfigError",
    code: "WINRM_KRB_CONFIG",
    message: "no KDC known for realm CORP.TEST",
  },
  {
    make: () => new KerberosNoCredentialsError("no Kerberos credential cache at /tmp/krb5cc_0: run kinit first, or give a password"),
    base: KerberosError,
    name: "KerberosNoCredentialsError",
    code: "WINRM_KRB_NO_CREDENTIALS",
    message: "no Kerberos credential cache at /tmp/krb5cc_0: run kinit first, or give a password",
  },
  {
    make: () => new KdcUnreachableError({ realm: "CORP.TEST", kdcs: ["dc1:88"], detail: "dc1:88/udp: no UDP reply within 3000 ms" }),
    base: KerberosError,
    name: "KdcUnreachableError",
    code: "WINRM_KRB_KDC_UNREACHABLE",
    message:
      "no KDC for realm CORP.TEST answered (dc1:88): dc1:88/udp: no UDP reply within 3000 ms; check the kdc entries for CORP.TEST in krb5.conf (or the connection's kdc) and that port 88 is reachable",
  },
  {
    make: () => new ApReqRejectedError({ krbErrorCode: 34, detail: "authenticator was already used", errorToken: Buffer.alloc(0) }),
    base: KerberosError,
    name: "ApReqRejectedError",
    code: "WINRM_KRB_APREQ_REJECTED",
    message: "rejected a Kerberos AP-REQ with KRB_AP_ERR_REPEAT (34): authenticator was already used",
  },
  {
    make: () => errorFromKrbError(krbError(68), krbContext("AS")),
    base: KerberosRejection,
    name: "KerberosRejectedError",
    code: "WINRM_KRB_REJECTED",
    message:
      "Kerberos KDC_ERR_WRONG_REALM (68) from the KDC while getting a ticket for alice@CORP.TEST: the realm is wrong for this principal; check the realm (upper case) and [domain_realm] in krb5.conf",
  },
  {
    make: () => errorFromKrbError(krbError(37), krbContext("AS")),
    base: KerberosRejection,
    name: "KerberosClockSkewError",
    code: "WINRM_KRB_CLOCK_SKEW",
    message:
      "Kerberos KRB_AP_ERR_SKEW (37) from the KDC while getting a ticket for alice@CORP.TEST: clocks differ by more than the allowed 5 minutes (its clock is 30 s ahead of ours); synchronise this machine's clock with the domain (NTP/chrony here, w32tm /resync on Windows)",
  },
  {
    make: () => errorFromKrbError(krbError(6), krbContext("AS")),
    base: KerberosRejection,
    name: "KerberosPrincipalUnknownError",
    code: "WINRM_KRB_PRINCIPAL_UNKNOWN",
    message:
      "Kerberos KDC_ERR_C_PRINCIPAL_UNKNOWN (6) from the KDC while getting a ticket for alice@CORP.TEST: the realm has no user alice@CORP.TEST; check the user name and the realm (user@REALM, realm in upper case)",
  },
  {
    make: () => errorFromKrbError(krbError(24), krbContext("AS")),
    base: KerberosRejection,
    name: "KerberosBadPasswordError",
    code: "WINRM_KRB_BAD_PASSWORD",
    message:
      "Kerberos KDC_ERR_PREAUTH_FAILED (24) from the KDC while getting a ticket for alice@CORP.TEST: the password for alice@CORP.TEST is wrong; check it (and that the account is not locked out)",
  },
  {
    make: () => errorFromKrbError(krbError(7), krbContext("TGS")),
    base: KerberosRejection,
    name: "KerberosNoSpnError",
    code: "WINRM_KRB_NO_SPN",
    message:
      "Kerberos KDC_ERR_S_PRINCIPAL_UNKNOWN (7) from the KDC while getting a service ticket for HTTP/srv01.corp.test@CORP.TEST: no account in the realm has the service principal name HTTP/srv01.corp.test@CORP.TEST; connect by the host's fully qualified name (not an IP address or alias), or register the SPN (setspn -S HTTP/srv01.corp.test <computer account>)",
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
  {
    make: () => new ImportNotFoundError("TrustedHosts", "ws01/srv02", "ws01", ["Client/TrustedHosts has no entry srv02"]),
    base: ResourceError,
    name: "ImportNotFoundError",
    code: "RESOURCE_IMPORT_NOT_FOUND",
    message:
      'cannot import TrustedHosts "ws01/srv02": ws01 does not have it (Client/TrustedHosts has no entry srv02). Import adopts only what is already on the host; to set it up, declare the resource without import and run pulumi up.',
  },
  {
    make: () => new UnknownResourceTypeError("credssp:index:Nope", ["credssp:index:CredSSPServer"]),
    base: PluginError,
    name: "UnknownResourceTypeError",
    code: "PLUGIN_UNKNOWN_TYPE",
    message: 'unknown resource type "credssp:index:Nope"; this provider serves credssp:index:CredSSPServer',
  },
  {
    make: () => new ProviderConfigError("credssp:https: Invalid input: expected boolean, received string"),
    base: PluginError,
    name: "ProviderConfigError",
    code: "PLUGIN_CONFIG",
    message: "credssp:https: Invalid input: expected boolean, received string",
  },
  {
    make: () => new UnsupportedValueError("connection.caCert"),
    base: PluginError,
    name: "UnsupportedValueError",
    code: "PLUGIN_UNSUPPORTED_VALUE",
    message: "connection.caCert: assets, archives, resource references and output values are not accepted here",
  },
  {
    make: () => new ImportIdError("CredSSPServer", "srv01/x", "nothing may follow the host"),
    base: PluginError,
    name: "ImportIdError",
    code: "PLUGIN_IMPORT_ID",
    message: 'import ID "srv01/x" for CredSSPServer: nothing may follow the host; expected <host>[:port], e.g. srv01.corp.example.com',
  },
  {
    make: () =>
      new DoubleHopCheckFailed({
        host: "ws01",
        target: "srv01",
        path: "\\\\fs01\\share",
        works: false,
        failingLink: "server-credssp-disabled",
        message: "[srv01] Connecting to remote server srv01 failed …",
        fix: "CredSSPServer on srv01",
        credential: { user: "admin" },
      }),
    base: ResourceError,
    name: "DoubleHopCheckFailed",
    code: "RESOURCE_DOUBLE_HOP_CHECK",
    message: "the double hop ws01 -> srv01 -> \\\\fs01\\share fails at server-credssp-disabled: [srv01] Connecting to remote server srv01 failed …\nfix: CredSSPServer on srv01",
  },
  {
    make: () => new LedgerError("HKLM\\SOFTWARE\\pulumi-credssp\\Ledger does not hold a pulumi-credssp ledger"),
    base: ResourceError,
    name: "LedgerError",
    code: "RESOURCE_LEDGER",
    message: "HKLM\\SOFTWARE\\pulumi-credssp\\Ledger does not hold a pulumi-credssp ledger",
  },
  {
    make: () => new ImportNotSupportedError("TrustedHosts", "ws01-trusts"),
    base: ResourceError,
    name: "ImportNotSupportedError",
    code: "RESOURCE_IMPORT_UNSUPPORTED",
    message:
      'TrustedHosts "ws01-trusts": the import option is not supported. pulumi-credssp\'s resources are Pulumi dynamic resources, which Pulumi cannot import (pulumi/pulumi#3550). Declare the resource without import: create adopts settings already on the host, records them as found, and leaves them in place on delete. To import, use the provider plugin (pulumi import credssp:index:TrustedHosts …; README, Import): what it imports, destroy removes.',
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

  test("each layer's codes carry its prefix, and NTLM's and Kerberos' errors are the wire's", () => {
    for (const { make } of cases) {
      const err = make() as Error & { code: string };
      const prefix = err instanceof WinRMError ? "WINRM_" : err instanceof WindowsError ? "WINDOWS_" : err instanceof ResourceError ? "RESOURCE_" : err instanceof PluginError ? "PLUGIN_" : "none";
      expect(err.code.startsWith(prefix)).toBe(true);
    }
    expect(new NtlmAuthError("x")).toBeInstanceOf(WinRMError);
    expect(new KerberosProtocolError("x")).toBeInstanceOf(WinRMError);
  });

  test("every code is one class's: no two classes share a code", () => {
    const owner = new Map<string, string>();
    for (const { make } of cases) {
      const err = make() as Error & { code: string };
      expect(owner.get(err.code) ?? err.name).toBe(err.name);
      owner.set(err.code, err.name);
    }
    expect(owner.size).toBe(38);
  });

  test("errors tied to an endpoint carry its host, port and scheme and name it in the message", () => {
    const tied = cases.map(({ make }) => make()).filter((e): e is EndpointError => e instanceof EndpointError);
    expect([...new Set(tied.map((e) => e.name))].sort()).toEqual(
      ["AuthenticationError", "CredSspServerKeyError", "CredSspStatusError", "TimeoutError", "TransportError"].sort(),
    );
    for (const e of tied) {
      expect(typeof e.host).toBe("string");
      expect(e.message).toContain(`${e.scheme}://${e.host}:${e.port}`);
    }
  });

  test("the table has a row for every error class the layers export", () => {
    const bases = new Set<unknown>([WinRMError, EndpointError, NtlmError, KerberosError, KerberosRejection, WindowsError, ResourceError, PluginError]);
    const exported = [winrmModule, ntlmModule, kerberosModule, windowsModule, resourceErrorsModule, pluginErrorsModule]
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
