//! `Request-ID` on responses and API errors, `tracing` events that carry no secret, and several
//! merchants on one connection pool, against a local HTTP server.
//!
//! The tracing test installs the process-wide subscriber (a scoped one misses events whose callsites
//! other test threads registered first); the other tests here log into it too, which only adds text
//! the no-secret checks also cover.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{Keys, Reply, MCHID, MERCHANT_SERIAL, PUB_KEY_ID, SECOND_MCHID, SECOND_SERIAL};
use wechatpay_runtime::{Client, ClientBuilder, Error, Method, Request};

macro_rules! keys {
    () => {
        match support::vectors_dir() {
            Some(d) => Keys::load(&d),
            None => return,
        }
    };
}

const ORDER: &str = r#"{"out_trade_no":"T1","payer":{"name":"Zhang San"},"amount":{"total":100}}"#;

fn builder(keys: &Keys, base: &str) -> ClientBuilder {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .apiv3_key(&keys.apiv3_key)
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .base_url(base)
        .backup_base_url(None)
        .retry_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(20))
}

fn with_request_id(mut r: Reply, id: &str) -> Reply {
    r.headers.push(("Request-ID".into(), id.into()));
    r
}

async fn server(keys: &Keys) -> support::TestServer {
    let k2 = keys.clone();
    let busy = Arc::new(AtomicUsize::new(0));
    support::start(
        keys.clone(),
        Arc::new(move |r, _| match r.path() {
            "/v3/busy" if busy.fetch_add(1, Ordering::SeqCst) % 2 == 0 => with_request_id(
                Reply::signed(
                    &k2,
                    429,
                    r#"{"code":"RATELIMIT_EXCEEDED","message":"slow"}"#,
                    PUB_KEY_ID,
                ),
                "RID-429",
            ),
            "/v3/missing" => with_request_id(
                Reply::plain(
                    404,
                    r#"{"code":"ORDER_NOT_EXIST","message":"no such order"}"#,
                ),
                "RID-404",
            ),
            _ => with_request_id(Reply::signed(&k2, 200, ORDER, PUB_KEY_ID), "RID-200"),
        }),
    )
    .await
}

#[tokio::test]
async fn request_ids_on_responses_and_errors() {
    let keys = keys!();
    let server = server(&keys).await;
    let client = builder(&keys, &server.base_url).build().unwrap();
    let r = client
        .execute(Request::new(Method::GET, "/v3/order"))
        .await
        .unwrap();
    assert_eq!(r.request_id.as_deref(), Some("RID-200"));
    assert_eq!(r.attempts, 1);
    let r = client
        .execute(Request::new(Method::GET, "/v3/busy"))
        .await
        .unwrap();
    assert_eq!(r.attempts, 2, "one retry after the 429");
    let e = client
        .execute(Request::new(Method::GET, "/v3/missing"))
        .await
        .unwrap_err();
    match &e {
        Error::Api(a) => {
            assert_eq!(a.request_id(), Some("RID-404"));
            assert_eq!(a.verified_by, None, "unsigned");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("Request-ID: RID-404"), "{e}");
}

/// Records every event and span field as text.
#[derive(Default, Clone)]
struct Recorder(Arc<Mutex<Vec<String>>>);

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut s = format!("span {} ", span.metadata().name());
        span.record(&mut Fields(&mut s));
        self.0.lock().unwrap().push(s);
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut s = String::from("record ");
        values.record(&mut Fields(&mut s));
        self.0.lock().unwrap().push(s);
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut s = format!("{} ", event.metadata().level());
        event.record(&mut Fields(&mut s));
        self.0.lock().unwrap().push(s);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn tracing_shows_the_call_and_no_secret() {
    let keys = keys!();
    let server = server(&keys).await;
    let client = builder(&keys, &server.base_url).build().unwrap();
    let recorder = Recorder::default();
    tracing::subscriber::set_global_default(recorder.clone()).unwrap();
    client
        .execute(
            Request::new(
                Method::GET,
                "/v3/pay/transactions/out-trade-no/{out_trade_no}",
            )
            .path_param("out_trade_no", "SECRET-ORDER-42")
            .query("mchid", MCHID),
        )
        .await
        .unwrap();
    client
        .execute(Request::new(Method::GET, "/v3/busy"))
        .await
        .unwrap();
    let _ = client
        .execute(Request::new(Method::GET, "/v3/missing"))
        .await;
    let log = recorder.0.lock().unwrap().join("\n");
    for want in [
        "path=/v3/pay/transactions/out-trade-no/{out_trade_no}",
        "method=GET",
        "status=200",
        "request_id=\"RID-200\"",
        "host=127.0.0.1",
        "attempt=1",
        "duration_ms=",
        "wechatpay: retrying",
        "RID-404",
    ] {
        assert!(log.contains(want), "missing {want:?} in\n{log}");
    }
    let auth = server.requests()[0].signature.clone();
    for secret in [
        "SECRET-ORDER-42",
        "Zhang San",
        keys.apiv3_key.as_str(),
        auth.as_str(),
        "BEGIN",
    ] {
        assert!(!log.contains(secret), "{secret:?} leaked into\n{log}");
    }
}

#[tokio::test]
async fn two_merchants_share_one_pool_and_sign_with_their_own_keys() {
    let keys = keys!();
    let server = server(&keys).await;
    let pool = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let first = builder(&keys, &server.base_url)
        .http_client(pool.clone())
        .build()
        .unwrap();
    // The second merchant signs with another key; it shares the pool and the key store.
    let second = Client::builder()
        .mchid(SECOND_MCHID)
        .merchant_serial(SECOND_SERIAL)
        .private_key_pem(&support::read(&keys.dir, "platform_private_key.pem"))
        .base_url(&server.base_url)
        .backup_base_url(None)
        .share_with(&first)
        .build()
        .unwrap();
    assert!(first.key_store().ptr_eq(second.key_store()));
    let (a, b) = tokio::join!(
        first.execute(Request::new(Method::GET, "/v3/order")),
        second.execute(Request::new(Method::GET, "/v3/order")),
    );
    assert_eq!(a.unwrap().verified_by.as_deref(), Some(PUB_KEY_ID));
    assert_eq!(b.unwrap().verified_by.as_deref(), Some(PUB_KEY_ID));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(
        reqs.iter().all(|r| r.auth_ok),
        "each verified with its merchant's key"
    );
    let mchids: Vec<bool> = [MCHID, SECOND_MCHID]
        .iter()
        .map(|m| {
            reqs.iter().any(|r| {
                r.header("authorization")
                    .is_some_and(|a| a.contains(&format!("mchid=\"{m}\"")))
            })
        })
        .collect();
    assert_eq!(mchids, vec![true, true]);
}
