//! Settings of `ferret org scan`: the rules, read options and verification of a history
//! audit, and the rules hash that decides whether an earlier run's state can be built on.
use super::{Rules, TreeSource, VerifyPlan};
use crate::cli::{OrgScanArgs, VerifyArgs};
use anyhow::Result;
use ferret_source::ReadOptions;
use sha2::{Digest, Sha256};

/// A shard's validated settings.
pub struct OrgScanSettings {
    pub rules: Rules,
    pub read: ReadOptions,
    pub verify: VerifyPlan,
    /// Identifies the rules and read settings: an incremental audit builds only on state
    /// written with the same hash.
    pub rules_hash: String,
}

impl OrgScanSettings {
    /// Rules are the built-in ones, the user's config and `--config FILE`: mirrors are bare, so no
    /// repository's own `.ferret.toml` applies (one repository must not be able to change
    /// what the audit of an organisation looks for).
    pub fn new(a: &OrgScanArgs) -> Result<OrgScanSettings> {
        let rules = Rules::load(&a.rules, &TreeSource::None)?;
        let v = &a.verify;
        let flags = VerifyArgs {
            verify: v.verify,
            no_verify: v.no_verify,
            verify_redirect: v.verify_redirect.clone(),
            verify_timeout: v.verify_timeout,
            verify_deadline: v.verify_deadline,
            verify_concurrency: v.verify_concurrency,
            fail_on: None,
        };
        let verify =
            VerifyPlan::resolve(&flags, rules.verify_table.as_ref()).map_err(anyhow::Error::msg)?;
        let read = ReadOptions {
            max_file_size: a.max_file_size,
            scan_binary: a.scan_binary,
            threads: a.threads,
            ..ReadOptions::default()
        };
        let rules_hash = rules_hash(&rules, &read)?;
        Ok(OrgScanSettings {
            rules,
            read,
            verify,
            rules_hash,
        })
    }
}

/// SHA-256 of everything that changes what an audit finds: ferret's version, the built-in
/// rule files, the bytes of every config file in effect (the user's and `--config`), and
/// the read options that decide which blobs are
/// scanned.
pub fn rules_hash(rules: &Rules, read: &ReadOptions) -> Result<String> {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update([0]);
    for (name, text) in crate::builtin::BUILTIN_RULE_FILES {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    for c in &rules.configs {
        let bytes = std::fs::read(&c.path).map_err(|e| ferret_source::Error::io(&c.path, e))?;
        h.update(&bytes);
        h.update([0]);
    }
    h.update([0]);
    h.update(format!(
        "keep_bad_checksums={} max_file_size={} scan_binary={}",
        rules.keep_bad_checksums, read.max_file_size, read.scan_binary
    ));
    let d = h.finalize();
    Ok(d[..16].iter().map(|b| format!("{b:02x}")).collect())
}
