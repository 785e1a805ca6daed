//! The `ferret` binary: parse flags, run the library, map the outcome to an exit code.
use clap::Parser;

/// A scan allocates and frees many small buffers (rule compilation, findings, blob reads);
/// glibc's allocator spent about a tenth of a pre-commit run in malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
