//! The commands: each turns its arguments into [`Settings`], runs the pipeline (source →
//! engine → suppressions → verify → report) and returns the exit code. `main` only maps a
//! fatal error to exit 2.
use crate::cli::{BaselineArgs, Cli, Command, GitArgs, RulesCommand, ScanArgs};
use crate::settings::{self, Purpose, ReportSettings, Rules, Settings, TreeSource, VerifyPlan};
use anyhow::Result;
use ferret_engine::finding::{sanitize, Finding};
use ferret_engine::{check_rules, Dropped, Engine, Reason, Sink};
use ferret_report::suppress::Suppressions;
use ferret_report::{Catalog, ReportContext};
use ferret_rules::{RuleSet, RulesFile};
use ferret_source::{fs::scan_paths, Diagnostics, Scanner, StatsSnapshot};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Exit code: no findings.
pub const EXIT_CLEAN: i32 = 0;
/// Exit code: an error (bad input, unreadable file, invalid rule).
pub const EXIT_ERROR: i32 = 2;

pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Baseline(args) => baseline(args),
        Command::Git(args) => git(args),
        Command::InstallHook(args) => {
            let kind = hook_kind(args.pre_push);
            let done = crate::hook::install(&args.repo.repo, kind, args.force, args.chain)?;
            println!("{done}");
            Ok(EXIT_CLEAN)
        }
        Command::UninstallHook(args) => {
            let kind = hook_kind(args.pre_push);
            println!("{}", crate::hook::uninstall(&args.repo.repo, kind)?);
            Ok(EXIT_CLEAN)
        }
        // `main` runs the hooks (hook_run.rs uses this module's commands).
        Command::Hook(_) => Err(anyhow::anyhow!(
            "internal error: `ferret hook` reached app::run"
        )),
        Command::Detect(_) => Ok(peer_hint(
            "detect",
            "`ferret git` scans a repository's history (`ferret scan PATH` scans files, \
             like --no-git)",
        )),
        Command::Protect(_) => Ok(peer_hint(
            "protect",
            "`ferret git --staged` scans the staged changes (`ferret install-hook` sets up \
             the pre-commit hook)",
        )),
        Command::Rules(RulesCommand::List { rules, json }) => {
            let loaded = Rules::load(&rules, &TreeSource::Dir(Path::new(".")))?;
            list_rules(&loaded.set, json)
        }
        Command::Rules(RulesCommand::Check { file, rules }) => {
            let set = match file {
                Some(f) => {
                    let file = RulesFile::load_any(&f)?;
                    RuleSet {
                        rules: file.rules,
                        allowlist: file.allowlist.unwrap_or_default(),
                        allowlists: file.allowlists,
                        verify: None,
                    }
                }
                None => Rules::load(&rules, &TreeSource::None)?.set,
            };
            let problems = check_rules(&set, &ferret_verify::check_rule);
            for p in &problems {
                eprintln!("ferret: {p}");
            }
            if problems.is_empty() {
                println!("{} rules ok", set.rules.len());
                Ok(EXIT_CLEAN)
            } else {
                eprintln!(
                    "ferret: {} problem(s) in {} rules",
                    problems.len(),
                    set.rules.len()
                );
                Ok(EXIT_ERROR)
            }
        }
        Command::Audit(args) => audit(args),
        Command::Org(cmd) => crate::org::run(cmd),
    }
}

fn hook_kind(pre_push: bool) -> crate::hook::Kind {
    if pre_push {
        crate::hook::Kind::PrePush
    } else {
        crate::hook::Kind::PreCommit
    }
}

/// gitleaks' commands get one line pointing at ferret's, and exit 2: a script written for
/// gitleaks must not pass without having scanned anything.
fn peer_hint(command: &str, instead: &str) -> i32 {
    eprintln!("ferret: `{command}` is gitleaks' command; {instead}. See `ferret --help`.");
    EXIT_ERROR
}

