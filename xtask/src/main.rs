//! `cargo xtask codegen [--docs DIR | --spec-only] [--check]`: docs → `spec/` → `generated/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use xtask::codegen::{InputChoice, Options};

/// The generator's allocator (see xtask/Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage: cargo xtask codegen [--docs DIR | --spec-only] [--check]

Reads the WeChat Pay doc pages into spec/ (one JSON per page), then emits generated/ from spec/.

  --docs DIR   the wechatpay.im docs folder (default: $WECHATPAY_DOCS, else ../shared/docs/wechatpay.im-2026-06-21
               beside the repository; when neither exists, generated/ is made from the committed spec/)
  --spec-only  ignore any docs folder: regenerate generated/ from the committed spec/
  --check      write nothing; fail naming the stale files
  -h, --help   this text

The first line printed names the input used.";

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
        Some("-h" | "--help" | "help") | None => {
            print_usage();
            return Ok(ExitCode::SUCCESS);
        }
        Some(other) => return Err(format!("unknown task `{other}`\n\n{USAGE}")),
    }
    let mut input = InputChoice::Auto;
    let mut check = false;
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => {
                print_usage();
                return Ok(ExitCode::SUCCESS);
            }
            "--check" => check = true,
            "--spec-only" => input = InputChoice::SpecOnly,
            "--docs" => {
                let dir = it.next().ok_or("`--docs` needs a folder")?;
                input = InputChoice::DocsFlag(PathBuf::from(dir));
            }
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    let root = workspace_root()?;
    let opts = Options { root, input, check };
    let resolved = xtask::codegen::resolve_input(&opts.root, &opts.input)?;
    eprintln!("codegen: {}", resolved.describe());
    let report = xtask::codegen::run(&opts)?;
    eprintln!("{}", report.summary());
    if let Some(changes) = &report.changes {
        eprintln!("{changes}");
    }
    if opts.check && !report.is_clean() {
        for f in report.stale() {
            eprintln!("stale: {f}");
        }
        eprintln!("run `cargo xtask codegen` and commit the result");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the usage on stdout; a closed pipe (`| head`) is not an error.
fn print_usage() {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{USAGE}");
}

/// The repository this run works on, found at run time (never a path baked in at compile time, which
/// with a shared `CARGO_TARGET_DIR` could point at another clone): `$CARGO_MANIFEST_DIR`'s parent when
/// `cargo run` set it (it names the xtask package being run), else the nearest folder above the current
/// directory that holds both `xtask/Cargo.toml` and `spec/`.
fn workspace_root() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        let manifest = PathBuf::from(dir);
        if let Some(root) = manifest.parent().filter(|r| is_root(r)) {
            return Ok(root.to_path_buf());
        }
    }
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    cwd.ancestors()
        .find(|d| is_root(d))
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "`{}` is not inside the wechatpay-rs repository (no folder above it holds xtask/Cargo.toml and spec/)",
                cwd.display()
            )
        })
}

fn is_root(dir: &Path) -> bool {
    dir.join("xtask/Cargo.toml").is_file() && dir.join("spec").is_dir()
}
