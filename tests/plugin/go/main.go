// The double hop through the credssp provider plugin, from Go.
//
// `roundtrip <op>` runs one operation on an inline Automation API stack
// (auto.NewStackInlineSource) and prints a JSON summary on its last line;
// tests/plugin/go.test.ts runs the ops in turn against simulated hosts and checks the
// hosts between them. The program uses the generated SDK (sdk/go, through a replace
// directive). srv01's resource carries its own credentials in `connection` (the
// password a secret); ws01's resources take theirs from an explicit provider.
//
// Environment: CREDSSP_ROUNDTRIP (JSON: project, stack, workDir, pulumiRoot, user,
// password, ws01/srv01 {fqdn, host, port}) and the engine variables (PULUMI_HOME,
// PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, ...).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"example.com/pulumi-credssp/sdk/go/credssp"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type host struct {
	Fqdn string `json:"fqdn"`
	Host string `json:"host"`
	Port int    `json:"port"`
}

type settings struct {
	Project    string `json:"project"`
	Stack      string `json:"stack"`
	WorkDir    string `json:"workDir"`
	PulumiRoot string `json:"pulumiRoot"`
	User       string `json:"user"`
	Password   string `json:"password"`
	Ws01       host   `json:"ws01"`
	Srv01      host   `json:"srv01"`
}

type step struct {
	Name       string   `json:"name"`
	Op         string   `json:"op"`
	Properties []string `json:"properties"`
}

type summary struct {
	Result  string         `json:"result,omitempty"`
	Changes map[string]int `json:"changes"`
	Outputs map[string]any `json:"outputs,omitempty"`
	Steps   []step         `json:"steps"`
}

func program(s settings) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		spn := "WSMAN/" + s.Srv01.Fqdn
		server, err := credssp.NewCredSSPServer(ctx, "srv01-accepts-credssp", &credssp.CredSSPServerArgs{
			Connection: &credssp.ConnectionArgs{
				Host:     pulumi.String(s.Srv01.Host),
				Port:     pulumi.Int(s.Srv01.Port),
				User:     pulumi.String(s.User),
				Password: pulumi.String(s.Password),
			},
		})
		if err != nil {
			return err
		}
		ws01, err := credssp.NewProvider(ctx, "ws01-winrm", &credssp.ProviderArgs{
			User:     pulumi.String(s.User),
			Password: pulumi.String(s.Password),
		})
		if err != nil {
			return err
		}
		conn := &credssp.ConnectionArgs{Host: pulumi.String(s.Ws01.Host), Port: pulumi.Int(s.Ws01.Port)}
		client, err := credssp.NewCredSSPClient(ctx, "ws01-offers-credssp", &credssp.CredSSPClientArgs{
			Connection:        conn,
			DelegateComputers: pulumi.StringArray{pulumi.String(s.Srv01.Fqdn)},
		}, pulumi.Provider(ws01))
		if err != nil {
			return err
		}
		policy, err := credssp.NewDelegationPolicy(ctx, "ws01-may-delegate", &credssp.DelegationPolicyArgs{
			Connection:                        conn,
			AllowFreshCredentials:             pulumi.StringArray{pulumi.String(spn)},
			AllowFreshCredentialsWhenNTLMOnly: pulumi.StringArray{pulumi.String(spn)},
		}, pulumi.Provider(ws01))
		if err != nil {
			return err
		}
		trusted, err := credssp.NewTrustedHosts(ctx, "ws01-trusts-srv01", &credssp.TrustedHostsArgs{
			Connection: conn,
			Hosts:      pulumi.StringArray{pulumi.String(s.Srv01.Fqdn)},
		}, pulumi.Provider(ws01))
		if err != nil {
			return err
		}
		ctx.Export("srv01CredSSP", server.Enabled)
		ctx.Export("ws01CredSSP", client.Enabled)
		ctx.Export("ws01AllowFreshNTLMOnly", policy.AllowFreshCredentialsWhenNTLMOnly)
		ctx.Export("ws01TrustedHosts", trusted.Value)
		return nil
	}
}

