//! `wxpay`: call the WeChat Pay API v3 from the command line with signed and verified requests.
//!
//! Configuration comes from flags or the matching environment variables:
//! `WECHATPAY_MCHID`, `WECHATPAY_SERIAL`, `WECHATPAY_PRIVATE_KEY` (path), `WECHATPAY_PUBLIC_KEY` (path)
//! with `WECHATPAY_PUBLIC_KEY_ID`, `WECHATPAY_PLATFORM_CERTS` (paths separated by `,` or the OS path
//! separator), `WECHATPAY_BASE_URL`, `WECHATPAY_BACKUP_BASE_URL`. The APIv3 key is read from the
//! environment (`WECHATPAY_APIV3_KEY`) or a file (`--apiv3-key-file` / `WECHATPAY_APIV3_KEY_FILE`), never
//! from a command-line value, which other users of the machine could read in the process list.
//!
//! `wxpay download --url URL --hash-type SHA256 --hash HEX [--gzip] --output PATH` streams a file
//! (bill `download_url`) to a path, verified before it appears; without `--hash` it refuses to run
//! unless `--no-hash-check` is given.
//!
//! `-v` (any subcommand) prints the request line, status, attempts and `Request-ID` of each call on
//! stderr, and never a key, a signature or a body.
//!
//! `wxpay check request|response METHOD PATH < payload.json` checks a captured payload against the
//! SDK's types without any configuration.
//!
//! `wxpay notify -H 'Wechatpay-Timestamp: …' -H … < body.json` verifies and decrypts a captured
//! notification and prints `{"event_type": …, "resource": …}` (needs the verifying keys and the APIv3 key).
//!
//! APIv2 (XML): `wxpay call POST /v2/pay/orderquery --json '{…}'` sends the JSON object's members as the
//! XML fields, signed with the APIv2 key from `WECHATPAY_APIV2_KEY` (`nonce_str` and `sign` added), and
//! prints the verified answer as one JSON object; `security` operations use the merchant API client
//! certificate `WECHATPAY_CLIENT_CERT` (PEM) with its key `WECHATPAY_PRIVATE_KEY` (mutual TLS).
//! `wxpay notify --v2 < body.xml` verifies a captured APIv2 notification (`sign`, or a `req_info` that
//! decrypts) and prints its fields, the decrypted `req_info` nested.
//!
//! Exit codes: 0 success, 1 any runtime error, a `FAIL` answer or a payload that does not fit (message
//! on stderr), 2 usage error (including an unknown `/v2/` path).
#![forbid(unsafe_code)]
// Doc comments double as `--help` text, where plain URLs read best.
#![allow(rustdoc::bare_urls)]

mod download;
mod error;
mod v2;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use std::io::Write;

use clap::{Parser, Subcommand};
use error::{read_file, CliError};
use wechatpay::runtime::{
    authorization_header, decode_json, decode_notification, generate_nonce, ApiV3Key, Client,
    Clock, Error, KeyStore, Method, PrivateKey, Request, SystemClock, VerifyingKey,
};

