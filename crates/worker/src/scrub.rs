//! Secret values taken out of what an action reports (results, keys included, logs, error),
//! whatever form the tool echoed them in: as they are, JSON-escaped (`\"`, `\\`, `\u0041`),
//! percent-encoded, escaped twice, or cut short at the end of a text that was abbreviated.

use riposte_engine::REDACTED;
use riposte_model::ActionOutcome;
use serde_json::Value;

/// Shortest secret value scrubbed: shorter ones would blot out ordinary text.
pub const MIN_SECRET_CHARS: usize = 4;
/// Shortest start of a secret taken out at the end of a text, where a cut may have left it.
const MIN_CUT_CHARS: usize = 4;
/// How many escaping layers are looked through (a JSON error body inside a JSON string...).
const MAX_LAYERS: usize = 3;

/// Texts longer than this are searched for each secret as it is and JSON-escaped rather than
/// decoded character by character, which takes a dozen bytes per character.
const MAX_DECODED_BYTES: usize = 1024 * 1024;

/// The secrets to look for.
pub struct Scrubber {
    secrets: Vec<Vec<char>>,
    /// Each secret as it is and JSON-escaped, for texts searched without decoding.
    forms: Vec<String>,
}

impl Scrubber {
    /// None when no secret is long enough to be scrubbed.
    pub fn new(secrets: &[String]) -> Option<Self> {
        let mut secrets: Vec<Vec<char>> =
            secrets.iter().map(|s| s.chars().collect::<Vec<_>>()).filter(|s| s.len() >= MIN_SECRET_CHARS).collect();
        // Longer first, so that a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        let mut forms: Vec<String> = Vec::new();
        for secret in &secrets {
            let raw: String = secret.iter().collect();
            let escaped = serde_json::to_string(&raw).unwrap_or_default();
            forms.push(escaped[1..escaped.len() - 1].to_string());
            forms.push(raw);
        }
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
        (!secrets.is_empty()).then_some(Scrubber { secrets, forms })
    }

    pub fn outcome(&self, mut outcome: ActionOutcome) -> ActionOutcome {
        if let Some(results) = outcome.results.as_mut() {
            self.value(results);
        }
        for log in &mut outcome.logs {
            self.text(&mut log.message);
        }
        if let Some(error) = outcome.error.as_mut() {
            self.text(&mut error.message);
        }
        outcome
    }

    /// Scrubs every string of `value`, object keys included.
    pub fn value(&self, value: &mut Value) {
        match value {
            Value::String(text) => self.text(text),
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            Value::Object(map) => {
                if map.keys().any(|key| self.found(key)) {
                    *map = std::mem::take(map)
                        .into_iter()
                        .map(|(mut key, value)| {
                            self.text(&mut key);
                            (key, value)
                        })
                        .collect();
                }
                map.values_mut().for_each(|v| self.value(v));
            }
            _ => {}
        }
    }

    pub fn text(&self, text: &mut String) {
        let spans = self.spans(text);
        if !spans.is_empty() {
            *text = replaced(text, &spans);
        }
    }

    fn found(&self, text: &str) -> bool {
        !self.spans(text).is_empty()
    }

