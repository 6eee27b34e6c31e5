// Package gensdk is the body of our code-generating language hosts.
//
// `pulumi package gen-sdk --language L` hands SDK generation to the language host
// pulumi-language-L, and `pulumi import` in a project of runtime L hands it the
// generation of the imported resources' code; but the Go modules of the nodejs,
// python and go hosts are not served by the Go module proxy, so a CLI built from
// pkg/v3 alone can do neither. Each host here binds what the CLI sends (a schema, or
// a PCL program) and calls the same generator the real host does
// (pkg/v3/codegen/<language>.GeneratePackage and .GenerateProgram). They do not run
// programs: every other call says so.
package gensdk

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/pulumi/pulumi/pkg/v3/codegen/hcl2/syntax"
	"github.com/pulumi/pulumi/pkg/v3/codegen/pcl"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Generate produces an SDK's files (path relative to the output folder → contents)
// from a bound package.
type Generate func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, loader schema.ReferenceLoader) (map[string][]byte, error)

// GenerateProgram produces a program's files (name → contents) from a bound PCL
// program, as `pulumi import` and `pulumi convert` ask for.
type GenerateProgram func(program *pcl.Program) (map[string][]byte, hcl.Diagnostics, error)

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	language string
	version  string
	generate Generate
	program  GenerateProgram
}

func (h host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: h.version}, nil
}

func (h host) Run(context.Context, *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	return nil, status.Errorf(codes.Unimplemented,
		"this pulumi-language-%s (built by pulumi-credssp) only generates SDKs; "+
			"install the official Pulumi CLI to run %s programs from disk, or use an Automation API inline program",
		h.language, h.language)
}

func (h host) GeneratePackage(_ context.Context, req *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, fmt.Errorf("connect to the schema loader: %w", err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.Schema), &spec); err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("bind schema: %w", err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("schema errors: %v", diags)
	}
	files, err := h.generate(pkg, req, loader)
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	for name, data := range files {
		path := filepath.Join(req.Directory, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.GeneratePackageResponse{}, nil
}

func (h host) GenerateProgram(_ context.Context, req *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	loader, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, fmt.Errorf("connect to the schema loader: %w", err)
	}
	parser := syntax.NewParser()
	names := make([]string, 0, len(req.Source))
	for name := range req.Source {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := parser.ParseFile(strings.NewReader(req.Source[name]), name); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
	}
	if parser.Diagnostics.HasErrors() {
		return &pulumirpc.GenerateProgramResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(parser.Diagnostics)}, nil
	}
	opts := []pcl.BindOption{pcl.PreferOutputVersionedInvokes}
	if !req.Strict {
		opts = append(opts, pcl.NonStrictBindOptions()...)
	}
	program, diags, err := pcl.BindProgram(parser.Files, schema.NewCachedLoader(loader), opts...)
	if err != nil {
		return nil, fmt.Errorf("bind the program: %w", err)
	}
	if diags.HasErrors() {
		return &pulumirpc.GenerateProgramResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}, nil
	}
	files, genDiags, err := h.program(program)
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	diags = append(diags, genDiags...)
	return &pulumirpc.GenerateProgramResponse{Source: files, Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}, nil
}

// Serve runs the host: it prints its port, as the engine expects of a plugin, and
// serves until the engine stops it.
func Serve(language, version string, generate Generate, program GenerateProgram) {
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host{language: language, version: version, generate: generate, program: program})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fatal: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "fatal: %v\n", err)
		os.Exit(1)
	}
}
