import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The pulumi-credssp package folder (package.json, schema.json, dist/): the nearest
 * folder at or above `start` whose package.json is ours. Works from the sources
 * (jest), from dist/, from an npm install and from the plugin tarball alike.
 */
export function packageRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "pulumi-credssp") return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no pulumi-credssp package.json at or above ${start}`);
    dir = parent;
  }
}
