//! Secret values taken out of what an action or a component reports (results, keys included,
//! branch names, logs, errors), whatever form the tool echoed them in. The forms, all computed
//! once in [`Scrubber::new`] and searched together with one Aho-Corasick automaton:
//!
//! - the value as it is, in any case (ASCII letters ignore case; other letters as the value,
//!   all lower case or all upper case), reversed, or spaced out (each character followed by one
//!   character that is not a letter or a digit: `s e c r e t`, `s-e-c-r-e-t`);
//! - any window of 8 characters or more of a value of 8 characters or more (its second half,
//!   its middle), in each of those forms;
//! - hex of its UTF-8 bytes (any case), and base64 in the standard and URL-safe alphabets at each
//!   of the three alignments a value can have in an encoded stream (case matters there), with
//!   or without padding, and any window of them of 8 bytes or more of the value;
//! - each of these behind up to 3 layers of escaping: JSON (`\"`, `\u0041`), percent-encoding
//!   (`%41`) and HTML entities (`&#x41;`, `&#65;`, `&amp;`...);
//! - the start of a value cut at the end of a text (4 characters or more, before `...`, `…`,
//!   blanks), and down to 1 character before [`CUT_MARK`], which marks a text cut at a known
//!   length ([`riposte_sdk::abbreviate`]).
//!
//! Secret values of any JSON type count: a number as its text, an object or a list as each of
//! its leaves and as its JSON text (compact, and with Python's `", "` and `": "`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use riposte_engine::REDACTED;
use riposte_model::ActionOutcome;
use riposte_sdk::CUT_MARK;
use serde_json::Value;

/// Shortest secret value scrubbed: shorter ones would blot out ordinary text.
pub const MIN_SECRET_CHARS: usize = 4;
/// Shortest window of a secret taken out wherever it is.
pub const WINDOW_CHARS: usize = 8;
/// The same window in hex: 8 bytes.
const HEX_WINDOW: usize = 2 * WINDOW_CHARS;
/// The same in base64: 8 bytes at any alignment give at least 10 characters of their own.
const BASE64_WINDOW: usize = 10;
/// Shortest start of a secret taken out at the end of a text, where a cut may have left it.
const MIN_CUT_CHARS: usize = 4;
/// The longest start of a secret looked for where a text was cut: longer ones are windows.
const MAX_CUT_CHARS: usize = HEX_WINDOW - 1;
/// Up to this many bytes of forms, the automaton is a DFA: faster to search, bigger to build.
const MAX_DFA_BYTES: usize = 8 * 1024;
/// How many escaping layers are looked through (a JSON error body inside a JSON string...).
const MAX_LAYERS: usize = 3;
/// Scrubbers kept for the sets of secrets seen last (see [`Scrubber::shared`]).
const SHARED_SCRUBBERS: usize = 64;

/// One form searched for.
#[derive(Debug)]
struct Pattern {
    text: String,
    /// Found only as written (base64); other forms ignore the case of ASCII letters.
    exact: bool,
    /// The secret's own characters (not an encoding): also looked for spaced out.
    plain: bool,
}

/// A form whose start is taken out where a text was cut.
#[derive(Debug)]
struct CutForm {
    chars: Vec<char>,
    exact: bool,
    /// Longest start looked for: longer ones are windows the automaton finds.
    longest: usize,
}

/// The secrets to look for, in every form.
pub struct Scrubber {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
    cut_forms: Vec<CutForm>,
    /// The most characters any cut form looks at.
    longest_cut: usize,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrubber").field("patterns", &self.patterns.len()).finish_non_exhaustive()
    }
}

impl Scrubber {
    /// None when no secret is long enough to be scrubbed.
    pub fn new(secrets: &[String]) -> Option<Self> {
        let values: Vec<Value> = secrets.iter().map(|s| Value::String(s.clone())).collect();
        Self::from_values(&values)
    }

    /// Secrets of any JSON type; None when none is long enough to be scrubbed.
    pub fn from_values(secrets: &[Value]) -> Option<Self> {
        Self::build(&texts(secrets))
    }

