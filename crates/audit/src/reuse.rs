//! One secret configured for several environments (`.env.development` and
//! `.env.production`, `config/staging.yml` and `config/prod.yml`, the `staging:` and
//! `production:` sections of one file): a leak from the weakest environment opens the
//! strongest. Secrets are grouped by their value's hash, never by a fingerprint (which
//! includes the path) and never printed: the finding names the places.
use super::catalog::{CheckFindings, SECRET_REUSED};
use super::inventory::{AuditFile, Secret};
use super::names::Env;
use super::structure::Naming;
use super::tracked::name_some;
use super::{placement, real_looking, Placement};
use ferret_engine::finding::Finding;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

struct Place<'a> {
    path: &'a str,
    secret: &'a Secret,
    env: Env,
}

pub fn check(files: &[AuditFile], out: &mut Vec<Finding>) {
    let mut groups: BTreeMap<[u8; 32], Vec<Place<'_>>> = BTreeMap::new();
    for f in files {
        if placement(&f.path) != Placement::Settings {
            continue;
        }
        for s in f.secrets.iter().filter(|s| real_looking(&s.finding.secret)) {
            if let Some((env, _)) = &s.env {
                let hash: [u8; 32] = Sha256::digest(s.finding.secret.as_bytes()).into();
                groups.entry(hash).or_default().push(Place {
                    path: &f.path,
                    secret: s,
                    env: *env,
                });
            }
        }
    }
    for mut places in groups.into_values() {
        let envs: BTreeSet<Env> = places.iter().map(|p| p.env).collect();
        if envs.len() < 2 {
            continue;
        }
        // Anchor at the most sensitive environment: that is the key to replace first.
        places.sort_by(|a, b| {
            (b.env, a.path, a.secret.finding.line).cmp(&(a.env, b.path, b.secret.finding.line))
        });
        let key = places.iter().find_map(|p| p.secret.key.as_deref());
        let what = match (places.iter().find(|p| !p.secret.heuristic), key) {
            (Some(p), Some(k)) => format!("{} ({k})", p.secret.finding.description),
            (Some(p), None) => p.secret.finding.description.clone(),
            (None, Some(k)) => format!("value of {k}"),
            (None, None) => "value".to_string(),
        };
        let by_env: Vec<String> = envs
            .iter()
            .rev()
            .map(|e| {
                let at: Vec<String> = places
                    .iter()
                    .filter(|p| p.env == *e)
                    .map(describe)
                    .collect();
                format!("{} ({})", e.as_str(), name_some(&at))
            })
            .collect();
        let anchor = &places[0].secret.finding;
        let mut finding = SECRET_REUSED.finding(
            &anchor.path,
            anchor.line,
            anchor.column,
            format!("the same {what} is used for {}", name_some(&by_env)),
            &anchor.secret,
        );
        finding.severity = places
            .iter()
            .map(|p| p.secret.finding.severity)
            .fold(finding.severity, |a, b| a.max(b));
        out.push(finding);
    }
}

fn describe(p: &Place<'_>) -> String {
    let at = format!("{}:{}", p.path, p.secret.finding.line);
    match &p.secret.env {
        Some((_, Naming::Key(k))) => format!("{at} key {k}"),
        Some((_, Naming::Section(s))) => format!("{at} section {s}"),
        _ => at,
    }
}
