//! Command-line types (clap derive) and nothing else: `settings` turns them into
//! validated settings.
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub const EXIT_CODES: &str = "\
Exit codes:
  0  no findings
  1  findings (change with --exit-code N; with --fail-on live or write, only findings
     verified live, or live with write scopes, count)
  2  an error: bad arguments, a missing path, an invalid config or rule, an unreadable
     file or object (the scan goes on and reports what it found, then exits 2)";

#[derive(Debug, Parser)]
#[command(
    name = "ferret",
    version,
    about = "Find secrets in files, git history and staged changes, fast and precisely.",
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (default: the current directory; `-` reads stdin).
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// Audit a repository's hygiene: dotenv and credential files tracked by git, a
    /// .gitignore without `.env`, one secret shared by several environments, secrets in
    /// log files and build output, templates holding real values.
    #[command(after_help = EXIT_CODES)]
    Audit(AuditArgs),
    /// List or check rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Write a baseline: the fingerprints of every finding in PATH, one per line, sorted,
    /// so that later scans with `--baseline FILE` report only new findings.
    #[command(after_help = BASELINE_HELP)]
    Baseline(BaselineArgs),
    /// Scan a git repository: every blob in its history (default), the lines added by a
    /// commit range (`--range BASE..HEAD`, for CI) or by the staged changes (`--staged`,
    /// for a pre-commit hook).
    #[command(after_help = EXIT_CODES)]
    Git(GitArgs),
    /// Audit every repository of an organisation, sharded over many machines (a GitHub
    /// Actions matrix, a Kubernetes Indexed Job) and merged into one report.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Install ferret's pre-commit hook, or with --pre-push its pre-push hook (respects
    /// core.hooksPath; keeps any existing hook).
    InstallHook(InstallHookArgs),
    /// Remove ferret's pre-commit (or --pre-push) hook and restore the hook that was there
    /// before.
    UninstallHook(UninstallHookArgs),
    /// What git hooks and hook managers run: decides what to scan from the hook's
    /// arguments and environment, never verifies, and says how to allow or bypass.
    #[command(subcommand)]
    Hook(HookCommand),
    /// gitleaks' command: says which ferret command does the same.
    #[command(hide = true)]
    Detect(PeerArgs),
    /// gitleaks' command: says which ferret command does the same.
    #[command(hide = true)]
    Protect(PeerArgs),
}

/// Whatever followed a peer's command name; only read to point at the ferret command.
#[derive(Debug, Clone, Args)]
pub struct PeerArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// The pre-commit hook (git's own, husky's, or the pre-commit framework's). In a commit
    /// it scans the staged changes, only the lines they add. Run by the pre-commit framework
    /// outside a commit, it scans what the framework hands it: the commits between
    /// PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF (`--from-ref/--to-ref`, the pre-push
    /// stage), or FILES whole (`--all-files`, `--files`).
    PreCommit(HookPreCommitArgs),
    /// git's pre-push hook: scans the commits being pushed (read from stdin as git gives
    /// them), those no remote-tracking ref of REMOTE has.
    PrePush(HookPrePushArgs),
}

#[derive(Debug, Clone, Args)]
pub struct HookPreCommitArgs {
    /// The files the pre-commit framework passes (relative to the repository's root).
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// Block only on findings of at least this confidence [default: medium].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_confidence: Option<ConfidenceArg>,
}

