use super::*;
use proptest::prelude::*;
use serde_json::json;

fn scrubbed(secret: &str, text: &str) -> String {
    let mut text = text.to_string();
    Scrubber::new(&[secret.to_string()]).unwrap().text(&mut text);
    text
}

fn scrubbed_by(secret: Value, text: &str) -> String {
    let mut text = text.to_string();
    Scrubber::from_values(&[secret]).unwrap().text(&mut text);
    text
}

/// The base64 characters of `secret` alone, when `before` bytes come before it, worked out from
/// the bits: the characters whose 6 bits all fall within the secret's bytes.
fn own_base64(encoded: &str, before: usize, secret_len: usize) -> &str {
    let first = (8 * before).div_ceil(6);
    let last = 8 * (before + secret_len) / 6;
    &encoded[first..last]
}

fn windows(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(width.min(chars.len())).map(|w| w.iter().collect()).collect()
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
fn html_entities_of_every_kind_are_looked_through() {
    let secret = "<s3cret&key>";
    assert_eq!(scrubbed(secret, "a &lt;s3cret&amp;key&gt; b"), "a *** b");
    let hex: String = secret.chars().map(|c| format!("&#x{:X};", c as u32)).collect();
    assert_eq!(scrubbed(secret, &format!("<p>{hex}</p>")), "<p>***</p>");
    let decimal: String = secret.chars().map(|c| format!("&#{};", c as u32)).collect();
    assert_eq!(scrubbed(secret, &format!("<p>{decimal}</p>")), "<p>***</p>");
    assert_eq!(scrubbed(secret, "&amp;&lt;&gt; as they are"), "&amp;&lt;&gt; as they are");
}

#[test]
fn base64_is_found_at_every_alignment_in_both_alphabets() {
    let secret = "k3y?s3cret>>value~~";
    for before in ["", "a", "ab"] {
        for after in ["", "z", "zz"] {
            let stream = format!("{before}{secret}{after}");
            for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                let encoded = engine.encode(&stream);
                let own = own_base64(&encoded, before.len(), secret.len());
                let shown = scrubbed(secret, &format!("Basic {encoded}"));
                assert!(shown.contains("***") && !shown.contains(own), "{before:?} {after:?}: {encoded} -> {shown}");
            }
        }
    }
    assert_eq!(scrubbed(secret, "a1b2c3d4"), "a1b2c3d4", "other base64 is left alone");
}

#[test]
fn hex_in_either_case_and_any_case_of_the_secret_are_found() {
    let secret = "Tok3n-Secret";
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    assert_eq!(scrubbed(secret, &format!("bytes {hex}.")), "bytes ***.");
    assert_eq!(scrubbed(secret, &format!("BYTES {}", hex.to_uppercase())), "BYTES ***");
    assert_eq!(scrubbed(secret, "tok3n-secret and TOK3N-SECRET"), "*** and ***");
    assert_eq!(scrubbed("Clé-Ünïcode", "CLÉ-ÜNÏCODE clé-ünïcode"), "*** ***");
}

#[test]
fn reversed_and_spaced_copies_are_found() {
    let secret = "k3y-s3cret-value";
    let reversed: String = secret.chars().rev().collect();
    assert_eq!(scrubbed(secret, &format!("<{reversed}>")), "<***>");
    for separator in [" ", "-", ".", ":", "|", "\u{a0}"] {
        let spaced: Vec<String> = secret.chars().map(String::from).collect();
        let spaced = spaced.join(separator);
        assert_eq!(scrubbed(secret, &format!("[{spaced}]")), "[***]", "{separator:?}");
    }
    assert_eq!(scrubbed(secret, "k a 3 y s"), "k a 3 y s", "letters between do not space a secret out");
}

#[test]
fn any_window_of_eight_characters_of_a_long_secret_is_found() {
    let secret = "AbCdEfGh-0123456789-IjKlMnOp";
    let half = &secret[secret.len() / 2..];
    assert_eq!(scrubbed(secret, &format!("tail {half}!")), "tail ***!");
    assert_eq!(scrubbed(secret, "middle 3456789-Ij here"), "middle *** here");
    assert_eq!(scrubbed(secret, "seven 3456789 only"), "seven 3456789 only", "7 characters are not a window");
}

