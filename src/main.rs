//! The `waypost` binary: parses the command line, sets up logging, runs the command,
//! prints the whole error chain and exits non-zero on failure.

use std::process::ExitCode;

use clap::Parser;

// Rendering and indexing allocate many short-lived strings on every core; glibc's
// allocator spent a quarter of the build in malloc/free (perf), mimalloc much less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
mod cli;

use std::path::{Path, PathBuf};

use cli::{BuildArgs, CheckArgs, CheckFormat, Cli, Command, HostArgs, HostServerArg, ServeArgs};
use waypost::CacheChoice;

/// A build is one process that allocates, frees and allocates again until it exits:
/// mimalloc's default is to hand freed memory back to the OS after 10 ms, and the kernel
/// then zeroes every page again when it is reused (8 % of a search build in `perf`).
/// For `build` it keeps freed memory instead (peak memory is unchanged: it is reused);
/// `serve`, which runs for hours, keeps the default; so does a build run with
/// `MIMALLOC_PURGE_DELAY` set.
fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    // `mi_option_purge_delay` in mimalloc.h (the same index in mimalloc 2 and 3):
    // milliseconds before freed memory is purged, -1 for never.
    const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
    // SAFETY: mimalloc is linked in as the global allocator (above) and exports
    // `mi_option_set`, which only stores the value of an option; it is safe to call
    // at any time, from any thread.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

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

/// The progress of a long build, drawn on standard error when it is a terminal and the
/// build has run for a second (`WAYPOST_PROGRESS_DELAY_MS` changes the wait); never in
/// logs, pipes or with `-q`.
struct TerminalProgress {
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
    delay: std::time::Duration,
    shown: std::sync::atomic::AtomicBool,
}

