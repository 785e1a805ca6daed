//! Matcher throughput on realistic content, with and without keyword hits.
//!
//! `cargo bench --bench matcher`. Not part of the test suite (CI only compiles it); the
//! whole-program comparison with peers is `scripts/bench.sh`.
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferret_engine::{Engine, Sink, Target};
use ferret_rules::synth::{Rng, ALNUM};
use ferret_rules::RuleSet;

/// About 1 MiB of source code that mentions no rule keyword.
fn quiet_source() -> Vec<u8> {
    let lines = [
        "fn compute(values: &[u64]) -> u64 { values.iter().copied().sum() }\n",
        "    let mut total = 0; for v in items { total += v.weight * factor; }\n",
        "// Walk the graph in dependency order and collect the results.\n",
        "import os, sys; from collections import defaultdict as dd\n",
        "    return render(template, context=context, request=request)\n",
        "<div class=\"container\"><span>{{ user.name }}</span></div>\n",
    ];
    let mut out = Vec::new();
    let mut i = 0;
    while out.len() < 1 << 20 {
        out.extend_from_slice(lines[i % lines.len()].as_bytes());
        i += 1;
    }
    out
}

/// The same, with common keywords (`token`, `password`, `key`) and a secret every ~4 KiB.
fn noisy_source() -> Vec<u8> {
    let mut rng = Rng::new(7);
    let mut out = Vec::new();
    let base = quiet_source();
    for (n, chunk) in base.chunks(4096).enumerate() {
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\n    let token = session.password_key(user); // api key lookup\n");
        if n % 2 == 0 {
            let secret = format!("ATTIO_API_KEY=s{}{}\n", "k_", rng.string(ALNUM, 40));
            out.extend_from_slice(secret.as_bytes());
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let set = RuleSet::from_dir(&dir).expect("built-in rules");
    let engine = Engine::new(&set).expect("engine");
    let mut group = c.benchmark_group("scan");
    for (name, content) in [("quiet", quiet_source()), ("noisy", noisy_source())] {
        group.throughput(Throughput::Bytes(content.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &content, |b, content| {
            let mut sink = Sink::default();
            let target = Target::path("bench.rs");
            b.iter(|| {
                sink.findings.clear();
                engine.scan(&target, content, &mut sink);
                sink.findings.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