#[test]
fn secret_values_of_any_json_type_are_found() {
    assert_eq!(scrubbed_by(json!(987654321), "pin=987654321"), "pin=***");
    assert_eq!(scrubbed_by(json!(98765.4321), "pin=98765.4321;"), "pin=***;");
    let object = json!({"user": "svc", "password": "hunter22", "port": 8443, "tls": true});
    assert_eq!(scrubbed_by(object.clone(), "the password hunter22"), "the password ***");
    assert_eq!(scrubbed_by(object.clone(), &format!("config {object}")), "config ***");
    let python = r#"config {"user": "svc", "password": "hunter22", "port": 8443, "tls": true}"#;
    assert_eq!(scrubbed_by(object.clone(), python), "config ***", "as Python's json.dumps writes it");
    assert_eq!(scrubbed_by(object, "user svc, tls true"), "user svc, tls true", "short leaves and booleans stay");
    assert!(Scrubber::from_values(&[json!(true), json!(null), json!(12)]).is_none());
    assert_eq!(scrubbed_by(json!(["first-s3cret", {"k": "second-s3cret"}]), "second-s3cret"), "***");
}

#[test]
fn the_start_of_a_secret_cut_at_the_end_of_a_text_is_taken_out() {
    assert_eq!(scrubbed("k3y-s3cret-value", "refused: token k3y-s3c"), "refused: token ***");
    assert_eq!(scrubbed("k3y-s3cret-value", "refused: token k3y-s3c…"), "refused: token ***…");
    assert_eq!(scrubbed("k3y-s3cret-value", "ends with k3y"), "ends with k3y", "three characters say nothing");
}

#[test]
fn one_to_three_characters_before_a_known_cut_are_taken_out() {
    let secret = "k3y-s3cret-value";
    for kept in 1..=3 {
        let body = format!("{}{secret}", "x".repeat(300 - kept));
        let error = format!("request refused (status code: 401): {}", riposte_sdk::abbreviate(&body, 300));
        let shown = scrubbed(secret, &error);
        assert_eq!(shown, format!("request refused (status code: 401): {}***{CUT_MARK}", "x".repeat(300 - kept)));
    }
    assert_eq!(scrubbed(secret, &format!("plain ab{CUT_MARK}")), format!("plain ab{CUT_MARK}"));
}

#[test]
fn keys_values_and_branch_names_everywhere_are_scrubbed() {
    let mut value = json!({"Bearer t0ken-1234": 1, "nested": [{"x": "t0ken-1234"}], "n": 2});
    Scrubber::new(&["t0ken-1234".to_string()]).unwrap().value(&mut value);
    assert_eq!(value, json!({"Bearer ***": 1, "nested": [{"x": "***"}], "n": 2}));
    let outcome = ActionOutcome { outputs: vec!["t0ken-1234".into()], ..Default::default() };
    let outcome = Scrubber::new(&["t0ken-1234".to_string()]).unwrap().outcome(outcome);
    assert_eq!(outcome.outputs, ["***"]);
}

#[test]
fn a_large_text_is_scrubbed_in_time_linear_in_its_size() {
    let secret = "Quote\"Secret-123";
    let escaped = serde_json::to_string(secret).unwrap();
    let block = format!("{}{secret}\\{} &amp; %41 {}", "a b ".repeat(2000), &escaped[1..escaped.len() - 1], "b");
    let text = format!("{}Quote\"Sec", block.repeat(300));
    assert!(text.len() > 2 * 1024 * 1024);
    let started = std::time::Instant::now();
    let shown = scrubbed(secret, &text);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    assert!(!shown.contains("Secret"), "{}", &shown[shown.len() - 100..]);
    assert_eq!(shown.matches("***").count(), 2 * 300 + 1);
}

#[test]
fn scrubbers_for_the_same_secrets_are_built_once() {
    let secrets = [json!("shared-s3cret-value"), json!({"a": "b"})];
    let first = Scrubber::shared(&secrets).unwrap();
    assert!(Arc::ptr_eq(&first, &Scrubber::shared(&secrets).unwrap()));
    assert!(Scrubber::shared(&[json!("abc")]).is_none());
}

#[test]
fn short_secrets_are_left_alone() {
    assert!(Scrubber::new(&["abc".to_string()]).is_none());
}

