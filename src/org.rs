//! `ferret org plan|scan|merge`: the wiring between the command line and
//! [`ferret_org`], which holds the logic (see docs/org-audit.md).
use crate::cli::{OrgCommand, OrgEmit, OrgFormat, OrgMergeArgs, OrgPlanArgs, OrgScanArgs};
use crate::settings::org::OrgScanSettings;
use crate::settings::{Rules, TreeSource};
use anyhow::{Context, Result};
use ferret_engine::finding::sanitize;
use ferret_org::emit;
use ferret_org::key::OrgKey;
use ferret_org::plan::{parse_shard, Plan};
use ferret_org::{github, merge, repos, shard, sqlite};
use std::io::Write;

/// Exit codes (the same as every command's; see `cli::ORG_EXIT_CODES`).
const EXIT_CLEAN: i32 = 0;
const EXIT_FINDINGS: i32 = 1;
const EXIT_ERROR: i32 = 2;

pub fn run(cmd: OrgCommand) -> Result<i32> {
    match cmd {
        OrgCommand::Plan(a) => plan(a),
        OrgCommand::Scan(a) => scan(a),
        OrgCommand::Merge(a) => merge_cmd(a),
    }
}

fn note(quiet: bool, msg: &str) {
    if !quiet {
        eprintln!("ferret: {}", sanitize(msg));
    }
}

fn plan(a: OrgPlanArgs) -> Result<i32> {
    let listed = match (&a.repos, &a.github_org) {
        (Some(path), _) => repos::read(path)?,
        (None, Some(org)) => {
            github::list_org(&a.api_url, org, github::token_from_env().as_deref())?
        }
        (None, None) => anyhow::bail!("give REPOS or --github-org"),
    };
    if listed.dropped_credentials > 0 {
        note(
            a.quiet,
            &format!(
                "note: credentials in {} URL(s) were left out of the plan (it is a file that \
                 travels); give shards credentials through a git credential helper",
                listed.dropped_credentials
            ),
        );
    }
    let (key, key_note) = OrgKey::for_new_plan(a.key_file.as_deref())?;
    let plan = Plan::new(listed.entries, a.shards as usize, &key)?;
    // Check the emitted form before writing anything: a matrix over 256 shards is an error.
    let emitted = match a.emit {
        None => None,
        Some(OrgEmit::GithubMatrix) => Some(emit::github_matrix(&plan)?),
        Some(OrgEmit::K8s) => {
            let json = serde_json::to_string_pretty(&plan)?;
            Some(emit::k8s(
                &plan,
                &json,
                &emit::K8s {
                    name: a.k8s_name.clone(),
                    image: a.image.clone(),
                    parallelism: a.parallelism,
                    results_claim: a.results_claim.clone(),
                    key_secret: a.key_secret.clone(),
                },
            )?)
        }
    };
    plan.write(&a.output)?;
    if let Some(text) = emitted {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", text.trim_end()).context("writing to stdout")?;
    }
    note(a.quiet, &format!("note: {key_note}"));
    let bad = plan.repos.iter().filter(|r| r.error.is_some()).count();
    if bad > 0 {
        note(
            a.quiet,
            &format!("warning: {bad} line(s) of REPOS name no repository; their shards will record the error and exit 2"),
        );
    }
    if !a.quiet {
        eprintln!(
            "ferret: planned {} repositories over {} shards into {}",
            plan.repos.len(),
            plan.shards,
            sanitize(&a.output.display().to_string())
        );
        for (i, (n, kb)) in plan.loads().iter().enumerate() {
            eprintln!(
                "ferret:   shard {i}/{}: {n} repositories, {}",
                plan.shards,
                kib(*kb)
            );
        }
    }
    Ok(EXIT_CLEAN)
}

fn kib(kb: u64) -> String {
    match kb {
        k if k >= 1 << 20 => format!("{:.1} GiB", k as f64 / f64::from(1 << 20)),
        k if k >= 1 << 10 => format!("{:.1} MiB", k as f64 / 1024.0),
        k => format!("{k} KiB"),
    }
}

