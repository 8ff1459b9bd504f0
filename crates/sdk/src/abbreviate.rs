//! Texts cut at a length, marked so that the platform knows where the cut is: the start of a
//! secret that a cut left at the end, even of one character, is scrubbed before a [`CUT_MARK`].

/// What follows a text [`abbreviate`] cut.
pub const CUT_MARK: &str = "[…]";

/// The first `chars` characters of `text`, followed by [`CUT_MARK`] when there were more.
pub fn abbreviate(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}{CUT_MARK}", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_text_says_so_and_a_short_one_is_left_as_it_is() {
        assert_eq!(abbreviate("héllo world", 5), "héllo[…]");
        assert_eq!(abbreviate("héllo", 5), "héllo");
    }
}
