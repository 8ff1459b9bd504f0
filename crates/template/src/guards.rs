//! Jinja's filters, bounded in memory: a filter refuses an input larger than the largest value a
//! template may build, refuses work whose result would be larger (`replace`, `indent`, `center`,
//! `format`, `join`, `tojson` with an indent, `list` of a string, `batch`), and its result is
//! measured before it is used. Without this, `('a'*10000)|replace('a', 'a'*10000)` or
//! `x|indent(1000000000)` build gigabytes before any output limit is reached.

use std::io::{self, Write};

use minijinja::value::{Kwargs, Rest, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, Value};

/// The builtin filters that take or make sizeable values, under their names.
fn builtins() -> Vec<(&'static str, Value)> {
    use minijinja::filters as f;
    vec![
        ("replace", Value::from_function(f::replace)),
        ("indent", Value::from_function(f::indent)),
        ("center", Value::from_function(center)),
        ("format", Value::from_function(f::format)),
        ("join", Value::from_function(f::join)),
        ("tojson", Value::from_function(f::tojson)),
        ("list", Value::from_function(f::list)),
        ("batch", Value::from_function(f::batch)),
        ("slice", Value::from_function(f::slice)),
        ("upper", Value::from_function(f::upper)),
        ("lower", Value::from_function(f::lower)),
        ("title", Value::from_function(f::title)),
        ("capitalize", Value::from_function(f::capitalize)),
        ("escape", Value::from_function(f::escape)),
        ("e", Value::from_function(f::escape)),
        ("urlencode", Value::from_function(f::urlencode)),
        ("string", Value::from_function(f::string)),
        ("pprint", Value::from_function(f::pprint)),
        ("split", Value::from_function(f::split)),
        ("lines", Value::from_function(f::lines)),
        ("sort", Value::from_function(f::sort)),
        ("dictsort", Value::from_function(f::dictsort)),
        ("items", Value::from_function(f::items)),
        ("unique", Value::from_function(f::unique)),
        ("reverse", Value::from_function(f::reverse)),
        ("trim", Value::from_function(f::trim)),
        ("sum", Value::from_function(f::sum)),
        ("groupby", Value::from_function(f::groupby)),
        ("chain", Value::from_function(f::chain)),
        ("zip", Value::from_function(f::zip)),
        ("map", Value::from_function(f::map)),
        ("select", Value::from_function(f::select)),
        ("reject", Value::from_function(f::reject)),
        ("selectattr", Value::from_function(f::selectattr)),
        ("rejectattr", Value::from_function(f::rejectattr)),
    ]
}

/// Jinja's `center`, which minijinja lacks: the value centred in `width` characters.
fn center(value: &str, width: Option<usize>) -> String {
    let width = width.unwrap_or(80);
    let len = value.chars().count();
    if len >= width {
        return value.to_string();
    }
    let left = (width - len) / 2;
    format!("{}{value}{}", " ".repeat(left), " ".repeat(width - len - left))
}

/// Registers the bounded filters over the builtin ones.
pub(crate) fn register(env: &mut Environment<'static>, max_bytes: usize) {
    for (name, builtin) in builtins() {
        env.add_filter(name, move |state: &mut State, args: Rest<Value>, kwargs: Kwargs| -> Result<Value, Error> {
            let mut args = args.0;
            // Passed on as they came, as the last argument.
            if kwargs.args().next().is_some() {
                for key in kwargs.args() {
                    let _: Value = kwargs.get(key)?;
                }
                args.push(Value::from(kwargs));
            }
            for arg in args.iter() {
                if size(arg, max_bytes) > max_bytes {
                    return Err(too_large(name, max_bytes));
                }
            }
            let predicted = predicted(name, &args, max_bytes)?;
            if predicted > max_bytes {
                return Err(too_large(name, max_bytes));
            }
            crate::budget::charge(name, predicted, predicted)?;
            let result = builtin.call(state, &args)?;
            if size(&result, max_bytes) > max_bytes {
                return Err(too_large(name, max_bytes));
            }
            crate::budget::check(name)?;
            Ok(result)
        });
    }
}

fn too_large(filter: &str, max_bytes: usize) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("`{filter}` would build a value larger than the template limit of {max_bytes} bytes"),
    )
}

