//! The `ferret` binary: parse flags, run the library, map the outcome to an exit code.
use clap::Parser;

fn main() {
    let cli = ferret::cli::Cli::parse();
    let code = match ferret::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "ferret: error: {}",
                ferret::finding::sanitize(&e.to_string())
            );
            ferret::app::EXIT_ERROR
        }
    };
    std::process::exit(code);
}
