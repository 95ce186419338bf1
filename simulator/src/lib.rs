//! A local WeChat Pay API v3 simulator for tests, driven by the SDK's operation table
//! ([`wechatpay::operations()`]) and signing like WeChat Pay does. WeChat Pay has no APIv3 sandbox;
//! this server checks exactly what integrations get wrong (signatures, bodies) and plays the core
//! payment flows, notifications included.
//!
//! Use it in-process with [`start`] (its [`Simulator::client`] is a [`wechatpay::Client`] configured
//! for it), or as a process with `wxpay simulate [--port N] [--keys DIR] [--notify-speed X]`, whose
//! first stdout line is `LISTENING http://127.0.0.1:PORT`.
//!
//! # What it does with a request
//!
//! 1. A queued or requested fault (see [Faults](#faults)) is applied first.
//! 2. `Authorization` (`WECHATPAY2-SHA256-RSA2048`) must verify with the merchant public key over
//!    `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`, name the merchant id, and have a timestamp
//!    within five minutes; otherwise `401 {"code":"SIGN_ERROR","message":…}`.
//! 3. The method and path must be an operation of the SDK (else `404 {"code":"NOT_FOUND"}`), and a
//!    JSON body must deserialise into the operation's request type (else
//!    `400 {"code":"PARAM_ERROR","message":"… `amount.total` …"}`, naming the field path).
//! 4. The stateful flows answer from their state (below); every other operation answers `200` with
//!    a body built to fit its response type (required fields present with values of the right
//!    type, the first documented variant of a closed enum), whatever ids the request names, or
//!    `204` when the operation has no JSON answer.
//! 5. Every 2xx answer (a `204` too) carries `Wechatpay-Timestamp`, `-Nonce`, `-Signature`,
//!    `-Serial` signed with the platform private key; the serial is the WeChat Pay public key id
//!    ([`SigningMode::PublicKey`], the default) or the platform certificate serial
//!    ([`SigningMode::Certificate`]). Error answers are not signed.
//!
//! # Stateful flows
//!
//! * `POST /v3/pay/transactions/{jsapi,app,h5,native}` stores the order (`NOTPAY`) and answers
//!   `prepay_id`, `prepay_id`, `h5_url` or `code_url`.
//! * `GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=…` and
//!   `GET /v3/pay/transactions/id/{transaction_id}?mchid=…` answer the stored order (`NOTPAY`,
//!   `SUCCESS` or `CLOSED`); an unknown one is `404 ORDER_NOT_EXIST`.
//! * `POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close` answers `204`; the order is
//!   `CLOSED` (a paid order: `400 ORDERPAID`).
//! * `POST /v3/refund/domestic/refunds` stores the refund and answers it `PROCESSING`; it then
//!   becomes `SUCCESS` and a `REFUND.SUCCESS` notification goes to its `notify_url`.
//!   `GET /v3/refund/domestic/refunds/{out_refund_no}` answers it.
//! * `GET /v3/certificates` answers the platform certificate encrypted with the APIv3 key
//!   (`AEAD_AES_256_GCM`, associated data `certificate`), as WeChat Pay does.
//! * `GET /v3/bill/tradebill?bill_date=…` makes a trade bill of the orders paid so far and of their
//!   refunds (whatever the date; CSV like WeChat Pay's, values prefixed with a backtick, then a
//!   summary) and answers `hash_type` `SHA1`, its `hash_value` and a `download_url` on this
//!   simulator; `GET /v3/billdownload/file?token=…` (signed) answers that file, unsigned, as WeChat
//!   Pay does (`tar_type` is ignored: the file is never gzipped).
//!
//! # Control endpoints
//!
//! Under `/_simulator/`, signed like any request:
//!
//! * `POST /_simulator/transactions/{out_trade_no}/pay` (empty body): the order becomes `SUCCESS`
//!   (with `transaction_id`, `success_time`, `payer`, `amount.payer_total`) and a `TRANSACTION.SUCCESS`
//!   notification goes to its `notify_url`. Answers `200` with the transaction.
//! * `POST /_simulator/faults` with `{"fault": F, "count": N}` (`count` defaults to 1): the next `N`
//!   requests (control endpoints excepted) get fault `F`. Answers `204`.
//! * `POST /_simulator/notifications/signtest` with `{"url": U}`: sends one `WECHATPAY/SIGNTEST/`
//!   probe notification to `U` (its `Wechatpay-Signature` starts with `WECHATPAY/SIGNTEST/` and
//!   does not verify; a handler must reject it). Answers `200 {"status": <the handler's status>}`.
//! * `GET /_simulator/notifications`: the log of notification attempts,
//!   `[{"event_type","url","attempt","status"}]` (`status` 0 when the handler could not be reached).
//!
//! In-process, [`Simulator::pay`], [`Simulator::inject_fault`] and [`Simulator::notifications`]
//! call these endpoints with the simulator's own client.
//!
//! # Faults
//!
//! A fault comes from the request header `X-Simulator-Fault: F` or from the queue above:
//!
//! * `429`: `429 {"code":"FREQUENCY_LIMITED"}`; `500`: `500 {"code":"SYSTEM_ERROR"}`;
//! * `bad-signature`: the normal answer with a `Wechatpay-Signature` that does not verify;
//! * `stale-timestamp`: the normal answer signed correctly at a timestamp an hour old;
//! * `signtest`: the normal answer signed `WECHATPAY/SIGNTEST/…` (WeChat Pay's probe).
//!
//! # Notifications
//!
//! The first attempt is immediate; after a failure (no answer within 5 s, or not 2xx) the next ones
//! follow WeChat Pay's documented schedule, 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h,
//! divided by [`Options::notify_speed`]. A 2xx answer stops them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};
use wechatpay::runtime::testing::{TestKeys, TestNotification};
use wechatpay::runtime::{
    aead_aes_256_gcm_encrypt, generate_nonce, request_signing_message, Client, Clock as _, Error,
    Method, Request as ApiRequest, SystemClock, VerifyingKey, AUTH_SCHEME, MAX_CLOCK_SKEW_SECS,
};
use wechatpay::OperationInfo;