#[derive(Parser, Debug)]
#[command(
    name = "wxpay",
    version,
    about = "Signed, verified calls to the WeChat Pay API v3 and v2",
    after_help = "APIv2 (`call METHOD /v2/...`, `notify --v2`) reads two more environment variables:\n  \
WECHATPAY_APIV2_KEY    the APIv2 key (32 bytes; environment only, never a flag)\n  \
WECHATPAY_CLIENT_CERT  path to the merchant API client certificate PEM (apiclient_cert.pem) for the\n                         \
operations that need mutual TLS; its key is WECHATPAY_PRIVATE_KEY (apiclient_key.pem)"
)]
struct Cli {
    /// Merchant id.
    #[arg(long, env = "WECHATPAY_MCHID", global = true)]
    mchid: Option<String>,
    /// Merchant API certificate serial number.
    #[arg(long, env = "WECHATPAY_SERIAL", global = true)]
    serial: Option<String>,
    /// Path to the merchant private key PEM (PKCS#1 or PKCS#8); for APIv2 mutual TLS, the key of
    /// WECHATPAY_CLIENT_CERT.
    #[arg(long, env = "WECHATPAY_PRIVATE_KEY", global = true)]
    private_key: Option<PathBuf>,
    /// Path to the WeChat Pay public key PEM (public-key mode).
    #[arg(long, env = "WECHATPAY_PUBLIC_KEY", global = true)]
    public_key: Option<PathBuf>,
    /// Id of the WeChat Pay public key (PUB_KEY_ID_...).
    #[arg(long, env = "WECHATPAY_PUBLIC_KEY_ID", global = true)]
    public_key_id: Option<String>,
    /// Platform certificate PEM paths, separated by ',' or the OS path separator.
    #[arg(long, env = "WECHATPAY_PLATFORM_CERTS", global = true)]
    platform_certs: Option<String>,
    /// File holding the APIv3 key (32 bytes; a trailing newline is ignored); enables --auto-certs.
    /// The key can also come from the WECHATPAY_APIV3_KEY environment variable, never from a
    /// command-line value.
    #[arg(long, env = "WECHATPAY_APIV3_KEY_FILE", global = true)]
    apiv3_key_file: Option<PathBuf>,
    /// Print the request line, status, attempts and Request-ID of each call on stderr (no secret).
    #[arg(short = 'v', long = "verbose", global = true)]
    verbose: bool,
    /// Base URL (default https://api.mch.weixin.qq.com).
    #[arg(long, env = "WECHATPAY_BASE_URL", global = true)]
    base_url: Option<String>,
    /// Backup base URL for failover (default https://api2.mch.weixin.qq.com, none if --base-url is set).
    #[arg(long, env = "WECHATPAY_BACKUP_BASE_URL", global = true)]
    backup_base_url: Option<String>,
    /// Download platform certificates when a response names an unknown serial (needs the APIv3 key).
    #[arg(long, global = true)]
    auto_certs: bool,
    /// Timeout per attempt, in seconds.
    #[arg(long, default_value_t = 30, global = true)]
    timeout: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Send a signed request, verify the response, print its JSON to stdout.
    ///
    /// A /v2/ path is an APIv2 (XML) call: the --json object's members become the XML fields (an
    /// object or array member as its JSON text, only for the fields documented `encoded: json`);
    /// nonce_str and sign are added with the APIv2 key (WECHATPAY_APIV2_KEY); the answer's sign is
    /// verified and its fields printed as one JSON object. A return_code/result_code FAIL answer exits 1
    /// with err_code on stderr. Operations that need mutual TLS use WECHATPAY_CLIENT_CERT (PEM) and
    /// WECHATPAY_PRIVATE_KEY. An undocumented /v2/ path is a usage error (exit 2).
    Call {
        /// HTTP method (GET, POST, PUT, PATCH, DELETE).
        method: String,
        /// Path (template), e.g. /v3/pay/transactions/id/{transaction_id}, /v3/certificates or (APIv2)
        /// /v2/pay/orderquery.
        path: String,
        /// Path parameter for a {name} in PATH, as name=value (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Query parameter as key=value (repeatable; percent-encoded for you).
        #[arg(long = "query", value_name = "KEY=VALUE")]
        query: Vec<String>,
        /// JSON body, or @file to read it from a file (APIv2: a JSON object of the XML fields).
        #[arg(long, value_name = "BODY|@FILE")]
        json: Option<String>,
        /// The answer is an unsigned file download (bill files): write raw bytes to stdout unverified.
        #[arg(long)]
        unsigned_download: bool,
    },
    /// Download a file (a bill's download_url) to a path: hash-checked, optionally gunzipped, with
    /// progress on stderr; the file appears only once complete and verified.
    Download(download::DownloadArgs),
    /// Check a JSON payload (stdin) against the SDK's request or response type of an operation.
    Check {
        /// Which side: `request` (the JSON body) or `response`.
        #[arg(value_parser = ["request", "response"])]
        side: String,
        /// HTTP method.
        method: String,
        /// Path template as in the docs (`/v3/pay/transactions/id/{transaction_id}`) or a concrete path.
        path: String,
    },
    /// Verify and decrypt a captured notification (raw body on stdin) with the WeChat Pay public key or
    /// platform certificates and the APIv3 key; print {"event_type": ..., "resource": <decrypted JSON>}.
    ///
    /// Exits 1 with the reason when a header is missing, the timestamp is stale, the serial is unknown,
    /// the signature is bad or the resource does not decrypt.
    ///
    /// With --v2: an APIv2 notification (XML, or a JSON object of its fields), verified by its sign
    /// with the APIv2 key (WECHATPAY_APIV2_KEY) or, for refund notifications (no sign), by its req_info
    /// decrypting; prints its fields as one JSON object, the decrypted req_info members nested under
    /// req_info.
    Notify {
        /// An APIv2 notification (no headers; needs WECHATPAY_APIV2_KEY only).
        #[arg(long, conflicts_with_all = ["headers", "now"])]
        v2: bool,
        /// A header of the notification as 'Name: value' (repeatable): Wechatpay-Timestamp,
        /// Wechatpay-Nonce, Wechatpay-Signature, Wechatpay-Serial.
        #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
        headers: Vec<String>,
        /// Check the timestamp against this Unix time instead of the clock (to replay an old capture).
        #[arg(long, value_name = "UNIX_SECONDS")]
        now: Option<i64>,
    },
    /// Run a local WeChat Pay simulator on 127.0.0.1: verifies request signatures, checks bodies,
    /// signs answers, plays the payment flows and sends notifications (see the wechatpay-simulator
    /// docs for its control endpoints). Prints `LISTENING http://127.0.0.1:PORT` first; without
    /// --keys, the folder of the fresh key set it wrote on the second line.
    Simulate {
        /// Port on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Key folder laid out like the shared test vectors (merchant_public_key.pem,
        /// platform_private_key.pem, platform_cert.pem, platform_public_key.pem, apiv3_key.txt,
        /// config.json); default: a fresh set written to a temporary folder.
        #[arg(long, value_name = "DIR")]
        keys: Option<PathBuf>,
        /// Divides WeChat Pay's notification retry intervals (e.g. 1000: 15 s become 15 ms).
        #[arg(long, default_value_t = 1.0, value_name = "X")]
        notify_speed: f64,
        /// Sign answers under the platform certificate serial instead of the public key id.
        #[arg(long)]
        certificate_mode: bool,
    },
    /// Print the Authorization header for the given request inputs.
    Sign {
        /// HTTP method.
        #[arg(long, default_value = "GET")]
        method: String,
        /// URL or path-and-query exactly as it will be sent, e.g. /v3/certificates.
        #[arg(long)]
        url: String,
        /// Body, or @file.
        #[arg(long, default_value = "")]
        body: String,
        /// Fixed timestamp (Unix seconds); default now.
        #[arg(long)]
        timestamp: Option<i64>,
        /// Fixed nonce; default random.
        #[arg(long)]
        nonce: Option<String>,
    },
}

