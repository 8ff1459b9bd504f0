//! The length of a value as JSON, counted without writing it out: how budgets in bytes (a run
//! view, an output kept apart, the alerts kept in memory) weigh what they hold.

/// The length of `value` written as compact JSON; 0 when it cannot be written.
pub fn json_len<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).map(|()| count.0).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_what_serde_json_writes() {
        let value = serde_json::json!({"a": [1, "é"], "b": null});
        assert_eq!(super::json_len(&value), value.to_string().len());
    }
}
