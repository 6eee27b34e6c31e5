// Loads the recorded Windows exchanges in shared/reference/windows-captures (pypsrp,
// MIT) so tests can replay what real hosts answered.
import * as fs from "node:fs";
import * as path from "node:path";

// js-yaml ships with @pulumi/pulumi; required untyped to avoid a new devDependency.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load(text: string): unknown };

export const CAPTURES_DIR = path.resolve(__dirname, "../../../../shared/reference/windows-captures");

export interface CapturedMessage {
  request: string;
  response: string | null;
  /** HTTP status the host answered with (faults come with 500). */
  status: number;
  /** The host dropped the exchange without a SOAP answer. */
  httpError: boolean;
}

export function captureNames(): string[] {
  return fs.readdirSync(CAPTURES_DIR).filter((f) => f.endsWith(".yml")).sort();
}

export function loadCapture(name: string): CapturedMessage[] {
  const doc = yaml.load(fs.readFileSync(path.join(CAPTURES_DIR, name), "utf8")) as {
    messages: Array<{ request: string; response: string | null; transport_error?: { code: number }; http_error?: boolean }>;
  };
  return doc.messages.map((m) => ({
    request: m.request,
    response: m.response,
    status: m.transport_error?.code ?? 200,
    httpError: m.http_error === true,
  }));
}

export function actionOf(envelope: string): string {
  const m = /<(?:\w+:)?Action[^>]*>([^<]+)</.exec(envelope);
  return m ? m[1].trim() : "";
}

export { messageIdOf } from "../../../testkit/hostile-server";

function unescape(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

/** The command line (Command + Arguments) carried by a shell Command request, unescaped. */
export function commandLineOf(envelope: string): string[] {
  const out: string[] = [];
  const re = /<rsp:(Command|Arguments)>([^<]*)<\/rsp:\1>/g;
  for (let m = re.exec(envelope); m; m = re.exec(envelope)) out.push(unescape(m[2]));
  return out;
}