/// WeChat Pay's documented notification retry intervals, in seconds (15s/15s/30s/3m/10m/20m/30m/
/// 30m/30m/60m/3h/3h/3h/6h/6h).
pub const NOTIFY_RETRY_SCHEDULE_SECS: [u64; 15] = [
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
];

/// Largest request body read (bytes).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// Which serial the simulator signs answers under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigningMode {
    /// The WeChat Pay public key id (`PUB_KEY_ID_…`).
    #[default]
    PublicKey,
    /// The platform certificate serial.
    Certificate,
}

/// How to start a [`Simulator`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Port on 127.0.0.1; 0 takes any free port.
    pub port: u16,
    /// The key set; `None` generates a throwaway one for merchant `1900000001`.
    pub keys: Option<TestKeys>,
    /// Divides the notification retry intervals (1.0 = WeChat Pay's real schedule).
    pub notify_speed: f64,
    /// Serial of the answers' signatures.
    pub signing_mode: SigningMode,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            port: 0,
            keys: None,
            notify_speed: 1.0,
            signing_mode: SigningMode::PublicKey,
        }
    }
}

impl Options {
    /// Sets the port (0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// Uses this key set.
    pub fn keys(mut self, keys: TestKeys) -> Self {
        self.keys = Some(keys);
        self
    }
    /// Divides the notification retry intervals by `speed` (values ≤ 0 are taken as 1).
    pub fn notify_speed(mut self, speed: f64) -> Self {
        self.notify_speed = speed;
        self
    }
    /// Signs answers under the certificate serial or the public key id.
    pub fn signing_mode(mut self, mode: SigningMode) -> Self {
        self.signing_mode = mode;
        self
    }
}

/// A running simulator. Dropping it stops the server (notifications under way still finish).
#[derive(Debug)]
pub struct Simulator {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The socket address it listens on.
    pub addr: SocketAddr,
    /// Its keys (the merchant private key is there when the simulator generated the set).
    pub keys: TestKeys,
    signing_mode: SigningMode,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Simulator {
    /// A client for this simulator: the merchant of [`keys`](Self::keys), trusting the platform in
    /// the simulator's signing mode, with no backup URL. Needs the merchant private key.
    pub fn client(&self) -> Result<Client, Error> {
        let b = match self.signing_mode {
            SigningMode::PublicKey => self.keys.client_builder(),
            SigningMode::Certificate => self.keys.client_builder_certificate_mode(),
        };
        b.base_url(&self.base_url).backup_base_url(None).build()
    }

    /// The payer pays order `out_trade_no` (`POST /_simulator/transactions/{out_trade_no}/pay`): it
    /// becomes `SUCCESS` and its `TRANSACTION.SUCCESS` notification is sent. Returns the transaction
    /// as the simulator answered it; an unknown or not `NOTPAY` order is an API error.
    pub async fn pay(&self, out_trade_no: &str) -> Result<Value, Error> {
        let req = ApiRequest::new(Method::POST, "/_simulator/transactions/{out_trade_no}/pay")
            .path_param("out_trade_no", out_trade_no);
        self.client()?.send(req).await
    }

    /// Queues fault `fault` (one of [`FAULTS`]) for the next `count` API requests
    /// (`POST /_simulator/faults`).
    pub async fn inject_fault(&self, fault: &str, count: u32) -> Result<(), Error> {
        let req = ApiRequest::new(Method::POST, "/_simulator/faults")
            .json(&json!({"fault": fault, "count": count}))?;
        self.client()?.send_empty(req).await
    }

    /// The log of notification attempts so far (`GET /_simulator/notifications`): one
    /// `{"event_type","url","attempt","status"}` per attempt, oldest first.
    pub async fn notifications(&self) -> Result<Vec<Value>, Error> {
        let req = ApiRequest::new(Method::GET, "/_simulator/notifications");
        self.client()?.send(req).await
    }

    /// Serves until the task is cancelled (for `wxpay simulate`).
    pub async fn serve_forever(mut self) {
        let _ = (&mut self.server).await;
    }
}

/// Why [`start`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The key set is unusable (a key does not parse, the APIv3 key is not 32 bytes).
    Keys(Error),
    /// Cannot listen on 127.0.0.1 at the port.
    Listen(u16, std::io::Error),
    /// The HTTP client for notifications cannot be built.
    Client(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Keys(e) => write!(f, "simulator keys: {e}"),
            StartError::Listen(p, e) => write!(f, "cannot listen on 127.0.0.1:{p}: {e}"),
            StartError::Client(e) => write!(f, "cannot build the notification client: {e}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Keys(e) => Some(e),
            StartError::Listen(_, e) => Some(e),
            StartError::Client(_) => None,
        }
    }
}