/// A secret written in one of the forms a tool may echo, and what must not be left of it.
fn echoed(secret: &str, form: usize, pick: usize) -> (String, Vec<String>) {
    let window_of = |text: &str| windows(text, WINDOW_CHARS);
    let chars: Vec<char> = secret.chars().collect();
    match form {
        0 => (secret.to_string(), window_of(secret)),
        1 => (secret.to_uppercase(), window_of(&secret.to_uppercase())),
        2 => (secret.to_lowercase(), window_of(&secret.to_lowercase())),
        3 => {
            let reversed: String = chars.iter().rev().collect();
            (reversed.clone(), window_of(&reversed))
        }
        4 => {
            let separator = [" ", "-", ".", ":", "_", "|", ",", "/"][pick % 8];
            let spaced = chars.iter().map(char::to_string).collect::<Vec<_>>().join(separator);
            (spaced.clone(), windows(&spaced, 2 * WINDOW_CHARS - 1))
        }
        5 | 6 => {
            let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
            let hex = if form == 6 { hex.to_uppercase() } else { hex };
            (hex.clone(), windows(&hex, HEX_WINDOW))
        }
        7..=10 => {
            let engine = [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD][form - 7];
            let before = pick % 3;
            let stream = format!("{}{secret}{}", &"xy"[..before], &"zz"[..pick % 2]);
            let encoded = engine.encode(stream);
            let own = own_base64(&encoded, before, secret.len()).to_string();
            (encoded, windows(&own, BASE64_WINDOW))
        }
        11 => {
            let entities: String = chars.iter().map(|c| format!("&#x{:x};", *c as u32)).collect();
            (entities, window_of(secret))
        }
        12 => {
            let entities: String = chars.iter().map(|c| format!("&#{};", *c as u32)).collect();
            (entities, window_of(secret))
        }
        13 => {
            let percent: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
            (percent, window_of(secret))
        }
        14 => {
            let unicode: String = chars.iter().map(|c| format!("\\u{:04x}", *c as u32)).collect();
            (unicode, window_of(secret))
        }
        _ => {
            let start = pick % (chars.len() - WINDOW_CHARS + 1);
            let window: String = chars[start..].iter().take(WINDOW_CHARS + pick % 5).collect();
            (window.clone(), window_of(&window))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_form_of_a_secret_survives(
        secret in "[A-Za-z0-9!#$()*+/=?@_~-]{8,40}",
        form in 0usize..16,
        pick in 0usize..64,
        frame in 0usize..3,
    ) {
        let (copy, forbidden) = echoed(&secret, form, pick);
        let (lead, trail) = [("<<", ">>"), ("", ""), ("[", "]")][frame];
        let shown = scrubbed(&secret, &format!("{lead}{copy}{trail}"));
        prop_assert!(shown.contains("***"), "{copy} -> {shown}");
        if !(7..=10).contains(&form) {
            prop_assert_eq!(&shown, &format!("{lead}***{trail}"), "form {}: {}", form, copy);
        }
        for part in &forbidden {
            let (shown, part) = if (1..=2).contains(&form) || form >= 11 || form == 0 || form == 3 {
                (shown.to_lowercase(), part.to_lowercase())
            } else {
                (shown.clone(), part.clone())
            };
            prop_assert!(!shown.contains(&part), "form {form}: {copy} -> {shown} still holds {part}");
        }
    }

    #[test]
    fn a_secret_cut_anywhere_before_a_cut_mark_leaves_nothing(secret in "[A-Za-z0-9_-]{4,40}", kept in 1usize..40) {
        let kept = kept.min(secret.len());
        let text = format!("answer: {}{CUT_MARK}", &secret[..kept]);
        prop_assert_eq!(scrubbed(&secret, &text), format!("answer: ***{CUT_MARK}"));
    }

    #[test]
    fn text_without_the_secret_is_left_as_it_is(secret in "[A-Za-z0-9]{12,24}", text in "[ -~]{0,200}") {
        prop_assume!(!text.to_lowercase().contains(&secret.to_lowercase()[..8]));
        let shown = scrubbed(&secret, &text);
        // Only a coincidence of 8 characters, or a start of 4 at the very end, may be taken.
        if shown != text {
            prop_assert!(shown.ends_with("***"), "{text} -> {shown}");
        }
    }
}