#[derive(Debug, Clone, Args)]
pub struct HookPrePushArgs {
    /// Block only on findings of at least this confidence [default: medium].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_confidence: Option<ConfidenceArg>,
    /// The remote's name (or its URL when pushing to a URL), as git passes it.
    #[arg(value_name = "REMOTE")]
    pub remote: Option<String>,
    /// The remote's URL, as git passes it.
    #[arg(value_name = "URL")]
    pub url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules in effect (built-in plus config).
    List {
        #[command(flatten)]
        rules: RuleArgs,
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check rules: ids unique, regexes compile, examples match, negative examples don't.
    /// Without FILE, checks the built-in rules (plus --config if given).
    Check {
        /// A rules or config file to check on its own.
        file: Option<PathBuf>,
        #[command(flatten)]
        rules: RuleArgs,
    },
}

#[derive(Debug, Clone, Args)]
pub struct RuleArgs {
    /// Config file with extra rules and allowlists, in ferret's format or gitleaks' (default:
    /// .ferret.toml at the root of the scanned tree or repository, else .gitleaks.toml).
    #[arg(long, short = 'c', value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Keep tokens whose built-in checksum fails (reported as low severity) instead of
    /// dropping them as look-alikes.
    #[arg(long, global = true)]
    pub keep_bad_checksums: bool,
}

/// One `--format` value: a format, and the file it goes to if it has its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatArg {
    pub format: ferret_report::Format,
    pub file: Option<PathBuf>,
}

/// `NAME` or `NAME=FILE`, the name in any case.
pub fn parse_format(s: &str) -> Result<FormatArg, String> {
    let (name, file) = match s.split_once('=') {
        Some((n, f)) if !f.is_empty() => (n, Some(PathBuf::from(f))),
        Some(_) => return Err(format!("{s:?}: no file after '='")),
        None => (s, None),
    };
    let format = ferret_report::Format::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = ferret_report::Format::ALL
            .iter()
            .map(|f| f.name())
            .collect();
        format!("unknown format {name:?} (one of: {})", names.join(", "))
    })?;
    Ok(FormatArg { format, file })
}

pub const FORMAT_HELP: &str = "\
Report format, repeatable, each to its own place: NAME or NAME=FILE. NAME is human (grouped by \
file, for people), json (one object with findings and stats), jsonl (one finding per line), \
sarif (SARIF 2.1.0 for code scanning) or github (GitHub Actions annotations), in any case. The \
last format without =FILE goes to --output FILE, another to stdout: `-f github -f sarif -o \
out.sarif` or `-f github -f sarif=out.sarif`";

/// A confidence level (see `ferret_rules::Confidence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfidenceArg {
    /// Every finding: also generic assignments, passwords, URLs with credentials, and
    /// findings in test and fixture directories.
    Low,
    /// Providers' formats and rules gated on a provider's name, and up.
    Medium,
    /// Formats with a checksum and secrets verified live.
    High,
}

impl ConfidenceArg {
    pub fn level(self) -> ferret_rules::Confidence {
        match self {
            ConfidenceArg::Low => ferret_rules::Confidence::Low,
            ConfidenceArg::Medium => ferret_rules::Confidence::Medium,
            ConfidenceArg::High => ferret_rules::Confidence::High,
        }
    }
}

pub const MIN_CONFIDENCE_HELP: &str = "\
Report only findings of at least this confidence: high (a format with a checksum, or \
verified live), medium (a provider's format), low (everything: also generic assignments, \
passwords, URLs with credentials). A finding in a test or fixture directory counts one level \
lower. Default: medium for --staged and the hooks; for scan and --range, low, but medium in \
test and fixture directories; low for history audits and audit";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Options shared by every scanning command.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    #[command(flatten)]
    pub rules: RuleArgs,
    #[arg(
        long,
        short = 'f',
        value_name = "NAME[=FILE]",
        default_value = "human",
        value_parser = parse_format,
        help = FORMAT_HELP
    )]
    pub format: Vec<FormatArg>,
    /// Write the report (the last --format without its own =FILE) to FILE instead of
    /// stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print whole secrets instead of a redacted prefix.
    #[arg(long)]
    pub show_secrets: bool,
    /// Colour in the human report (NO_COLOR is honoured with auto).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Exit code when there are findings.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(i32).range(0..=255))]
    pub exit_code: i32,
    /// No progress and no notes on stderr; errors are still printed.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    pub verify: VerifyArgs,
    /// Do not report findings whose fingerprint FILE lists: a file written by `ferret
    /// baseline`, or an earlier `--format json`, `jsonl` or `sarif` report.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Print on stderr every candidate that was not reported, and why (an allowlist, too
    /// little entropy, a more specific rule, a baseline...). Secrets stay redacted.
    #[arg(long)]
    pub explain: bool,
    #[arg(long, value_enum, value_name = "LEVEL", help = MIN_CONFIDENCE_HELP)]
    pub min_confidence: Option<ConfidenceArg>,
    /// Judge findings as a commit gate does: set by `ferret hook` on the arguments it
    /// builds, never from the command line (`settings::Purpose::Gate`).
    #[arg(skip)]
    pub gate: bool,
}

