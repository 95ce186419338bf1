//! Generated WeChat Pay API v3 operations, one part of the `wechatpay` crate: use that crate.
#![forbid(unsafe_code)]
#![allow(
    clippy::new_without_default,
    clippy::doc_lazy_continuation,
    clippy::enum_variant_names,
    clippy::module_inception,
    clippy::wrong_self_convention,
    clippy::should_implement_trait
)]

/// The payload check of a type for the operation table (`None` without the feature `roundtrip`).
#[cfg(feature = "roundtrip")]
macro_rules! checker {
    ($t:ty) => {
        ::std::option::Option::Some(::wechatpay_core::check::<$t> as ::wechatpay_core::CheckFn)
    };
}

/// The payload check of a type for the operation table (`None` without the feature `roundtrip`).
#[cfg(not(feature = "roundtrip"))]
macro_rules! checker {
    ($t:ty) => {
        ::std::option::Option::None
    };
}

pub mod v3;