/// `ferret audit`: the hygiene checks of [`ferret_audit`], reported like a scan.
fn audit(args: crate::cli::AuditArgs) -> Result<i32> {
    let started = Instant::now();
    let tree = match args.path.is_dir() {
        true => TreeSource::Dir(&args.path),
        false => TreeSource::None,
    };
    // `.ferretignore` at PATH holds the fingerprints of accepted audit findings too.
    let mut settings = Settings::new(&args.output, settings::read_options(&args.read), &tree)?;
    if settings.report.wants_repo_paths() {
        settings.report.repo_paths = settings::outputs::repo_paths(&args.path);
    }
    let engine = settings.engine()?;
    let scanner = Scanner::new(&engine, settings.read.clone());
    let findings = ferret_audit::audit(&scanner, &args.path)?;
    finish_files(
        &engine,
        &scanner,
        findings,
        started,
        &settings,
        Purpose::Audit,
    )
}

fn list_rules(set: &RuleSet, json: bool) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    if json {
        let rules: Vec<_> = set
            .rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id, "description": r.description, "severity": r.severity,
                    "tags": r.tags, "keywords": r.keywords, "verify": r.verify.is_some(),
                })
            })
            .collect();
        let _ = serde_json::to_writer_pretty(&mut out, &rules);
        let _ = writeln!(out);
    } else {
        for r in &set.rules {
            let _ = writeln!(
                out,
                "{:<40} {:<8} {}",
                r.id,
                r.severity.as_str(),
                r.description
            );
        }
        let _ = writeln!(out, "{} rules", set.rules.len());
    }
    Ok(EXIT_CLEAN)
}

fn scan(args: ScanArgs) -> Result<i32> {
    scan_in(args, None)
}

/// `ferret scan`; `config_root`, when given, is where `.ferret.toml` is looked for instead
/// of the scanned directory (the hook scanning files a hook manager names).
pub(crate) fn scan_in(args: ScanArgs, config_root: Option<&Path>) -> Result<i32> {
    let started = Instant::now();
    let first_dir = args
        .paths
        .first()
        .filter(|p| p.is_dir())
        .map(|p| p.as_path());
    // Reported paths are relative to the scanned directory, or as given for files (so
    // relative to the working directory): `.ferretignore` lives where they start. The
    // config is looked for in the scanned directory only.
    let tree = match (config_root, first_dir) {
        (Some(dir), _) | (None, Some(dir)) => TreeSource::Dir(dir),
        (None, None) => TreeSource::None,
    };
    let mut settings = Settings::new(&args.output, settings::read_options(&args.read), &tree)?;
    if config_root.is_none() && first_dir.is_none() {
        let here = TreeSource::Dir(Path::new("."));
        settings.report.ignore = settings::config::tree_ignore(&here)?;
        settings.report.gitleaks_ignore = settings::config::tree_gitleaks_ignore(&here)?;
    }
    let base = match (first_dir, args.paths.len()) {
        (Some(dir), 1) => dir,
        _ => Path::new("."),
    };
    if settings.report.wants_repo_paths() {
        settings.report.repo_paths = settings::outputs::repo_paths(base);
    }
    let engine = settings.engine()?;
    let scanner = Scanner::new(&engine, settings.read.clone());
    let findings = scan_paths(&scanner, &args.paths)?;
    finish_files(
        &engine,
        &scanner,
        findings,
        started,
        &settings,
        Purpose::Review,
    )
}

