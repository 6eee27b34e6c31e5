// A pulumi-language-go that generates SDKs and programs only (see ../gensdk).
package main

import (
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"pulumi-credssp/scripts/pulumi-cli/gensdk"
)

var version = "dev"

func main() {
	gensdk.Serve("go", version, func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, _ schema.ReferenceLoader) (map[string][]byte, error) {
		return gogen.GeneratePackage("pulumi-language-go", pkg, req.LocalDependencies)
	}, gogen.GenerateProgram)
}
