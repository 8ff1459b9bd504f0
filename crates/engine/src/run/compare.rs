//! Comparisons of the condition operator.
//!
//! Without a `value_type`, numbers compare as numbers (a numeric string counts as a number when
//! the other side is a number), strings compare as strings, and `==` on anything else is JSON
//! equality. `value_type: integer` or `string` coerces both sides first.

use std::cmp::Ordering;

use riposte_model::Comparison;
use serde_json::Value;

use super::steps::short;
use crate::plan::ValueType;

pub(super) fn compare(
    left: &Value,
    op: Comparison,
    right: &Value,
    value_type: Option<ValueType>,
) -> Result<bool, String> {
    let (left, right) = match value_type {
        Some(ValueType::Integer) if op != Comparison::Range && !is_membership(op) => {
            (Value::from(as_number(left)?), Value::from(as_number(right)?))
        }
        Some(ValueType::String) if op != Comparison::Range => {
            (Value::String(as_string(left)), coerce_right_to_strings(right))
        }
        _ => (left.clone(), right.clone()),
    };
    Ok(match op {
        Comparison::Eq => loosely_equal(&left, &right),
        Comparison::Ne => !loosely_equal(&left, &right),
        Comparison::Lt => order(&left, &right)? == Ordering::Less,
        Comparison::Gt => order(&left, &right)? == Ordering::Greater,
        Comparison::Le => order(&left, &right)? != Ordering::Greater,
        Comparison::Ge => order(&left, &right)? != Ordering::Less,
        Comparison::In => contains(&right, &left)?,
        Comparison::NotIn => !contains(&right, &left)?,
        Comparison::Range => in_range(&left, &right)?,
    })
}

fn is_membership(op: Comparison) -> bool {
    matches!(op, Comparison::In | Comparison::NotIn)
}

fn coerce_right_to_strings(right: &Value) -> Value {
    match right {
        Value::Array(items) => Value::Array(items.iter().map(|i| Value::String(as_string(i))).collect()),
        other => Value::String(as_string(other)),
    }
}

fn as_number(value: &Value) -> Result<f64, String> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("{n} is not a usable number")),
        Value::String(s) => s.trim().parse().map_err(|_| format!("{} is not a number", short(value))),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        other => Err(format!("{} is not a number", short(other))),
    }
}

fn as_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn numeric_pair(left: &Value, right: &Value) -> Option<(f64, f64)> {
    match (left, right) {
        (Value::Number(_), Value::Number(_) | Value::String(_)) | (Value::String(_), Value::Number(_)) => {
            Some((as_number(left).ok()?, as_number(right).ok()?))
        }
        _ => None,
    }
}

fn loosely_equal(left: &Value, right: &Value) -> bool {
    match numeric_pair(left, right) {
        Some((l, r)) => l == r,
        None => left == right,
    }
}

fn order(left: &Value, right: &Value) -> Result<Ordering, String> {
    if let Some((l, r)) = numeric_pair(left, right) {
        return l.partial_cmp(&r).ok_or_else(|| "cannot order NaN".to_string());
    }
    match (left, right) {
        (Value::String(l), Value::String(r)) => Ok(l.cmp(r)),
        _ => Err(format!("cannot order {} and {}", short(left), short(right))),
    }
}

fn contains(haystack: &Value, needle: &Value) -> Result<bool, String> {
    match (haystack, needle) {
        (Value::Array(items), _) => Ok(items.iter().any(|item| loosely_equal(item, needle))),
        (Value::String(text), Value::String(part)) => Ok(text.contains(part.as_str())),
        (Value::String(text), other) => Ok(text.contains(&other.to_string())),
        (Value::Object(map), Value::String(key)) => Ok(map.contains_key(key)),
        _ => Err(format!("`in` needs a list, a string or an object on the right, got {}", short(haystack))),
    }
}

fn in_range(value: &Value, bounds: &Value) -> Result<bool, String> {
    let Some([low, high]) = bounds.as_array().map(Vec::as_slice).and_then(|b| <&[Value; 2]>::try_from(b).ok()) else {
        return Err(format!("`range` needs [low, high] on the right, got {}", short(bounds)));
    };
    let value = as_number(value)?;
    Ok(as_number(low)? <= value && value <= as_number(high)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Comparison::*;
    use serde_json::json;

    fn check(left: Value, op: Comparison, right: Value) -> bool {
        compare(&left, op, &right, None).unwrap()
    }

    #[test]
    fn numbers_and_numeric_strings_compare_numerically() {
        assert!(check(json!(80), Ge, json!(70)));
        assert!(check(json!(2), Ge, json!("1")));
        assert!(check(json!("10"), Gt, json!(9)));
        assert!(check(json!(1), Eq, json!(1.0)));
        assert!(!check(json!("10"), Gt, json!("9")), "two strings compare as text");
    }

    #[test]
    fn equality_membership_and_ranges() {
        assert!(check(json!("Ongoing"), Eq, json!("Ongoing")));
        assert!(check(json!({"a": 1}), Ne, json!({"a": 2})));
        assert!(check(json!("b"), In, json!(["a", "b"])));
        assert!(check(json!("adware"), In, json!("an adware.com host")));
        assert!(check(json!("z"), NotIn, json!(["a"])));
        assert!(check(json!("k"), In, json!({"k": 1})));
        assert!(check(json!(10), Range, json!([10, 100])));
        assert!(check(json!(100), Range, json!([10, "100"])));
        assert!(!check(json!(101), Range, json!([10, 100])));
        assert!(compare(&json!(1), Range, &json!([1]), None).unwrap_err().contains("[low, high]"));
        assert!(compare(&json!([1]), Lt, &json!({}), None).is_err());
    }

    #[test]
    fn value_types_coerce_both_sides() {
        assert!(compare(&json!("80"), Ge, &json!("9"), Some(ValueType::Integer)).unwrap());
        assert!(compare(&json!(80), Eq, &json!("80"), Some(ValueType::String)).unwrap());
        assert!(compare(&json!(5), In, &json!(["5"]), Some(ValueType::String)).unwrap());
        assert!(compare(&json!("abc"), Eq, &json!(1), Some(ValueType::Integer)).unwrap_err().contains("not a number"));
    }
}