/// Writes the fingerprints of everything found under PATH to FILE.
fn baseline(args: BaselineArgs) -> Result<i32> {
    let root = args.path.is_dir().then_some(args.path.as_path());
    let tree = TreeSource::Dir(root.unwrap_or(Path::new(".")));
    let rules = Rules::load(
        &args.rules,
        &match root {
            Some(r) => TreeSource::Dir(r),
            None => TreeSource::None,
        },
    )?;
    let engine = rules.engine()?;
    let mut read = settings::read_options(&args.read);
    read.threads = settings::clamp_threads(read.threads);
    let scanner = Scanner::new(&engine, read);
    let mut findings = scan_paths(&scanner, std::slice::from_ref(&args.path))?;
    // What .ferretignore already hides needs no baseline entry.
    let ignore = settings::config::tree_ignore(&tree)?;
    Suppressions::load(None, ignore.as_ref())?.apply(&mut findings);
    let file = std::fs::File::create(&args.file).map_err(|e| io_error(&args.file, e))?;
    let mut w = std::io::BufWriter::new(file);
    let n = ferret_report::suppress::write_baseline(&findings, &mut w)
        .and_then(|n| w.flush().map(|_| n))
        .map_err(|e| io_error(&args.file, e))?;
    let errors = scanner.diagnostics.take_errors();
    print_diagnostics(&errors, &scanner.diagnostics.take_notes(), args.quiet);
    if !args.quiet {
        println!(
            "wrote {n} fingerprint{} to {}",
            if n == 1 { "" } else { "s" },
            sanitize(&args.file.display().to_string())
        );
    }
    // An unreadable file may hold a secret the baseline now lacks: say so with exit 2.
    Ok(if errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    })
}

/// `ferret git`: history audit, commit range or staged changes, reported like a scan.
fn git(args: GitArgs) -> Result<i32> {
    git_as(&args, None)
}

/// `ferret git --staged`, limited to `only` paths when given (a hook manager's share of
/// the staged files).
pub(crate) fn git_staged(
    args: &GitArgs,
    only: Option<std::collections::BTreeSet<String>>,
) -> Result<i32> {
    git_with(args, None, only)
}

/// `ferret git`, with `mode` (when given) in place of what the flags say: the hooks scan
/// sets of commits no flag names.
pub(crate) fn git_as(args: &GitArgs, mode: Option<ferret_source::git::GitMode>) -> Result<i32> {
    git_with(args, mode, None)
}

fn git_with(
    args: &GitArgs,
    mode: Option<ferret_source::git::GitMode>,
    only_paths: Option<std::collections::BTreeSet<String>>,
) -> Result<i32> {
    use ferret_source::git;
    let started = Instant::now();
    let arg = args.repo.to_string_lossy().into_owned();
    let repo = if git::remote::is_remote(&arg) && !args.repo.exists() {
        if args.staged || args.hygiene {
            return Err(ferret_source::Error::Usage(
                "a remote repository has no index or work tree: --staged and --hygiene need a local one"
                    .into(),
            )
            .into());
        }
        let cache = args
            .cache_dir
            .clone()
            .unwrap_or_else(git::remote::default_cache_dir);
        let mirror = git::remote::mirror(&arg, &cache)?;
        if !args.output.quiet {
            eprintln!(
                "ferret: {} {} into {}",
                if mirror.cloned { "mirrored" } else { "fetched" },
                sanitize(&mirror.url),
                sanitize(&mirror.path.display().to_string())
            );
        }
        git::open(&mirror.path)?
    } else {
        git::open(&args.repo)?
    };
    // Paths are relative to the work tree: its `.ferret.toml` and `.ferretignore` apply.
    let read = ferret_source::ReadOptions {
        max_file_size: args.max_file_size,
        scan_binary: args.scan_binary,
        archives: settings::archive_limits(args.no_archives),
        threads: args.threads,
        ..ferret_source::ReadOptions::default()
    };
    // A reviewed range is judged by the configuration and ignore list of its base: the
    // commits under review cannot change the rules that judge them.
    let judged_from = match &args.range {
        Some(spec) => git::range::judged_from(&repo, spec)?,
        None => None,
    };
    let tree = match (judged_from, repo.workdir()) {
        (Some(base), _) => TreeSource::Commit(&repo, base),
        (None, Some(dir)) if args.range.is_none() => TreeSource::Dir(dir),
        _ => TreeSource::None,
    };
    let mut settings = Settings::new(&args.output, read, &tree)?;
    if let (Some(base), Some(spec)) = (judged_from, &args.range) {
        settings
            .rules
            .notes
            .extend(settings::config::changed_in_range(
                &repo,
                base,
                git::range::head_of(&repo, spec)?,
            ));
    }
    let engine = settings.engine()?;
    let scanner = Scanner::new(&engine, settings.read.clone());
    let hygiene_root = match (args.hygiene, repo.workdir()) {
        (false, _) => None,
        (true, Some(dir)) => Some(dir),
        (true, None) => {
            return Err(ferret_source::Error::Usage(
                "--hygiene checks a work tree; a bare repository has none".into(),
            )
            .into())
        }
    };
    let mut options = settings::git_options(args);
    if let Some(mode) = mode {
        options.mode = mode;
    }
    let purpose = match options.mode {
        git::GitMode::Staged => Purpose::Gate,
        git::GitMode::Range { .. } => Purpose::Change,
        _ => Purpose::Audit,
    };
    options.only_paths = only_paths;
    let mut outcome = git::scan(&scanner, &repo, &options)?;
    if let Some(workdir) = hygiene_root {
        outcome
            .findings
            .extend(ferret_audit::audit(&scanner, workdir)?);
        outcome.scope.push_str(", and the work tree's hygiene");
    }
    let stats = scanner.stats.snapshot(started.elapsed());
    if let (Some(checked), false) = (&outcome.checked, settings.report.quiet) {
        eprintln!("ferret: {checked}");
    }
    finish(
        &engine,
        outcome.findings,
        stats,
        outcome.scope,
        &scanner.diagnostics,
        &settings,
        purpose,
    )
}