impl From<Error> for StartError {
    fn from(e: Error) -> Self {
        StartError::Keys(e)
    }
}

/// Starts a simulator on 127.0.0.1 in the current Tokio runtime.
pub async fn start(options: Options) -> Result<Simulator, StartError> {
    let keys = match options.keys {
        Some(k) => k,
        None => TestKeys::generate("1900000001")?,
    };
    let merchant =
        VerifyingKey::from_public_key_pem(&keys.merchant_serial, &keys.merchant_public_key_pem)?;
    let platform = keys.platform_private_key()?;
    keys.apiv3()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|e| StartError::Listen(options.port, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Listen(options.port, e))?;
    let speed = if options.notify_speed.is_finite() && options.notify_speed > 0.0 {
        options.notify_speed
    } else {
        1.0
    };
    let state = Arc::new(State {
        base_url: format!("http://{addr}"),
        keys: keys.clone(),
        merchant,
        platform,
        serial: match options.signing_mode {
            SigningMode::PublicKey => keys.platform_public_key_id.clone(),
            SigningMode::Certificate => keys.platform_serial.clone(),
        },
        speed,
        ops: wechatpay::operations(),
        data: Mutex::new(Data::default()),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| StartError::Client(e.to_string()))?,
    });
    let app = axum::Router::new().fallback(move |req: Request<Body>| {
        let st = state.clone();
        async move { handle(st, req).await }
    });
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Simulator {
        base_url: format!("http://{addr}"),
        addr,
        keys,
        signing_mode: options.signing_mode,
        server,
    })
}

struct State {
    base_url: String,
    keys: TestKeys,
    merchant: VerifyingKey,
    platform: wechatpay::runtime::PrivateKey,
    serial: String,
    speed: f64,
    ops: Vec<&'static OperationInfo>,
    data: Mutex<Data>,
    http: reqwest::Client,
}

#[derive(Default)]
struct Data {
    orders: HashMap<String, Value>,
    refunds: HashMap<String, Value>,
    faults: Vec<String>,
    notifications: Vec<Value>,
    samples: HashMap<(&'static str, &'static str), Option<Value>>,
    /// Bill files by download token.
    bills: HashMap<String, Vec<u8>>,
    counter: u64,
}

impl State {
    fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn next_id(&self) -> u64 {
        let mut d = self.data();
        d.counter += 1;
        d.counter
    }
}

/// `unix` as RFC 3339 in China time (`+08:00`), as WeChat Pay writes times.
pub fn rfc3339_china(unix: i64) -> String {
    let t = unix + 8 * 3600;
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+08:00",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn json_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response<Body> {
    let body = json!({"code": code, "message": message.into()}).to_string();
    Response::builder()
        .status(status)
        .header("Content-Type", "application/json")
        .header("Request-ID", format!("sim-{}", generate_nonce()))
        .body(Body::from(body))
        .unwrap_or_default()
}

/// What a handler produced before signing.
enum Answer {
    Json(StatusCode, Value),
    Empty,
    /// A downloaded file: `200`, not signed (WeChat Pay does not sign files).
    File(Vec<u8>),
    Error(Response<Body>),
}

impl State {
    fn signed(&self, status: StatusCode, body: Vec<u8>, fault: Option<&str>) -> Response<Body> {
        let ts = match fault {
            Some("stale-timestamp") => SystemClock.now_unix() - 3600,
            _ => SystemClock.now_unix(),
        };
        let mut headers = match self.keys.sign_as_platform(&body, &self.serial, ts) {
            Ok(h) => h,
            Err(e) => {
                return json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "SYSTEM_ERROR",
                    e.to_string(),
                )
            }
        };
        for (k, v) in headers.iter_mut() {
            if k == "Wechatpay-Signature" {
                match fault {
                    Some("bad-signature") => {
                        // Same length, other bytes: a signature that does not verify.
                        *v = B64.encode(vec![0x5au8; 256]);
                    }
                    Some("signtest") => {
                        *v = format!("WECHATPAY/SIGNTEST/{}", B64.encode(generate_nonce()));
                    }
                    _ => {}
                }
            }
        }
        let mut b = Response::builder()
            .status(status)
            .header("Request-ID", format!("sim-{}", generate_nonce()));
        if !body.is_empty() {
            b = b.header("Content-Type", "application/json");
        }
        for (k, v) in headers {
            b = b.header(k, v);
        }
        b.body(Body::from(body)).unwrap_or_default()
    }
}