func openStack(ctx context.Context, s settings, op string) (auto.Stack, error) {
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: s.PulumiRoot})
	if err != nil {
		return auto.Stack{}, err
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "PULUMI_") {
			env[k] = v
		}
	}
	opts := []auto.LocalWorkspaceOption{
		auto.Pulumi(cmd),
		auto.WorkDir(s.WorkDir),
		auto.EnvVars(env),
		auto.Project(workspace.Project{
			Name:    tokens.PackageName(s.Project),
			Runtime: workspace.NewProjectRuntimeInfo("go", nil),
			Backend: &workspace.ProjectBackend{URL: os.Getenv("PULUMI_BACKEND_URL")},
		}),
	}
	if op != "up" {
		return auto.SelectStackInlineSource(ctx, s.Stack, s.Project, program(s), opts...)
	}
	stack, err := auto.NewStackInlineSource(ctx, s.Stack, s.Project, program(s), opts...)
	if auto.IsCreateStack409Error(err) {
		return auto.SelectStackInlineSource(ctx, s.Stack, s.Project, program(s), opts...)
	}
	return stack, err
}

// planned lists, per resource, the step the engine planned and the properties the
// provider's diff named (its detailedDiff).
func planned(ch <-chan events.EngineEvent, done chan<- []step) {
	var steps []step
	for e := range ch {
		if e.ResourcePreEvent == nil {
			continue
		}
		m := e.ResourcePreEvent.Metadata
		op := string(m.Op)
		if op == "same" || op == "refresh" || op == "read" || m.Type == "pulumi:pulumi:Stack" || strings.HasPrefix(m.Type, "pulumi:providers:") {
			continue
		}
		props := []string{}
		for k := range m.DetailedDiff {
			props = append(props, k)
		}
		sort.Strings(props)
		parts := strings.Split(m.URN, "::")
		steps = append(steps, step{Name: parts[len(parts)-1], Op: op, Properties: props})
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].Name < steps[j].Name })
	done <- steps
}

func run(op string) (summary, error) {
	var s settings
	if err := json.Unmarshal([]byte(os.Getenv("CREDSSP_ROUNDTRIP")), &s); err != nil {
		return summary{}, fmt.Errorf("CREDSSP_ROUNDTRIP: %w", err)
	}
	ctx := context.Background()
	stack, err := openStack(ctx, s, op)
	if err != nil {
		return summary{}, err
	}
	ch := make(chan events.EngineEvent)
	done := make(chan []step)
	go planned(ch, done)
	out := summary{Changes: map[string]int{}}
	switch op {
	case "up":
		res, err := stack.Up(ctx, optup.Refresh(), optup.EventStreams(ch))
		if err != nil {
			return summary{}, err
		}
		out.Result = res.Summary.Result
		if res.Summary.ResourceChanges != nil {
			out.Changes = *res.Summary.ResourceChanges
		}
		out.Outputs = map[string]any{}
		for k, v := range res.Outputs {
			out.Outputs[k] = v.Value
		}
	case "preview", "preview-refresh":
		opts := []optpreview.Option{optpreview.Diff(), optpreview.EventStreams(ch)}
		if op == "preview-refresh" {
			opts = append(opts, optpreview.Refresh())
		}
		res, err := stack.Preview(ctx, opts...)
		if err != nil {
			return summary{}, err
		}
		for k, v := range res.ChangeSummary {
			out.Changes[string(k)] = v
		}
	case "destroy":
		res, err := stack.Destroy(ctx, optdestroy.EventStreams(ch))
		if err != nil {
			return summary{}, err
		}
		out.Result = res.Summary.Result
		if res.Summary.ResourceChanges != nil {
			out.Changes = *res.Summary.ResourceChanges
		}
	default:
		return summary{}, fmt.Errorf("unknown op %q", op)
	}
	out.Steps = <-done
	if out.Steps == nil {
		out.Steps = []step{}
	}
	return out, nil
}

func main() {
	out, err := run(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
}
