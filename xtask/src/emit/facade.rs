//! The facade crate's `generated/src/lib.rs`: the hand-written head (`xtask/templates/facade/lib.rs`),
//! then `wechatpay::v3::<group>` re-exported from the crate of each group, and `operations()`.

use super::partition::Partition;
use super::templates;
use crate::naming;

/// `generated/src/lib.rs`.
pub fn lib_source(groups: &[String], partition: &Partition) -> String {
    let mut s = templates::FACADE.copy();
    s.push_str("\n/// The operations, by business group (each behind its feature).\n#[rustfmt::skip]\npub mod v3 {\n");
    for g in groups {
        let stem = naming::file_stem(g);
        let krate = partition.crate_of(stem).rust_name();
        s.push_str(&format!(
            "    #[cfg(feature = \"{stem}\")]\n    pub use ::{krate}::v3::{g};\n"
        ));
    }
    s.push_str("}\n");
    s.push_str("\n/// Every operation of the enabled features, by group.\npub fn operations() -> ::std::vec::Vec<&'static OperationInfo> {\n    #[allow(unused_mut)]\n    let mut all: ::std::vec::Vec<&'static OperationInfo> = ::std::vec::Vec::new();\n");
    for g in groups {
        let stem = naming::file_stem(g);
        s.push_str(&format!(
            "    #[cfg(feature = \"{stem}\")]\n    all.extend(v3::{g}::OPERATIONS.iter());\n"
        ));
    }
    s.push_str("    all\n}\n");
    s
}
