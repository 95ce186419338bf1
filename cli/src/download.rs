//! `wxpay download`: stream a file (a bill's `download_url`, a media or fapiao file path) to a path,
//! checking its hash and decompressing gzip on the way, with a progress line on stderr.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use wechatpay::runtime::{
    Client, DownloadOptions, Error, HashAlgorithm, Method, Progress, Request,
};

use crate::error::CliError;

#[derive(Args, Debug)]
pub struct DownloadArgs {
    /// The `download_url` returned by the API (it must point to the configured host or a WeChat Pay
    /// API host), or a path and query on the configured host, e.g. /v3/billdownload/file?token=...
    #[arg(long)]
    url: String,
    /// Hash type from the bill response (SHA1 or SHA256); needs --hash.
    #[arg(long, requires = "hash")]
    hash_type: Option<String>,
    /// Expected hex digest (hash_value from the bill response); needs --hash-type. For --gzip the
    /// digest is over the decompressed file. Required unless --no-hash-check is given.
    #[arg(long, requires = "hash_type")]
    hash: Option<String>,
    /// Download without checking a hash (for files WeChat Pay publishes no hash for).
    #[arg(long, conflicts_with = "hash")]
    no_hash_check: bool,
    /// The file is gzip-compressed (bill requested with tar_type=GZIP): decompress it.
    #[arg(long)]
    gzip: bool,
    /// Where to write the file. It appears only once complete and verified (`wxpay call
    /// --unsigned-download` writes to stdout instead).
    #[arg(long, short)]
    output: PathBuf,
    /// No progress line.
    #[arg(long)]
    quiet: bool,
    /// Limit for the whole download, in seconds.
    #[arg(long, default_value_t = 3600)]
    download_timeout: u64,
}

fn mib(n: u64) -> f64 {
    n as f64 / (1024.0 * 1024.0)
}

fn progress_line(p: Progress) -> String {
    match p.total {
        Some(t) if t > 0 => format!(
            "downloading: {:.1} of {:.1} MiB ({:.0} %)",
            mib(p.received),
            mib(t),
            p.received as f64 * 100.0 / t as f64
        ),
        _ => format!("downloading: {:.1} MiB", mib(p.received)),
    }
}

pub async fn run(client: &Client, args: &DownloadArgs, verbose: bool) -> Result<(), CliError> {
    if args.hash.is_none() && !args.no_hash_check {
        return Err(CliError::usage(
            "give the bill's --hash-type and --hash, or --no-hash-check to download without a hash check",
        ));
    }
    let request = if args.url.contains("://") {
        client.download_request(&args.url)?
    } else if args.url.starts_with('/') {
        // Sent exactly as given; `{`/`}` would read as path-template markers. A file: unsigned.
        let pq = args.url.replace('{', "%7B").replace('}', "%7D");
        Request::new(Method::GET, pq).unsigned_download()
    } else {
        return Err(CliError::usage(format!(
            "--url {:?} is neither an absolute URL nor a path starting with /",
            args.url
        )));
    };
    let mut options = DownloadOptions::new()
        .gzip(args.gzip)
        .timeout(Duration::from_secs(args.download_timeout));
    match (&args.hash_type, &args.hash) {
        (Some(t), Some(h)) => options = options.hash(t.parse::<HashAlgorithm>()?, h.as_str()),
        _ => options = options.danger_skip_hash_check(),
    }
    if verbose {
        eprintln!("wxpay: > GET {}", request.path_and_query()?);
    }
    // In-place progress on a terminal, at most ~10 updates a second.
    let live = !args.quiet && std::io::stderr().is_terminal();
    if live {
        let mut last: Option<Instant> = None;
        options = options.progress(move |p| {
            if last.is_none_or(|t| t.elapsed() >= Duration::from_millis(100))
                || Some(p.received) == p.total
            {
                last = Some(Instant::now());
                let mut e = std::io::stderr().lock();
                let _ = write!(e, "\r{:<60}", progress_line(p));
                let _ = e.flush();
            }
        });
    }
    let started = Instant::now();
    let result = client
        .download_to_path(request, &args.output, options)
        .await;
    if live {
        eprintln!();
    }
    if verbose {
        match &result {
            Ok(s) => eprintln!(
                "wxpay: < HTTP {}, Request-ID: {}",
                s.status,
                s.headers
                    .get("request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none")
            ),
            Err(Error::Api(a)) => eprintln!(
                "wxpay: < HTTP {}, {} attempts, Request-ID: {}",
                a.status,
                a.attempts,
                a.request_id().unwrap_or("none")
            ),
            Err(e) => eprintln!("wxpay: < no usable answer: {e}"),
        }
    }
    let summary = result?;
    if !args.quiet {
        let check = match &summary.digest {
            Some(d) => format!(
                ", {} {d} verified",
                args.hash_type.as_deref().unwrap_or("hash")
            ),
            None => ", NO hash check (--no-hash-check)".to_string(),
        };
        eprintln!(
            "wxpay: downloaded {} bytes ({} on the wire) to {} in {:.1} s{check}",
            summary.written,
            summary.received,
            args.output.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
