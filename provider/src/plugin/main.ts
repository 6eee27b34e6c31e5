// Entry point of `pulumi-resource-credssp`: serves the ResourceProvider service on a
// loopback port and prints the port, which is how the engine finds a plugin. The
// engine passes its own address as the first argument; the provider calls back into
// it only to log warnings (engine-log.ts).
import { grpc, provrpc } from "./rpc";
import { providerService } from "./server";

/** Pulumi's own limit for a gRPC message (large states and schemas). */
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;

export async function serve(engine?: string): Promise<number> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  });
  server.addService(provrpc.ResourceProviderService, providerService({ engine }));
  return new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

if (require.main === module) {
  // Flags (--logtostderr, -v=N, --tracing <endpoint>) come first; the engine address last.
  serve(process.argv.slice(2).filter((a) => !a.startsWith("-")).pop()).then(
    (port) => process.stdout.write(`${port}\n`),
    (err: unknown) => {
      process.stderr.write(`pulumi-resource-credssp: cannot serve: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
