//! Templates (`.env.example`, `config.sample.json`) are committed and copied by everyone,
//! so they must hold placeholders. A value any rule reports is re-labelled (same place,
//! same redacted value); a random-looking value of a secret-like name no rule knows is a
//! medium-severity finding of its own. Short or low-entropy values a rule matched (the
//! `postgres:testpass@localhost` of a docker-compose setup) are what templates are for,
//! and are left to `ferret scan`.
use super::catalog::{CheckFindings, TEMPLATE_REAL_VALUE};
use super::inventory::AuditFile;
use super::{placement, real_looking, Placement};
use ferret_engine::finding::{fingerprint, Finding};
use ferret_rules::Severity;

pub fn check(files: &[AuditFile], out: &mut Vec<Finding>) {
    for f in files
        .iter()
        .filter(|f| !f.ignored && placement(&f.path) == Placement::Template)
    {
        for s in &f.secrets {
            if !s.heuristic {
                if !real_looking(&s.finding.secret) {
                    continue;
                }
                out.push(TEMPLATE_REAL_VALUE.relabel(s.finding.clone(), "in a template"));
                continue;
            }
            let mut g = s.finding.clone();
            g.description = format!("{} in a template, not a placeholder", g.description);
            g.rule_id = TEMPLATE_REAL_VALUE.id.to_string();
            g.severity = Severity::Medium;
            g.tags = vec!["hygiene".to_string(), "heuristic".to_string()];
            g.fingerprint = fingerprint(&g.rule_id, &g.tags, &g.secret, &g.path);
            out.push(g);
        }
    }
}