/// The size of what `filter` would make of `args`, where it can be much larger than its inputs;
/// 0 where it cannot.
fn predicted(filter: &str, args: &[Value], max_bytes: usize) -> Result<usize, Error> {
    let text = |i: usize| args.get(i).and_then(Value::as_str).unwrap_or_default();
    let number = |i: usize| args.get(i).and_then(|v| usize::try_from(v.clone()).ok());
    let keyword = |name: &str| args.last().filter(|v| v.kind() == ValueKind::Map).and_then(|m| m.get_attr(name).ok());
    Ok(match filter {
        "replace" => {
            let (value, from, to) = (text(0), text(1), text(2));
            let count = if from.is_empty() { value.chars().count() + 1 } else { value.matches(from).count() };
            let count = number(3).map_or(count, |limit| count.min(limit));
            value.len().saturating_add(count.saturating_mul(to.len()))
        }
        "indent" => {
            let width = number(1).or_else(|| keyword("width").and_then(|w| usize::try_from(w).ok())).unwrap_or(4);
            let lines = text(0).lines().count() + 1;
            text(0).len().saturating_add(lines.saturating_mul(width))
        }
        "center" => number(1).unwrap_or(80).max(text(0).len()),
        "format" => format_widths(text(0), &args[1.min(args.len())..]),
        "join" => {
            let items = args.first().and_then(|v| v.len()).unwrap_or(0);
            let joiner = text(1).len();
            size(args.first().unwrap_or(&Value::UNDEFINED), max_bytes).saturating_add(items.saturating_mul(joiner))
        }
        "tojson" => json_size(args, max_bytes)?,
        "list" => args.first().and_then(Value::as_str).map_or(0, |s| s.chars().count().saturating_mul(ITEM_BYTES)),
        "batch" => number(1).unwrap_or(0).saturating_mul(ITEM_BYTES),
        _ => 0,
    })
}

/// What an item counts for when its own size is not looked at: a short number and a separator.
const ITEM_BYTES: usize = 4;

/// The largest field width or precision a `format` asks for (`%100000s`, `%.*f` with its number).
fn format_widths(format: &str, args: &[Value]) -> usize {
    let numbers = format.split('%').skip(1).filter_map(|spec| {
        let digits: String = spec.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-').collect();
        digits.split(['.', '-']).filter_map(|d| d.parse::<usize>().ok()).max()
    });
    let starred = args.iter().filter_map(|v| usize::try_from(v.clone()).ok());
    numbers.chain(starred).max().unwrap_or(0)
}

/// The length of `tojson`'s answer, counted without building it (up to just past the limit).
fn json_size(args: &[Value], max_bytes: usize) -> Result<usize, Error> {
    let Some(value) = args.first() else { return Ok(0) };
    let indent = args
        .get(1)
        .filter(|v| v.kind() != ValueKind::Map)
        .cloned()
        .or_else(|| args.last().filter(|v| v.kind() == ValueKind::Map).and_then(|m| m.get_attr("indent").ok()));
    let width = match indent {
        Some(v) if v.kind() == ValueKind::Bool => usize::from(v.is_true()) * 2,
        Some(v) => usize::try_from(v).unwrap_or(0),
        None => 0,
    };
    if width > max_bytes {
        return Ok(width);
    }
    let mut counter = Counter { count: 0, limit: max_bytes };
    let indent = vec![b' '; width];
    let written = if width == 0 {
        serde_json::to_writer(&mut counter, value)
    } else {
        let formatter = serde_json::ser::PrettyFormatter::with_indent(&indent);
        serde::Serialize::serialize(value, &mut serde_json::Serializer::with_formatter(&mut counter, formatter))
    };
    match written {
        Ok(()) => Ok(counter.count),
        Err(_) if counter.count > max_bytes => Ok(counter.count),
        Err(e) => Err(Error::new(ErrorKind::InvalidOperation, format!("cannot serialize to JSON: {e}"))),
    }
}

/// A writer that counts, and fails once past its limit.
struct Counter {
    count: usize,
    limit: usize,
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.count += buf.len();
        if self.count > self.limit {
            return Err(io::Error::other("past the limit"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Roughly how many bytes `value` takes as JSON, counted up to just past `limit`.
pub(crate) fn size(value: &Value, limit: usize) -> usize {
    let mut total = 0;
    add_size(value, limit, &mut total, 0);
    total
}

fn add_size(value: &Value, limit: usize, total: &mut usize, depth: usize) {
    if *total > limit || depth > 64 {
        return;
    }
    match value.kind() {
        ValueKind::String | ValueKind::Bytes => *total += value.as_str().map_or(ITEM_BYTES, |s| s.len() + 2),
        ValueKind::Seq | ValueKind::Map => {
            *total += value.len().unwrap_or(0) + 2;
            let Ok(items) = value.try_iter() else { return };
            for key in items {
                if *total > limit {
                    return;
                }
                add_size(&key, limit, total, depth + 1);
                if value.kind() == ValueKind::Map
                    && let Ok(item) = value.get_item(&key)
                {
                    add_size(&item, limit, total, depth + 1);
                }
            }
        }
        // A lazy sequence (a range) is measured by its length alone.
        ValueKind::Iterable | ValueKind::Plain => *total += value.len().unwrap_or(0).saturating_mul(ITEM_BYTES),
        _ => *total += ITEM_BYTES,
    }
}
