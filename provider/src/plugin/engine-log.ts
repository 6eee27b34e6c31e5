// Messages from the plugin to the engine's log (pulumirpc.Engine/Log), shown under the
// resource they are about, as the dynamic resources' pulumi.log.warn is. The engine
// passes its address as the plugin's first argument. A message that cannot be sent
// is dropped: a warning never fails an operation.
import { createRequire } from "node:module";
import { grpc } from "./rpc";

const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const engineproto: typeof import("@pulumi/pulumi/proto/engine_pb") = fromPulumi("./proto/engine_pb");
const enginerpc: typeof import("@pulumi/pulumi/proto/engine_grpc_pb") = fromPulumi("./proto/engine_grpc_pb");

export class EngineLog {
  private client: InstanceType<typeof enginerpc.EngineClient> | undefined;

  constructor(private readonly address: string) {}

  /** Logs `message` as a warning on the resource `urn`. */
  warn(message: string, urn: string): Promise<void> {
    this.client ??= new enginerpc.EngineClient(this.address, grpc.credentials.createInsecure());
    const req = new engineproto.LogRequest();
    req.setSeverity(engineproto.LogSeverity.WARNING);
    req.setMessage(message);
    req.setUrn(urn);
    return new Promise((resolve) => this.client!.log(req, () => resolve()));
  }
}
