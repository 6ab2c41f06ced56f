//! The `waypost` binary: parses the command line, sets up logging, runs the command,
//! prints the whole error chain and exits non-zero on failure.

use std::process::ExitCode;

use clap::Parser;

// Rendering and indexing allocate many short-lived strings on every core; glibc's
// allocator spent a quarter of the build in malloc/free (perf), mimalloc much less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use waypost::cli::{CheckFormat, Cli, Command};

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
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", render_error(&e));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
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
            Ok(ExitCode::SUCCESS)
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
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            format,
            external,
            strict,
        } => {
            let opts = waypost::check::CheckOptions {
                external,
                strict,
                ..Default::default()
            };
            match waypost::check::check(&cli.root, &opts) {
                Ok(report) => {
                    let text = match format {
                        CheckFormat::Text => report.to_text(),
                        CheckFormat::Json => report.to_json(),
                    };
                    print!("{text}");
                    Ok(ExitCode::from(report.exit_code))
                }
                // Could not run (no or bad site.yaml): 2, not 1, so CI can tell.
                Err(e) => {
                    eprintln!("{}", render_error(&e.into()));
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Stamp { files } => match waypost::check::stamp::stamp(&cli.root, &files) {
            Ok(report) => {
                for s in &report.stamped {
                    if s.changed {
                        log::info!(
                            "stamped {} with source_hash {} of {}",
                            s.file,
                            s.hash,
                            s.source
                        );
                    } else {
                        log::info!(
                            "{} already matches {} (source_hash {})",
                            s.file,
                            s.source,
                            s.hash
                        );
                    }
                }
                if report.errors.is_empty() {
                    Ok(ExitCode::SUCCESS)
                } else {
                    eprintln!("{}", waypost::Error::Site(report.errors));
                    Ok(ExitCode::FAILURE)
                }
            }
            Err(e) => {
                eprintln!("{}", render_error(&e.into()));
                Ok(ExitCode::from(2))
            }
        },
        Command::Init { dir } => {
            waypost::init::init(&dir)?;
            log::info!(
                "created a starter site in {}; build it with `waypost --root {} build`",
                dir.display(),
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
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