    /// [`Scrubber::from_values`], built once for the same secrets however many calls use them
    /// (the last [`SHARED_SCRUBBERS`] sets are kept).
    pub fn shared(secrets: &[Value]) -> Option<Arc<Self>> {
        static SHARED: OnceLock<Mutex<HashMap<Vec<Text>, Arc<Scrubber>>>> = OnceLock::new();
        let texts = texts(secrets);
        if texts.is_empty() {
            return None;
        }
        let shared = SHARED.get_or_init(Mutex::default);
        if let Some(scrubber) = shared.lock().expect("scrubbers lock").get(&texts) {
            return Some(scrubber.clone());
        }
        let scrubber = Arc::new(Self::build(&texts)?);
        let mut kept = shared.lock().expect("scrubbers lock");
        if kept.len() >= SHARED_SCRUBBERS {
            kept.clear();
        }
        kept.insert(texts, scrubber.clone());
        Some(scrubber)
    }

    fn build(texts: &[Text]) -> Option<Self> {
        if texts.is_empty() {
            return None;
        }
        let mut forms = Forms::default();
        for text in texts {
            forms.add(text);
        }
        let patterns = forms.patterns();
        let size: usize = patterns.iter().map(|p| p.text.len()).sum();
        let kind = (size <= MAX_DFA_BYTES).then_some(AhoCorasickKind::DFA);
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(kind)
            .prefilter(false)
            .build(patterns.iter().map(|p| p.text.as_str()))
            .ok()?;
        let longest_cut = forms.cut_forms.iter().map(|f| f.longest).max().unwrap_or(0);
        Some(Scrubber { automaton, patterns, cut_forms: forms.cut_forms, longest_cut })
    }

    /// Every string of `outcome` scrubbed: results (keys included), branch names, logs, error.
    pub fn outcome(&self, mut outcome: ActionOutcome) -> ActionOutcome {
        if let Some(results) = outcome.results.as_mut() {
            self.value(results);
        }
        for output in &mut outcome.outputs {
            self.text(output);
        }
        for log in &mut outcome.logs {
            self.text(&mut log.message);
            self.text(&mut log.date);
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
        if text.len() < MIN_SECRET_CHARS {
            return;
        }
        let spans = self.spans(text);
        if !spans.is_empty() {
            *text = replaced(text, &spans);
        }
    }

    fn found(&self, text: &str) -> bool {
        !self.spans(text).is_empty()
    }

    /// Byte ranges of `text` that hold a secret, in any of the forms looked for, merged.
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        self.search_layer(text, &mut spans);
        if memchr::memchr3(b'\\', b'%', b'&', text.as_bytes()).is_some() {
            let mut layers: Vec<Layer> = Vec::new();
            for _ in 0..MAX_LAYERS {
                let Some(layer) = decoded(layers.last().map_or(text, |l| l.text.as_str())) else { break };
                let mut found = Vec::new();
                self.search_layer(&layer.text, &mut found);
                layers.push(layer);
                for (mut start, mut end) in found {
                    for layer in layers.iter().rev() {
                        (start, end) = (layer.source_start(start), layer.source_end(end));
                    }
                    spans.push((start, end));
                }
            }
        }
        merge(spans)
    }

    /// The forms in `text` as it is, spaced out, and cut at its end or at a cut mark.
    fn search_layer(&self, text: &str, spans: &mut Vec<(usize, usize)>) {
        self.search(text, None, spans);
        for (start, end) in spaced_regions(text) {
            let view = Decimated::new(text, start, end);
            self.search(&view.text, Some(&view), spans);
        }
        self.find_cut(text, spans);
    }

