//! The action.yml check: the metadata file must validate against SchemaStore's schema of
//! GitHub Action metadata (kept in `tests/schemas/`), and pass what the schema cannot say:
//! every `inputs.NAME` an expression uses is declared, composite steps that `run:` set
//! `shell:`, `uses:` references are pinned, and no required input carries a default
//! (GitHub ignores it).
use serde_json::Value;
use std::path::Path;

/// Every problem with the action metadata file at `path`.
pub fn problems(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: Value = match serde_norway::from_str(&text) {
        Ok(v) => v,
        Err(e) => return vec![format!("not valid YAML: {e}")],
    };
    let schema_path = super::repo_root().join("tests/schemas/github-action.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("the action schema compiles");
    let mut out: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("schema at {}: {e}", e.instance_path()))
        .collect();
    let inputs = doc["inputs"].as_object().cloned().unwrap_or_default();
    for (name, spec) in &inputs {
        if spec["required"] == Value::Bool(true) && spec.get("default").is_some() {
            out.push(format!("inputs.{name}: required and with a default"));
        }
    }
    let mut strings = Vec::new();
    collect_strings(&doc, &mut strings);
    for s in strings {
        for expr in expressions(s) {
            for used in input_refs(expr) {
                if !inputs.contains_key(used) {
                    out.push(format!("uses inputs.{used}, which is not declared"));
                }
            }
        }
    }
    if doc["runs"]["using"] == "composite" {
        for (i, step) in doc["runs"]["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            if step.get("run").is_some() && step.get("shell").is_none() {
                out.push(format!("runs.steps[{i}]: run: without shell:"));
            }
            if let Some(uses) = step["uses"].as_str() {
                if !uses.starts_with("./") && !uses.starts_with("docker://") && !uses.contains('@')
                {
                    out.push(format!("runs.steps[{i}]: uses {uses} without an @ref"));
                }
            }
        }
    }
    out
}

fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

/// The insides of every `${{ … }}` in `s`.
fn expressions(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${{") {
        let after = &rest[i + 3..];
        let Some(j) = after.find("}}") else { break };
        out.push(&after[..j]);
        rest = &after[j + 2..];
    }
    out
}

/// The NAMEs of `inputs.NAME` in an expression.
fn input_refs(expr: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (i, _) in expr.match_indices("inputs.") {
        let before = expr[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let name = &expr[i + 7..];
        let end = name
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(name.len());
        if end > 0 {
            out.push(&name[..end]);
        }
    }
    out
}
