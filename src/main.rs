//! The `waypost` binary: parses the command line, sets up logging, runs the command,
//! prints the whole error chain and exits non-zero on failure.

use std::process::ExitCode;

use clap::Parser;

// Rendering and indexing allocate many short-lived strings on every core; glibc's
// allocator spent a quarter of the build in malloc/free (perf), mimalloc much less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use waypost::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = if cli.quiet {
        log::LevelFilter::Error
    } else {
        match cli.verbose {
            0 => log::LevelFilter::Info,
            1 => log::LevelFilter::Debug,
            _ => log::LevelFilter::Trace,
        }
    };
    env_logger::Builder::new()
        .filter_level(level)
        .filter_module("tera", log::LevelFilter::Warn)
        .format(|buf, record| {
            use std::io::Write;
            match record.level() {
                log::Level::Info => writeln!(buf, "{}", record.args()),
                log::Level::Warn => writeln!(buf, "warning: {}", record.args()),
                log::Level::Error => writeln!(buf, "error: {}", record.args()),
                l => writeln!(buf, "{}: {}", l.as_str().to_lowercase(), record.args()),
            }
        })
        .target(env_logger::Target::Stderr)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", render_error(&e));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Build {
            output,
            base_url,
            drafts,
        } => {
            let out = output.unwrap_or_else(|| cli.root.join("public"));
            let opts = waypost::BuildOptions { drafts, base_url };
            let report = waypost::build(&cli.root, &out, &opts)?;
            log::info!("{report}");
            Ok(())
        }
        Command::Serve {
            port,
            bind,
            open,
            drafts,
        } => {
            let opts = waypost::serve::ServeOptions {
                bind,
                port,
                open,
                drafts,
            };
            waypost::serve::serve(&cli.root, &opts)?;
            Ok(())
        }
        Command::Init { dir } => {
            waypost::init::init(&dir)?;
            log::info!(
                "created a starter site in {}; build it with `waypost --root {} build`",
                dir.display(),
                dir.display()
            );
            Ok(())
        }
    }
}

/// The error and every cause under it, one per line.
fn render_error(e: &anyhow::Error) -> String {
    let mut s = match e.downcast_ref::<waypost::Error>() {
        Some(waypost::Error::Site(_)) => e.to_string(),
        _ => format!("error: {e}"),
    };
    for cause in e.chain().skip(1) {
        s.push_str(&format!("\n  caused by: {cause}"));
    }
    s
}
