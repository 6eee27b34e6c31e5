// HTTP Basic: the credentials travel with every request. The client refuses it over
// plain HTTP unless allowUnencrypted was set (see client.ts).
import { AuthenticationError } from "../errors";
import { SOAP_CONTENT_TYPE } from "../soap";
import type { HttpTransport } from "../transport";
import { offeredSchemes, offers } from "./authenticator";
import type { Authenticator, PlainReply } from "./authenticator";

export class BasicAuthenticator implements Authenticator {
  readonly scheme = "Basic";
  // ES private: never shown by util.inspect or JSON.stringify of the client.
  readonly #header: string;

  constructor(
    private readonly transport: HttpTransport,
    private readonly username: string,
    password: string,
  ) {
    this.#header = `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
  }

  async send(payload: Buffer): Promise<PlainReply> {
    const res = await this.transport.post({ Authorization: this.#header, "Content-Type": SOAP_CONTENT_TYPE }, payload);
    if (res.status === 401) {
      const { host, port, scheme } = this.transport.endpoint;
      throw new AuthenticationError({
        reason: offers(res, "Basic") ? "bad-credentials" : "scheme-not-offered",
        offeredSchemes: offeredSchemes(res),
        host, port, scheme,
        authScheme: "Basic",
        username: this.username,
      });
    }
    const ct = res.headers["content-type"];
    return { status: res.status, contentType: typeof ct === "string" ? ct : undefined, body: res.body };
  }

  reset(): void {
    /* stateless */
  }
}