    /// Byte ranges of `text` that hold a secret, in any of the forms looked through, merged.
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        if text.len() > MAX_DECODED_BYTES || !text.contains(['\\', '%']) {
            for form in &self.forms {
                spans.extend(text.match_indices(form.as_str()).map(|(at, found)| (at, at + found.len())));
            }
            self.find_cut(&tail_units(text, self.secrets[0].len() + 8), &mut spans);
            return merge(spans);
        }
        let mut layer = units(text, 0);
        for _ in 0..MAX_LAYERS {
            self.find_whole(&layer, &mut spans);
            self.find_cut(&layer, &mut spans);
            match decoded(&layer) {
                Some(next) => layer = next,
                None => break,
            }
        }
        merge(spans)
    }

    fn find_whole(&self, units: &[Unit], spans: &mut Vec<(usize, usize)>) {
        for secret in &self.secrets {
            let mut i = 0;
            while i + secret.len() <= units.len() {
                if units[i..i + secret.len()].iter().zip(secret).all(|(u, c)| u.ch == *c) {
                    spans.push((units[i].start as usize, units[i + secret.len() - 1].end as usize));
                    i += secret.len();
                } else {
                    i += 1;
                }
            }
        }
    }

    /// The start of a secret at the end of a text (before an abbreviation mark), where a cut
    /// may have left it.
    fn find_cut(&self, units: &[Unit], spans: &mut Vec<(usize, usize)>) {
        let end = units.len() - trailing_marker(units);
        for secret in &self.secrets {
            let longest = (secret.len() - 1).min(end);
            if let Some(len) = (MIN_CUT_CHARS..=longest)
                .rev()
                .find(|&len| units[end - len..end].iter().zip(&secret[..len]).all(|(u, c)| u.ch == *c))
            {
                spans.push((units[end - len].start as usize, units[end - 1].end as usize));
            }
        }
    }
}

/// A character of a decoded layer, and the bytes of the original text it came from.
#[derive(Debug, Clone, Copy)]
struct Unit {
    ch: char,
    start: u32,
    end: u32,
}

/// The characters of `text`, from byte `from` on.
fn units(text: &str, from: usize) -> Vec<Unit> {
    text[from..]
        .char_indices()
        .map(|(i, c)| Unit { ch: c, start: (from + i) as u32, end: (from + i + c.len_utf8()) as u32 })
        .collect()
}

/// The last `chars` characters of `text` (with what marks an abbreviation after them).
fn tail_units(text: &str, chars: usize) -> Vec<Unit> {
    let marker = text.chars().rev().take_while(|c| *c == '.' || *c == '…' || c.is_whitespace()).count();
    let from = text.char_indices().rev().nth(chars + marker).map_or(0, |(i, _)| i);
    units(text, from)
}

/// How many units at the end mark an abbreviation (`...`, `…`) or are blank.
fn trailing_marker(units: &[Unit]) -> usize {
    units.iter().rev().take_while(|u| u.ch == '.' || u.ch == '…' || u.ch.is_whitespace()).count()
}

/// One layer of JSON escapes and percent-encoding undone; None when there was none.
fn decoded(units: &[Unit]) -> Option<Vec<Unit>> {
    let mut out = Vec::with_capacity(units.len());
    let mut changed = false;
    let mut i = 0;
    while i < units.len() {
        let step = match units[i].ch {
            '\\' => json_escape(&units[i..]),
            '%' => percent_escape(&units[i..]),
            _ => None,
        };
        match step {
            Some((ch, used)) => {
                out.push(Unit { ch, start: units[i].start, end: units[i + used - 1].end });
                changed = true;
                i += used;
            }
            None => {
                out.push(units[i]);
                i += 1;
            }
        }
    }
    changed.then_some(out)
}

fn hex_value(units: &[Unit]) -> Option<u32> {
    units.iter().try_fold(0u32, |acc, u| Some(acc * 16 + u.ch.to_digit(16)?))
}

/// `\"`, `\n`, `\u00e9`, `\ud83d\ude00`... at the start of `units`: the character and how many
/// units it took.
fn json_escape(units: &[Unit]) -> Option<(char, usize)> {
    let simple = match units.get(1)?.ch {
        '"' => '"',
        '\\' => '\\',
        '/' => '/',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'u' => {
            let high = hex_value(units.get(2..6)?)?;
            if (0xD800..0xDC00).contains(&high)
                && units.get(6).map(|u| u.ch) == Some('\\')
                && units.get(7).map(|u| u.ch) == Some('u')
            {
                let low = hex_value(units.get(8..12)?)?;
                let code = 0x10000 + ((high - 0xD800) << 10) + (low.checked_sub(0xDC00)? & 0x3FF);
                return Some((char::from_u32(code)?, 12));
            }
            return Some((char::from_u32(high)?, 6));
        }
        _ => return None,
    };
    Some((simple, 2))
}

