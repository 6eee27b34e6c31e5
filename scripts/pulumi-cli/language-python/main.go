// A pulumi-language-python that generates SDKs and programs only (see ../gensdk).
package main

import (
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"pulumi-credssp/scripts/pulumi-cli/gensdk"
)

var version = "dev"

func main() {
	gensdk.Serve("python", version, func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, loader schema.ReferenceLoader) (map[string][]byte, error) {
		return python.GeneratePackage("pulumi-language-python", pkg, req.ExtraFiles, loader)
	}, python.GenerateProgram)
}