async fn handle(st: Arc<State>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "PARAM_ERROR",
                format!("cannot read the body: {e}"),
            )
        }
    };
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let control = path.starts_with("/_simulator/");
    let fault = match parts
        .headers
        .get("X-Simulator-Fault")
        .and_then(|v| v.to_str().ok())
    {
        Some(f) => Some(f.to_string()),
        None if !control => {
            let mut d = st.data();
            if d.faults.is_empty() {
                None
            } else {
                Some(d.faults.remove(0))
            }
        }
        None => None,
    };
    match fault.as_deref() {
        Some("429") => {
            return json_error(
                StatusCode::TOO_MANY_REQUESTS,
                "FREQUENCY_LIMITED",
                "simulated fault: too many requests",
            )
        }
        Some("500") => {
            return json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYSTEM_ERROR",
                "simulated fault: system error",
            )
        }
        _ => {}
    }
    if let Err(why) = verify(&st, &parts.headers, &method, &target, &body) {
        return json_error(StatusCode::UNAUTHORIZED, "SIGN_ERROR", why);
    }
    let query: HashMap<String, String> = parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    let answer = route(&st, &method, &path, &query, &body).await;
    match answer {
        Answer::Json(status, v) => st.signed(status, v.to_string().into_bytes(), fault.as_deref()),
        Answer::Empty => st.signed(StatusCode::NO_CONTENT, Vec::new(), fault.as_deref()),
        Answer::File(bytes) => Response::builder()
            .status(StatusCode::OK)
            .header("Content-Type", "text/plain; charset=utf-8")
            .header("Request-ID", format!("sim-{}", generate_nonce()))
            .body(Body::from(bytes))
            .unwrap_or_default(),
        Answer::Error(r) => r,
    }
}

/// Checks `Authorization`; the error text says why it fails.
fn verify(
    st: &State,
    headers: &HeaderMap,
    method: &str,
    target: &str,
    body: &[u8],
) -> Result<(), String> {
    let auth = headers
        .get("Authorization")
        .ok_or("no Authorization header")?
        .to_str()
        .map_err(|_| "Authorization is not ASCII")?;
    let params = auth
        .strip_prefix(AUTH_SCHEME)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| format!("Authorization does not start with `{AUTH_SCHEME} `"))?;
    let mut fields = HashMap::new();
    for p in params.split(',') {
        let (k, v) = p
            .trim()
            .split_once('=')
            .ok_or("a malformed Authorization parameter")?;
        fields.insert(k.trim(), v.trim().trim_matches('"'));
    }
    let get = |k: &str| {
        fields
            .get(k)
            .copied()
            .ok_or_else(|| format!("Authorization has no `{k}`"))
    };
    let (mchid, nonce, ts, serial, sig) = (
        get("mchid")?,
        get("nonce_str")?,
        get("timestamp")?,
        get("serial_no")?,
        get("signature")?,
    );
    if mchid != st.keys.mchid {
        return Err(format!("mchid `{mchid}` is not the simulated merchant"));
    }
    if serial != st.keys.merchant_serial {
        return Err(format!(
            "serial_no `{serial}` is not the merchant certificate serial"
        ));
    }
    let t: i64 = ts.parse().map_err(|_| "timestamp is not a number")?;
    if (SystemClock.now_unix() - t).abs() > MAX_CLOCK_SKEW_SECS {
        return Err("timestamp is more than five minutes off".into());
    }
    let sig = B64.decode(sig).map_err(|_| "signature is not base64")?;
    let message = request_signing_message(method, target, ts, nonce, body);
    if st.merchant.verify(&message, &sig) {
        Ok(())
    } else {
        Err("signature does not verify with the merchant public key".into())
    }
}

/// Whether `path` is an instance of `template` (`{name}` matches one non-empty segment).
fn match_path(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter().zip(&p).all(|(a, b)| {
            if a.starts_with('{') && a.ends_with('}') {
                !b.is_empty()
            } else {
                a == b
            }
        })
}

fn find_op(st: &State, method: &str, path: &str) -> Option<&'static OperationInfo> {
    st.ops
        .iter()
        .filter(|o| o.method == method && match_path(o.path, path))
        .min_by_key(|o| o.path.matches('{').count())
        .copied()
}

fn seg(path: &str, i: usize) -> String {
    path.split('/').nth(i).unwrap_or("").to_string()
}

// `Answer::Error` is a whole HTTP response, built once per rejected request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn parse_body(body: &[u8]) -> Result<Value, Answer> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| {
        Answer::Error(json_error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            format!("the body is not JSON: {e}"),
        ))
    })
}

