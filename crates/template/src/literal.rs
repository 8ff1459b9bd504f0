//! Python literal evaluation, as Jinja's native rendering applies it to rendered text: Sekoia
//! playbooks write operator values such as `"[{{ 76 }}, {{ 100 }}]"` or
//! `"['a', 'b']"` and expect a list.

use serde_json::{Map, Number, Value};

/// Reads `text` as a Python literal (numbers, strings in either quotes, `True`/`False`/`None`,
/// lists, tuples, dicts; JSON's `true`/`false`/`null` too). `None` when it is not one.
pub fn literal_eval(text: &str) -> Option<Value> {
    let mut parser = Parser { bytes: text.as_bytes(), pos: 0, depth: 0 };
    let value = parser.value()?;
    parser.skip_blanks();
    (parser.pos == parser.bytes.len()).then_some(value)
}

const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn skip_blanks(&mut self) {
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_blanks();
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    fn value(&mut self) -> Option<Value> {
        match self.peek()? {
            b'[' => self.sequence(b'[', b']'),
            b'(' => self.sequence(b'(', b')'),
            b'{' => self.dict(),
            b'\'' | b'"' => self.string().map(Value::String),
            b'-' | b'+' | b'0'..=b'9' | b'.' => self.number(),
            _ => self.keyword(),
        }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn sequence(&mut self, open: u8, close: u8) -> Option<Value> {
        self.nested(|p| {
            p.eat(open);
            let mut items = Vec::new();
            while !p.eat(close) {
                items.push(p.value()?);
                if !p.eat(b',') {
                    p.eat(close).then_some(())?;
                    break;
                }
            }
            Some(Value::Array(items))
        })
    }

    fn dict(&mut self) -> Option<Value> {
        self.nested(|p| {
            p.eat(b'{');
            let mut map = Map::new();
            while !p.eat(b'}') {
                let key = match p.value()? {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return None,
                };
                p.eat(b':').then_some(())?;
                map.insert(key, p.value()?);
                if !p.eat(b',') {
                    p.eat(b'}').then_some(())?;
                    break;
                }
            }
            Some(Value::Object(map))
        })
    }

    fn string(&mut self) -> Option<String> {
        let quote = self.bytes[self.pos];
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let byte = *self.bytes.get(self.pos)?;
            self.pos += 1;
            match byte {
                b if b == quote => break,
                b'\\' => {
                    let escaped = *self.bytes.get(self.pos)?;
                    self.pos += 1;
                    match escaped {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'0' => out.push(0),
                        b'u' => {
                            let hex = std::str::from_utf8(self.bytes.get(self.pos..self.pos + 4)?).ok()?;
                            let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                            self.pos += 4;
                            out.extend_from_slice(c.to_string().as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        String::from_utf8(out).ok()
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(|b| b.is_ascii_alphanumeric() || b"+-._".contains(b)) {
            self.pos += 1;
        }
        let text = std::str::from_utf8(&self.bytes[start..self.pos]).ok()?.replace('_', "");
        if let Ok(int) = text.parse::<i64>() {
            return Some(Value::from(int));
        }
        let float: f64 = text.parse().ok()?;
        Number::from_f64(float).map(Value::Number)
    }

    fn keyword(&mut self) -> Option<Value> {
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_alphabetic) {
            self.pos += 1;
        }
        match &self.bytes[start..self.pos] {
            b"True" | b"true" => Some(Value::Bool(true)),
            b"False" | b"false" => Some(Value::Bool(false)),
            b"None" | b"null" => Some(Value::Null),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::literal_eval;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn reads_python_and_json_literals() {
        assert_eq!(literal_eval("[76, 100]"), Some(json!([76, 100])));
        assert_eq!(literal_eval("['a', \"b\", None, True]"), Some(json!(["a", "b", null, true])));
        assert_eq!(literal_eval(" {'k': (1, 2.5), 3: {}} "), Some(json!({"k": [1, 2.5], "3": {}})));
        assert_eq!(literal_eval("-12"), Some(json!(-12)));
        assert_eq!(literal_eval("'it\\'s'"), Some(json!("it's")));
        assert_eq!(literal_eval("[]"), Some(json!([])));
    }

    #[test]
    fn rejects_what_is_not_a_literal() {
        for text in ["hello", "1.2.3.4", "[1, 2", "a-1", "{'a' 1}", "", "[1,,2]", "2019-09-06"] {
            assert_eq!(literal_eval(text), None, "{text}");
        }
        assert_eq!(literal_eval(&"[".repeat(10_000)), None);
    }

    proptest! {
        #[test]
        fn never_panics(text in ".{0,64}") {
            let _ = literal_eval(&text);
        }

        #[test]
        fn json_documents_read_back(value in json_value()) {
            prop_assert_eq!(literal_eval(&value.to_string()), Some(value));
        }
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(json!(null)),
            any::<bool>().prop_map(|b| json!(b)),
            any::<i64>().prop_map(|n| json!(n)),
            "[a-zA-Z0-9 '\"\\\\]{0,8}".prop_map(|s| json!(s)),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
