//! Library code must not panic on bad input: random and truncated inputs to every parser and check.

use std::collections::BTreeMap;

use wechatpay_runtime::{
    aead_aes_256_gcm_decrypt, decode_json, verify_signature, ApiV3Key, KeyStore, Method,
    PrivateKey, Request, VerifyingKey,
};

/// Small deterministic generator (xorshift64*), so failures are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = (self.next() as usize) % (max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }
    fn text(&mut self, max: usize) -> String {
        const ALPHA: &[char] = &[
            'a', 'Z', '0', '{', '}', '/', '?', '&', '=', '%', ' ', '中', '-', '\n', '"',
        ];
        let n = (self.next() as usize) % (max + 1);
        (0..n)
            .map(|_| ALPHA[(self.next() as usize) % ALPHA.len()])
            .collect()
    }
}

#[test]
fn parsers_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let pem_wrap = |label: &str, body: &[u8]| {
        use base64::Engine as _;
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            base64::engine::general_purpose::STANDARD.encode(body)
        )
    };
    for _ in 0..300 {
        let junk = rng.bytes(300);
        assert!(PrivateKey::from_pkcs8_der(&junk).is_err());
        assert!(PrivateKey::from_pkcs1_der(&junk).is_err());
        assert!(PrivateKey::from_pem(&pem_wrap("PRIVATE KEY", &junk)).is_err());
        assert!(PrivateKey::from_pem(&pem_wrap("RSA PRIVATE KEY", &junk)).is_err());
        assert!(VerifyingKey::from_certificate_der(&junk).is_err());
        assert!(VerifyingKey::from_certificate_pem(&pem_wrap("CERTIFICATE", &junk)).is_err());
        assert!(VerifyingKey::from_public_key_der("id", &junk).is_err());
        let _ = ApiV3Key::new(&junk);
        let key = rng.bytes(40);
        let nonce = rng.bytes(20);
        let _ = aead_aes_256_gcm_decrypt(&key, &nonce, &junk, &rng.bytes(100));
        let _ = decode_json::<serde_json::Value>(200, &junk);
        let _ = decode_json::<BTreeMap<String, u32>>(200, rng.text(50).as_bytes());
        let _ = Request::new(Method::GET, rng.text(40))
            .path_param(rng.text(5), rng.text(10))
            .query(rng.text(5), rng.text(10))
            .path_and_query();
    }
}

#[test]
fn verification_never_panics() {
    let store = KeyStore::new();
    let mut rng = Rng(42);
    let names = [
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Signature",
        "Wechatpay-Serial",
    ];
    for _ in 0..500 {
        let mut h = BTreeMap::new();
        for n in names {
            if rng.next() % 5 != 0 {
                h.insert(n.to_string(), rng.text(30));
            }
        }
        if rng.next() % 2 == 0 {
            h.insert(
                "Wechatpay-Timestamp".into(),
                (rng.next() as i64).to_string(),
            );
        }
        let body = rng.bytes(64);
        assert!(verify_signature(&h, &body, rng.next() as i64, &store).is_err());
    }
}