/// `%41`, or the `%C3%A9` of a character of several bytes.
fn percent_escape(units: &[Unit]) -> Option<(char, usize)> {
    let byte = |at: usize| -> Option<u8> {
        (units.get(at)?.ch == '%').then_some(())?;
        u8::try_from(hex_value(units.get(at + 1..at + 3)?)?).ok()
    };
    let first = byte(0)?;
    let len = match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    let bytes: Vec<u8> = (0..len).map(|k| byte(k * 3)).collect::<Option<_>>()?;
    let ch = std::str::from_utf8(&bytes).ok()?.chars().next()?;
    Some((ch, len * 3))
}

fn merge(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

fn replaced(text: &str, spans: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for &(start, end) in spans {
        out.push_str(&text[at..start]);
        out.push_str(REDACTED);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scrubbed(secret: &str, text: &str) -> String {
        let mut text = text.to_string();
        Scrubber::new(&[secret.to_string()]).unwrap().text(&mut text);
        text
    }

    #[test]
    fn a_secret_is_found_as_it_is_and_escaped_in_every_way() {
        let secret = "Quote\"Secret\\é-key";
        let escaped = serde_json::to_string(secret).unwrap();
        assert_eq!(scrubbed(secret, &format!("echo {secret}!")), "echo ***!");
        assert_eq!(scrubbed(secret, &format!("{{\"error\": {escaped}}}")), "{\"error\": \"***\"}");
        let unicode = "Quote\\u0022Secret\\u005c\\u00e9-key";
        assert_eq!(scrubbed(secret, &format!("got {unicode}")), "got ***");
        let twice = serde_json::to_string(&format!("{{\"e\": {escaped}}}")).unwrap();
        assert!(!scrubbed(secret, &twice).contains("Secret"), "{}", scrubbed(secret, &twice));
        assert_eq!(scrubbed("p@ss w/rd", "url?pw=p%40ss%20w%2Frd&x=1"), "url?pw=***&x=1");
        assert_eq!(scrubbed("k3y-s3cret-ü", "k3y-s3cret-%C3%BC"), "***");
    }

    #[test]
    fn the_start_of_a_secret_cut_at_the_end_of_a_text_is_taken_out() {
        assert_eq!(scrubbed("k3y-s3cret-value", "refused: token k3y-s3c"), "refused: token ***");
        assert_eq!(scrubbed("k3y-s3cret-value", "refused: token k3y-s3c…"), "refused: token ***…");
        assert_eq!(scrubbed("k3y-s3cret-value", "ends with k3y"), "ends with k3y", "three characters say nothing");
    }

    #[test]
    fn keys_and_values_everywhere_are_scrubbed() {
        let mut value = json!({"Bearer t0ken-1234": 1, "nested": [{"x": "t0ken-1234"}], "n": 2});
        Scrubber::new(&["t0ken-1234".to_string()]).unwrap().value(&mut value);
        assert_eq!(value, json!({"Bearer ***": 1, "nested": [{"x": "***"}], "n": 2}));
    }

    #[test]
    fn a_large_text_is_searched_without_decoding_it() {
        let secret = "Quote\"Secret-123";
        let escaped = serde_json::to_string(secret).unwrap();
        let text = format!(
            "{}{secret}\\{}{}{}",
            "a".repeat(MAX_DECODED_BYTES),
            &escaped[1..escaped.len() - 1],
            "b",
            "Quote\"Sec"
        );
        let scrubbed = scrubbed(secret, &text);
        assert!(!scrubbed.contains("Secret"), "{}", &scrubbed[MAX_DECODED_BYTES - 5..]);
        assert!(scrubbed.ends_with("***\\***b***"), "{}", &scrubbed[MAX_DECODED_BYTES - 5..]);
    }

    #[test]
    fn short_secrets_are_left_alone() {
        assert!(Scrubber::new(&["abc".to_string()]).is_none());
    }
}
