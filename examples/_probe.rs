use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::fs::read(&args[1]).unwrap().to_ascii_lowercase();
    let kws: Vec<String> = std::fs::read_to_string("/tmp/kws.txt")
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let chunk: usize = args[2].parse().unwrap();
    let mut total = 0;
    for group in kws.chunks(chunk) {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(group)
            .unwrap();
        let mut at = 0;
        while let Some(m) = ac.find(Input::new(&data).range(at..)) {
            total += 1;
            at = m.start() + 1;
        }
    }
    println!("{total}");
}
