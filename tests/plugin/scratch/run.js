// Copied into a scratch project that installed the packed pulumi-credssp tarball and an
// @pulumi/pulumi of tests/plugin/package.test.ts's choosing: an inline program with two
// dynamic resources, up, preview and destroy, through that project's own SDK and
// Automation API. CREDSSP_SCRATCH (JSON) says where the host and the CLI are; the
// summary is printed as JSON.
const { LocalWorkspace, PulumiCommand } = require("@pulumi/pulumi/automation");
const s = JSON.parse(process.env.CREDSSP_SCRATCH);
(async () => {
  const { CredSSPServer, TrustedHosts } = require("pulumi-credssp");
  const program = async () => {
    const server = new CredSSPServer("server", { connection: s.connection });
    const trusted = new TrustedHosts("trusted", { connection: s.connection, hosts: ["srv01.corp.test"] });
    return { enabled: server.enabled, value: trusted.value };
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: "scratch", stackName: "dev", program },
    {
      workDir: process.cwd(),
      pulumiCommand: await PulumiCommand.get({ root: s.pulumiRoot, skipVersionCheck: true }),
      envVars: s.env,
      projectSettings: { name: "scratch", runtime: "nodejs", backend: { url: s.env.PULUMI_BACKEND_URL } },
    },
  );
  const up = await stack.up();
  const preview = await stack.preview();
  const down = await stack.destroy();
  console.log(JSON.stringify({ up: up.summary.result, outputs: { enabled: up.outputs.enabled.value, value: up.outputs.value.value }, preview: preview.changeSummary, down: down.summary.result }));
})().catch((e) => { console.error(e); process.exit(1); });
