//! A `git fast-import` stream of a long synthetic history, for measuring the history
//! audit's memory against history length (`scripts/bench/synthetic-history.sh` pipes it
//! into `git fast-import`).
//!
//!     synthetic-history [--commits N] [--files N] [--dirs N] [--secrets N] [--seed N] > stream
//!
//! The shape follows git/git's (about five objects per commit): `--files` text files of
//! about 1.5 KB spread over `--dirs` directories two levels down (`src/dNN/fNNNN.txt`);
//! each commit edits one line of one file, the recently edited files more often; every
//! 25th commit starts a topic branch of one to three commits that is merged back with a
//! merge commit (`--no-ff`, so the merge's tree is the topic's, as on GitHub). `--secrets`
//! commits, spread evenly, each add a line holding an Attio-shaped token made from the
//! seed, so an audit of the result has that many findings to report.
use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Opts {
    commits: u64,
    files: usize,
    dirs: usize,
    secrets: u64,
    seed: u64,
}

fn main() -> ExitCode {
    let opts = match parse(std::env::args().skip(1).collect()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("synthetic-history: {e}");
            return ExitCode::from(2);
        }
    };
    let out = io::stdout().lock();
    match generate(&opts, &mut BufWriter::with_capacity(1 << 20, out)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (fast-import failed and said why).
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(1),
        Err(e) => {
            eprintln!("synthetic-history: {e}");
            ExitCode::from(1)
        }
    }
}

fn parse(args: Vec<String>) -> Result<Opts, String> {
    let mut o = Opts {
        commits: 1_000_000,
        files: 2_000,
        dirs: 50,
        secrets: 3,
        seed: 1,
    };
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut value = || -> Result<u64, String> {
            it.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .ok_or_else(|| format!("{a} needs a number"))
        };
        match a.as_str() {
            "--commits" => o.commits = value()?,
            "--files" => o.files = value()? as usize,
            "--dirs" => o.dirs = value()? as usize,
            "--secrets" => o.secrets = value()?,
            "--seed" => o.seed = value()?,
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    if o.files == 0 || o.dirs == 0 || o.commits == 0 {
        return Err("--commits, --files and --dirs must be at least 1".into());
    }
    Ok(o)
}

const LINES: usize = 30;

struct Files {
    paths: Vec<String>,
    lines: Vec<Vec<String>>,
}

impl Files {
    fn content(&self, f: usize) -> String {
        let mut s = self.lines[f].join("\n");
        s.push('\n');
        s
    }
}

/// A made-up Attio-shaped token: `sk_` and 40 letters and digits, different per seed and
/// index, never a real credential.
fn token(rng: &mut Rng) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let body: String = (0..40)
        .map(|_| ALNUM[rng.below(ALNUM.len() as u64) as usize] as char)
        .collect();
    ["s", "k_", &body].concat()
}

