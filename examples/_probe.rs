use ferret::engine::{encoded, Engine, Scratch};
use ferret::rules::RuleSet;
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let data = std::fs::read(path).unwrap();
    let set = RuleSet::builtin().unwrap();
    let engine = Engine::new(&set).unwrap();
    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    for _ in 0..1 {
        let t = Instant::now();
        engine.scan(&data, "x", &mut scratch, &mut out);
        let full = t.elapsed();
        let t = Instant::now();
        let mut spans = Vec::new();
        encoded::spans(&data, &mut spans);
        let dec = t.elapsed();
        println!("bytes {} full {:?} decode {:?} ({} spans)", data.len(), full, dec, spans.len());
    }
}