/// Drops what the baseline and `.ferretignore` list, sorts, verifies, drops what is below
/// the minimum confidence, reports, prints diagnostics and decides the exit code: the end
/// of every scan.
fn finish(
    engine: &Engine,
    mut findings: Vec<Finding>,
    mut stats: StatsSnapshot,
    scope: String,
    diagnostics: &Diagnostics,
    settings: &Settings,
    purpose: Purpose,
) -> Result<i32> {
    let report = &settings.report;
    let mut sink = Sink::new(report.explain);
    let is_rule = |id: &str| engine.rules().any(|r| r.id == id);
    let suppressed = Suppressions::load(report.baseline.as_deref(), report.ignore.as_ref())?
        .with_gitleaks_ignore(report.gitleaks_ignore.as_ref(), &is_rule)?
        .apply_explained(&mut findings, &mut |f, why| sink.drop_finding(f, why));
    stats.suppressed_baseline = suppressed.baseline;
    stats.suppressed_ignored = suppressed.ignored;
    if suppressed.legacy > 0 {
        diagnostics.note(format!(
            "{} finding(s) matched the baseline or .ferretignore by an older ferret's \
             fingerprint, which can be guessed back for a weak secret: rewrite the list \
             with `ferret baseline` (docs/security.md)",
            suppressed.legacy
        ));
    }
    ferret_report::prepare_explained(&mut findings, &mut |f| {
        sink.drop_finding(f, Reason::Duplicate)
    });
    let VerifyPlan {
        enabled, fail_on, ..
    } = settings.verify;
    if enabled {
        ferret_verify::verify_findings(engine.rules(), &mut findings, &settings.verify.settings)?;
        for f in &mut findings {
            f.trust_verification();
        }
    }
    let min_confidence = report.min_confidence(purpose);
    stats.below_confidence =
        ferret_report::apply_min_confidence(&mut findings, min_confidence, &mut |f, why| {
            sink.drop_finding(f, why)
        });
    let catalog = Catalog::new(engine.rules(), ferret_audit::CHECKS);
    let config = ferret_report::ConfigSummary {
        files: settings
            .rules
            .configs
            .iter()
            .map(|c| ferret_report::ConfigFile {
                path: c.path.display().to_string(),
                trusted: c.trust == crate::settings::config::Trust::User,
            })
            .collect(),
        warnings: settings.rules.warnings.clone(),
    };
    let ctx = ReportContext {
        catalog: &catalog,
        stats: &stats,
        show_secrets: report.show_secrets,
        color: report.color,
        scope,
        config: &config,
        repo_paths: &report.repo_paths,
        min_confidence,
    };
    write_report(report, &findings, &ctx)?;
    if report.explain {
        let mut dropped = diagnostics.take_dropped();
        dropped.append(&mut sink.take_drops());
        print_explained(dropped);
    }
    let errors = diagnostics.take_errors();
    let mut notes = settings.rules.notes.clone();
    notes.extend(diagnostics.take_notes());
    print_diagnostics(&errors, &notes, report.quiet);
    // A scanned tree's config that narrows detection is said even with --quiet.
    for w in &settings.rules.warnings {
        eprintln!("ferret: warning: {}", sanitize(w));
    }
    Ok(if !errors.is_empty() {
        EXIT_ERROR
    } else if !findings.iter().any(|f| fail_on.fails(f)) {
        EXIT_CLEAN
    } else {
        report.exit_code
    })
}

