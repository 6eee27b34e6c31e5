// Package gensdk is the body of our SDK-generating language hosts.
//
// `pulumi package gen-sdk --language L` hands SDK generation to the language host
// pulumi-language-L, but the Go modules of the nodejs, python and go hosts are not
// served by the Go module proxy, so a CLI built from pkg/v3 alone cannot generate
// SDKs. Each host here binds the schema the CLI sends and calls the same generator
// the real host does (pkg/v3/codegen/<language>.GeneratePackage). They do not run
// programs: every other call says so.
package gensdk

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
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

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	language string
	version  string
	generate Generate
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

// Serve runs the host: it prints its port, as the engine expects of a plugin, and
// serves until the engine stops it.
func Serve(language, version string, generate Generate) {
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host{language: language, version: version, generate: generate})
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