fn need<T>(v: Option<T>, what: &str) -> Result<T, CliError> {
    v.ok_or_else(|| CliError::usage(format!("{what} is not set")))
}

fn text_or_file(s: &str) -> Result<String, CliError> {
    match s.strip_prefix('@') {
        Some(path) => read_file(path),
        None => Ok(s.to_string()),
    }
}

fn split_pair(s: &str, what: &str) -> Result<(String, String), CliError> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| CliError::usage(format!("{what} {s:?} is not of the form key=value")))
}

/// Writes `text` and a newline to stdout; a closed pipe surfaces as [`CliError::Write`].
fn print_line(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(CliError::Write)
}

/// Writes a JSON value, pretty-printed, and a newline to stdout.
fn print_json(v: &serde_json::Value) -> Result<(), CliError> {
    print_line(&serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()))
}

/// Reads all of stdin.
fn read_stdin() -> Result<Vec<u8>, CliError> {
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut body).map_err(|source| {
        CliError::Read {
            what: "stdin".into(),
            source,
        }
    })?;
    Ok(body)
}

/// The platform certificate paths of `--platform-certs` (separated by `,` or the OS path separator).
fn platform_cert_paths(cli: &Cli) -> impl Iterator<Item = &str> {
    let sep = if cfg!(windows) { ';' } else { ':' };
    cli.platform_certs
        .as_deref()
        .unwrap_or("")
        .split([',', sep])
        .map(str::trim)
        .filter(|p| !p.is_empty())
}

