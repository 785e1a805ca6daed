#!/usr/bin/env node
// Assembles the npm packages from release binaries, ready for `npm pack` or `npm publish`:
//
//   node scripts/release/npm-packages.js --version 0.1.0 --out DIR \
//     --binary linux-x64=PATH [--binary darwin-arm64=PATH ...] [--require-all]
//
// DIR/cli is @ferret-scanner/cli (packaging/npm/cli: the launcher bin/ferret.js), whose
// optionalDependencies name every platform package at exactly this version; DIR/cli-<os>-<cpu>
// is @ferret-scanner/cli-<os>-<cpu> with the binary in bin/ and `os`/`cpu` fields, so npm
// installs only the one that fits (the layout esbuild and @biomejs/biome publish). A platform
// package is made for each --binary given; --require-all (the release) fails unless every
// platform has one. Prints the package folders, platform packages first: publish in that
// order, so the launcher never names a version that is not on the registry yet.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const SCOPE = "@ferret-scanner";
// npm's platform names (process.platform-process.arch) and the Rust target each is built for.
const PLATFORMS = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
};

function fail(message) {
  process.stderr.write(`npm-packages.js: error: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { binaries: {}, requireAll: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === "--version") opts.version = value();
    else if (arg === "--out") opts.out = value();
    else if (arg === "--require-all") opts.requireAll = true;
    else if (arg === "--binary") {
      const spec = value();
      const eq = spec.indexOf("=");
      if (eq < 0) fail(`--binary takes PLATFORM=PATH, not ${spec}`);
      const platform = spec.slice(0, eq);
      if (!(platform in PLATFORMS)) {
        fail(`unknown platform ${platform} (known: ${Object.keys(PLATFORMS).join(", ")})`);
      }
      opts.binaries[platform] = spec.slice(eq + 1);
    } else fail(`unknown argument ${arg}`);
  }
  if (!opts.version) fail("--version is required");
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(opts.version)) {
    fail(`--version ${opts.version} is not a semantic version`);
  }
  if (!opts.out) fail("--out is required");
  if (Object.keys(opts.binaries).length === 0) fail("no --binary given");
  if (opts.requireAll) {
    const missing = Object.keys(PLATFORMS).filter((p) => !(p in opts.binaries));
    if (missing.length) fail(`--require-all: no binary for ${missing.join(", ")}`);
  }
  return opts;
}

function writeJson(file, value) {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const root = path.resolve(__dirname, "..", "..");
  const template = path.join(root, "packaging", "npm", "cli");
  const main = JSON.parse(fs.readFileSync(path.join(template, "package.json"), "utf8"));
  const made = [];

  for (const [platform, binary] of Object.entries(opts.binaries)) {
    if (!fs.statSync(binary, { throwIfNoEntry: false })?.isFile()) {
      fail(`binary for ${platform} not found: ${binary}`);
    }
    const [os, cpu] = platform.split("-");
    const dir = path.join(opts.out, `cli-${platform}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
    const exe = os === "win32" ? "ferret.exe" : "ferret";
    fs.copyFileSync(binary, path.join(dir, "bin", exe));
    fs.chmodSync(path.join(dir, "bin", exe), 0o755);
    writeJson(path.join(dir, "package.json"), {
      name: `${SCOPE}/cli-${platform}`,
      version: opts.version,
      description: `The ferret binary for ${platform} (${PLATFORMS[platform]}); install @ferret-scanner/cli instead.`,
      homepage: main.homepage,
      repository: main.repository,
      license: main.license,
      os: [os],
      cpu: [cpu],
      files: [`bin/${exe}`],
      // Yarn's plug'n'play must unpack it: a binary cannot run from inside a zip.
      preferUnplugged: true,
    });
    fs.writeFileSync(
      path.join(dir, "README.md"),
      `# ${SCOPE}/cli-${platform}\n\nThe prebuilt ferret binary for ${platform}. ` +
        `Install [@ferret-scanner/cli](https://www.npmjs.com/package/@ferret-scanner/cli), ` +
        `which picks the right one of these packages.\n`
    );
    made.push(dir);
  }

  const dir = path.join(opts.out, "cli");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
  main.version = opts.version;
  main.optionalDependencies = Object.fromEntries(
    Object.keys(PLATFORMS).map((p) => [`${SCOPE}/cli-${p}`, opts.version])
  );
  writeJson(path.join(dir, "package.json"), main);
  fs.copyFileSync(path.join(template, "bin", "ferret.js"), path.join(dir, "bin", "ferret.js"));
  fs.chmodSync(path.join(dir, "bin", "ferret.js"), 0o755);
  fs.copyFileSync(path.join(template, "README.md"), path.join(dir, "README.md"));
  made.push(dir);

  process.stdout.write(made.join("\n") + "\n");
}

main();
