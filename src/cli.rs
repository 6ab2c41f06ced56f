//! The command line (clap derive).
//!
//! Takes the process arguments; gives a [`Cli`] with the global options and the
//! [`Command`] to run.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// waypost: build multilingual step-by-step guide sites.
#[derive(Debug, Parser)]
#[command(name = "waypost", version, about, propagate_version = true)]
pub(crate) struct Cli {
    /// The site's folder (holding site.yaml and content/).
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
    /// More output (-v: debug timings; -vv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Build the site into a folder (default `<root>/public`).
    Build(BuildArgs),
    /// Preview the site: build into memory, serve on 127.0.0.1, rebuild and reload on change.
    Serve(ServeArgs),
    /// Report broken links, missing or outdated translations and stale guides (writes
    /// nothing). Exit status: 0 passed, 1 errors (or warnings with --strict), 2 could not
    /// run.
    Check(CheckArgs),
    /// Record in translations which version of their source they match
    /// (`source_hash:` in the front matter; only that line is changed).
    Stamp(StampArgs),
    /// Write a small working starter site into DIR.
    Init(InitArgs),
    /// Write the nginx or Caddy configuration that does what the build's `_redirects`
    /// and `_headers` do on Netlify and Cloudflare Pages (redirects, caching, security
    /// headers).
    Host(HostArgs),
}

/// The arguments of `waypost host`.
#[derive(Debug, Args)]
pub(crate) struct HostArgs {
    /// The server: nginx or caddy.
    #[arg(value_enum)]
    pub server: HostServerArg,
    /// Folder to write the fragments into (created if missing; files waypost did not
    /// write are never replaced); without it they are printed.
    #[arg(long, value_name = "DIR")]
    pub to: Option<PathBuf>,
    /// Replace site.yaml's base_url, as `build --base-url` does.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

/// The servers `waypost host` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum HostServerArg {
    /// `waypost-http.conf` (in `http { }`) and `waypost-server.conf` (in the `server`).
    Nginx,
    /// `waypost.caddy` (`import` it in the site's block).
    Caddy,
}

/// The arguments of `waypost build`.
#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// Output folder; a relative path is taken from the current folder.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Replace site.yaml's base_url (preview deploys).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Include pages with `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Replace the output folder even if it is not empty and was not written by
    /// waypost (the site's own sources are never replaced).
    #[arg(long)]
    pub force: bool,
    /// Fail on broken links that site.yaml's `links:` policy lets through with a
    /// warning.
    #[arg(long)]
    pub strict: bool,
    /// Build cache folder: unchanged pages are not rendered or indexed again
    /// [default: .waypost-cache in the site's folder; env: WAYPOST_CACHE].
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Build without the cache (neither read nor written) [env: WAYPOST_NO_CACHE=1].
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,
}

/// The arguments of `waypost serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Port to listen on; 0 picks a free one.
    #[arg(short, long, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on. Anything but loopback exposes the preview to your network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Include pages with `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Build cache folder, shared with `build`: pages already parsed for search by
    /// an earlier build or preview are not parsed again
    /// [default: .waypost-cache in the site's folder; env: WAYPOST_CACHE].
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Preview without the build cache [env: WAYPOST_NO_CACHE=1].
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,
}

/// The arguments of `waypost check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Output format: text for people, json for CI (documented, versioned), github for
    /// annotations in GitHub Actions.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Also check http(s) links over the network.
    #[arg(long)]
    pub external: bool,
    /// Fail on warnings too.
    #[arg(long)]
    pub strict: bool,
}

/// The arguments of `waypost stamp`.
#[derive(Debug, Args)]
pub(crate) struct StampArgs {
    /// Translation files (content/<lang>/….md).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// The arguments of `waypost init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The folder to create (must be empty or absent).
    pub dir: PathBuf,
    /// The git URL the site's GitHub workflow installs waypost from (tag
    /// `v<this version>`); without it, the workflow asks for one when it first runs.
    #[arg(long, value_name = "URL", default_value = env!("CARGO_PKG_REPOSITORY"))]
    pub waypost_git: String,
}

/// Output format of `waypost check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckFormat {
    /// Grouped, readable report.
    Text,
    /// Stable JSON (version 1) for CI.
    Json,
    /// GitHub Actions workflow commands: each finding an annotation on its file and
    /// line, grouped as in the text report, then the same summary.
    Github,
}
