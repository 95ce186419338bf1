//! `ClientBuilder::from_env` / `from_env_with`: the `WECHATPAY_*` variables of the `wxpay` CLI, key
//! material as paths or PEM text, and errors that name the variable and what was found.

mod support;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use wechatpay_runtime::{ClientBuilder, ConfigErrorKind, Error};

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "wxpay-config-{tag}-{}-{}",
        std::process::id(),
        support::now()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn build(vars: &[(&str, String)]) -> Result<wechatpay_runtime::Client, Error> {
    let map: HashMap<String, OsString> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect();
    ClientBuilder::from_env_with(|name| map.get(name).cloned()).build()
}

fn config_error(r: Result<wechatpay_runtime::Client, Error>) -> (ConfigErrorKind, String) {
    match r {
        Err(Error::Config(c)) => (c.kind(), c.to_string()),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

fn base(dir: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("WECHATPAY_MCHID", "1900000001".into()),
        (
            "WECHATPAY_SERIAL",
            "13B782F545CBF7DCA2A719288E37F9C610266AE4".into(),
        ),
        (
            "WECHATPAY_PRIVATE_KEY",
            path(dir, "merchant_private_key.pem"),
        ),
    ]
}

#[test]
fn paths_and_pem_values_configure_a_client() {
    let dir = require_vectors!();
    let config: serde_json::Value =
        serde_json::from_str(&support::read(&dir, "config.json")).unwrap();
    let id = config["platform_public_key_id"]
        .as_str()
        .unwrap()
        .to_string();
    let serial = config["platform_serial_no"].as_str().unwrap().to_string();

    let mut vars = base(&dir);
    vars.push((
        "WECHATPAY_PUBLIC_KEY",
        path(&dir, "platform_public_key.pem"),
    ));
    vars.push(("WECHATPAY_PUBLIC_KEY_ID", id.clone()));
    vars.push(("WECHATPAY_PLATFORM_CERTS", path(&dir, "platform_cert.pem")));
    vars.push(("WECHATPAY_APIV3_KEY_FILE", path(&dir, "apiv3_key.txt")));
    vars.push(("WECHATPAY_BASE_URL", "http://127.0.0.1:9".into()));
    let c = build(&vars).unwrap();
    assert_eq!(c.mchid(), "1900000001");
    let mut serials = c.key_store().serials();
    serials.sort();
    let mut expected = vec![id.clone(), serial.clone()];
    expected.sort();
    assert_eq!(serials, expected);
    assert_eq!(
        c.apiv3_key().unwrap().as_bytes(),
        config["apiv3_key"].as_str().unwrap().as_bytes()
    );
    let dbg = format!("{c:?}");
    assert!(
        dbg.contains("http://127.0.0.1:9") && dbg.contains("backup_base_url: None"),
        "{dbg}"
    );

    // The same material given as PEM text, and the APIv3 key as a value.
    let vars = vec![
        ("WECHATPAY_MCHID", "1900000001".to_string()),
        (
            "WECHATPAY_SERIAL",
            "13B782F545CBF7DCA2A719288E37F9C610266AE4".into(),
        ),
        (
            "WECHATPAY_PRIVATE_KEY",
            support::read(&dir, "merchant_private_key.pem"),
        ),
        (
            "WECHATPAY_PUBLIC_KEY",
            support::read(&dir, "platform_public_key.pem"),
        ),
        ("WECHATPAY_PUBLIC_KEY_ID", id.clone()),
        (
            "WECHATPAY_PLATFORM_CERTS",
            support::read(&dir, "platform_cert.pem"),
        ),
        (
            "WECHATPAY_APIV3_KEY",
            config["apiv3_key"].as_str().unwrap().into(),
        ),
    ];
    let c = build(&vars).unwrap();
    assert_eq!(c.key_store().serials().len(), 2);
    assert!(c.apiv3_key().is_some());

    // Several certificate paths, separated by ','.
    let two = format!(
        "{},{}",
        path(&dir, "platform_cert.pem"),
        path(&dir, "platform_cert.pem")
    );
    let mut vars = base(&dir);
    vars.push(("WECHATPAY_PLATFORM_CERTS", two));
    assert_eq!(build(&vars).unwrap().key_store().serials(), vec![serial]);
}

#[test]
fn the_real_environment_is_read() {
    let dir = require_vectors!();
    let config: serde_json::Value =
        serde_json::from_str(&support::read(&dir, "config.json")).unwrap();
    // The only test in this binary that touches the process environment.
    for (k, v) in base(&dir) {
        std::env::set_var(k, v);
    }
    std::env::set_var(
        "WECHATPAY_PUBLIC_KEY",
        path(&dir, "platform_public_key.pem"),
    );
    std::env::set_var(
        "WECHATPAY_PUBLIC_KEY_ID",
        config["platform_public_key_id"].as_str().unwrap(),
    );
    std::env::set_var("WECHATPAY_APIV3_KEY", config["apiv3_key"].as_str().unwrap());
    let c = ClientBuilder::from_env().build().unwrap();
    assert_eq!(c.mchid(), "1900000001");
    assert!(c.apiv3_key().is_some());
}

#[test]
fn an_apiv3_key_value_with_a_newline_is_named() {
    let dir = require_vectors!();
    let key = support::read(&dir, "apiv3_key.txt").trim().to_string();
    let mut vars = base(&dir);
    vars.push((
        "WECHATPAY_PUBLIC_KEY",
        path(&dir, "platform_public_key.pem"),
    ));
    vars.push(("WECHATPAY_PUBLIC_KEY_ID", "PUB_KEY_ID_X".into()));
    vars.push(("WECHATPAY_APIV3_KEY", format!("{key}\n")));
    let (kind, msg) = config_error(build(&vars));
    assert_eq!(kind, ConfigErrorKind::ApiV3KeyLength);
    assert!(msg.starts_with("WECHATPAY_APIV3_KEY: "), "{msg}");
    assert!(
        msg.contains("APIv3 key must be exactly 32 bytes, got 33"),
        "{msg}"
    );
    assert!(msg.contains("ends with a newline"), "{msg}");
    assert!(!msg.contains(&key), "the key leaks into the message: {msg}");

    // A key file may end with one newline (ignored); a second one is reported.
    let tmp = temp_dir("apiv3");
    let file = tmp.join("apiv3.key");
    std::fs::write(&file, format!("{key}\n")).unwrap();
    vars.pop();
    vars.push((
        "WECHATPAY_APIV3_KEY_FILE",
        file.to_string_lossy().into_owned(),
    ));
    assert!(build(&vars).unwrap().apiv3_key().is_some());
    std::fs::write(&file, format!("{key}\n\n")).unwrap();
    let (kind, msg) = config_error(build(&vars));
    assert_eq!(kind, ConfigErrorKind::ApiV3KeyLength);
    assert!(msg.starts_with("WECHATPAY_APIV3_KEY_FILE: "), "{msg}");
    assert!(msg.contains("got 33") && msg.contains("newline"), "{msg}");
    // Spaces around the value.
    vars.pop();
    vars.push(("WECHATPAY_APIV3_KEY", format!(" {key} ")));
    let (_, msg) = config_error(build(&vars));
    assert!(msg.contains("got 34") && msg.contains("spaces"), "{msg}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn a_certificate_given_as_the_private_key_is_named() {
    let dir = require_vectors!();
    let mut vars = base(&dir);
    vars[2].1 = path(&dir, "merchant_cert.pem");
    let (kind, msg) = config_error(build(&vars));
    assert_eq!(kind, ConfigErrorKind::PrivateKey);
    assert!(msg.starts_with("WECHATPAY_PRIVATE_KEY: "), "{msg}");
    assert!(msg.contains("found `CERTIFICATE`"), "{msg}");
    assert!(msg.contains("apiclient_key.pem"), "{msg}");
    // The same through the PEM-text setter.
    let e = ClientBuilder::from_env_with(|_| None)
        .private_key_pem(&support::read(&dir, "platform_cert.pem"))
        .build()
        .unwrap_err()
        .to_string();
    assert!(e.contains("found `CERTIFICATE`"), "{e}");
    // A public key where the private key is expected, and a private key as the WeChat Pay public key.
    vars[2].1 = path(&dir, "merchant_public_key.pem");
    let (_, msg) = config_error(build(&vars));
    assert!(msg.contains("found `PUBLIC KEY`"), "{msg}");
    let mut vars = base(&dir);
    vars.push((
        "WECHATPAY_PUBLIC_KEY",
        path(&dir, "platform_private_key.pem"),
    ));
    vars.push(("WECHATPAY_PUBLIC_KEY_ID", "PUB_KEY_ID_X".into()));
    let (_, msg) = config_error(build(&vars));
    assert!(msg.starts_with("WECHATPAY_PUBLIC_KEY: "), "{msg}");
    assert!(msg.contains("found `PRIVATE KEY`"), "{msg}");
    // A path that does not exist names the variable and the path.
    let mut vars = base(&dir);
    vars[2].1 = "/nonexistent/apiclient_key.pem".into();
    let (kind, msg) = config_error(build(&vars));
    assert_eq!(kind, ConfigErrorKind::Io);
    assert!(
        msg.starts_with("WECHATPAY_PRIVATE_KEY: ")
            && msg.contains("/nonexistent/apiclient_key.pem"),
        "{msg}"
    );
}

#[test]
fn a_public_key_needs_its_id_and_required_values_are_named() {
    let dir = require_vectors!();
    let mut vars = base(&dir);
    vars.push((
        "WECHATPAY_PUBLIC_KEY",
        path(&dir, "platform_public_key.pem"),
    ));
    let (kind, msg) = config_error(build(&vars));
    assert_eq!(kind, ConfigErrorKind::Missing);
    assert!(msg.contains("WECHATPAY_PUBLIC_KEY_ID"), "{msg}");
    // Nothing set: the first missing value is named.
    let (kind, msg) = config_error(build(&[]));
    assert_eq!(kind, ConfigErrorKind::Missing);
    assert!(msg.contains("mchid"), "{msg}");
}

/// The variable names are a public contract shared with the `wxpay` CLI: every `env = "WECHATPAY_…"`
/// the CLI declares (wherever its source lives in this repository) is read by `from_env`.
#[test]
fn the_cli_variable_names_are_the_library_ones() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut found = std::collections::BTreeSet::new();
    let mut stack = vec![root.join("src"), root.join("cli")];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs")
                && p != root.join("src/client/builder.rs")
            {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for part in text.split("env = \"").skip(1) {
                    if let Some(name) = part
                        .split('"')
                        .next()
                        .filter(|n| n.starts_with("WECHATPAY_"))
                    {
                        found.insert(name.to_string());
                    }
                }
            }
        }
    }
    if found.is_empty() {
        println!("no CLI source with `env = \"WECHATPAY_…\"` found under src/ or cli/: nothing to compare");
        return;
    }
    let library: std::collections::BTreeSet<String> = [
        wechatpay_runtime::ENV_MCHID,
        wechatpay_runtime::ENV_SERIAL,
        wechatpay_runtime::ENV_PRIVATE_KEY,
        wechatpay_runtime::ENV_PUBLIC_KEY,
        wechatpay_runtime::ENV_PUBLIC_KEY_ID,
        wechatpay_runtime::ENV_PLATFORM_CERTS,
        wechatpay_runtime::ENV_APIV3_KEY,
        wechatpay_runtime::ENV_APIV3_KEY_FILE,
        wechatpay_runtime::ENV_BASE_URL,
        wechatpay_runtime::ENV_BACKUP_BASE_URL,
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let missing: Vec<_> = found.difference(&library).collect();
    assert!(
        missing.is_empty(),
        "CLI variables from_env does not read: {missing:?}"
    );
}