    /// Every form in `haystack`, a layer itself, or every other character of a spaced stretch of it.
    fn search(&self, haystack: &str, decimated: Option<&Decimated>, spans: &mut Vec<(usize, usize)>) {
        for found in self.automaton.find_overlapping_iter(haystack) {
            let pattern = &self.patterns[found.pattern().as_usize()];
            if pattern.exact && haystack.as_bytes()[found.range()] != *pattern.text.as_bytes() {
                continue;
            }
            let (start, end) = match decimated {
                None => (found.start(), found.end()),
                Some(view) if pattern.plain => view.source(found.start(), found.end()),
                Some(_) => continue,
            };
            // Overlapping windows of one copy come one after another: kept as one span.
            match spans.last_mut() {
                Some(last) if start <= last.1 && end >= last.0 => *last = (last.0.min(start), last.1.max(end)),
                _ => spans.push((start, end)),
            }
        }
    }

    /// The start of a secret where a text was cut: at its end (before what marks an
    /// abbreviation), and before each [`CUT_MARK`].
    fn find_cut(&self, text: &str, spans: &mut Vec<(usize, usize)>) {
        let end = text.trim_end_matches(|c: char| c == '.' || c == '…' || c.is_whitespace()).len();
        self.cut_before(text, end, MIN_CUT_CHARS, spans);
        for at in memchr::memmem::find_iter(text.as_bytes(), CUT_MARK) {
            self.cut_before(text, at, 1, spans);
        }
    }

    fn cut_before(&self, text: &str, at: usize, shortest: usize, spans: &mut Vec<(usize, usize)>) {
        // The characters before `at`, nearest first.
        let mut before = [(0, '\0'); MAX_CUT_CHARS];
        let mut count = 0;
        for (slot, found) in before.iter_mut().zip(text[..at].char_indices().rev().take(self.longest_cut)) {
            *slot = found;
            count += 1;
        }
        let before = &before[..count];
        for form in &self.cut_forms {
            let longest = form.longest.min(before.len());
            let cut = (shortest..=longest).rev().find(|&len| {
                (0..len).all(|k| {
                    let (ch, expected) = (before[len - 1 - k].1, form.chars[k]);
                    ch == expected || (!form.exact && ch.eq_ignore_ascii_case(&expected))
                })
            });
            if let Some(len) = cut {
                spans.push((before[len - 1].0, at));
            }
        }
    }
}

impl riposte_host::Redact for Scrubber {
    fn redact(&self, text: &mut String) {
        self.text(text);
    }
}

/// A text to look for, and whether its windows count too (a secret's own value) or only the
/// whole of it (the JSON text of an object, whose windows are ordinary JSON).
type Text = (String, bool);

/// The texts of `secrets`, long enough to be looked for, sorted.
fn texts(secrets: &[Value]) -> Vec<Text> {
    let mut texts = Vec::new();
    for secret in secrets {
        secret_texts(secret, &mut texts);
    }
    texts.retain(|(text, _)| text.chars().count() >= MIN_SECRET_CHARS);
    texts.sort();
    texts.dedup();
    texts
}

fn secret_texts(value: &Value, texts: &mut Vec<Text>) {
    match value {
        Value::String(text) => texts.push((text.clone(), true)),
        Value::Number(number) => texts.push((number.to_string(), true)),
        Value::Bool(_) | Value::Null => {}
        Value::Array(items) => {
            items.iter().for_each(|item| secret_texts(item, texts));
            serialized(value, texts);
        }
        Value::Object(map) => {
            map.values().for_each(|item| secret_texts(item, texts));
            serialized(value, texts);
        }
    }
}

/// The JSON text of a list or an object: compact, and as Python's `json.dumps` writes it.
fn serialized(value: &Value, texts: &mut Vec<Text>) {
    texts.push((value.to_string(), false));
    let mut python = String::new();
    python_json(value, &mut python);
    texts.push((python, false));
}