async fn route(
    st: &Arc<State>,
    method: &str,
    path: &str,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Answer {
    if let Some(rest) = path.strip_prefix("/_simulator/") {
        return control(st, method, rest, body).await;
    }
    if method == "GET" && path == "/v3/certificates" {
        return certificates(st);
    }
    let Some(op) = find_op(st, method, path) else {
        return Answer::Error(json_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("no operation {method} {path} in the WeChat Pay API v3 the SDK knows"),
        ));
    };
    let mut req = json!({});
    if let Some(check) = op.check_request {
        let v = match parse_body(body) {
            Ok(v) => v,
            Err(a) => return a,
        };
        match check(&v) {
            Ok(_) => req = v,
            Err(e) => {
                return Answer::Error(json_error(
                    StatusCode::BAD_REQUEST,
                    "PARAM_ERROR",
                    format!(
                        "the body does not fit {method} {}: `{}`: {}",
                        op.path, e.path, e.message
                    ),
                ))
            }
        }
    }
    match (method, op.path) {
        ("POST", "/v3/pay/transactions/jsapi")
        | ("POST", "/v3/pay/transactions/app")
        | ("POST", "/v3/pay/transactions/h5")
        | ("POST", "/v3/pay/transactions/native") => prepay(st, &seg(path, 4), req),
        ("GET", "/v3/pay/transactions/out-trade-no/{out_trade_no}") => {
            let no = seg(path, 5);
            match st.data().orders.get(&no) {
                Some(o) => Answer::Json(StatusCode::OK, public_order(o)),
                None => Answer::Error(json_error(
                    StatusCode::NOT_FOUND,
                    "ORDER_NOT_EXIST",
                    "order not found",
                )),
            }
        }
        ("GET", "/v3/pay/transactions/id/{transaction_id}") => {
            let id = seg(path, 5);
            let d = st.data();
            match d
                .orders
                .values()
                .find(|o| o["transaction_id"] == id.as_str())
            {
                Some(o) => Answer::Json(StatusCode::OK, public_order(o)),
                None => Answer::Error(json_error(
                    StatusCode::NOT_FOUND,
                    "ORDER_NOT_EXIST",
                    "order not found",
                )),
            }
        }
        ("POST", "/v3/pay/transactions/out-trade-no/{out_trade_no}/close") => {
            let no = seg(path, 5);
            let mut d = st.data();
            match d.orders.get_mut(&no) {
                Some(o) if o["trade_state"] == "SUCCESS" => Answer::Error(json_error(
                    StatusCode::BAD_REQUEST,
                    "ORDERPAID",
                    "the order is paid",
                )),
                Some(o) => {
                    o["trade_state"] = "CLOSED".into();
                    o["trade_state_desc"] = "订单已关闭".into();
                    Answer::Empty
                }
                None => Answer::Error(json_error(
                    StatusCode::NOT_FOUND,
                    "ORDER_NOT_EXIST",
                    "order not found",
                )),
            }
        }
        ("POST", "/v3/refund/domestic/refunds") => refund(st, req),
        ("GET", "/v3/bill/tradebill") => trade_bill(st),
        ("GET", "/v3/billdownload/file") => match query
            .get("token")
            .and_then(|t| st.data().bills.get(t).cloned())
        {
            Some(bytes) => Answer::File(bytes),
            None => Answer::Error(json_error(
                StatusCode::NOT_FOUND,
                "NO_STATEMENT_EXIST",
                "no bill with this token",
            )),
        },
        ("GET", "/v3/refund/domestic/refunds/{out_refund_no}") => {
            let no = seg(path, 5);
            match st.data().refunds.get(&no) {
                Some(r) => Answer::Json(StatusCode::OK, public_order(r)),
                None => Answer::Error(json_error(
                    StatusCode::NOT_FOUND,
                    "RESOURCE_NOT_EXISTS",
                    "refund not found",
                )),
            }
        }
        _ => generic(st, op, query),
    }
}

/// A stored record without the simulator's private fields (`_…`).
fn public_order(o: &Value) -> Value {
    let mut o = o.clone();
    if let Some(m) = o.as_object_mut() {
        m.retain(|k, _| !k.starts_with('_'));
    }
    o
}

fn generic(st: &State, op: &'static OperationInfo, _query: &HashMap<String, String>) -> Answer {
    let Some(check) = op.check_response else {
        return Answer::Empty;
    };
    let key = (op.method, op.path);
    let cached = st.data().samples.get(&key).cloned();
    let sample = match cached {
        Some(s) => s,
        None => {
            let s = sample_with(op, check);
            st.data().samples.insert(key, s.clone());
            s
        }
    };
    Answer::Json(StatusCode::OK, sample.unwrap_or_else(|| json!({})))
}

/// The sample answer the simulator gives for an operation outside the stateful flows: the generated
/// minimal answer of the spec ([`OperationInfo::sample_response`]: every required field, with a value
/// of its type), read through the response type (`None`: the operation has no JSON answer, or the
/// sample does not fit its type, and `{}` is answered).
pub fn sample_response(op: &OperationInfo) -> Option<Value> {
    sample_with(op, op.check_response?)
}

