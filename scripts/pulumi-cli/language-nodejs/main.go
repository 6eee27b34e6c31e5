// A pulumi-language-nodejs that generates SDKs and programs only (see ../gensdk).
package main

import (
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"pulumi-credssp/scripts/pulumi-cli/gensdk"
)

var version = "dev"

func main() {
	gensdk.Serve("nodejs", version, func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, loader schema.ReferenceLoader) (map[string][]byte, error) {
		return nodejs.GeneratePackage("pulumi-language-nodejs", pkg, req.ExtraFiles, req.LocalDependencies, req.Local, loader)
	}, nodejs.GenerateProgram)
}
