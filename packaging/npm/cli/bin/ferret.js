#!/usr/bin/env node
// Runs the ferret binary of this platform's package, @ferret-scanner/cli-<os>-<cpu>, which
// npm installs as an optional dependency (it skips the packages whose `os` and `cpu` do not
// match), passing the arguments, standard streams and exit status through. No install
// script and no download: what npm installed is all that runs.
"use strict";

const { spawnSync } = require("node:child_process");
const path = require("node:path");

const ownName = "@ferret-scanner/cli";

function fail(message) {
  process.stderr.write(`ferret: ${message}\n`);
  process.exit(2);
}

function binaryPath() {
  const platformPackage = `${ownName}-${process.platform}-${process.arch}`;
  const exe = process.platform === "win32" ? "ferret.exe" : "ferret";
  let manifest;
  try {
    manifest = require.resolve(`${platformPackage}/package.json`);
  } catch {
    const known = Object.keys(require("../package.json").optionalDependencies || {});
    if (!known.includes(platformPackage)) {
      fail(
        `no prebuilt binary for ${process.platform}-${process.arch} (there are: ` +
          `${known.map((k) => k.slice(ownName.length + 1)).join(", ")}). ` +
          "Install from source instead: cargo install --locked ferret"
      );
    }
    fail(
      `${platformPackage} is not installed, so there is no ferret binary to run. npm ` +
        "installs it as an optional dependency, and leaves it out without an error when " +
        "told to (--omit=optional), when the lockfile was made on another platform or " +
        "when the download failed: reinstall @ferret-scanner/cli with optional dependencies."
    );
  }
  return path.join(path.dirname(manifest), "bin", exe);
}

const result = spawnSync(binaryPath(), process.argv.slice(2), { stdio: "inherit" });
if (result.error) {
  fail(`cannot run ${result.error.path || "the ferret binary"}: ${result.error.message}`);
}
if (result.signal) {
  // Die of the same signal, so the caller (a git hook, a shell) sees what happened.
  process.kill(process.pid, result.signal);
}
process.exit(result.status === null ? 1 : result.status);
