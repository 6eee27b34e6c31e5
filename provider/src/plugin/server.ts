// The ResourceProvider gRPC service of `pulumi-resource-credssp`: what the engine
// calls for programs in Python, Go, YAML (and any language with a generated SDK).
//
// Every resource operation goes to `providers[kind]`, the very functions the
// TypeScript dynamic resources call; this file only translates. It fills in the
// provider configuration a resource's connection leaves out (config.ts), unwraps and
// re-wraps secrets (values.ts), names the changed properties of a diff (diff.ts), and
// turns a part-way failure into the engine's "initialisation failed" error so the
// state reached is recorded, as the dynamic provider host does.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Metadata, sendUnaryData, ServerUnaryCall, ServiceError, UntypedServiceImplementation } from "@grpc/grpc-js";
import { providers } from "../index";
import { checkProviderConfig, configHint, CONFIG_KEYS, CONNECTION_PROPERTIES, failurePath, normalisedConfig, ProviderConfig, withConfig, withoutConfig } from "./config";
import { EngineLog } from "./engine-log";
import { propertyChanges } from "./diff";
import { importResource } from "./import";
import { ProviderConfigError, UnknownResourceTypeError } from "./errors";
import { anyproto, emptyproto, grpc, plugproto, provproto, statusproto } from "./rpc";
import { packageRoot } from "./package-root";
import { fromStruct, PropertyMap, toStruct, Unwrapped } from "./values";
import { deepEqual } from "../resources/common";
import { LIST_PROPERTY_NAMES } from "../resources/delegation-policy";
import { computerAdvice, spnAdvice } from "../resources/validation";

/** The package name: tokens are `credssp:index:<Kind>`. */
export const PACKAGE = "credssp";

export type Kind = keyof typeof providers;

/** What every entry of `providers` offers, loosely typed: the plugin hands it engine data. */
interface ResourceProvider {
  check(olds: unknown, news: PropertyMap): Promise<{ inputs?: PropertyMap; failures?: { property: string; reason: string }[] }>;
  diff(id: string, olds: any, news: any): Promise<{ changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }>;
  create(inputs: any): Promise<{ id: string; outs: PropertyMap }>;
  read(id: string, props: any): Promise<{ id?: string; props?: PropertyMap; inputs?: PropertyMap }>;
  update(id: string, olds: any, news: any): Promise<{ outs: PropertyMap }>;
  delete(id: string, props: any): Promise<void>;
}

/** The resource kind of a type token `credssp:index:<Kind>`, or an error naming the known ones. */
export function kindOf(type: string): Kind {
  const [pkg, mod, name] = type.split(":");
  if (pkg === PACKAGE && mod === "index" && Object.prototype.hasOwnProperty.call(providers, name)) return name as Kind;
  throw new UnknownResourceTypeError(type, Object.keys(providers).map((k) => `${PACKAGE}:index:${k}`));
}

/** The type token of a request: its `type` field, or the URN's type part (older engines). */
function typeOf(req: { getType(): string; getUrn(): string }): string {
  if (req.getType()) return req.getType();
  const qualified = req.getUrn().split("::")[2] ?? "";
  return qualified.split("$").pop() ?? "";
}

function providerFor(req: { getType(): string; getUrn(): string }): ResourceProvider {
  return providers[kindOf(typeOf(req))] as unknown as ResourceProvider;
}

/** Inputs and outputs named `__…`: the resources' own bookkeeping, never a user's change. */
const isBookkeeping = (key: string): boolean => key.startsWith("__");

/**
 * The check inputs with `__owner` set to the resource's URN, as the TypeScript classes
 * set it program-side (resources/owner.ts): the label of this resource's owner id in
 * the hosts' ownership ledger. DoubleHopCheck owns nothing and gets none.
 */
function withOwnerLabel(req: { getType(): string; getUrn(): string }, news: PropertyMap): PropertyMap {
  if (kindOf(typeOf(req)) === "DoubleHopCheck" || !req.getUrn()) return news;
  return { ...news, __owner: req.getUrn() };
}

/** A failure part-way through create/update, with the state reached (resources/errors.ts). */
interface PartialApply {
  code: "RESOURCE_PARTIAL_APPLY";
  id: string;
  properties: PropertyMap;
  reasons: string[];
  message: string;
}

