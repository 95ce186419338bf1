//! The test helpers (`wechatpay_runtime::testing`): a generated key set is what `openssl` says it is
//! (self-signed certificate, serial, public key of the private key), is written in the layout of the
//! shared vectors and loads back (as do the shared vectors themselves); a signed test notification
//! decodes through the client in both trust modes, its resource decrypts with Python `cryptography`
//! (an independent AES-GCM), and a wrong APIv3 key or a tampered body is refused.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use serde_json::{json, Value};
use wechatpay_runtime::testing::{from_json, TestKeys, TestNotification};
use wechatpay_runtime::{ApiV3Key, CryptoErrorKind, Error};

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "wxpay-testing-{tag}-{}-{}",
        std::process::id(),
        support::now()
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn have(tool: &str, arg: &str) -> bool {
    let ok = Command::new(tool).arg(arg).output().is_ok();
    if !ok {
        println!("{tool} not found: its cross-check is skipped");
    }
    ok
}

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn generated_key_set_is_what_openssl_says_and_loads_back() {
    let keys = TestKeys::generate("1900000009").unwrap();
    assert_eq!(keys.mchid, "1900000009");
    assert!(keys
        .platform_public_key_id
        .starts_with("PUB_KEY_ID_011900000009"));
    assert_eq!(
        keys.platform_public_key_id.len(),
        "PUB_KEY_ID_0119000000012025010100000000000001".len()
    );
    assert_eq!(keys.apiv3_key.len(), 32);
    assert_eq!(keys.platform_serial.len(), 40);
    assert!(keys
        .platform_serial
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
    let dbg = format!("{keys:?}");
    assert!(
        !dbg.contains(keys.apiv3_key.as_str()) && !dbg.contains("PRIVATE KEY"),
        "{dbg}"
    );

    let dir = temp_dir("gen");
    keys.write_to(&dir).unwrap();
    // The same file names as the shared vectors (minus their vector files), and the same config keys.
    let names: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if let Some(vdir) = support::vectors_dir() {
        let vnames: BTreeSet<String> = std::fs::read_dir(&vdir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with("vectors.json") && n != "README.md")
            .collect();
        assert_eq!(names, vnames);
        let vconfig: Value = serde_json::from_str(&support::read(&vdir, "config.json")).unwrap();
        let config: Value = serde_json::from_str(&support::read(&dir, "config.json")).unwrap();
        let keys_of = |v: &Value| {
            v.as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(keys_of(&config), keys_of(&vconfig));
        assert_eq!(config["platform_serial_no"], keys.platform_serial.as_str());
    }
    assert_eq!(
        support::read(&dir, "apiv3_key.txt"),
        format!("{}\n", keys.apiv3_key.as_str())
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.join("platform_private_key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "private key readable by others: {mode:o}");
    }

    let back = TestKeys::load(&dir).unwrap();
    assert_eq!(back.platform_serial, keys.platform_serial);
    assert_eq!(back.merchant_serial, keys.merchant_serial);
    assert_eq!(back.platform_public_key_id, keys.platform_public_key_id);
    assert_eq!(back.apiv3_key.as_str(), keys.apiv3_key.as_str());
    assert_eq!(back.platform_cert_pem, keys.platform_cert_pem);

    if have("openssl", "version") {
        // Self-signed: the certificate verifies against itself.
        let (ok, out) = openssl(
            &[
                "verify",
                "-CAfile",
                "platform_cert.pem",
                "-check_ss_sig",
                "platform_cert.pem",
            ],
            &dir,
        );
        assert!(ok, "{out}");
        for (cert, serial) in [
            ("platform_cert.pem", &keys.platform_serial),
            ("merchant_cert.pem", &keys.merchant_serial),
        ] {
            let (ok, out) = openssl(&["x509", "-in", cert, "-noout", "-serial"], &dir);
            assert!(ok, "{out}");
            assert_eq!(out.trim(), format!("serial={serial}"));
            let (ok, out) = openssl(&["x509", "-in", cert, "-noout", "-checkend", "86400"], &dir);
            assert!(ok, "{cert} expires within a day: {out}");
        }
        // The public key files are the public halves of the private keys.
        for (private, public) in [
            ("platform_private_key.pem", "platform_public_key.pem"),
            ("merchant_private_key.pem", "merchant_public_key.pem"),
        ] {
            let (ok, out) = openssl(&["pkey", "-in", private, "-pubout"], &dir);
            assert!(ok, "{out}");
            assert_eq!(out, support::read(&dir, public));
        }
        let (ok, out) = openssl(
            &["x509", "-in", "platform_cert.pem", "-noout", "-pubkey"],
            &dir,
        );
        assert!(ok, "{out}");
        assert_eq!(out, keys.platform_public_key_pem);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_shared_vectors_load_as_a_key_set() {
    let dir = require_vectors!();
    let keys = TestKeys::load(&dir).unwrap();
    let config: Value = serde_json::from_str(&support::read(&dir, "config.json")).unwrap();
    assert_eq!(keys.mchid, config["mchid"].as_str().unwrap());
    assert_eq!(
        keys.merchant_serial,
        config["merchant_serial_no"].as_str().unwrap()
    );
    assert_eq!(
        keys.platform_serial,
        config["platform_serial_no"].as_str().unwrap()
    );
    assert_eq!(
        keys.apiv3_key.as_str(),
        config["apiv3_key"].as_str().unwrap()
    );
    // A folder without config.json is refused, naming the file.
    let empty = temp_dir("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let e = TestKeys::load(&empty).unwrap_err().to_string();
    assert!(e.contains("config.json"), "{e}");
    std::fs::remove_dir_all(&empty).unwrap();
}

/// Decrypts a notification resource with Python `cryptography`'s AESGCM (independent of the SDK).
fn python_decrypt(key: &str, resource: &Value) -> Option<String> {
    let script = "import sys,base64\nfrom cryptography.hazmat.primitives.ciphers.aead import AESGCM\nk,n,a,c=sys.argv[1:5]\nsys.stdout.write(AESGCM(k.encode()).decrypt(n.encode(),base64.b64decode(c),a.encode()).decode())";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(key)
        .arg(resource["nonce"].as_str().unwrap())
        .arg(resource["associated_data"].as_str().unwrap())
        .arg(resource["ciphertext"].as_str().unwrap())
        .output()
        .ok()?;
    if !out.status.success() {
        println!(
            "python3 cryptography unavailable, its cross-check is skipped: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn signed_test_notifications_decode_in_both_modes() {
    let keys = TestKeys::generate("1900000009").unwrap();
    let resource = json!({
        "mchid": "1900000009",
        "out_trade_no": "1217752501201407033233368018",
        "trade_state": "SUCCESS",
        "amount": {"total": 100, "currency": "CNY"},
    });
    let pk_client = keys.client_builder().build().unwrap();
    let cert_client = keys.client_builder_certificate_mode().build().unwrap();
    let n = TestNotification::new("TRANSACTION.SUCCESS", resource.clone()).id("EV-1");
    let signed = n.sign_with(&keys, pk_client.now()).unwrap();
    let body: Value = serde_json::from_str(&signed.body).unwrap();
    assert_eq!(body["id"], "EV-1");
    assert_eq!(body["event_type"], "TRANSACTION.SUCCESS");
    assert_eq!(body["resource_type"], "encrypt-resource");
    assert_eq!(body["resource"]["algorithm"], "AEAD_AES_256_GCM");
    assert_eq!(body["resource"]["original_type"], "transaction");
    assert_eq!(body["resource"]["nonce"].as_str().unwrap().len(), 12);
    assert!(
        !signed.body.contains("1217752501201407033233368018"),
        "the resource is encrypted"
    );
    if let Some(plain) = python_decrypt(&keys.apiv3_key, &body["resource"]) {
        assert_eq!(serde_json::from_str::<Value>(&plain).unwrap(), resource);
    }
    let got = pk_client
        .decode_notification(&signed.headers, signed.body.as_bytes())
        .unwrap();
    assert_eq!(got.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(got.id, "EV-1");
    assert_eq!(got.verified_by, keys.platform_public_key_id);
    assert_eq!(got.resource_json().unwrap(), resource);
    // Through an `http::Request`, too.
    let req = signed.to_http_request("/notify").unwrap();
    assert_eq!(
        pk_client
            .decode_notification_request(&req)
            .unwrap()
            .resource_json()
            .unwrap(),
        resource
    );

    // Certificate mode: signed under the certificate serial.
    let refund = json!({"out_refund_no": "R1", "refund_status": "SUCCESS"});
    let signed = TestNotification::new("REFUND.SUCCESS", refund.clone())
        .sign(
            &keys.platform_private_key().unwrap(),
            &keys.platform_serial,
            &keys.apiv3().unwrap(),
            cert_client.now(),
        )
        .unwrap();
    let got = cert_client
        .decode_notification(&signed.headers, signed.body.as_bytes())
        .unwrap();
    assert_eq!(got.verified_by, keys.platform_serial);
    assert_eq!(got.original_type.as_deref(), Some("refund"));
    assert_eq!(got.resource_json().unwrap(), refund);

    // A tampered body fails verification; a stale timestamp too.
    let tampered = signed.body.replace("REFUND.SUCCESS", "REFUND.ABNORMAL");
    assert!(matches!(
        cert_client.decode_notification(&signed.headers, tampered.as_bytes()),
        Err(Error::Signature(_))
    ));
    let stale = TestNotification::new("REFUND.SUCCESS", refund)
        .sign_with(&keys, cert_client.now() - 3600)
        .unwrap();
    assert!(matches!(
        pk_client.decode_notification(&stale.headers, stale.body.as_bytes()),
        Err(Error::Signature(_))
    ));
}

#[test]
fn a_wrong_apiv3_key_says_so() {
    let keys = TestKeys::generate("1900000009").unwrap();
    let other = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
    let signed = TestNotification::new("TRANSACTION.SUCCESS", json!({"a": 1}))
        .sign(
            &keys.platform_private_key().unwrap(),
            &keys.platform_public_key_id,
            &other,
            support::now(),
        )
        .unwrap();
    let client = keys.client_builder().build().unwrap();
    match client.decode_notification(&signed.headers, signed.body.as_bytes()) {
        Err(Error::Crypto(c)) => {
            assert_eq!(c.kind(), &CryptoErrorKind::DecryptFailed);
            let msg = Error::Crypto(c).to_string();
            assert!(
                msg.contains("authentication failed: wrong APIv3 key or tampered resource"),
                "{msg}"
            );
        }
        other => panic!("{other:?}"),
    }
    // The low-level decryption says the same.
    let body: Value = serde_json::from_str(&signed.body).unwrap();
    let r = &body["resource"];
    let e = keys
        .apiv3()
        .unwrap()
        .decrypt_resource(
            r["nonce"].as_str().unwrap(),
            r["associated_data"].as_str().unwrap(),
            r["ciphertext"].as_str().unwrap(),
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("wrong APIv3 key"), "{e}");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(r["ciphertext"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        other
            .decrypt_resource(
                r["nonce"].as_str().unwrap(),
                r["associated_data"].as_str().unwrap(),
                r["ciphertext"].as_str().unwrap()
            )
            .unwrap(),
        b"{\"a\":1}",
        "{} bytes",
        raw.len()
    );
}

#[test]
fn from_json_builds_response_types_and_names_bad_fields() {
    #[derive(serde::Deserialize, Debug)]
    #[non_exhaustive]
    struct Answer {
        prepay_id: String,
        amount: Amount,
    }
    #[derive(serde::Deserialize, Debug)]
    struct Amount {
        total: i64,
    }
    let a: Answer = from_json(r#"{"prepay_id":"wx1","amount":{"total":100}}"#).unwrap();
    assert_eq!((a.prepay_id.as_str(), a.amount.total), ("wx1", 100));
    match from_json::<Answer>(r#"{"prepay_id":"wx1","amount":{"total":"x"}}"#) {
        Err(Error::Decode(d)) => assert_eq!(d.path, "amount.total"),
        other => panic!("{other:?}"),
    }
}