fn sample_with(op: &OperationInfo, check: wechatpay::CheckFn) -> Option<Value> {
    let v: Value = serde_json::from_str(op.sample_response).ok()?;
    check(&v).ok()
}

fn prepay(st: &State, kind: &str, req: Value) -> Answer {
    let no = req["out_trade_no"].as_str().unwrap_or("").to_string();
    let n = st.next_id();
    let prepay_id = format!("wx{}{:010}", SystemClock.now_unix(), n);
    let trade_type = match kind {
        "jsapi" => "JSAPI",
        "app" => "APP",
        "h5" => "MWEB",
        _ => "NATIVE",
    };
    let total = req["amount"]["total"].as_i64().unwrap_or(0);
    let currency = req["amount"]["currency"]
        .as_str()
        .unwrap_or("CNY")
        .to_string();
    let order = json!({
        "appid": req["appid"],
        "mchid": req["mchid"],
        "out_trade_no": no,
        "description": req["description"],
        "notify_url": req["notify_url"],
        "trade_type": trade_type,
        "trade_state": "NOTPAY",
        "trade_state_desc": "订单未支付",
        "attach": req.get("attach").cloned().unwrap_or(Value::Null),
        "amount": {"total": total, "currency": currency},
        "payer": {"openid": req["payer"]["openid"].as_str().unwrap_or("oSimulatedPayer000000000000")},
        "_notify_url": req["notify_url"],
        "_prepay_id": prepay_id,
    });
    let mut order = order;
    if order["attach"].is_null() {
        if let Some(m) = order.as_object_mut() {
            m.remove("attach");
        }
    }
    let mut d = st.data();
    // Ordering again with the same out_trade_no answers the same prepay id, as WeChat Pay does.
    let existing = d.orders.get(&no).cloned();
    let stored = existing.unwrap_or_else(|| {
        d.orders.insert(no.clone(), order.clone());
        order
    });
    let pid = stored["_prepay_id"].as_str().unwrap_or("").to_string();
    drop(d);
    let answer = match kind {
        "h5" => {
            json!({"h5_url": format!("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={pid}")})
        }
        "native" => json!({"code_url": format!("weixin://wxpay/bizpayurl?pr=sim{n}")}),
        _ => json!({"prepay_id": pid}),
    };
    Answer::Json(StatusCode::OK, answer)
}

