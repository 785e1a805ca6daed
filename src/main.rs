//! The `ferret` binary: parse flags, run the command, map the outcome to an exit code.
//! The stages live in the workspace's crates (rules, engine, source, verify, audit,
//! report); this crate is the command line, the settings and the wiring.
use clap::Parser;

/// A scan allocates and frees many small buffers (rule compilation, findings, blob reads);
/// glibc's allocator spent about a tenth of a pre-commit run in malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod app;
mod builtin;
mod cli;
mod hook;
mod hook_run;
mod org;
mod settings;

fn main() {
    let cli = cli::Cli::parse();
    let commit_hook = matches!(
        &cli.command,
        cli::Command::Git(g) if g.staged
    ) || matches!(&cli.command, cli::Command::Hook(_));
    if !commit_hook {
        no_huge_pages();
    }
    // The hooks run the app's commands, so they are dispatched here, not from the app.
    let run = |cli: cli::Cli| match cli.command {
        cli::Command::Hook(cli::HookCommand::PreCommit(args)) => hook_run::pre_commit(args),
        cli::Command::Hook(cli::HookCommand::PrePush(args)) => hook_run::pre_push(args),
        command => app::run(cli::Cli { command }),
    };
    let code = match settings::fingerprint_key()
        .map(ferret_engine::finding::set_key)
        .and_then(|()| run(cli))
    {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "ferret: error: {}",
                ferret_engine::finding::sanitize(&e.to_string())
            );
            app::EXIT_ERROR
        }
    };
    std::process::exit(code);
}

/// mimalloc asks the kernel for transparent huge pages. That suits a pre-commit run (a few
/// hundred page faults instead of 1,600), but a long scan keeps freeing and touching memory
/// on every thread, and each first touch of a huge page zeroes 2 MiB: on a tree scan with
/// 2 threads a fifth of the CPU went to the kernel zeroing pages, peak memory was 105 MiB
/// instead of 58, and 2 threads ran 1.6x as fast as one instead of 1.85x. Every command but
/// `git --staged` and the hooks therefore turns huge pages off for the process (a no-op
/// where the kernel has none).
#[cfg(target_os = "linux")]
fn no_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments and changes no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn no_huge_pages() {}