fn io_error(path: &Path, e: std::io::Error) -> anyhow::Error {
    ferret_source::Error::io(path, e).into()
}

/// Writes each format to its place: its file, or stdout.
fn write_report(
    report: &ReportSettings,
    findings: &[Finding],
    ctx: &ReportContext<'_>,
) -> Result<()> {
    for out in &report.outputs {
        match &out.file {
            Some(path) => {
                let file = std::fs::File::create(path).map_err(|e| io_error(path, e))?;
                let mut w = std::io::BufWriter::new(file);
                ferret_report::write(out.format, findings, ctx, &mut w)
                    .and_then(|_| w.flush())
                    .map_err(|e| io_error(path, e))?;
            }
            None => {
                let stdout = std::io::stdout();
                let mut w = std::io::BufWriter::new(stdout.lock());
                match ferret_report::write(out.format, findings, ctx, &mut w)
                    .and_then(|_| w.flush())
                {
                    // A closed pipe (`ferret scan | head`) is not an error worth a message.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                    other => other.map_err(|e| io_error(Path::new("<stdout>"), e))?,
                }
            }
        }
    }
    Ok(())
}

/// The end of a scan of files: the summary counts files.
fn finish_files(
    engine: &Engine,
    scanner: &Scanner<'_>,
    findings: Vec<Finding>,
    started: Instant,
    settings: &Settings,
    purpose: Purpose,
) -> Result<i32> {
    let stats = scanner.stats.snapshot(started.elapsed());
    let scope = format!(
        "{} file{}",
        stats.files,
        if stats.files == 1 { "" } else { "s" }
    );
    finish(
        engine,
        findings,
        stats,
        scope,
        &scanner.diagnostics,
        settings,
        purpose,
    )
}

/// `--explain`: every candidate, finding or file left out, in path and line order, with
/// the reason; the secret redacted.
fn print_explained(mut dropped: Vec<Dropped>) {
    dropped.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule_id, &a.commit)
            .cmp(&(&b.path, b.line, b.column, &b.rule_id, &b.commit))
    });
    let mut err = std::io::stderr().lock();
    for d in &dropped {
        let place = if d.line == 0 {
            d.path.clone()
        } else {
            format!("{}:{}:{}", d.path, d.line, d.column)
        };
        let what = if d.rule_id.is_empty() {
            "file skipped".to_string()
        } else {
            format!("{} {}", d.rule_id, d.secret)
        };
        let commit = d
            .commit
            .as_deref()
            .map(|c| format!(" (commit {})", &c[..c.len().min(12)]))
            .unwrap_or_default();
        let _ = writeln!(
            err,
            "ferret: explain: {}: {what}{commit}: not reported: {}",
            sanitize(&place),
            d.reason
        );
    }
}

/// The one place that prints per-file problems and notes.
pub fn print_diagnostics(errors: &[ferret_source::Error], notes: &[String], quiet: bool) {
    let mut err = std::io::stderr().lock();
    if !quiet {
        for n in notes {
            let _ = writeln!(err, "ferret: note: {}", sanitize(n));
        }
    }
    for e in errors {
        let _ = writeln!(err, "ferret: error: {}", sanitize(&e.to_string()));
    }
}
