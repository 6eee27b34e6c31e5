//go:build tools

// Keeps the language host's module in go.mod; scripts/lib.sh builds
// github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml from here.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
