//! Integration tests: run the real `waypost` binary on fixture sites (`tests/fixtures/`)
//! and on the example site at the repository root, and check its output files and its
//! error messages. One module per feature.

mod common;

mod big_sections;
mod browser;
mod build;
mod cache;
mod check;
mod cli;
mod deploy;
mod differential;
mod errors;
mod example;
mod guard;
mod host;
mod hostile;
mod images;
mod link_policy;
mod links;
mod markdown_snapshots;
mod offline;
mod output;
mod ranking;
mod search;
mod serve;
mod serve_load;
mod theme;
mod tidy;
