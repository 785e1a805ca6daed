//! Files that should not be in git: dotenv files and credential stores tracked by the
//! index, and a .gitignore that would let the next `.env` in.
use super::catalog::{
    CheckFindings, CREDENTIAL_FILE_TRACKED, ENV_FILE_TRACKED, GITIGNORE_MISSING_ENV,
};
use super::inventory::{AuditFile, Repo};
use super::names;
use ferret_engine::finding::Finding;
use ferret_rules::Severity;
use ignore::gitignore::Gitignore;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// How many paths a message names before it says "and N more".
const NAMED: usize = 5;

pub fn check(root: &Path, repo: &Repo, files: &[AuditFile], out: &mut Vec<Finding>) {
    for f in files.iter().filter(|f| f.tracked && !f.symlink) {
        if names::is_env_file(&f.path) {
            out.push(env_file(f));
        } else if let Some((kind, line)) = f.credential {
            let description = format!("{} tracked by git", kind.what);
            out.push(CREDENTIAL_FILE_TRACKED.finding(&f.path, line, 1, description, ""));
        }
    }
    if let Some(f) = gitignore(root, repo, files) {
        out.push(f);
    }
}

/// A tracked dotenv file: high when it holds secrets, medium when ferret found none (it
/// still invites the next one).
fn env_file(f: &AuditFile) -> Finding {
    let n = f.secrets.len();
    let line = f.secrets.iter().map(|s| s.finding.line).min().unwrap_or(1);
    let description = match n {
        0 => "dotenv file tracked by git".to_string(),
        1 => "dotenv file tracked by git, holding a secret".to_string(),
        n => format!("dotenv file tracked by git, holding {n} secrets"),
    };
    let mut finding = ENV_FILE_TRACKED.finding(&f.path, line, 1, description, "");
    if n == 0 {
        finding.severity = Severity::Medium;
    }
    finding
}

/// The repository's own ignore files (every `.gitignore` from the work tree's top down to
/// a file's folder), not the user's global excludes or `.git/info/exclude`: those protect
/// one clone, not the teammate who runs `git add .`.
struct Ignores {
    workdir: PathBuf,
    cache: HashMap<PathBuf, Option<Gitignore>>,
}

impl Ignores {
    fn matcher(&mut self, dir: &Path) -> Option<&Gitignore> {
        self.cache
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let file = dir.join(".gitignore");
                file.is_file().then(|| Gitignore::new(&file).0)
            })
            .as_ref()
    }

    /// Whether the repository's .gitignore files ignore `rel` (relative to the work tree),
    /// or deliberately keep it (`!apps/web/.env`): either way a decision was made.
    fn decided(&mut self, rel: &str) -> bool {
        let abs = self.workdir.join(rel);
        let mut verdict = false;
        let mut dir = self.workdir.clone();
        let parts: Vec<&str> = rel.split('/').collect();
        for i in 0..parts.len() {
            if let Some(m) = self.matcher(&dir) {
                let r = m.matched_path_or_any_parents(&abs, false);
                if !r.is_none() {
                    verdict = true;
                }
            }
            if i + 1 < parts.len() {
                dir.push(parts[i]);
            }
        }
        verdict
    }
}

fn gitignore(root: &Path, repo: &Repo, files: &[AuditFile]) -> Option<Finding> {
    let env_files: Vec<&str> = files
        .iter()
        .filter(|f| !f.symlink && names::is_env_file(&f.path))
        .map(|f| f.path.as_str())
        .collect();
    if env_files.is_empty() {
        return None;
    }
    let mut ig = Ignores {
        workdir: repo.workdir.clone(),
        cache: HashMap::new(),
    };
    let mut exposed: Vec<String> = Vec::new();
    let mut folders = BTreeSet::new();
    for p in &env_files {
        if !ig.decided(&format!("{}{p}", repo.prefix)) {
            exposed.push(p.to_string());
        }
        folders.insert(p.rsplit_once('/').map_or("", |(d, _)| d));
    }
    for d in folders {
        let new = if d.is_empty() {
            ".env".to_string()
        } else {
            format!("{d}/.env")
        };
        if !exposed.contains(&new) && !ig.decided(&format!("{}{new}", repo.prefix)) {
            exposed.push(format!("{new} (if created)"));
        }
    }
    if exposed.is_empty() {
        return None;
    }
    let description = if root.join(".gitignore").is_file() {
        format!(".gitignore does not ignore {}", name_some(&exposed))
    } else {
        format!("no .gitignore ignores {}", name_some(&exposed))
    };
    Some(GITIGNORE_MISSING_ENV.finding(".gitignore", 1, 1, description, ""))
}

/// "a, b and c" or "a, b, c, d, e and 3 more".
pub fn name_some(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(NAMED).map(String::as_str).collect();
    let rest = items.len().saturating_sub(NAMED);
    match (shown.split_last(), rest) {
        (None, _) => String::new(),
        (Some((last, [])), 0) => last.to_string(),
        (Some((last, init)), 0) => format!("{} and {last}", init.join(", ")),
        (Some(_), n) => format!("{} and {n} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::name_some;

    #[test]
    fn lists_read_naturally() {
        let v = |n: usize| (0..n).map(|i| format!("f{i}")).collect::<Vec<_>>();
        assert_eq!(name_some(&v(1)), "f0");
        assert_eq!(name_some(&v(2)), "f0 and f1");
        assert_eq!(name_some(&v(3)), "f0, f1 and f2");
        assert_eq!(name_some(&v(7)), "f0, f1, f2, f3, f4 and 2 more");
    }
}
