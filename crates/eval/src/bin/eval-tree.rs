//! The labeled evaluation, outside the test suite (used by `scripts/accuracy.sh`).
//!
//!     cargo run -p ferret-eval --bin eval-tree -- generate DIR TRUTH.json [--seed N]
//!     cargo run -p ferret-eval --bin eval-tree -- score TRUTH.json NAME=REPORT.json... [--root DIR] [--contexts] [--misses NAME] [--only PREFIX] [--brief]
//!
//! `generate` writes the tree into DIR (which must be empty or absent) and its truth to
//! TRUTH.json (keep it outside DIR). `score` reads each scanner's JSON report and prints
//! a Markdown table: recall per family, overall recall and precision. `--root` is the
//! scanned directory as the scanners were given it, stripped from reported paths;
//! `--misses NAME` also lists what NAME missed and its false positives; `--only PREFIX`
//! scores the files under PREFIX alone (one class: `binaries/`, `archives/`); `--brief`
//! prints the overall rows only.
use ferret_eval::{generate, read_report, score, table, Truth};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eval-tree: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let positional: Vec<&String> = {
        let mut v = Vec::new();
        let mut skip = false;
        for a in &args {
            if skip {
                skip = false;
            } else if matches!(a.as_str(), "--seed" | "--root" | "--misses" | "--only") {
                skip = true;
            } else if !a.starts_with("--") {
                v.push(a);
            }
        }
        v
    };
    match positional.first().map(|s| s.as_str()) {
        Some("generate") if positional.len() == 3 => {
            let dir = PathBuf::from(positional[1]);
            let seed = match flag("--seed") {
                Some(s) => s.parse().map_err(|_| format!("bad seed {s:?}"))?,
                None => 1,
            };
            if dir.exists()
                && std::fs::read_dir(&dir)
                    .map_err(|e| e.to_string())?
                    .next()
                    .is_some()
            {
                return Err(format!("{} is not empty", dir.display()));
            }
            let truth = generate(&dir, seed).map_err(|e| e.to_string())?;
            let json = serde_json::to_string_pretty(&truth).map_err(|e| e.to_string())?;
            std::fs::write(positional[2], json + "\n")
                .map_err(|e| format!("{}: {e}", positional[2]))?;
            eprintln!(
                "eval-tree: {} files, {} secrets, {} look-alikes in {}",
                truth.files,
                truth.secrets().count(),
                truth.entries.len() - truth.secrets().count(),
                dir.display()
            );
            Ok(())
        }
        Some("score") if positional.len() >= 3 => {
            let text = std::fs::read_to_string(positional[1])
                .map_err(|e| format!("{}: {e}", positional[1]))?;
            let mut truth: Truth =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", positional[1]))?;
            let only = flag("--only");
            if let Some(prefix) = &only {
                truth = truth.only(prefix);
            }
            let root = flag("--root");
            let mut scores = Vec::new();
            for spec in &positional[2..] {
                let (name, path) = spec
                    .split_once('=')
                    .ok_or_else(|| format!("expected NAME=REPORT, got {spec:?}"))?;
                let mut found =
                    read_report(path.as_ref(), root.as_deref()).map_err(|e| e.to_string())?;
                if let Some(prefix) = &only {
                    found.retain(|l| l.under(prefix));
                }
                scores.push((name.to_string(), score(&truth, &found)));
            }
            let named: Vec<(&str, _)> = scores.iter().map(|(n, s)| (n.as_str(), s)).collect();
            let full = table(&truth, &named, args.iter().any(|a| a == "--contexts"));
            if args.iter().any(|a| a == "--brief") {
                // The overall block only: recall, precision, look-alikes.
                println!("{}", full.split("\n\n").next().unwrap_or_default());
            } else {
                print!("{full}");
            }
            if let Some(who) = flag("--misses") {
                let (_, s) = scores
                    .iter()
                    .find(|(n, _)| *n == who)
                    .ok_or_else(|| format!("no report named {who}"))?;
                println!("\n{who} missed {}:", s.missed.len());
                for e in &s.missed {
                    println!(
                        "  {}:{} {} ({})",
                        e.path,
                        e.line,
                        e.rule.as_deref().unwrap_or("-"),
                        e.context
                    );
                }
                println!("{who} false positives {}:", s.false_positives.len());
                for (l, e) in &s.false_positives {
                    let what = e
                        .as_ref()
                        .map(|e| format!("{} look-alike ({})", e.family, e.context))
                        .unwrap_or_else(|| "unlabeled line".into());
                    println!("  {}:{} {what}", l.path, l.line);
                }
            }
            Ok(())
        }
        _ => Err("usage: eval-tree generate DIR TRUTH.json [--seed N] | eval-tree score TRUTH.json NAME=REPORT... [--root DIR] [--contexts] [--misses NAME] [--only PREFIX] [--brief]".into()),
    }
}
