// The gRPC runtime and Pulumi's generated protocol classes, loaded from the
// @pulumi/pulumi installation this package peers with. Its generated *_pb modules
// `require` @grpc/grpc-js and google-protobuf from there, so we take ours from the
// same place: one instance of each, whatever hoisting the install did.
import { createRequire } from "node:module";

const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));

export const grpc: typeof import("@grpc/grpc-js") = fromPulumi("@grpc/grpc-js");
export const provproto: typeof import("@pulumi/pulumi/proto/provider_pb") = fromPulumi("./proto/provider_pb");
export const provrpc: typeof import("@pulumi/pulumi/proto/provider_grpc_pb") = fromPulumi("./proto/provider_grpc_pb");
export const plugproto: typeof import("@pulumi/pulumi/proto/plugin_pb") = fromPulumi("./proto/plugin_pb");
export const statusproto: typeof import("@pulumi/pulumi/proto/status_pb") = fromPulumi("./proto/status_pb");
export const structproto: typeof import("google-protobuf/google/protobuf/struct_pb") = fromPulumi(
  "google-protobuf/google/protobuf/struct_pb",
);
export const emptyproto: typeof import("google-protobuf/google/protobuf/empty_pb") = fromPulumi("google-protobuf/google/protobuf/empty_pb");
export const anyproto: typeof import("google-protobuf/google/protobuf/any_pb") = fromPulumi("google-protobuf/google/protobuf/any_pb");

export type Struct = import("google-protobuf/google/protobuf/struct_pb").Struct;