/// Which findings make the exit code non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Every finding.
    Any,
    /// Findings whose secret was verified live (turns --verify on).
    Live,
    /// Live secrets that can write, delete or administer (turns --verify on).
    Write,
}

/// Live verification of found secrets (off unless asked for).
#[derive(Debug, Clone, Default, Args)]
pub struct VerifyArgs {
    /// Check each distinct secret once against the service that issued it, with one
    /// read-only request to the host its rule names (HTTPS), and report live, revoked or
    /// unknown, with the key's scopes.
    #[arg(long, overrides_with = "no_verify")]
    pub verify: bool,
    /// Do not verify, even when the config file turns verification on.
    #[arg(long, overrides_with = "verify")]
    pub no_verify: bool,
    /// Send requests for base URL FROM to TO instead (repeatable), for a proxy or a test
    /// server, e.g. https://api.attio.com=http://127.0.0.1:8080.
    #[arg(long, value_name = "FROM=TO", value_parser = ferret_verify::Redirect::parse)]
    pub verify_redirect: Vec<ferret_verify::Redirect>,
    /// Per-request timeout in seconds [default: 10].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub verify_timeout: Option<u64>,
    /// Seconds the whole verification phase may take; secrets not checked by then are
    /// reported as unknown [default: 120].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub verify_deadline: Option<u64>,
    /// Requests in flight at once [default: 8].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub verify_concurrency: Option<u64>,
    /// Which findings make the exit code non-zero [default: any].
    #[arg(long, value_enum, value_name = "WHICH")]
    pub fail_on: Option<FailOn>,
}

/// Options for reading files from disk.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// Do not honour .gitignore, .ignore and git's exclude files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links.
    #[arg(long, short = 'L')]
    pub follow: bool,
    /// Skip files larger than this (bytes, or with K/M/G suffix).
    #[arg(long, value_name = "SIZE", default_value = "10M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Scan binary files (NUL bytes in the first 8 KiB) as raw bytes instead of by their
    /// printable strings (runs of 8 or more ASCII or UTF-16 characters, the default).
    #[arg(long)]
    pub scan_binary: bool,
    /// Do not open archives and compressed files (zip, jar, apk, whl, tar, gzip, bzip2, xz,
    /// zstd): scan them as binary content.
    #[arg(long)]
    pub no_archives: bool,
    /// Worker threads (0: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
}

#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// The folder to audit: a git work tree or any folder in one.
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads stdin.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub const BASELINE_HELP: &str = "\
A baseline lets a repository with old findings adopt ferret: commit the file, scan with
`--baseline FILE`, and only new secrets fail the build. Each line is a fingerprint (a hash
of rule, secret and path: no line number or commit, so entries survive edits, rebases and
squash merges; weak secrets are stretched with Argon2id, and FERRET_FINGERPRINT_KEY keys
every fingerprint) followed by a comment naming the rule and path; the secret is never
written.
Sorted lines keep merges of two branches that both add entries free of conflicts.
Fingerprints listed in .ferretignore at the scanned root are never reported.";