function isPartialApply(err: unknown): err is PartialApply {
  return err instanceof Error && (err as { code?: unknown }).code === "RESOURCE_PARTIAL_APPLY";
}

/** An error for the engine: its message, and for a part-way failure the state to record. */
function grpcError(err: unknown, partial?: (e: PartialApply) => { properties: PropertyMap; inputs: Unwrapped }): Partial<ServiceError> {
  const message = err instanceof Error ? err.message : String(err);
  if (!isPartialApply(err) || !partial) return { code: grpc.status.UNKNOWN, details: message, message };
  const { properties, inputs } = partial(err);
  const detail = new provproto.ErrorResourceInitFailed();
  detail.setId(err.id);
  detail.setProperties(toStruct(properties, inputs.secrets));
  detail.setInputs(toStruct(inputs.value, inputs.secrets));
  detail.setReasonsList(err.reasons);
  const any = new anyproto.Any();
  any.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
  const status = new statusproto.Status();
  status.setCode(grpc.status.UNKNOWN);
  status.setMessage(message);
  status.addDetails(any);
  const metadata: Metadata = new grpc.Metadata();
  metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
  return { code: grpc.status.UNKNOWN, details: message, message, metadata };
}

/** Adapts an async handler to grpc-js's callback style. */
function unary<Req, Res>(
  handler: (req: Req) => Promise<Res>,
  partial?: (req: Req) => (e: PartialApply) => { properties: PropertyMap; inputs: Unwrapped },
) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    handler(call.request).then(
      (res) => callback(null, res),
      (err: unknown) => {
        const e = grpcError(err, partial?.(call.request));
        callback(e, null, e.metadata);
      },
    );
  };
}

export interface ProviderServerOptions {
  /** The plugin's version (GetPluginInfo); the package's by default. */
  version?: string;
  /** schema.json's text (GetSchema); the package's by default. */
  schema?: string;
  /** The engine's address (the plugin's first argument), for warnings; none: not sent. */
  engine?: string;
}

