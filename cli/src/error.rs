//! The error type of `wxpay`: what went wrong, in the words a command-line user needs, with the SDK's
//! error (and its `Request-ID`) kept as the source where there is one.

use std::fmt;
use std::io;

use wechatpay::runtime::Error as SdkError;

/// Why a `wxpay` command failed. Every variant but [`CliError::Invalid`] maps to exit code 1 (usage
/// errors found by the argument parser exit 2 before any of this runs, and so does `Invalid`).
#[derive(Debug)]
pub enum CliError {
    /// A setting is missing or a flag value is unusable (`WECHATPAY_MCHID / --mchid is not set`,
    /// `--param x` is not `name=value`, a bad HTTP method).
    Usage(String),
    /// An argument the parser accepted that names nothing or does not apply (an undocumented `/v2/`
    /// path, `--param` on an APIv2 call): exit code 2, as for the parser's usage errors.
    Invalid(String),
    /// A file or stdin could not be read.
    Read { what: String, source: io::Error },
    /// The output could not be written (a closed pipe is not an error: see [`CliError::is_broken_pipe`]).
    Write(io::Error),
    /// A payload does not fit the SDK's type of the operation (`wxpay check`), or is not JSON.
    Payload(String),
    /// The SDK refused or failed the call: configuration, transport, API answer, signature, decoding,
    /// download. An API answer's `Request-ID` is part of the message.
    Sdk(SdkError),
    /// `wxpay simulate` could not start (unusable keys, port taken).
    Simulator(wechatpay_simulator::StartError),
}

impl CliError {
    /// A missing setting or unusable flag value.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }

    /// `true` when the reader of our stdout went away (`wxpay call … | head`): exit quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Write(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Invalid(m) | CliError::Payload(m) => f.write_str(m),
            CliError::Read { what, source } => write!(f, "cannot read {what}: {source}"),
            CliError::Write(e) => write!(f, "cannot write output: {e}"),
            // An API error's message always ends with its `[Request-ID: …]`.
            CliError::Sdk(e) => write!(f, "{e}"),
            CliError::Simulator(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Usage(_) | CliError::Invalid(_) | CliError::Payload(_) => None,
            CliError::Read { source, .. } => Some(source),
            CliError::Write(e) => Some(e),
            CliError::Sdk(e) => std::error::Error::source(e),
            CliError::Simulator(e) => std::error::Error::source(e),
        }
    }
}

impl From<SdkError> for CliError {
    fn from(e: SdkError) -> Self {
        CliError::Sdk(e)
    }
}

/// Reads a file, naming it in the error.
pub fn read_file(path: impl AsRef<std::path::Path>) -> Result<String, CliError> {
    let path = path.as_ref();
    std::fs::read_to_string(path).map_err(|source| CliError::Read {
        what: path.display().to_string(),
        source,
    })
}