#[derive(Debug, Clone, Args)]
pub struct BaselineArgs {
    /// The baseline file to write (replaced if it exists).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The directory or file to scan.
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Print nothing on success.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Clone, Args)]
pub struct GitArgs {
    /// The repository: a work tree (or any directory in it), a worktree or a bare
    /// repository; or a URL (https, ssh, file, `user@host:path`), mirrored into the cache
    /// directory and fetched again on later runs (credentials from git's helpers).
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
    /// Where mirrors of remote repositories are kept [default: the user's cache
    /// directory, ferret/repos].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Audit only the history reachable from REF (default: every branch, tag and
    /// remote-tracking ref).
    #[arg(long, value_name = "REF", conflicts_with_all = ["range", "staged"])]
    pub branch: Option<String>,
    /// Scan only the lines added by the commits in BASE..HEAD (`git log BASE..HEAD`). A
    /// base of all zeros scans the commits of HEAD that no other ref has.
    #[arg(long, value_name = "BASE..HEAD", conflicts_with = "staged")]
    pub range: Option<String>,
    /// Scan the staged changes (the index, not the work tree), only the lines they add.
    #[arg(long)]
    pub staged: bool,
    /// With --staged or --range: report findings anywhere in the files changed, not only
    /// on added lines.
    #[arg(long)]
    pub whole_files: bool,
    /// Progress bar on stderr for history audits: auto draws it on a terminal outside CI,
    /// always also in CI (still only on a terminal), never not at all.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub progress: ColorChoice,
    /// Skip blobs larger than this (bytes, or with K/M/G suffix).
    #[arg(long, value_name = "SIZE", default_value = "10M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Scan binary blobs (NUL bytes in the first 8 KiB) as raw bytes instead of by their
    /// printable strings (runs of 8 or more ASCII or UTF-16 characters, the default).
    #[arg(long)]
    pub scan_binary: bool,
    /// Do not open archives and compressed files (zip, jar, apk, whl, tar, gzip, bzip2, xz,
    /// zstd): scan them as binary content.
    #[arg(long)]
    pub no_archives: bool,
    /// With a history audit: also scan what no branch or tag holds: stashes (their work
    /// tree, index and untracked files), notes, the messages of every commit, and
    /// unreachable commits and blobs still in the object database.
    #[arg(long, conflicts_with_all = ["range", "staged"])]
    pub all_objects: bool,
    /// With a history audit: also run `ferret audit`'s hygiene checks on the work tree
    /// (tracked dotenv and credential files, secrets shared across environments, in logs
    /// and build output, real values in templates), in the same report.
    #[arg(long, conflicts_with_all = ["range", "staged"])]
    pub hygiene: bool,
    /// Worker threads (0: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub const ORG_EXIT_CODES: &str = "\
Exit codes:
  plan   0 written, 2 an error
  scan   0 every repository of the shard fully scanned (findings or not: they go to the
         merge), 2 some repository failed or was scanned only in part (its coverage record
         says why; the shard still goes through its whole list)
  merge  0 no findings, 1 findings, 2 some repository not fully scanned (or an error)";

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Balance repositories over N shards by size and write the plan every shard and the
    /// merge read; optionally print a Kubernetes Indexed Job or a GitHub Actions matrix.
    #[command(after_help = ORG_EXIT_CODES)]
    Plan(OrgPlanArgs),
    /// Mirror and audit the repositories of one shard of a plan: one JSONL file and one
    /// coverage record per repository in DIR. Rerun after a kill, it resumes; run again
    /// later, it audits only what is new.
    #[command(after_help = ORG_EXIT_CODES)]
    Scan(OrgScanArgs),
    /// Merge shard directories into one report: findings grouped by secret across
    /// repositories, and every repository's coverage.
    #[command(after_help = ORG_EXIT_CODES)]
    Merge(OrgMergeArgs),
}

