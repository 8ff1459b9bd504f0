/// Whether `given` is `secret`, in a time that does not depend on where they first differ (the
/// lengths, which are no secret, may end it early). Every comparison of a presented key or token
/// with the expected one goes through here.
pub fn same_secret(secret: &str, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    secret.as_bytes().ct_eq(given.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_same_bytes_match() {
        assert!(super::same_secret("rp_abc", "rp_abc"));
        assert!(!super::same_secret("rp_abc", "rp_abd"));
        assert!(!super::same_secret("rp_abc", "rp_ab"));
        assert!(!super::same_secret("", "x"));
    }
}
