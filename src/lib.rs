//! Runtime for the WeChat Pay API SDK (signing, verification, crypto, transport, errors).
#![forbid(unsafe_code)]