/// What `org plan --emit` prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OrgEmit {
    /// A ConfigMap with the plan and an Indexed Job, one completion per shard.
    K8s,
    /// `{"include": [...]}` for a workflow's `strategy.matrix` (at most 256 shards).
    GithubMatrix,
}

#[derive(Debug, Clone, Args)]
pub struct OrgPlanArgs {
    /// The repositories: a file with one URL or path per line (an optional size in KiB
    /// after it), or the JSON of `gh repo list ORG --json nameWithOwner,url,diskUsage`.
    #[arg(
        value_name = "REPOS",
        required_unless_present = "github_org",
        conflicts_with = "github_org"
    )]
    pub repos: Option<PathBuf>,
    /// List the organisation's repositories through GitHub's REST API instead (token in
    /// GH_TOKEN or GITHUB_TOKEN).
    #[arg(long, value_name = "NAME")]
    pub github_org: Option<String>,
    /// GitHub's API base URL (GitHub Enterprise Server: https://HOST/api/v3).
    #[arg(long, value_name = "URL", default_value = "https://api.github.com")]
    pub api_url: String,
    /// Number of shards.
    #[arg(long, short = 'n', value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub shards: u64,
    /// Write the plan to PLAN.
    #[arg(long, short = 'o', value_name = "PLAN")]
    pub output: PathBuf,
    /// Also print a Kubernetes Job or a GitHub Actions matrix on stdout.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub emit: Option<OrgEmit>,
    /// The org key for secret ids, read from FILE (created with a random key if missing),
    /// unless FERRET_ORG_KEY is set; without either, the plan gets a key of its own.
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// --emit k8s: the prefix of the objects' names.
    #[arg(long, value_name = "NAME", default_value = "ferret-org")]
    pub k8s_name: String,
    /// --emit k8s: the container image with ferret in it.
    #[arg(long, value_name = "IMAGE", default_value = concat!("ghcr.io/ferret-scanner/ferret:", env!("CARGO_PKG_VERSION")))]
    pub image: String,
    /// --emit k8s: pods running at once (default: one per shard).
    #[arg(long, value_name = "N")]
    pub parallelism: Option<usize>,
    /// --emit k8s: the PersistentVolumeClaim the shards write their results to.
    #[arg(long, value_name = "CLAIM", default_value = "ferret-org-results")]
    pub results_claim: String,
    /// --emit k8s: the Secret holding FERRET_ORG_KEY under the key `key`.
    #[arg(long, value_name = "SECRET", default_value = "ferret-org-key")]
    pub key_secret: String,
    /// No summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Clone, Args)]