/** The service implementation, by gRPC method name. */
export function providerService(opts: ProviderServerOptions = {}): UntypedServiceImplementation {
  const root = opts.version === undefined || opts.schema === undefined ? packageRoot() : "";
  const version = opts.version ?? (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
  const schema = opts.schema ?? fs.readFileSync(path.join(root, "schema.json"), "utf8");
  let config: ProviderConfig = {};

  /** A resource's properties with the configured settings its connections leave out. */
  const configured = (props: PropertyMap): PropertyMap => {
    const out = { ...props };
    for (const k of CONNECTION_PROPERTIES) if (out[k] !== undefined) out[k] = withConfig(out[k], config);
    return out;
  };
  /** A result's properties with those settings taken out again; `declared` are the resource's own inputs. */
  const declaredOnly = (props: PropertyMap, declared: PropertyMap): PropertyMap => {
    const out = { ...props };
    for (const k of CONNECTION_PROPERTIES) if (out[k] !== undefined) out[k] = withoutConfig(out[k], declared[k], config);
    return out;
  };
  const engine = opts.engine ? new EngineLog(opts.engine) : undefined;

  return {
    getPluginInfo: unary(async () => {
      const info = new plugproto.PluginInfo();
      info.setVersion(version);
      return info;
    }),

    getSchema: unary(async (req: InstanceType<typeof provproto.GetSchemaRequest>) => {
      if (req.getVersion() !== 0) throw new Error(`unsupported schema version ${req.getVersion()}`);
      const res = new provproto.GetSchemaResponse();
      res.setSchema(schema);
      return res;
    }),

    checkConfig: unary(async (req: InstanceType<typeof provproto.CheckRequest>) => {
      const news = fromStruct(req.getNews());
      const checked = checkProviderConfig(news.value);
      const res = new provproto.CheckResponse();
      res.setInputs(toStruct(checked.config ? normalisedConfig(news.value, checked.config) : news.value, [...news.secrets, ["password"]]));
      res.setFailuresList(checked.failures.map(failure));
      return res;
    }),

    diffConfig: unary(async (req: InstanceType<typeof provproto.DiffRequest>) => {
      const typed = (s: Unwrapped) => checkProviderConfig(s.value).config ?? s.value;
      const olds = typed(fromStruct(req.getOldInputs() ?? req.getOlds())) as PropertyMap;
      const news = typed(fromStruct(req.getNews())) as PropertyMap;
      const changed = CONFIG_KEYS.filter((k) => !deepEqual(olds[k] ?? null, news[k] ?? null));
      const res = new provproto.DiffResponse();
      res.setChanges(changed.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
      res.setDiffsList(changed);
      res.setHasdetaileddiff(true);
      // Settings only fill in what resources leave out; no change to them replaces anything.
      for (const k of changed) res.getDetaileddiffMap().set(k, propertyDiff(olds[k] === undefined ? "add" : news[k] === undefined ? "delete" : "update", false));
      return res;
    }),

    configure: unary(async (req: InstanceType<typeof provproto.ConfigureRequest>) => {
      const args = req.getArgs();
      const inputs: PropertyMap = args
        ? fromStruct(args).value
        : Object.fromEntries([...req.getVariablesMap().entries()].map(([k, v]) => [k.replace(/^[^:]+:(config:)?/, ""), v]));
      const checked = checkProviderConfig(inputs);
      if (!checked.config) throw new ProviderConfigError(checked.failures.map((f) => f.reason).join("; "));
      config = checked.config;
      const res = new provproto.ConfigureResponse();
      res.setAcceptsecrets(true);
      res.setSupportspreview(false);
      res.setAcceptresources(false);
      res.setAcceptoutputs(false);
      return res;
    }),

    check: unary(async (req: InstanceType<typeof provproto.CheckRequest>) => {
      const provider = providerFor(req);
      const olds = fromStruct(req.getOlds());
      const news = fromStruct(req.getNews());
      const filled = withOwnerLabel(req, configured(news.value));
      const result = await provider.check(olds.value, filled);
      const res = new provproto.CheckResponse();
      if (result.failures && result.failures.length > 0) {
        res.setInputs(toStruct(news.value, news.secrets));
        res.setFailuresList(result.failures.map((f) => failure(withHint(f, filled))));
        return res;
      }
      const { __provider, ...inputs } = result.inputs ?? {};
      void __provider;
      for (const warning of inputWarnings(inputs)) engine?.warn(warning, req.getUrn());
      res.setInputs(toStruct(declaredOnly(inputs, news.value), news.secrets));
      return res;
    }),

    diff: unary(async (req: InstanceType<typeof provproto.DiffRequest>) => {
      const provider = providerFor(req);
      const olds = fromStruct(req.getOlds()).value;
      const news = fromStruct(req.getNews()).value;
      const oldInputs = fromStruct(req.getOldInputs()).value;
      const result = await provider.diff(req.getId(), olds, news);
      const replaces = result.replaces ?? [];
      const res = new provproto.DiffResponse();
      res.setHasdetaileddiff(true);
      if (!result.changes) {
        res.setChanges(provproto.DiffResponse.DiffChanges.DIFF_NONE);
        return res;
      }
      const inputKeys = [...Object.keys(news), ...Object.keys(oldInputs)].filter((k) => !isBookkeeping(k));
      const changes = propertyChanges(olds, news, inputKeys, replaces);
      res.setChanges(provproto.DiffResponse.DiffChanges.DIFF_SOME);
      res.setReplacesList(replaces);
      res.setDeletebeforereplace(result.deleteBeforeReplace ?? false);
      res.setDiffsList([...new Set(changes.map((c) => c.path.split(".")[0]))]);
      for (const c of changes) res.getDetaileddiffMap().set(c.path, propertyDiff(c.kind, c.replace));
      return res;
    }),

    create: unary(
      async (req: InstanceType<typeof provproto.CreateRequest>) => {
        const provider = providerFor(req);
        const inputs = fromStruct(req.getProperties());
        const res = new provproto.CreateResponse();
        if (req.getPreview()) {
          res.setProperties(toStruct(inputs.value, inputs.secrets));
          return res;
        }
        const result = await provider.create(configured(inputs.value));
        res.setId(result.id);
        res.setProperties(toStruct(declaredOnly(result.outs, inputs.value), inputs.secrets));
        return res;
      },
      (req) => (e) => {
        const inputs = fromStruct(req.getProperties());
        return { properties: declaredOnly(e.properties, inputs.value), inputs };
      },
    ),

    read: unary(async (req: InstanceType<typeof provproto.ReadRequest>) => {
      const provider = providerFor(req);
      const props = fromStruct(req.getProperties());
      const inputs = fromStruct(req.getInputs());
      if (Object.keys(props.value).length === 0) {
        // No state: an import. The connection comes from the ID, the rest from configuration.
        const imported = await importResource(kindOf(typeOf(req)), req.getId(), {
          check: (o, n) => provider.check(o, n),
          configured: (p) => withOwnerLabel(req, configured(p)),
        });
        const res = new provproto.ReadResponse();
        res.setId(imported.id);
        res.setProperties(toStruct(declaredOnly(imported.props, imported.inputs), []));
        res.setInputs(toStruct(imported.inputs, []));
        return res;
      }
      const result = await provider.read(req.getId(), configured(props.value));
      const res = new provproto.ReadResponse();
      if (!result.id) return res; // gone from the host: the engine drops it from state
      const declared = props.value;
      res.setId(result.id);
      res.setProperties(toStruct(declaredOnly(result.props ?? {}, declared), props.secrets));
      if (result.inputs) res.setInputs(toStruct(declaredOnly(result.inputs, declared), [...inputs.secrets, ...props.secrets]));
      return res;
    }),

    update: unary(
      async (req: InstanceType<typeof provproto.UpdateRequest>) => {
        const provider = providerFor(req);
        const olds = fromStruct(req.getOlds());
        const news = fromStruct(req.getNews());
        const res = new provproto.UpdateResponse();
        if (req.getPreview()) {
          res.setProperties(toStruct({ ...olds.value, ...news.value }, news.secrets));
          return res;
        }
        const result = await provider.update(req.getId(), configured(olds.value), configured(news.value));
        res.setProperties(toStruct(declaredOnly(result.outs, news.value), news.secrets));
        return res;
      },
      (req) => (e) => {
        const news = fromStruct(req.getNews());
        return { properties: declaredOnly(e.properties, news.value), inputs: news };
      },
    ),

    delete: unary(async (req: InstanceType<typeof provproto.DeleteRequest>) => {
      const provider = providerFor(req);
      const props = fromStruct(req.getProperties());
      await provider.delete(req.getId(), configured(props.value));
      return new emptyproto.Empty();
    }),

    cancel: unary(async () => new emptyproto.Empty()),
  };
}

function failure(f: { property: string; reason: string }): InstanceType<typeof provproto.CheckFailure> {
  const out = new provproto.CheckFailure();
  out.setProperty(f.property);
  out.setReason(f.reason);
  return out;
}

/** A missing user or password names the provider setting that could supply it. */
function withHint(f: { property: string; reason: string }, filled: PropertyMap): { property: string; reason: string } {
  const path = failurePath(f);
  const hint = configHint(path);
  const [prop, key] = path.split(".");
  const conn = filled[prop] as PropertyMap | undefined;
  if (!hint || conn === null || typeof conn !== "object" || conn[key] !== undefined) return f;
  return { ...f, reason: `${f.reason} (${hint})` };
}

function propertyDiff(kind: "add" | "delete" | "update", replace: boolean): InstanceType<typeof provproto.PropertyDiff> {
  const K = provproto.PropertyDiff.Kind;
  const d = new provproto.PropertyDiff();
  d.setKind(
    kind === "add" ? (replace ? K.ADD_REPLACE : K.ADD) : kind === "delete" ? (replace ? K.DELETE_REPLACE : K.DELETE) : replace ? K.UPDATE_REPLACE : K.UPDATE,
  );
  d.setInputdiff(false);
  return d;
}

/** The advice checked inputs earn (the dynamic resources give the same program-side). */
function inputWarnings(inputs: PropertyMap): string[] {
  const warnings: string[] = [];
  for (const field of ["delegateComputers", ...LIST_PROPERTY_NAMES]) {
    const values = inputs[field];
    if (!Array.isArray(values)) continue;
    for (const v of values) {
      const w = typeof v !== "string" ? undefined : field === "delegateComputers" ? computerAdvice(field, v) : spnAdvice(field, v);
      if (w) warnings.push(w);
    }
  }
  return warnings;
}
