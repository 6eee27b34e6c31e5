import {
  describeFault,
  HostFaultError,
  PolicyControlledError,
  wrapFault,
} from "../../provider/src/windows";

// Shapes of the WinRM layer's errors (contract C), recognised by their stable `code`.
const coded = (code: string, fields: Record<string, unknown>, message = "boom") =>
  Object.assign(new Error(message), { code, ...fields });

const ctx = { host: "srv01.corp.test", setting: "Service/Auth/CredSSP", port: 5985, scheme: "http" as const };

describe("describeFault", () => {
  test("access denied names the host and the Administrator requirement", () => {
    for (const wsmanCode of [5, 0x80070005, 0x80041003]) {
      const msg = describeFault(coded("WINRM_FAULT", { wsmanCode, faultMessage: "Access is denied." }), ctx);
      expect(msg).toContain("Service/Auth/CredSSP on srv01.corp.test");
      expect(msg).toContain("the account must be a local Administrator on srv01.corp.test");
    }
  });

  test("Kerberos: the KRB error's own message (code and what to do) under a Kerberos heading; not offered names both service flags", () => {
    const skew = describeFault(coded("WINRM_KRB_CLOCK_SKEW", {}, "KRB_AP_ERR_SKEW (37) from the server: clocks differ by more than the allowed 5 minutes"), { ...ctx, auth: "kerberos" });
    expect(skew).toBe("Service/Auth/CredSSP on srv01.corp.test: Kerberos authentication failed: KRB_AP_ERR_SKEW (37) from the server: clocks differ by more than the allowed 5 minutes");
    expect(describeFault(coded("WINRM_KRB_NO_SPN", {}, "KDC_ERR_S_PRINCIPAL_UNKNOWN (7)"), ctx)).toMatch(/: Kerberos authentication failed: KDC_ERR_S_PRINCIPAL_UNKNOWN \(7\)$/);
    const off = describeFault(coded("WINRM_AUTH", { reason: "scheme-not-offered", offeredSchemes: ["Basic"], authScheme: "Kerberos" }), ctx);
    expect(off).toMatch(/does not offer Kerberos authentication \(it offers: Basic\)\. Kerberos needs Service\/Auth\/Negotiate=true or Service\/Auth\/Kerberos=true/);
  });

  test("CredSSP: not offered names Service/Auth/CredSSP and CredSSPServer; a refusal names the NTSTATUS; a key mismatch says the password was not sent", () => {
    const off = describeFault(coded("WINRM_AUTH", { reason: "scheme-not-offered", offeredSchemes: ["Negotiate", "Kerberos"], authScheme: "CredSSP" }), ctx);
    expect(off).toMatch(/does not offer CredSSP authentication \(it offers: Negotiate, Kerberos\)/);
    expect(off).toMatch(/Service\/Auth\/CredSSP=true.*CredSSPServer resource/);
    const bad = describeFault(coded("WINRM_AUTH", { reason: "bad-credentials", offeredSchemes: [], ntStatus: 0xc000006d }), { ...ctx, auth: "credssp" });
    expect(bad).toMatch(/CredSSP authentication, the host answered NTSTATUS 0xC000006D/);
    const mitm = describeFault(coded("WINRM_CREDSSP_SERVER_KEY", {}), ctx);
    expect(mitm).toMatch(/man-in-the-middle is possible, so the password was NOT sent/);
    expect(describeFault(coded("WINRM_CREDSSP_STATUS", {}, "ended CredSSP authentication with STATUS_NETLOGON_NOT_STARTED"), ctx)).toMatch(
      /CredSSP authentication failed: ended CredSSP authentication with STATUS_NETLOGON_NOT_STARTED/,
    );
  });

  test("policy fault 2150858890 says Group Policy and Not Configured", () => {
    const msg = describeFault(coded("WINRM_FAULT", { wsmanCode: 2150858890, faultMessage: "controlled by policies" }), ctx);
    expect(msg).toMatch(/Group Policy/);
    expect(msg).toContain("0x8033808A");
    expect(msg).toContain('"Not Configured"');
  });

  test("other faults quote the host's text and the code in decimal and hex", () => {
    const msg = describeFault(coded("WINRM_FAULT", { wsmanCode: 2150858778, faultMessage: "The WS-Management service cannot process the request." }), ctx);
    expect(msg).toContain("2150858778 (0x8033801A)");
    expect(msg).toContain("The WS-Management service cannot process the request.");
  });

  test("connection refused names host, port and scheme and the quickconfig/firewall fix", () => {
    const msg = describeFault(coded("WINRM_TRANSPORT", { kind: "refused", host: "srv01.corp.test", port: 5986, scheme: "https" }), ctx);
    expect(msg).toContain("WinRM is not listening on srv01.corp.test:5986 (https)");
    expect(msg).toContain("winrm quickconfig");
    expect(msg).toContain("TCP 5985/5986");
  });

  test("the context supplies port and scheme when the error lacks them", () => {
    const msg = describeFault(coded("WINRM_TRANSPORT", { kind: "refused" }), { ...ctx, port: 15985 });
    expect(msg).toContain("srv01.corp.test:15985 (http)");
  });

  test("bad credentials vs scheme not offered", () => {
    const bad = describeFault(coded("WINRM_AUTH", { reason: "bad-credentials", offeredSchemes: ["Negotiate"] }), { ...ctx, auth: "ntlm" });
    expect(bad).toMatch(/rejected the credentials/);
    expect(bad).toContain("connection.user");

    const basic = describeFault(coded("WINRM_AUTH", { reason: "scheme-not-offered", offeredSchemes: ["Negotiate", "Kerberos"] }), {
      ...ctx,
      auth: "basic",
    });
    expect(basic).toContain("does not offer Basic authentication (it offers: Negotiate, Kerberos)");
    expect(basic).toContain("Service/Auth/Basic=true");
  });

  test("the auth scheme is taken from the error when the context does not give it", () => {
    const msg = describeFault(coded("WINRM_AUTH", { reason: "scheme-not-offered", offeredSchemes: ["Negotiate"], authScheme: "Basic" }), ctx);
    expect(msg).toContain("Service/Auth/Basic=true");
  });

  test("TLS names the certificate subject and fingerprint and the caCert/certFingerprint options", () => {
    const msg = describeFault(
      coded("WINRM_TRANSPORT", { kind: "tls", host: "srv01.corp.test", port: 5986, scheme: "https", certSubject: "CN=srv01.corp.test", certSha256: "AB:CD" }),
      ctx,
    );
    expect(msg).toContain('subject "CN=srv01.corp.test"');
    expect(msg).toContain("AB:CD");
    expect(msg).toContain("connection.caCert");
    expect(msg).toContain("connection.certFingerprint");
  });

  test("timeouts, DNS and resets are described with the endpoint", () => {
    expect(describeFault(coded("WINRM_TIMEOUT", {}), ctx)).toContain("no answer from srv01.corp.test:5985 (http)");
    expect(describeFault(coded("WINRM_TIMEOUT", { phase: "connect", timeoutMs: 3000 }), ctx)).toContain(
      "could not connect to srv01.corp.test:5985 (http) within 3000 ms",
    );
    expect(describeFault(coded("WINRM_TRANSPORT", { kind: "http", httpStatus: 503 }), ctx)).toMatch(/HTTP 503.*retrying is safe/);
    expect(describeFault(coded("WINRM_TRANSPORT", { kind: "dns" }), ctx)).toContain("could not be resolved");
    expect(describeFault(coded("WINRM_TRANSPORT", { kind: "reset" }), ctx)).toContain("was dropped");
  });

  test("Windows errors keep their own message", () => {
    const policy = new PolicyControlledError("Client/Auth/CredSSP", "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client", "AllowCredSSP");
    expect(describeFault(policy, ctx)).toContain("WinRM\\Client\\AllowCredSSP");
  });

  test("never contains a redacted secret, even when the underlying error does", () => {
    const password = "S3cret!pass";
    const msg = describeFault(new Error(`login for admin with ${password} failed`), { ...ctx, redact: [password] });
    expect(msg).not.toContain(password);
    expect(msg).toContain("***");
  });

  test("wrapFault returns a HostFaultError carrying the message, the cause code and the cause", () => {
    const cause = coded("WINRM_TRANSPORT", { kind: "refused" });
    const wrapped = wrapFault(cause, ctx);
    expect(wrapped).toBeInstanceOf(HostFaultError);
    expect(wrapped).toMatchObject({ code: "WINDOWS_HOST_FAULT", causeCode: "WINRM_TRANSPORT", host: "srv01.corp.test" });
    expect(wrapped.cause).toBe(cause);
    const policy = new PolicyControlledError("x", "y", "z");
    expect(wrapFault(policy, ctx)).toBe(policy);
  });
});