/// The APIv3 key: `WECHATPAY_APIV3_KEY`, else the file of `--apiv3-key-file` (zeroized when dropped).
fn apiv3_key(cli: &Cli) -> Result<Option<ApiV3Key>, CliError> {
    if let Some(k) = ApiV3Key::from_env("WECHATPAY_APIV3_KEY")? {
        return Ok(Some(k));
    }
    Ok(cli
        .apiv3_key_file
        .as_ref()
        .map(ApiV3Key::from_file)
        .transpose()?)
}

/// `-v`: the request line before a call.
fn verbose_request(cli: &Cli, method: &Method, path_and_query: &str) {
    if cli.verbose {
        eprintln!("wxpay: > {method} {path_and_query}");
    }
}

/// `-v`: status, attempts and Request-ID after a call.
fn verbose_outcome(cli: &Cli, outcome: Result<(u16, u32, Option<&str>), &Error>) {
    if !cli.verbose {
        return;
    }
    match outcome {
        Ok((status, attempts, id)) => eprintln!(
            "wxpay: < HTTP {status}, {attempts} attempt{}, Request-ID: {}",
            if attempts == 1 { "" } else { "s" },
            id.unwrap_or("none")
        ),
        Err(Error::Api(a)) => eprintln!(
            "wxpay: < HTTP {}, {} attempt{}, Request-ID: {}",
            a.status,
            a.attempts,
            if a.attempts == 1 { "" } else { "s" },
            a.request_id().unwrap_or("none")
        ),
        Err(e) => eprintln!("wxpay: < no usable answer: {e}"),
    }
}

