//! Sample answers that fit an operation's response type, found by trial: start from `{}` and let the
//! SDK's own check (`OperationInfo::check_response`, a serde deserialisation with the path of the
//! first mismatch) say what is missing or of the wrong type, fix that spot, and try again.

use serde_json::{Map, Value};
use wechatpay::CheckFn;

/// Most fixes one sample may need before giving up (each fix settles one field).
const MAX_FIXES: usize = 2_000;

/// A JSON value accepted by `check`, re-serialised through the SDK type (so optional fields are
/// absent and required ones present with a value of the right type), or `None` when the trial does
/// not converge (e.g. an untagged enum).
pub(crate) fn sample(check: CheckFn) -> Option<Value> {
    let mut v = Value::Object(Map::new());
    for _ in 0..MAX_FIXES {
        match check(&v) {
            Ok(out) => return Some(out),
            Err(e) => {
                if !fix(&mut v, &e.path, &e.message) {
                    return None;
                }
            }
        }
    }
    None
}

/// One step of a `serde_path_to_error` path: a field name or a sequence index.
enum Step {
    Field(String),
    Index(usize),
}

fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    if path == "." || path.is_empty() {
        return Some(steps);
    }
    for seg in path.split('.') {
        let (name, mut rest) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if !name.is_empty() {
            steps.push(Step::Field(name.to_string()));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            steps.push(Step::Index(r[..end].parse().ok()?));
            rest = &r[end + 1..];
        }
    }
    Some(steps)
}

fn node<'a>(mut v: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
    for s in steps {
        v = match s {
            Step::Field(f) => v.as_object_mut()?.get_mut(f)?,
            Step::Index(i) => v.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(v)
}

/// A value of the type named after "expected" in a serde message.
fn value_for(expected: &str) -> Option<Value> {
    let e = expected;
    if let Some(rest) = e.split("expected one of ").nth(1) {
        // `unknown variant `x`, expected one of `A`, `B``: the first documented variant.
        let first = rest.split('`').nth(1)?;
        return Some(Value::String(first.to_string()));
    }
    if e.contains("a boolean") {
        Some(Value::Bool(false))
    } else if e.contains("i64")
        || e.contains("u64")
        || e.contains("i32")
        || e.contains("u32")
        || e.contains("u8")
        || e.contains("u16")
        || e.contains("i16")
        || e.contains("i8")
        || e.contains("integer")
    {
        Some(Value::from(1))
    } else if e.contains("f64") || e.contains("f32") || e.contains("float") {
        Some(Value::from(1.0))
    } else if e.contains("sequence") {
        Some(Value::Array(Vec::new()))
    } else if e.contains("struct") || e.contains("map") {
        Some(Value::Object(Map::new()))
    } else if e.contains("string") || e.contains("char") {
        Some(Value::String(String::new()))
    } else {
        None
    }
}

fn fix(v: &mut Value, path: &str, message: &str) -> bool {
    let Some(steps) = parse_path(path) else {
        return false;
    };
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        // The path names the struct that lacks the field.
        let Some(Value::Object(m)) = node(v, &steps) else {
            return false;
        };
        if m.contains_key(field) {
            return false;
        }
        m.insert(field.to_string(), Value::String(String::new()));
        return true;
    }
    let expected = message
        .split("expected")
        .skip(1)
        .collect::<Vec<_>>()
        .join("expected");
    let Some(new) = value_for(&format!("expected{expected}")) else {
        return false;
    };
    let Some(slot) = node(v, &steps) else {
        return false;
    };
    if *slot == new {
        return false;
    }
    *slot = new;
    true
}