fn generate(o: &Opts, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = Rng(o.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut files = Files {
        paths: (0..o.files)
            .map(|i| format!("src/d{:02}/f{i:04}.txt", i % o.dirs))
            .collect(),
        lines: (0..o.files)
            .map(|i| {
                (0..LINES)
                    .map(|j| format!("line {j} of file {i}: the quick brown fox jumps over the lazy dog, again and again"))
                    .collect()
            })
            .collect(),
    };
    let mut time: u64 = 1_500_000_000;
    let mut mark: u64 = 0;
    let tick = |time: &mut u64| {
        *time += 60;
        *time
    };
    // The first commit: every file.
    mark += 1;
    let t = tick(&mut time);
    header(w, "refs/heads/main", mark, t, "initial import")?;
    for f in 0..o.files {
        modify(w, &files.paths[f], &files.content(f))?;
    }
    writeln!(w)?;
    let mut main_tip = mark;
    let mut made: u64 = 1;
    let secret_every = if o.secrets == 0 {
        u64::MAX
    } else {
        (o.commits / (o.secrets + 1)).max(1)
    };
    let mut next_secret = secret_every;
    // Recently edited files, edited again more often (as in real histories).
    let mut recent: Vec<usize> = Vec::new();
    let pick = |rng: &mut Rng, recent: &mut Vec<usize>| -> usize {
        let f = if !recent.is_empty() && rng.below(3) != 0 {
            recent[rng.below(recent.len() as u64) as usize]
        } else {
            rng.below(o.files as u64) as usize
        };
        recent.push(f);
        if recent.len() > 40 {
            recent.remove(0);
        }
        f
    };
    while made < o.commits {
        if made % 25 == 0 && made + 3 < o.commits {
            // A topic branch of 1-3 commits, merged back with a merge commit.
            let n = 1 + rng.below(3);
            let mut changed: HashMap<usize, String> = HashMap::new();
            let mut topic_tip = main_tip;
            for k in 0..n {
                let f = pick(&mut rng, &mut recent);
                edit(&mut files, &mut rng, f, made);
                mark += 1;
                let t = tick(&mut time);
                header(
                    w,
                    "refs/heads/topic",
                    mark,
                    t,
                    &format!("topic work {made}"),
                )?;
                if k == 0 {
                    writeln!(w, "from :{topic_tip}")?;
                }
                let content = files.content(f);
                modify(w, &files.paths[f], &content)?;
                changed.insert(f, content);
                writeln!(w)?;
                topic_tip = mark;
                made += 1;
            }
            mark += 1;
            let t = tick(&mut time);
            header(
                w,
                "refs/heads/main",
                mark,
                t,
                &format!("Merge topic {made}"),
            )?;
            writeln!(w, "from :{main_tip}")?;
            writeln!(w, "merge :{topic_tip}")?;
            let mut changed: Vec<_> = changed.into_iter().collect();
            changed.sort();
            for (f, content) in changed {
                modify(w, &files.paths[f], &content)?;
            }
            writeln!(w)?;
            main_tip = mark;
            made += 1;
            continue;
        }
        let f = pick(&mut rng, &mut recent);
        let message;
        if made >= next_secret {
            next_secret = next_secret.saturating_add(secret_every);
            let line = files.lines[f].len() / 2;
            files.lines[f][line] = format!("ATTIO_API_KEY={}", token(&mut rng));
            message = format!("configure the client ({made})");
        } else {
            edit(&mut files, &mut rng, f, made);
            message = format!("edit {made}");
        }
        mark += 1;
        let t = tick(&mut time);
        header(w, "refs/heads/main", mark, t, &message)?;
        modify(w, &files.paths[f], &files.content(f))?;
        writeln!(w)?;
        main_tip = mark;
        made += 1;
    }
    writeln!(w, "done")?;
    w.flush()
}

/// Rewrites one line of file `f`, never one holding a planted token.
fn edit(files: &mut Files, rng: &mut Rng, f: usize, n: u64) {
    let line = rng.below(LINES as u64) as usize;
    if files.lines[f][line].starts_with("ATTIO") {
        return files.lines[f].push(format!("edit {n}"));
    }
    files.lines[f][line] = format!(
        "line {line} of file {f}, edited in commit {n}: value {}",
        rng.below(1_000_000_000)
    );
}

fn header(w: &mut dyn Write, r: &str, mark: u64, time: u64, msg: &str) -> io::Result<()> {
    writeln!(w, "commit {r}")?;
    writeln!(w, "mark :{mark}")?;
    writeln!(
        w,
        "author Synthetic Author <author@example.test> {time} +0000"
    )?;
    writeln!(
        w,
        "committer Synthetic Author <author@example.test> {time} +0000"
    )?;
    writeln!(w, "data {}", msg.len())?;
    writeln!(w, "{msg}")
}

fn modify(w: &mut dyn Write, path: &str, content: &str) -> io::Result<()> {
    writeln!(w, "M 100644 inline {path}")?;
    writeln!(w, "data {}", content.len())?;
    w.write_all(content.as_bytes())?;
    writeln!(w)
}