fn refund(st: &Arc<State>, req: Value) -> Answer {
    let out_refund_no = req["out_refund_no"].as_str().unwrap_or("").to_string();
    let n = st.next_id();
    let mut d = st.data();
    let order = req["out_trade_no"]
        .as_str()
        .and_then(|no| d.orders.get(no))
        .or_else(|| {
            let id = req["transaction_id"].as_str()?;
            d.orders.values().find(|o| o["transaction_id"] == id)
        })
        .cloned();
    let Some(order) = order else {
        return Answer::Error(json_error(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "no such order",
        ));
    };
    if order["trade_state"] != "SUCCESS" {
        return Answer::Error(json_error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "the order is not paid",
        ));
    }
    let refund_amount = req["amount"]["refund"].as_i64().unwrap_or(0);
    let total = req["amount"]["total"].as_i64().unwrap_or(0);
    let currency = req["amount"]["currency"].as_str().unwrap_or("CNY");
    let record = json!({
        "refund_id": format!("50000000{}{:010}", SystemClock.now_unix(), n),
        "out_refund_no": out_refund_no,
        "transaction_id": order["transaction_id"],
        "out_trade_no": order["out_trade_no"],
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": rfc3339_china(SystemClock.now_unix()),
        "status": "PROCESSING",
        "funds_account": "AVAILABLE",
        "amount": {
            "total": total, "refund": refund_amount, "payer_total": total, "payer_refund": refund_amount,
            "settlement_refund": refund_amount, "settlement_total": total, "discount_refund": 0,
            "currency": currency,
        },
        "_notify_url": req.get("notify_url").cloned().unwrap_or_else(|| order["_notify_url"].clone()),
    });
    d.refunds.insert(out_refund_no.clone(), record.clone());
    drop(d);
    let st2 = st.clone();
    tokio::spawn(async move {
        let done = {
            let mut d = st2.data();
            d.refunds.get_mut(&out_refund_no).map(|r| {
                r["status"] = "SUCCESS".into();
                r["success_time"] = rfc3339_china(SystemClock.now_unix()).into();
                r.clone()
            })
        };
        if let Some(r) = done {
            let resource = json!({
                "mchid": st2.keys.mchid,
                "out_trade_no": r["out_trade_no"], "transaction_id": r["transaction_id"],
                "out_refund_no": r["out_refund_no"], "refund_id": r["refund_id"],
                "refund_status": "SUCCESS", "success_time": r["success_time"],
                "user_received_account": r["user_received_account"],
                "amount": {"total": r["amount"]["total"], "refund": r["amount"]["refund"],
                           "payer_total": r["amount"]["payer_total"], "payer_refund": r["amount"]["payer_refund"]},
            });
            let url = r["_notify_url"].as_str().unwrap_or("").to_string();
            notify(st2, url, "REFUND.SUCCESS", "退款成功", resource).await;
        }
    });
    Answer::Json(StatusCode::OK, public_order(&record))
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// A trade bill of the paid orders and their refunds, stored under a fresh download token.
fn trade_bill(st: &State) -> Answer {
    let n = st.next_id();
    let mut d = st.data();
    let mut orders: Vec<&Value> = d
        .orders
        .values()
        .filter(|o| o["transaction_id"].is_string())
        .collect();
    orders.sort_by_key(|o| o["success_time"].as_str().unwrap_or("").to_string());
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    let yuan = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
    let mut csv = String::from(
        "交易时间,公众账号ID,商户号,微信订单号,商户订单号,用户标识,交易类型,交易状态,货币种类,应结订单金额,微信退款单号,商户退款单号,退款金额,退款状态,商品名称\r\n",
    );
    let (mut total, mut refunded) = (0i64, 0i64);
    for o in &orders {
        let amount = o["amount"]["total"].as_i64().unwrap_or(0);
        total += amount;
        let row = |refund: Option<&Value>| {
            let (refund_id, out_refund_no, refund_amount, refund_status) = match refund {
                Some(r) => (
                    text(&r["refund_id"]),
                    text(&r["out_refund_no"]),
                    yuan(r["amount"]["refund"].as_i64().unwrap_or(0)),
                    text(&r["status"]),
                ),
                None => ("0".into(), "0".into(), "0.00".into(), String::new()),
            };
            let fields = [
                text(&o["success_time"]),
                text(&o["appid"]),
                text(&o["mchid"]),
                text(&o["transaction_id"]),
                text(&o["out_trade_no"]),
                text(&o["payer"]["openid"]),
                text(&o["trade_type"]),
                if refund.is_some() {
                    "REFUND".into()
                } else {
                    "SUCCESS".into()
                },
                text(&o["amount"]["currency"]),
                yuan(amount),
                refund_id,
                out_refund_no,
                refund_amount,
                refund_status,
                text(&o["description"]),
            ];
            let mut line = fields
                .iter()
                .map(|f| format!("`{}", f.replace([',', '\r', '\n'], " ")))
                .collect::<Vec<_>>()
                .join(",");
            line.push_str("\r\n");
            line
        };
        csv.push_str(&row(None));
        let mut refunds: Vec<&Value> = d
            .refunds
            .values()
            .filter(|r| r["out_trade_no"] == o["out_trade_no"])
            .collect();
        refunds.sort_by_key(|r| r["create_time"].as_str().unwrap_or("").to_string());
        for r in refunds {
            refunded += r["amount"]["refund"].as_i64().unwrap_or(0);
            csv.push_str(&row(Some(r)));
        }
    }
    csv.push_str("总交易单数,应结订单总金额,退款总金额\r\n");
    csv.push_str(&format!(
        "`{},`{},`{}\r\n",
        orders.len(),
        yuan(total),
        yuan(refunded)
    ));
    let bytes = csv.into_bytes();
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &bytes);
    let token = format!("SIMBILL{n:08}{}", generate_nonce());
    d.bills.insert(token.clone(), bytes);
    drop(d);
    Answer::Json(
        StatusCode::OK,
        json!({
            "hash_type": "SHA1",
            "hash_value": hex(digest.as_ref()),
            "download_url": format!("{}/v3/billdownload/file?token={token}", st.base_url),
        }),
    )
}

fn certificates(st: &State) -> Answer {
    let nonce: String = generate_nonce().chars().take(12).collect();
    let Ok(key) = st.keys.apiv3() else {
        return Answer::Error(json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "no APIv3 key",
        ));
    };
    let ct = match aead_aes_256_gcm_encrypt(
        key.as_bytes(),
        nonce.as_bytes(),
        b"certificate",
        st.keys.platform_cert_pem.as_bytes(),
    ) {
        Ok(c) => c,
        Err(e) => {
            return Answer::Error(json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYSTEM_ERROR",
                e.to_string(),
            ))
        }
    };
    let now = SystemClock.now_unix();
    Answer::Json(
        StatusCode::OK,
        json!({"data": [{
            "serial_no": st.keys.platform_serial,
            "effective_time": rfc3339_china(now - 86_400),
            "expire_time": rfc3339_china(now + 5 * 365 * 86_400),
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": "certificate",
                "ciphertext": B64.encode(ct),
            }
        }]}),
    )
}

