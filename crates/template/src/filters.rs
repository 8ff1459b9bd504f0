//! Sekoia's custom filters. Jinja's usual filters (`join`, `length`, `map`, `reject`, `unique`,
//! `int`, `replace`, `tojson`, ...) come with minijinja.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use minijinja::value::Kwargs;
use minijinja::{Environment, Error, ErrorKind, State, Value};
use regex::RegexBuilder;
use serde_json_path::JsonPath;

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("timestamp_to_iso8601", timestamp_to_iso8601);
    env.add_filter("iso8601_to_timestamp", iso8601_to_timestamp);
    env.add_filter("time_with_delta", time_with_delta);
    env.add_filter("jsonpath", jsonpath);
    env.add_filter("regex_match", regex_match);
    env.add_filter("fromjson", fromjson);
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// Above this, a timestamp is in milliseconds: 1e11 seconds is the year 5138, 1e11 milliseconds
/// is 1973.
const MILLISECONDS_FROM: f64 = 1e11;

/// Epoch timestamp (number or numeric string) -> ISO 8601 UTC. Seconds (alert `created_at`) and
/// milliseconds (what `iso8601_to_timestamp` gives) are both accepted:
/// `1567755120 -> "2019-09-06T07:32:00+00:00"`, and so is `1567755120000`.
fn timestamp_to_iso8601(value: Value) -> Result<String, Error> {
    let number = number(&value)
        .ok_or_else(|| invalid(format!("timestamp_to_iso8601 expects an epoch timestamp, got {value}")))?;
    let seconds = if number.abs() >= MILLISECONDS_FROM { number / 1000.0 } else { number };
    let datetime = from_seconds(seconds).ok_or_else(|| invalid(format!("timestamp {number} is out of range")))?;
    Ok(iso8601(datetime))
}

/// ISO 8601 date -> milliseconds since the epoch, so that Sekoia's documented
/// `(date | iso8601_to_timestamp) - 3600000` is an hour earlier. A date without an offset is
/// taken as UTC.
fn iso8601_to_timestamp(value: &str) -> Result<Value, Error> {
    let datetime = parse_iso8601(value)
        .ok_or_else(|| invalid(format!("iso8601_to_timestamp cannot read `{value}` as an ISO 8601 date")))?;
    let micros = datetime.timestamp_micros();
    Ok(if micros % 1_000 == 0 { Value::from(micros / 1_000) } else { Value::from(micros as f64 / 1e3) })
}

/// The current time shifted by `delta` seconds, as ISO 8601 UTC:
/// `{{ (-3600) | time_with_delta }}` is an hour ago.
fn time_with_delta(state: &State, delta: Value) -> Result<String, Error> {
    let delta =
        number(&delta).ok_or_else(|| invalid(format!("time_with_delta expects a number of seconds, got {delta}")))?;
    let now_ms =
        state.lookup("__now_ms").and_then(|v| i64::try_from(v).ok()).unwrap_or_else(|| Utc::now().timestamp_millis());
    let datetime =
        from_seconds(now_ms as f64 / 1000.0 + delta).ok_or_else(|| invalid("time_with_delta is out of range"))?;
    Ok(iso8601(datetime))
}

/// `value | jsonpath('$.a[*].b')` -> the first match (none when nothing matches);
/// `value | jsonpath('$.a[*].b', true)` -> the list of every match.
fn jsonpath(value: Value, path: &str, all: Option<bool>) -> Result<Value, Error> {
    let query = JsonPath::parse(path).map_err(|e| invalid(format!("invalid JSONPath `{path}`: {e}")))?;
    let json: serde_json::Value =
        serde_json::to_value(&value).map_err(|e| invalid(format!("jsonpath cannot read its input: {e}")))?;
    let nodes = query.query(&json).all();
    Ok(if all.unwrap_or(false) {
        crate::to_value(nodes)
    } else {
        nodes.first().map(|v| crate::to_value(*v)).unwrap_or(Value::from(()))
    })
}

/// `value | regex_match(pattern, ignore_case=false)`: true when the pattern matches at the start
/// of the value, like Python's `re.match`.
fn regex_match(value: &str, pattern: &str, ignore_case: Option<bool>, kwargs: Kwargs) -> Result<bool, Error> {
    let ignore_case = kwargs.get::<Option<bool>>("ignore_case")?.or(ignore_case).unwrap_or(false);
    kwargs.assert_all_used()?;
    let regex = RegexBuilder::new(&format!("^(?:{pattern})"))
        .case_insensitive(ignore_case)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| invalid(format!("invalid regular expression `{pattern}`: {e}")))?;
    Ok(regex.is_match(value))
}

/// Parses a JSON string into a value.
fn fromjson(value: &str) -> Result<Value, Error> {
    let json: serde_json::Value =
        serde_json::from_str(value).map_err(|e| invalid(format!("fromjson: invalid JSON: {e}")))?;
    Ok(crate::to_value(json))
}

fn number(value: &Value) -> Option<f64> {
    if let Some(text) = value.as_str() {
        return text.trim().parse().ok();
    }
    f64::try_from(value.clone()).ok()
}

fn from_seconds(seconds: f64) -> Option<DateTime<Utc>> {
    if !seconds.is_finite() {
        return None;
    }
    let micros = (seconds * 1e6).round();
    if micros.abs() > i64::MAX as f64 {
        return None;
    }
    Utc.timestamp_micros(micros as i64).single()
}

fn iso8601(datetime: DateTime<Utc>) -> String {
    datetime.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn parse_iso8601(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"]
        .iter()
        .find_map(|fmt| {
            DateTime::parse_from_str(text, fmt)
                .map(|d| d.with_timezone(&Utc))
                .ok()
                .or_else(|| NaiveDateTime::parse_from_str(text, fmt).ok().map(|n| n.and_utc()))
        })
        .or_else(|| Some(chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0)?.and_utc()))
}