pub struct OrgScanArgs {
    /// The plan `ferret org plan` wrote.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// Which shard: I/N, I counting from 0 [default: $JOB_COMPLETION_INDEX, as a
    /// Kubernetes Indexed Job sets it].
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Where the results and the state for the next run go.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Where the bare mirrors of remote repositories are kept [default: the user's cache
    /// directory, ferret/repos].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub verify: OrgVerifyArgs,
    /// Write whole secrets into the results instead of a redacted prefix.
    #[arg(long)]
    pub show_secrets: bool,
    /// Skip blobs larger than this (bytes, or with K/M/G suffix).
    #[arg(long, value_name = "SIZE", default_value = "10M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Scan blobs that look binary (contain NUL bytes) too.
    #[arg(long)]
    pub scan_binary: bool,
    /// Worker threads (0: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// No line per repository on stderr; errors are still printed.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Live verification in a shard: `--verify` and its settings, without `--fail-on` (a
/// shard's exit status is about coverage; findings fail the merge).
#[derive(Debug, Clone, Default, Args)]
pub struct OrgVerifyArgs {
    /// Check each distinct secret once per shard against the service that issued it
    /// (one read-only request to the host its rule names), and record live, revoked or
    /// unknown, with the key's scopes.
    #[arg(long, overrides_with = "no_verify")]
    pub verify: bool,
    /// Do not verify, even when the config file turns verification on.
    #[arg(long, overrides_with = "verify")]
    pub no_verify: bool,
    /// Send requests for base URL FROM to TO instead (repeatable), for a proxy or a test
    /// server.
    #[arg(long, value_name = "FROM=TO", value_parser = ferret_verify::Redirect::parse)]
    pub verify_redirect: Vec<ferret_verify::Redirect>,
    /// Per-request timeout in seconds [default: 10].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub verify_timeout: Option<u64>,
    /// Seconds the verification of one repository's secrets may take; secrets not checked
    /// by then are recorded as unknown [default: 120].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub verify_deadline: Option<u64>,
    /// Requests in flight at once [default: 8].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub verify_concurrency: Option<u64>,
}

/// The merged report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OrgFormat {
    /// One JSON object: secrets with their findings, and every repository's coverage.
    Json,
    /// One SARIF file per repository in the directory OUTPUT, for upload to code scanning.
    Sarif,
    /// A SQLite database (tables repos, secrets, findings, verification).
    Sqlite,
}

#[derive(Debug, Clone, Args)]
pub struct OrgMergeArgs {
    /// The shards' output directories.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Write the report to OUTPUT (a directory with --format sarif).
    #[arg(long, short = 'o', value_name = "OUTPUT")]
    pub output: PathBuf,
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value = "json")]
    pub format: OrgFormat,
    /// The plan: repositories it lists that no shard recorded are reported as missing.
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// No summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Clone, Args)]
pub struct HookRepoArgs {
    /// The repository (a work tree or any directory in it).
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct InstallHookArgs {
    #[command(flatten)]
    pub repo: HookRepoArgs,
    /// Replace an existing hook (it is kept as a backup that uninstall-hook restores).
    #[arg(long, conflicts_with = "chain")]
    pub force: bool,
    /// Keep an existing hook and run it before ferret.
    #[arg(long)]
    pub chain: bool,
    /// The pre-push hook (scans the commits being pushed) instead of the pre-commit hook.
    #[arg(long)]
    pub pre_push: bool,
}

#[derive(Debug, Clone, Args)]
pub struct UninstallHookArgs {
    #[command(flatten)]
    pub repo: HookRepoArgs,
    /// The pre-push hook instead of the pre-commit hook.
    #[arg(long)]
    pub pre_push: bool,
}

/// Parses `10M`, `512K`, `1G`, `1MiB` or a plain byte count.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let lower = lower.trim_end_matches("ib").trim_end_matches('b');
    let (num, mult) = match lower.chars().last() {
        Some('k') => (&lower[..lower.len() - 1], 1u64 << 10),
        Some('m') => (&lower[..lower.len() - 1], 1 << 20),
        Some('g') => (&lower[..lower.len() - 1], 1 << 30),
        _ => (lower, 1),
    };
    match num
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
    {
        // 0 would skip every file and report a clean scan.
        Some(0) => Err("the size must be at least 1 byte".into()),
        Some(n) => Ok(n),
        None => Err(format!("invalid size {s:?} (use bytes or a K/M/G suffix)")),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_format, parse_size};
    use ferret_report::Format;

    #[test]
    fn formats_parse_in_any_case_with_an_optional_file() {
        let f = parse_format("SARIF=out/x.sarif").unwrap();
        assert_eq!(f.format, Format::Sarif);
        assert_eq!(f.file.as_deref(), Some(std::path::Path::new("out/x.sarif")));
        assert_eq!(parse_format("Github").unwrap().format, Format::Github);
        assert_eq!(parse_format("json").unwrap().file, None);
        assert!(parse_format("xml")
            .unwrap_err()
            .contains("one of: human, json"));
        assert!(parse_format("json=").is_err());
    }

    #[test]
    fn sizes_parse_with_suffixes() {
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("42"), Ok(42));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("0").is_err() && parse_size("0K").is_err());
    }
}