impl TerminalProgress {
    fn new(enabled: bool) -> Self {
        use std::io::IsTerminal;
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::hidden();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg:>22} {wide_bar} {pos}/{len}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        let delay = std::env::var("WAYPOST_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        TerminalProgress {
            bar,
            start: std::time::Instant::now(),
            delay: std::time::Duration::from_millis(delay),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Draws the bar once the build has run long enough.
    fn show_if_slow(&self, bar: &indicatif::ProgressBar) {
        if self.start.elapsed() >= self.delay
            && !self.shown.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl waypost::Progress for TerminalProgress {
    fn stage(&self, name: &str, total: u64) {
        if let Some(bar) = &self.bar {
            self.show_if_slow(bar);
            bar.set_message(name.to_string());
            bar.set_length(total);
            bar.set_position(0);
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            self.show_if_slow(bar);
            bar.inc(n);
        }
    }
}

/// Runs the command given: each in its function below, which turns the arguments into
/// the library's options, calls it, and reports.
fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let root = cli.root.as_path();
    match cli.command {
        Command::Build(args) => build(root, cli.quiet, args),
        Command::Serve(args) => serve(root, args),
        Command::Check(args) => Ok(check(root, args)),
        Command::Stamp(args) => Ok(stamp(root, &args.files)),
        Command::Init(args) => init(&args.dir, &args.waypost_git),
        Command::Host(args) => host(root, args),
    }
}

/// `waypost host`: the fragments written into `--to`, or printed.
fn host(root: &Path, args: HostArgs) -> anyhow::Result<ExitCode> {
    let HostArgs {
        server,
        to,
        base_url,
    } = args;
    let opts = waypost::BuildOptions {
        base_url,
        fingerprint_assets: true,
        ..Default::default()
    };
    let server = match server {
        HostServerArg::Nginx => waypost::HostServer::Nginx,
        HostServerArg::Caddy => waypost::HostServer::Caddy,
    };
    let fragments = waypost::host_fragments(root, &opts, server)?;
    match to {
        Some(dir) => {
            for path in waypost::output::write_fragments(&dir, &fragments)? {
                log::info!("wrote {}", path.display());
            }
        }
        None => {
            for (name, text) in &fragments {
                println!("# ---- {name}\n{text}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `waypost build`: the output folder checked before anything is read (a folder that
/// must not be replaced is refused at once, and nothing is changed), the cache opened,
/// the site built; warnings and the summary logged.
fn build(root: &Path, quiet: bool, args: BuildArgs) -> anyhow::Result<ExitCode> {
    let BuildArgs {
        output,
        base_url,
        drafts,
        force,
        strict,
        cache,
        no_cache,
    } = args;
    let out = output.unwrap_or_else(|| root.join("public"));
    let writer = waypost::output::Writer::new(out, root, force)?;
    let cache = cache_choice(cache, no_cache)?.open(root, Some(&writer.dir))?;
    keep_freed_memory();
    let opts = waypost::BuildOptions {
        drafts,
        base_url,
        strict,
        fingerprint_assets: true,
        ..Default::default()
    };
    let progress = TerminalProgress::new(!quiet);
    let report = waypost::build(root, &writer, &opts, cache, &progress);
    progress.done();
    let report = report?;
    for w in &report.cache_warnings {
        log::warn!("{w}");
    }
    if !report.warnings.is_empty() {
        log::warn!(
            "{}",
            waypost::site::links::format_warnings(&report.warnings)
        );
    }
    log::info!("{report}");
    Ok(ExitCode::SUCCESS)
}

/// `waypost serve`: until Ctrl-C.
fn serve(root: &Path, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let ServeArgs {
        port,
        bind,
        open,
        drafts,
        cache,
        no_cache,
    } = args;
    let opts = waypost::serve::ServeOptions {
        bind,
        port,
        open,
        drafts,
        cache: cache_choice(cache, no_cache)?,
    };
    waypost::serve::serve(root, &opts)?;
    Ok(ExitCode::SUCCESS)
}

/// `waypost check`: the report on standard output; exit 0 passed, 1 failed, 2 could not
/// run (no or bad site.yaml), so CI can tell the last two apart.
fn check(root: &Path, args: CheckArgs) -> ExitCode {
    let CheckArgs {
        format,
        external,
        strict,
    } = args;
    let opts = waypost::check::CheckOptions {
        external,
        strict,
        ..Default::default()
    };
    match waypost::check::check(root, &opts) {
        Ok(report) => {
            let text = match format {
                CheckFormat::Text => report.to_text(),
                CheckFormat::Json => report.to_json(),
                CheckFormat::Github => report.to_github(&github_prefix(root)),
            };
            print!("{text}");
            ExitCode::from(report.exit_code)
        }
        Err(e) => {
            eprintln!("{}", render_error(&e.into()));
            ExitCode::from(2)
        }
    }
}

/// The site's folder as a path from the repository's root in GitHub Actions
/// (`GITHUB_WORKSPACE`), `docs/` style, so annotations land on the repository's files;
/// empty when the site is the repository or is not inside it.
fn github_prefix(root: &Path) -> String {
    let Some(workspace) = std::env::var_os("GITHUB_WORKSPACE").filter(|w| !w.is_empty()) else {
        return String::new();
    };
    let (Ok(workspace), Ok(root)) = (
        std::fs::canonicalize(workspace),
        std::fs::canonicalize(root),
    ) else {
        return String::new();
    };
    match root.strip_prefix(&workspace) {
        Ok(rel) if !rel.as_os_str().is_empty() => {
            let mut s: String = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            s.push('/');
            s
        }
        _ => String::new(),
    }
}

/// `waypost stamp`: what each file was stamped with; exit 1 if some could not be, 2 if
/// the site could not be read.
fn stamp(root: &Path, files: &[PathBuf]) -> ExitCode {
    let report = match waypost::stamp::stamp(root, files) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("{}", render_error(&e.into()));
            return ExitCode::from(2);
        }
    };
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
        ExitCode::SUCCESS
    } else {
        eprintln!("{}", waypost::Error::Site(report.errors));
        ExitCode::FAILURE
    }
}

/// `waypost init DIR`.
fn init(dir: &Path, git: &str) -> anyhow::Result<ExitCode> {
    let today = waypost::BuildOptions::default().today().to_string();
    waypost::init::init(dir, git, &today)?;
    log::info!(
        "created a starter site in {}; build it with `waypost --root {} build`",
        dir.display(),
        dir.display()
    );
    if git.is_empty() {
        log::info!(
            "its GitHub workflow ({}) needs the git URL to install waypost from: set \
             WAYPOST_GIT there, or run init with --waypost-git URL",
            waypost::init::WORKFLOW
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The build cache a command uses: `--no-cache` or `--cache DIR` (which may not be given
/// together), else `WAYPOST_NO_CACHE` and `WAYPOST_CACHE` (an empty one counts as unset),
/// else the default folder. A flag on the command line wins over the environment.
fn cache_choice(cache: Option<PathBuf>, no_cache: bool) -> anyhow::Result<CacheChoice> {
    if no_cache {
        return Ok(CacheChoice::Off);
    }
    if let Some(dir) = cache {
        return Ok(CacheChoice::Dir(dir));
    }
    let env_no_cache = match std::env::var_os("WAYPOST_NO_CACHE") {
        None => false,
        Some(v) => match v.to_string_lossy().trim().to_ascii_lowercase().as_str() {
            "" | "0" | "false" | "no" | "off" => false,
            "1" | "true" | "yes" | "on" => true,
            other => anyhow::bail!(
                "WAYPOST_NO_CACHE={other}: not a yes or no\n  help: set it to 1 (build \
                 without the cache) or 0, or unset it"
            ),
        },
    };
    let env_cache = std::env::var_os("WAYPOST_CACHE").filter(|v| !v.is_empty());
    match (env_no_cache, env_cache) {
        (true, Some(_)) => anyhow::bail!(
            "WAYPOST_CACHE and WAYPOST_NO_CACHE=1 are both set: one asks for a cache folder, \
             the other for none\n  help: unset one of them"
        ),
        (true, None) => Ok(CacheChoice::Off),
        (false, Some(dir)) => Ok(CacheChoice::Dir(PathBuf::from(dir))),
        (false, None) => Ok(CacheChoice::Default),
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