fn scan(a: OrgScanArgs) -> Result<i32> {
    let plan = Plan::read(&a.plan)?;
    let spec = match (&a.shard, std::env::var("JOB_COMPLETION_INDEX")) {
        (Some(s), _) => s.clone(),
        (None, Ok(i)) if !i.trim().is_empty() => i,
        _ => anyhow::bail!(
            "--shard I/N is needed (or JOB_COMPLETION_INDEX, as in a Kubernetes Indexed Job)"
        ),
    };
    let shard_no = parse_shard(&spec, plan.shards)?;
    let key = OrgKey::for_plan(plan.key.as_deref(), &plan.key_id)?;
    let settings = OrgScanSettings::new(&a)?;
    let engine = settings.rules.engine()?;
    let shard_settings = shard::ShardSettings {
        shard: shard_no,
        out: a.out.clone(),
        cache_dir: a
            .cache_dir
            .clone()
            .unwrap_or_else(ferret_source::git::remote::default_cache_dir),
        rules_hash: settings.rules_hash.clone(),
        show_secrets: a.show_secrets,
        verify: settings
            .verify
            .enabled
            .then(|| settings.verify.settings.clone()),
    };
    let quiet = a.quiet;
    let outcome = shard::run(
        &engine,
        &settings.read,
        &plan,
        &key,
        &shard_settings,
        &mut |line| note(quiet, &line),
    )?;
    let scanned = outcome.audited + outcome.already_done;
    let mut line = format!(
        "shard {shard_no}/{}: {scanned} repositories ({} complete, {} partial, {} failed), {} findings",
        plan.shards, outcome.complete, outcome.partial, outcome.failed, outcome.findings
    );
    if outcome.resumed {
        line.push_str(&format!(
            "; resumed run {}: {} audited before the interruption",
            outcome.run, outcome.already_done
        ));
    }
    line.push_str(&format!("; results in {}", a.out.display()));
    note(quiet, &line);
    Ok(if outcome.all_complete() {
        EXIT_CLEAN
    } else {
        if quiet {
            eprintln!(
                "ferret: error: {} of {scanned} repositories not fully scanned (see their coverage records)",
                outcome.partial + outcome.failed
            );
        }
        EXIT_ERROR
    })
}

fn merge_cmd(a: OrgMergeArgs) -> Result<i32> {
    let plan = a.plan.as_deref().map(Plan::read).transpose()?;
    let merged = merge::load(&a.dirs, plan.as_ref())?;
    match a.format {
        OrgFormat::Json => {
            let mut text = serde_json::to_string_pretty(&merged.json())?;
            text.push('\n');
            std::fs::write(&a.output, text).map_err(|e| ferret_source::Error::io(&a.output, e))?;
        }
        OrgFormat::Sqlite => sqlite::write(&merged, &a.output)?,
        OrgFormat::Sarif => {
            let rules = Rules::load(&a.rules, &TreeSource::None)?;
            let catalog = ferret_report::Catalog::new(rules.set.rules.iter(), ferret_audit::CHECKS);
            let written = merged.write_sarif(&a.output, &catalog)?;
            note(
                a.quiet,
                &format!(
                    "wrote {} SARIF file(s) into {}",
                    written.len(),
                    a.output.display()
                ),
            );
        }
    }
    let not = merged.not_fully_scanned();
    for r in &not {
        let errors: Vec<&str> = r["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e.as_str()).collect())
            .unwrap_or_default();
        eprintln!(
            "ferret: not fully scanned: {} ({}): {}",
            sanitize(r["repo"].as_str().unwrap_or_default()),
            r["status"].as_str().unwrap_or_default(),
            sanitize(&errors.join("; "))
        );
    }
    let secrets = merged.secrets();
    let shared = secrets.iter().filter(|g| g.repos.len() > 1).count();
    note(
        a.quiet,
        &format!(
            "merged {} repositories: {} findings, {} distinct secrets ({} in more than one repository); {} not fully scanned",
            merged.repos.len() + merged.missing.len(),
            merged.findings.len(),
            secrets.len(),
            shared,
            not.len()
        ),
    );
    Ok(if !not.is_empty() {
        EXIT_ERROR
    } else if merged.findings.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}
