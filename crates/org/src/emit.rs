//! What `ferret org plan --emit` prints: a Kubernetes Indexed Job (with the plan in a
//! ConfigMap) or a GitHub Actions matrix.
use crate::plan::Plan;
use crate::{Error, Result};

/// GitHub Actions runs at most this many jobs from one matrix.
pub const MAX_MATRIX: usize = 256;

/// `{"include": [{"shard": "0/N", "index": 0}, ...]}` for `strategy.matrix`, one entry
/// per shard: `ferret org scan plan.json --shard ${{ matrix.shard }}`.
pub fn github_matrix(plan: &Plan) -> Result<String> {
    if plan.shards > MAX_MATRIX {
        return Err(Error::Usage(format!(
            "a GitHub Actions matrix runs at most {MAX_MATRIX} jobs; this plan has {} shards",
            plan.shards
        )));
    }
    let include: Vec<serde_json::Value> = (0..plan.shards)
        .map(|i| {
            let repos = plan.shard(i).count();
            serde_json::json!({ "shard": format!("{i}/{}", plan.shards), "index": i, "repos": repos })
        })
        .collect();
    Ok(serde_json::json!({ "include": include }).to_string())
}

/// Settings of the emitted Kubernetes objects.
#[derive(Debug, Clone)]
pub struct K8s {
    /// Prefix of every object's name.
    pub name: String,
    /// The container image with ferret in it (its entrypoint need not be ferret: the
    /// container runs `ferret` by name).
    pub image: String,
    /// Shards run at once (default: all).
    pub parallelism: Option<usize>,
    /// The PersistentVolumeClaim shards write their results (and state) to.
    pub results_claim: String,
    /// The Secret holding `FERRET_ORG_KEY` (under the key `key`), optional at run time.
    pub key_secret: String,
}

/// A ConfigMap holding the plan and an Indexed Job with one completion per shard:
/// Kubernetes sets `JOB_COMPLETION_INDEX` in each pod, which `ferret org scan` reads as its
/// shard. Results go to a shared volume (one directory per shard, so nothing is written
/// twice); mirrors go to the pod's own scratch space. A pod that fails is retried
/// (`backoffLimit`) and resumes where it stopped.
pub fn k8s(plan: &Plan, plan_json: &str, k: &K8s) -> Result<String> {
    if plan_json.len() > 900 << 10 {
        return Err(Error::Usage(format!(
            "the plan is {} KiB; a ConfigMap holds at most 1 MiB: split the organisation into \
             several plans",
            plan_json.len() >> 10
        )));
    }
    let name = dns_label(&k.name)?;
    let mut plan_block = String::new();
    for line in plan_json.lines() {
        plan_block.push_str("    ");
        plan_block.push_str(line);
        plan_block.push('\n');
    }
    let parallelism = k
        .parallelism
        .unwrap_or(plan.shards)
        .clamp(1, plan.shards.max(1));
    Ok(format!(
        r#"# Made by `ferret org plan` ({repos} repositories, {shards} shards, plan {id}).
# kubectl apply -f this file; when the Job completes, merge the results volume with
# `ferret org merge /results/shard-* -o report.json --plan /plan/plan.json`.
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-plan
  labels:
    app.kubernetes.io/name: ferret-org
data:
  plan.json: |
{plan_block}---
apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  labels:
    app.kubernetes.io/name: ferret-org
spec:
  completionMode: Indexed
  completions: {shards}
  parallelism: {parallelism}
  backoffLimit: {backoff}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ferret-org
    spec:
      restartPolicy: Never
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        fsGroup: 10001
      containers:
        - name: ferret
          image: {image}
          command: ["sh", "-c"]
          args:
            - exec ferret org scan /plan/plan.json --out "/results/shard-$JOB_COMPLETION_INDEX" --cache-dir /cache --quiet
          env:
            - name: {env}
              valueFrom:
                secretKeyRef:
                  name: {secret}
                  key: key
                  optional: true
            - name: HOME
              value: /cache
          resources:
            requests:
              cpu: "2"
              memory: 1Gi
            limits:
              memory: 2Gi
          volumeMounts:
            - name: plan
              mountPath: /plan
              readOnly: true
            - name: results
              mountPath: /results
            - name: cache
              mountPath: /cache
      volumes:
        - name: plan
          configMap:
            name: {name}-plan
        - name: results
          persistentVolumeClaim:
            claimName: {claim}
        - name: cache
          emptyDir: {{}}
"#,
        repos = plan.repos.len(),
        shards = plan.shards,
        id = plan.id,
        image = yaml_scalar(&k.image),
        env = crate::key::ENV,
        secret = dns_label(&k.key_secret)?,
        claim = dns_label(&k.results_claim)?,
        backoff = plan.shards.saturating_mul(2).max(2),
    ))
}

/// A Kubernetes object name: lower-case letters, digits and `-`, at most 63 long (room is
/// left for the `-plan` suffix).
fn dns_label(s: &str) -> Result<String> {
    let ok = !s.is_empty()
        && s.len() <= 57
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(s.to_string())
    } else {
        Err(Error::Usage(format!(
            "{s:?} is not a Kubernetes name (lower-case letters, digits and '-', at most 57)"
        )))
    }
}

/// A YAML plain scalar when safe, else a double-quoted one.
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c))
        && !s.starts_with(['-', ':', '@']);
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::OrgKey;
    use crate::repos::Entry;

    fn plan(n: usize, shards: usize) -> Plan {
        let entries = (0..n)
            .map(|i| Entry::new(&format!("https://h/o/r{i}"), Some(i as u64)).0)
            .collect();
        Plan::new(entries, shards, &OrgKey::from_bytes(vec![1; 32], false)).unwrap()
    }

    #[test]
    fn matrix_has_one_entry_per_shard_and_a_limit() {
        let m: serde_json::Value =
            serde_json::from_str(&github_matrix(&plan(5, 3)).unwrap()).unwrap();
        let inc = m["include"].as_array().unwrap();
        assert_eq!(inc.len(), 3);
        assert_eq!(inc[2]["shard"], "2/3");
        assert!(github_matrix(&plan(1, 257)).is_err());
    }

    #[test]
    fn names_are_checked() {
        assert!(dns_label("ferret-org").is_ok());
        assert!(dns_label("Ferret").is_err());
        assert!(dns_label("-x").is_err());
        assert_eq!(yaml_scalar("ghcr.io/o/ferret:1.0"), "ghcr.io/o/ferret:1.0");
        assert_eq!(yaml_scalar("a b"), "\"a b\"");
    }
}
