// The double hop, declared: ws01 remotes into srv01, and a command run there must
// reach \\fs01\share with the user's own credentials. CredSSP makes that work when
// srv01 accepts CredSSP, ws01 offers it and may delegate fresh credentials to
// WSMAN/srv01 (also when only NTLM can authenticate srv01), and ws01 trusts srv01.
// Given the share, a DoubleHopCheck then proves it, after the four are in place.
import * as pulumi from "@pulumi/pulumi";
import { ConnectionArgs, CredentialArgs, CredSSPClient, CredSSPServer, DelegationPolicy, DoubleHopCheck, TrustedHosts } from "pulumi-credssp";

export interface DoubleHopSettings {
  /** The workstation the admin works at (CredSSP client). */
  ws01: { fqdn: string; connection: ConnectionArgs };
  /** The server ws01 remotes into (CredSSP server). */
  srv01: { fqdn: string; connection: ConnectionArgs };
  /**
   * The second hop to prove: a UNC path srv01 must list with the delegated credentials
   * (default: ws01's connection account). Without it there is no DoubleHopCheck.
   */
  secondHop?: { path: string; credential?: CredentialArgs };
}

export function doubleHop(s: DoubleHopSettings) {
  const spn = `WSMAN/${s.srv01.fqdn}`;
  const server = new CredSSPServer("srv01-accepts-credssp", { connection: s.srv01.connection });
  const client = new CredSSPClient("ws01-offers-credssp", { connection: s.ws01.connection, delegateComputers: [s.srv01.fqdn] });
  const policy = new DelegationPolicy("ws01-may-delegate", {
    connection: s.ws01.connection,
    allowFreshCredentials: [spn],
    allowFreshCredentialsWhenNTLMOnly: [spn],
  });
  const trusted = new TrustedHosts("ws01-trusts-srv01", { connection: s.ws01.connection, hosts: [s.srv01.fqdn] });
  const check = s.secondHop
    ? new DoubleHopCheck(
        "ws01-srv01-share",
        {
          via: s.ws01.connection,
          target: s.srv01.fqdn,
          credential: s.secondHop.credential ?? defaultCredential(s.ws01.connection),
          path: s.secondHop.path,
        },
        { dependsOn: [server, client, policy, trusted] },
      )
    : undefined;

  return {
    summary: pulumi.interpolate`${s.ws01.fqdn} may delegate fresh credentials to ${spn} (Kerberos and NTLM-only); ${s.srv01.fqdn} accepts CredSSP (${server.enabled}); ${s.ws01.fqdn} offers it (${client.enabled}) and trusts ${trusted.hosts}`,
    srv01CredSSP: server.enabled,
    ws01CredSSP: client.enabled,
    ws01AllowFresh: policy.allowFreshCredentials,
    ws01AllowFreshNTLMOnly: policy.allowFreshCredentialsWhenNTLMOnly,
    ws01TrustedHosts: trusted.value,
    ...(check ? { doubleHopWorks: check.works, doubleHopMessage: check.message } : {}),
  };
}

/** CredSSP delegates a password: by default ws01's connection account, which then needs one. */
function defaultCredential(c: ConnectionArgs): CredentialArgs {
  if (c.password === undefined) {
    throw new Error("the DoubleHopCheck delegates a password: give secondHop.credential when ws01's connection has none (Kerberos from a kinit cache)");
  }
  return { user: c.user, password: c.password };
}

/** The settings from Pulumi config (see the README for the keys). */
export function settingsFromConfig(config = new pulumi.Config()): DoubleHopSettings {
  const user = config.require("user");
  const auth = (config.get("auth") as "ntlm" | "basic" | "credssp" | "kerberos" | "negotiate" | undefined) ?? "ntlm";
  const kerberos = auth === "kerberos" || auth === "negotiate" || auth === "credssp";
  // Kerberos can take the ticket from `kinit`'s credential cache instead of a password.
  const password = auth === "kerberos" || auth === "negotiate" ? config.getSecret("password") : config.requireSecret("password");
  const https = config.getBoolean("https") ?? false;
  const shared: Omit<ConnectionArgs, "host"> = {
    user,
    password,
    https,
    auth,
    caCert: config.get("caCert"),
    insecureSkipVerify: config.getBoolean("insecureSkipVerify"),
    realm: config.get("realm"),
    kdc: config.get("kdc"),
  };
  const host = (role: "ws01" | "srv01") => {
    const fqdn = config.require(`${role}Fqdn`);
    const address = config.get(`${role}Address`);
    return {
      fqdn,
      connection: {
        ...shared,
        host: address ?? fqdn,
        // Reached by address, Kerberos still names the host by its FQDN (HTTP/<fqdn>).
        kerberosHostname: kerberos && address !== undefined ? fqdn : undefined,
        port: config.getNumber(`${role}Port`),
        certFingerprint: config.get(`${role}CertFingerprint`),
      },
    };
  };
  const sharePath = config.get("sharePath");
  const checkUser = config.get("checkUser");
  const secondHop = sharePath
    ? { path: sharePath, credential: checkUser ? { user: checkUser, password: config.requireSecret("checkPassword") } : undefined }
    : undefined;
  return { ws01: host("ws01"), srv01: host("srv01"), secondHop };
}