fn python_json(value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                python_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(": ");
                python_json(item, out);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The forms of every text, gathered.
#[derive(Default)]
struct Forms {
    /// Form -> (exact, plain); a form met twice is exact only if both are, plain if either is.
    patterns: HashMap<String, (bool, bool)>,
    cut_forms: Vec<CutForm>,
}

impl Forms {
    fn add(&mut self, (text, windows): &Text) {
        let chars: Vec<char> = text.chars().collect();
        let mut plain = vec![chars.clone(), chars.iter().rev().copied().collect()];
        if !text.is_ascii() {
            for cased in [text.to_lowercase(), text.to_uppercase()] {
                let cased: Vec<char> = cased.chars().collect();
                plain.push(cased.iter().rev().copied().collect());
                plain.push(cased);
            }
        }
        for form in &plain {
            self.windows(form, *windows, WINDOW_CHARS, 1, false, true);
        }
        let hex: Vec<char> = text.bytes().flat_map(|b| format!("{b:02x}").chars().collect::<Vec<_>>()).collect();
        self.windows(&hex, *windows, HEX_WINDOW, 2, false, false);
        let mut base64_starts = Vec::new();
        for (padded, unpadded) in [(&STANDARD, &STANDARD_NO_PAD), (&URL_SAFE, &URL_SAFE_NO_PAD)] {
            self.insert(padded.encode(text), true, false);
            for alignment in 0..3 {
                let form: Vec<char> = base64_own_chars(unpadded, text.as_bytes(), alignment).chars().collect();
                if form.len() >= MIN_SECRET_CHARS {
                    self.windows(&form, *windows, BASE64_WINDOW, 1, true, false);
                    if alignment == 0 {
                        base64_starts.push(form);
                    }
                }
            }
        }
        if *windows {
            self.cut_form(chars, WINDOW_CHARS, true);
            self.cut_form(hex, HEX_WINDOW, false);
            for form in base64_starts {
                self.cut_form(form, BASE64_WINDOW, true);
            }
        }
    }

    /// `form`, and when `windows`, each window of it of `width` characters starting every `step`.
    fn windows(&mut self, form: &[char], windows: bool, width: usize, step: usize, exact: bool, plain: bool) {
        self.insert(form.iter().collect(), exact, plain);
        if windows && form.len() > width {
            for start in (0..=form.len() - width).step_by(step) {
                self.insert(form[start..start + width].iter().collect(), exact, plain);
            }
        }
    }

    fn insert(&mut self, form: String, exact: bool, plain: bool) {
        let entry = self.patterns.entry(form).or_insert((exact, plain));
        *entry = (entry.0 && exact, entry.1 || plain);
    }

    fn cut_form(&mut self, chars: Vec<char>, window: usize, exact: bool) {
        let longest = chars.len().min(window) - 1;
        if longest >= 1 {
            self.cut_forms.push(CutForm { chars, exact, longest });
        }
    }

    fn patterns(&self) -> Vec<Pattern> {
        let mut patterns: Vec<Pattern> =
            self.patterns.iter().map(|(text, &(exact, plain))| Pattern { text: text.clone(), exact, plain }).collect();
        patterns.sort_by(|a, b| a.text.cmp(&b.text));
        patterns
    }
}

/// The base64 characters that `bytes` decide alone when they start `alignment` bytes into a
/// 3-byte group: those shared with the bytes around them are left out.
fn base64_own_chars(engine: &impl base64::Engine, bytes: &[u8], alignment: usize) -> String {
    let mut stream = vec![0u8; alignment];
    stream.extend_from_slice(bytes);
    let encoded = engine.encode(&stream);
    let skip = [0, 2, 3][alignment];
    let drop_last = usize::from(!stream.len().is_multiple_of(3));
    encoded.get(skip..encoded.len().saturating_sub(drop_last)).unwrap_or_default().to_string()
}

/// The stretches of `text` that can hold a secret spaced out: every other character neither a
/// letter nor a digit, for at least `MIN_SECRET_CHARS - 1` of them. Byte ranges, each starting
/// and ending with a character of the other kind (a secret's).
fn spaced_regions(text: &str) -> Vec<(usize, usize)> {
    if text.is_ascii() {
        stretches(text.bytes().enumerate().map(|(at, b)| (at, 1, !b.is_ascii_alphanumeric())))
    } else {
        stretches(text.char_indices().map(|(at, c)| (at, c.len_utf8(), !c.is_alphanumeric())))
    }
}

/// [`spaced_regions`] of the characters given as (where, how many bytes, whether a separator).
fn stretches(chars: impl Iterator<Item = (usize, usize, bool)>) -> Vec<(usize, usize)> {
    /// Separators at every other position: from the character before the first one, to the
    /// latest character seen after one of them.
    #[derive(Clone, Copy)]
    struct Run {
        start: usize,
        separators: usize,
        last: usize,
        end: Option<usize>,
    }
    let mut regions = Vec::new();
    let mut flush = |run: Option<Run>| {
        if let Some(Run { start, separators, end: Some(end), .. }) = run
            && separators + 1 >= MIN_SECRET_CHARS
        {
            regions.push((start, end));
        }
    };
    let mut runs: [Option<Run>; 2] = [None, None];
    let mut previous = 0;
    for (index, (at, len, separator)) in chars.enumerate() {
        let (parity, other) = (index % 2, 1 - index % 2);
        if let Some(run) = runs[other].as_mut()
            && run.last + 1 == index
        {
            run.end = Some(at + len);
        }
        if !separator {
            flush(runs[parity].take());
        } else {
            match runs[parity].as_mut() {
                Some(run) if run.last + 2 == index => {
                    run.separators += 1;
                    run.last = index;
                }
                _ => {
                    flush(runs[parity].take());
                    if index > 0 {
                        runs[parity] = Some(Run { start: previous, separators: 1, last: index, end: None });
                    }
                }
            }
        }
        previous = at;
    }
    runs.into_iter().for_each(&mut flush);
    regions
}

/// Every other character of a stretch of a layer, from its first: a spaced-out copy of a secret
/// is a plain one there.
struct Decimated {
    text: String,
    /// Where the stretch starts in the layer.
    start: usize,
    /// Per character of `text` when the stretch is not ASCII: where it starts in `text`, and the
    /// layer's bytes it came from.
    chars: Option<Vec<(usize, usize, usize)>>,
}

impl Decimated {
    fn new(layer: &str, start: usize, end: usize) -> Self {
        let stretch = &layer[start..end];
        if stretch.is_ascii() {
            let text = stretch.bytes().step_by(2).map(char::from).collect();
            return Decimated { text, start, chars: None };
        }
        let mut text = String::with_capacity(stretch.len() / 2 + 4);
        let mut chars = Vec::with_capacity(stretch.len() / 2 + 1);
        for (at, ch) in stretch.char_indices().step_by(2) {
            chars.push((text.len(), start + at, start + at + ch.len_utf8()));
            text.push(ch);
        }
        Decimated { text, start, chars: Some(chars) }
    }

    /// The layer's bytes from the character at `start` to the one that ends at `end`.
    fn source(&self, start: usize, end: usize) -> (usize, usize) {
        match &self.chars {
            None => (self.start + 2 * start, self.start + 2 * (end - 1) + 1),
            Some(chars) => {
                let first = chars.partition_point(|c| c.0 < start);
                let last = chars.partition_point(|c| c.0 < end) - 1;
                (chars[first].1, chars[last].2)
            }
        }
    }
}

/// A text with one layer of escapes undone, and where each character that was escaped came from.
struct Layer {
    text: String,
    escapes: Vec<Escape>,
}

/// `text[at..end]` of a layer was `source[source_start..source_end]` of the text below.
struct Escape {
    at: usize,
    end: usize,
    source_start: usize,
    source_end: usize,
}

impl Layer {
    fn source_start(&self, at: usize) -> usize {
        match self.escapes.partition_point(|e| e.at <= at) {
            0 => at,
            i => {
                let escape = &self.escapes[i - 1];
                if at < escape.end { escape.source_start } else { escape.source_end + (at - escape.end) }
            }
        }
    }

    fn source_end(&self, end: usize) -> usize {
        match self.escapes.partition_point(|e| e.at < end) {
            0 => end,
            i => {
                let escape = &self.escapes[i - 1];
                escape.source_end + end.saturating_sub(escape.end)
            }
        }
    }
}

/// One layer of JSON escapes, percent-encoding and HTML entities undone; None when there was none.
fn decoded(source: &str) -> Option<Layer> {
    let bytes = source.as_bytes();
    let mut text = String::new();
    let mut escapes = Vec::new();
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        let step = match bytes[i] {
            b'\\' => json_escape(&bytes[i..]),
            b'%' => percent_escape(&bytes[i..]),
            b'&' => html_entity(&bytes[i..]),
            _ => None,
        };
        match step {
            Some((ch, used)) => {
                if escapes.is_empty() {
                    text.reserve(source.len());
                }
                text.push_str(&source[copied..i]);
                let at = text.len();
                text.push(ch);
                escapes.push(Escape { at, end: text.len(), source_start: i, source_end: i + used });
                i += used;
                copied = i;
            }
            None => i += 1,
        }
    }
    if escapes.is_empty() {
        return None;
    }
    text.push_str(&source[copied..]);
    Some(Layer { text, escapes })
}