fn client(cli: &Cli) -> Result<Client, CliError> {
    let private_key = need(
        cli.private_key.as_ref(),
        "WECHATPAY_PRIVATE_KEY / --private-key",
    )?;
    let mut b = Client::builder()
        .mchid(need(cli.mchid.clone(), "WECHATPAY_MCHID / --mchid")?)
        .merchant_serial(need(cli.serial.clone(), "WECHATPAY_SERIAL / --serial")?)
        .private_key_file(private_key)
        .timeout(Duration::from_secs(cli.timeout));
    if let Some(path) = &cli.public_key {
        let id = need(
            cli.public_key_id.as_deref(),
            "WECHATPAY_PUBLIC_KEY_ID / --public-key-id",
        )?;
        b = b.wechatpay_public_key_file(id, path);
    }
    for p in platform_cert_paths(cli) {
        b = b.platform_certificate_file(p);
    }
    if let Some(k) = apiv3_key(cli)? {
        b = b.apiv3_key(k.as_bytes());
    }
    b = b.auto_platform_certificates(cli.auto_certs);
    if let Some(u) = &cli.base_url {
        b = b.base_url(u).backup_base_url(None);
    }
    if let Some(u) = &cli.backup_base_url {
        b = b.backup_base_url(Some(u.clone()));
    }
    Ok(b.build()?)
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::Sign {
            method,
            url,
            body,
            timestamp,
            nonce,
        } => {
            let key = PrivateKey::from_pem_file(need(
                cli.private_key.as_ref(),
                "WECHATPAY_PRIVATE_KEY / --private-key",
            )?)?;
            // A full URL is reduced to its path and query, exactly as written.
            let path_and_query = match url.split_once("://") {
                Some((_, rest)) => match rest.find('/') {
                    Some(i) => rest[i..].split('#').next().unwrap_or("").to_string(),
                    None => "/".to_string(),
                },
                None => url.clone(),
            };
            let ts = timestamp.unwrap_or_else(|| SystemClock.now_unix());
            let nonce = nonce.clone().unwrap_or_else(generate_nonce);
            let body = text_or_file(body)?;
            let auth = authorization_header(
                &key,
                &need(cli.mchid.clone(), "WECHATPAY_MCHID / --mchid")?,
                &need(cli.serial.clone(), "WECHATPAY_SERIAL / --serial")?,
                &method.to_ascii_uppercase(),
                &path_and_query,
                &ts.to_string(),
                &nonce,
                body.as_bytes(),
            )?;
            print_line(&auth)
        }
        Command::Check { side, method, path } => check(side, method, path),
        Command::Simulate {
            port,
            keys,
            notify_speed,
            certificate_mode,
        } => simulate(*port, keys.as_deref(), *notify_speed, *certificate_mode).await,
        Command::Notify { v2: true, .. } => v2::notify(&cli),
        Command::Notify { headers, now, .. } => notify(&cli, headers, *now),
        Command::Download(args) => download::run(&client(&cli)?, args, cli.verbose).await,
        Command::Call {
            method,
            path,
            params,
            query,
            json,
            unsigned_download,
        } if path.starts_with("/v2/") => {
            v2::call(
                &cli,
                method,
                path,
                json.as_deref(),
                &[
                    ("--param", !params.is_empty()),
                    ("--query", !query.is_empty()),
                    ("--unsigned-download", *unsigned_download),
                ],
            )
            .await
        }
        Command::Call {
            method,
            path,
            params,
            query,
            json,
            unsigned_download,
        } => {
            let client = client(&cli)?;
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                .map_err(|_| CliError::usage(format!("bad HTTP method {method:?}")))?;
            let mut req = Request::new(method.clone(), path.clone());
            for p in params {
                let (k, v) = split_pair(p, "--param")?;
                req = req.path_param(k, v);
            }
            for q in query {
                let (k, v) = split_pair(q, "--query")?;
                req = req.query(k, v);
            }
            match json {
                Some(j) => {
                    let text = text_or_file(j)?;
                    serde_json::from_str::<serde_json::Value>(&text)
                        .map_err(|e| CliError::Payload(format!("--json is not valid JSON: {e}")))?;
                    req = req.body(text.into_bytes());
                }
                None if matches!(method, Method::POST | Method::PUT | Method::PATCH) => {
                    req = req.body(Vec::new());
                }
                None => {}
            }
            verbose_request(&cli, &method, &req.path_and_query()?);
            if *unsigned_download {
                let result = client.execute(req.unsigned_download()).await;
                verbose_outcome(
                    &cli,
                    result
                        .as_ref()
                        .map(|r| (r.status, r.attempts, r.request_id.as_deref())),
                );
                let bytes = result?.body;
                let mut out = std::io::stdout().lock();
                return out
                    .write_all(&bytes)
                    .and_then(|()| out.flush())
                    .map_err(CliError::Write);
            }
            let result = client.execute(req).await;
            verbose_outcome(
                &cli,
                result
                    .as_ref()
                    .map(|r| (r.status, r.attempts, r.request_id.as_deref())),
            );
            let resp = result?;
            if resp.body.is_empty() {
                return print_line("{}");
            }
            let v: serde_json::Value = decode_json(resp.status, &resp.body)?;
            print_line(&serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string()))
        }
    }
}

/// The keys that verify WeChat Pay's signatures: the public key and/or the platform certificates.
fn key_store(cli: &Cli) -> Result<KeyStore, CliError> {
    let store = KeyStore::new();
    if let Some(path) = &cli.public_key {
        let id = need(
            cli.public_key_id.as_deref(),
            "WECHATPAY_PUBLIC_KEY_ID / --public-key-id",
        )?;
        let pem = read_file(path)?;
        store.insert(VerifyingKey::from_public_key_pem(id, &pem)?);
    }
    for p in platform_cert_paths(cli) {
        let pem = read_file(p)?;
        store.insert(VerifyingKey::from_certificate_pem(&pem)?);
    }
    if store.is_empty() {
        return Err(CliError::usage(
            "no key to verify with: set WECHATPAY_PUBLIC_KEY (+ WECHATPAY_PUBLIC_KEY_ID) or WECHATPAY_PLATFORM_CERTS",
        ));
    }
    Ok(store)
}

