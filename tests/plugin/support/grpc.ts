// The plugin's ResourceProvider service on real gRPC over loopback, for tests that
// speak to it as the engine does (the same generated client stubs), and the request
// helpers they share.
import type { Server, ServiceError } from "@grpc/grpc-js";
import { grpc, provproto, provrpc, structproto } from "../../../provider/src/plugin/rpc";
import { providerService, ProviderServerOptions } from "../../../provider/src/plugin/server";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
/** A value as the engine sends a secret. */
export const secret = (value: unknown) => ({ [SIG]: SECRET, value });
export const struct = (v: Record<string, unknown>) => structproto.Struct.fromJavaScript(v as any);

export type Client = InstanceType<typeof provrpc.ResourceProviderClient>;

/** Calls one unary method, resolving with the response or rejecting with the gRPC error. */
export function call<Req, Res>(client: Client, method: string, req: Req): Promise<Res> {
  return new Promise((resolve, reject) =>
    (client as any)[method](req, (err: ServiceError | null, res: Res) => (err ? reject(err) : resolve(res))),
  );
}

export interface Served {
  client: Client;
  stop(): Promise<void>;
}

/** Serves a provider on 127.0.0.1 port 0 and connects a client to it. */
export async function serveProvider(opts: ProviderServerOptions = {}): Promise<Served> {
  const server: Server = new grpc.Server();
  server.addService(provrpc.ResourceProviderService, providerService(opts));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    client,
    stop: async () => {
      client.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

/** A provider served afresh for each test of the calling suite: the getter gives its client. */
export function providerPerTest(): () => Client {
  let served: Served | undefined;
  beforeEach(async () => {
    served = await serveProvider();
  });
  afterEach(async () => {
    await served?.stop();
    served = undefined;
  });
  return () => served!.client;
}

export function configureRequest(args: Record<string, unknown>) {
  const req = new provproto.ConfigureRequest();
  req.setArgs(struct(args));
  req.setAcceptsecrets(true);
  return req;
}