async fn control(st: &Arc<State>, method: &str, rest: &str, body: &[u8]) -> Answer {
    let parts: Vec<&str> = rest.split('/').collect();
    match (method, parts.as_slice()) {
        ("POST", ["transactions", no, "pay"]) => pay(st, no),
        ("POST", ["faults"]) => {
            let v = match parse_body(body) {
                Ok(v) => v,
                Err(a) => return a,
            };
            let Some(f) = v["fault"].as_str().filter(|f| FAULTS.contains(f)) else {
                return Answer::Error(json_error(
                    StatusCode::BAD_REQUEST,
                    "PARAM_ERROR",
                    format!("`fault` must be one of {FAULTS:?}"),
                ));
            };
            let count = v["count"].as_u64().unwrap_or(1).min(10_000);
            let mut d = st.data();
            for _ in 0..count {
                d.faults.push(f.to_string());
            }
            Answer::Empty
        }
        ("POST", ["notifications", "signtest"]) => {
            let v = match parse_body(body) {
                Ok(v) => v,
                Err(a) => return a,
            };
            let Some(url) = v["url"].as_str() else {
                return Answer::Error(json_error(
                    StatusCode::BAD_REQUEST,
                    "PARAM_ERROR",
                    "`url` is required",
                ));
            };
            let status = signtest(st, url).await;
            Answer::Json(StatusCode::OK, json!({ "status": status }))
        }
        ("GET", ["notifications"]) => Answer::Json(
            StatusCode::OK,
            Value::Array(st.data().notifications.clone()),
        ),
        _ => Answer::Error(json_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("no control endpoint {method} /_simulator/{rest}"),
        )),
    }
}

/// The faults the simulator can inject.
pub const FAULTS: [&str; 5] = ["429", "500", "bad-signature", "stale-timestamp", "signtest"];

fn pay(st: &Arc<State>, no: &str) -> Answer {
    let n = st.next_id();
    let paid = {
        let mut d = st.data();
        let Some(o) = d.orders.get_mut(no) else {
            return Answer::Error(json_error(
                StatusCode::NOT_FOUND,
                "ORDER_NOT_EXIST",
                "order not found",
            ));
        };
        match o["trade_state"].as_str() {
            Some("NOTPAY") => {}
            Some(s) => {
                return Answer::Error(json_error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_REQUEST",
                    format!("the order is {s}"),
                ))
            }
            None => {}
        }
        let total = o["amount"]["total"].clone();
        o["trade_state"] = "SUCCESS".into();
        o["trade_state_desc"] = "支付成功".into();
        o["transaction_id"] = format!("4200000000{}{:08}", SystemClock.now_unix(), n).into();
        o["bank_type"] = "OTHERS".into();
        o["success_time"] = rfc3339_china(SystemClock.now_unix()).into();
        o["amount"]["payer_total"] = total;
        o["amount"]["payer_currency"] = o["amount"]["currency"].clone();
        o.clone()
    };
    let url = paid["_notify_url"].as_str().unwrap_or("").to_string();
    let resource = public_order(&paid);
    let st2 = st.clone();
    let r2 = resource.clone();
    tokio::spawn(async move { notify(st2, url, "TRANSACTION.SUCCESS", "支付成功", r2).await });
    Answer::Json(StatusCode::OK, resource)
}

async fn post_notification(
    st: &State,
    url: &str,
    headers: &[(String, String)],
    body: String,
) -> u16 {
    let mut rb = st.http.post(url);
    for (k, v) in headers {
        rb = rb.header(k.as_str(), v.as_str());
    }
    match rb.body(body).send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

async fn notify(st: Arc<State>, url: String, event_type: &str, summary: &str, resource: Value) {
    let id = format!("EV-sim-{}", generate_nonce());
    for attempt in 0..=NOTIFY_RETRY_SCHEDULE_SECS.len() {
        if attempt > 0 {
            let secs = NOTIFY_RETRY_SCHEDULE_SECS[attempt - 1] as f64 / st.speed;
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
        }
        let status = match TestNotification::new(event_type, resource.clone())
            .id(id.clone())
            .summary(summary)
            .create_time(rfc3339_china(SystemClock.now_unix()))
            .sign(
                &st.platform,
                &st.serial,
                &match st.keys.apiv3() {
                    Ok(k) => k,
                    Err(_) => return,
                },
                SystemClock.now_unix(),
            ) {
            Ok(n) => post_notification(&st, &url, &n.headers, n.body).await,
            Err(_) => 0,
        };
        st.data().notifications.push(json!({
            "event_type": event_type, "url": url, "attempt": attempt + 1, "status": status,
        }));
        if (200..300).contains(&status) {
            return;
        }
    }
}

async fn signtest(st: &State, url: &str) -> u16 {
    let Ok(key) = st.keys.apiv3() else { return 0 };
    let resource = json!({"out_trade_no": "SIGNTEST", "trade_state": "SUCCESS"});
    let Ok(mut n) = TestNotification::new("TRANSACTION.SUCCESS", resource).sign(
        &st.platform,
        &st.serial,
        &key,
        SystemClock.now_unix(),
    ) else {
        return 0;
    };
    for (k, v) in n.headers.iter_mut() {
        if k == "Wechatpay-Signature" {
            *v = format!("WECHATPAY/SIGNTEST/{}", B64.encode(generate_nonce()));
        }
    }
    let status = post_notification(st, url, &n.headers, n.body).await;
    st.data().notifications.push(json!({
        "event_type": "SIGNTEST", "url": url, "attempt": 1, "status": status,
    }));
    status
}
