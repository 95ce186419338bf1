//! `cargo xtask codegen [--docs DIR] [--check]`: docs → `spec/` (→ `generated/`).

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask codegen [--docs DIR] [--check]\n\n\
  --docs DIR  the wechatpay.im docs folder (default: $WECHATPAY_DOCS, else ../shared/docs/wechatpay.im)\n\
  --check     write nothing; fail naming the stale files if spec/ or generated/ differ from what the docs produce";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("codegen") => {}
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        Some(other) => return Err(format!("unknown task `{other}`\n{USAGE}")),
    }
    let mut opts = xtask::codegen::Options {
        root: workspace_root(),
        docs: None,
        check: false,
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => opts.check = true,
            "--docs" => {
                opts.docs = Some(PathBuf::from(it.next().ok_or("`--docs` needs a folder")?))
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let report = xtask::codegen::run(&opts)?;
    eprintln!("{}", report.summary());
    if opts.check && !report.is_clean() {
        for f in report.stale() {
            eprintln!("stale: {f}");
        }
        eprintln!("run `cargo xtask codegen` and commit the result");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
