// Entry point when the Pulumi CLI runs this folder (the root Pulumi.yaml points here).
import { doubleHop, settingsFromConfig } from "./program";

export = doubleHop(settingsFromConfig());