fn notify(cli: &Cli, header_args: &[String], now: Option<i64>) -> Result<(), CliError> {
    let keys = key_store(cli)?;
    let apiv3 = need(apiv3_key(cli)?, "WECHATPAY_APIV3_KEY / --apiv3-key-file")?;
    let mut headers = Vec::new();
    for h in header_args {
        let (name, value) = h.split_once(':').ok_or_else(|| {
            CliError::usage(format!("--header {h:?} is not of the form 'Name: value'"))
        })?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let body = read_stdin()?;
    let now = now.unwrap_or_else(|| SystemClock.now_unix());
    let n = decode_notification(&headers, &body, now, &keys, &apiv3)?;
    let resource = match serde_json::from_slice::<serde_json::Value>(&n.plaintext) {
        Ok(v) => v,
        Err(_) => serde_json::Value::String(String::from_utf8_lossy(&n.plaintext).into_owned()),
    };
    // The typed view: a documented event whose resource does not fit its type is worth knowing.
    match wechatpay::events::Event::from_notification(&n) {
        Ok(wechatpay::events::Event::Unknown(_)) => eprintln!(
            "wxpay: note: event type {:?} is not documented in this SDK version",
            n.event_type
        ),
        Ok(_) => {}
        Err(e) => eprintln!("wxpay: warning: {e}"),
    }
    let out = serde_json::json!({"event_type": n.event_type, "resource": resource});
    print_line(&serde_json::to_string_pretty(&out).unwrap_or_else(|_| out.to_string()))
}

/// Whether a concrete path (or a template) matches a path template segment by segment.
fn path_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty()))
}

fn check(side: &str, method: &str, path: &str) -> Result<(), CliError> {
    let method = method.to_ascii_uppercase();
    let ops = wechatpay::operations();
    let op = ops
        .iter()
        .find(|o| o.method == method && o.path == path)
        .or_else(|| {
            ops.iter()
                .find(|o| o.method == method && path_matches(o.path, path))
        })
        .ok_or_else(|| {
            CliError::usage(format!(
                "no operation {method} {path} in this SDK (see `wechatpay::operations()`)"
            ))
        })?;
    let checker = match side {
        "request" => op.check_request,
        _ => op.check_response,
    }
    .ok_or_else(|| {
        CliError::usage(format!(
            "{method} {} has no JSON {side} body to check",
            op.path
        ))
    })?;
    let value: serde_json::Value = serde_json::from_slice(&read_stdin()?)
        .map_err(|e| CliError::Payload(format!("stdin is not JSON: {e}")))?;
    match checker(&value) {
        Ok(_) => print_line(&format!(
            "ok: the {side} fits {}::{} ({method} {})",
            op.rust_path,
            if side == "request" {
                "Body"
            } else {
                "Response"
            },
            op.path
        )),
        Err(e) => Err(CliError::Payload(format!(
            "the {side} does not fit {method} {}: {e}",
            op.path
        ))),
    }
}

/// `wxpay simulate`: serves until killed.
async fn simulate(
    port: u16,
    keys: Option<&std::path::Path>,
    notify_speed: f64,
    certificate_mode: bool,
) -> Result<(), CliError> {
    use wechatpay::runtime::testing::TestKeys;
    let (keys, written) = match keys {
        Some(dir) => (TestKeys::load(dir)?, None),
        None => {
            let keys = TestKeys::generate("1900000001")?;
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let dir =
                std::env::temp_dir().join(format!("wxpay-simulate-{}-{stamp}", std::process::id()));
            keys.write_to(&dir)?;
            (keys, Some(dir))
        }
    };
    let mode = if certificate_mode {
        wechatpay_simulator::SigningMode::Certificate
    } else {
        wechatpay_simulator::SigningMode::PublicKey
    };
    let sim = wechatpay_simulator::start(
        wechatpay_simulator::Options::default()
            .port(port)
            .keys(keys)
            .notify_speed(notify_speed)
            .signing_mode(mode),
    )
    .await
    .map_err(CliError::Simulator)?;
    print_line(&format!("LISTENING {}", sim.base_url))?;
    if let Some(dir) = written {
        print_line(&dir.display().to_string())?;
    }
    sim.serve_forever().await;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wxpay: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // `wxpay call … | head`: the reader has what it wanted; nothing to report.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        // An argument the parser accepted but that names nothing (an unknown /v2/ path): exit 2 like
        // the parser's own usage errors.
        Err(CliError::Invalid(m)) => {
            eprintln!("wxpay: error: {m}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("wxpay: error: {e}");
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                let text = s.to_string();
                if !e.to_string().contains(&text) {
                    eprintln!("  caused by: {text}");
                }
                src = s.source();
            }
            ExitCode::FAILURE
        }
    }
}