fn hex_value(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, d| Some(acc * 16 + char::from(*d).to_digit(16)?))
}

/// `\"`, `\n`, `\u00e9`, `\ud83d\ude00`... at the start of `bytes`: the character and how many
/// bytes it took.
fn json_escape(bytes: &[u8]) -> Option<(char, usize)> {
    let simple = match bytes.get(1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let high = hex_value(bytes.get(2..6)?)?;
            if (0xD800..0xDC00).contains(&high) && bytes.get(6..8) == Some(b"\\u") {
                let low = hex_value(bytes.get(8..12)?)?;
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
fn percent_escape(bytes: &[u8]) -> Option<(char, usize)> {
    let byte = |at: usize| -> Option<u8> {
        (*bytes.get(at)? == b'%').then_some(())?;
        u8::try_from(hex_value(bytes.get(at + 1..at + 3)?)?).ok()
    };
    let first = byte(0)?;
    let len = match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    let decoded: Vec<u8> = (0..len).map(|k| byte(k * 3)).collect::<Option<_>>()?;
    let ch = std::str::from_utf8(&decoded).ok()?.chars().next()?;
    Some((ch, len * 3))
}

/// HTML's named entities for punctuation, as escaping libraries write them.
const NAMED_ENTITIES: [(&str, char); 37] = [
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("sol", '/'),
    ("bsol", '\\'),
    ("colon", ':'),
    ("semi", ';'),
    ("equals", '='),
    ("num", '#'),
    ("percnt", '%'),
    ("plus", '+'),
    ("commat", '@'),
    ("dollar", '$'),
    ("excl", '!'),
    ("quest", '?'),
    ("lpar", '('),
    ("rpar", ')'),
    ("lsqb", '['),
    ("rsqb", ']'),
    ("lbrack", '['),
    ("rbrack", ']'),
    ("lcub", '{'),
    ("rcub", '}'),
    ("lbrace", '{'),
    ("rbrace", '}'),
    ("ast", '*'),
    ("midast", '*'),
    ("comma", ','),
    ("period", '.'),
    ("lowbar", '_'),
    ("verbar", '|'),
    ("vert", '|'),
    ("grave", '`'),
    ("Hat", '^'),
];

/// `&#x41;`, `&#65;` or `&amp;` at the start of `bytes`.
fn html_entity(bytes: &[u8]) -> Option<(char, usize)> {
    let end = bytes.iter().take(12).position(|b| *b == b';')?;
    let body = bytes.get(1..end)?;
    let ch = match body {
        [b'#', b'x' | b'X', digits @ ..] if !digits.is_empty() => char::from_u32(hex_value(digits)?)?,
        [b'#', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
            char::from_u32(std::str::from_utf8(digits).ok()?.parse().ok()?)?
        }
        name => NAMED_ENTITIES.iter().find(|(entity, _)| entity.as_bytes() == name)?.1,
    };
    Some((ch, end + 1))
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
#[path = "scrub_tests.rs"]
mod tests;
