//! Whole numbers as JSON Schema counts them: `3` and `3.0` are both the integer 3. Serde's
//! integer types refuse `3.0`, which any JSON Schema tool may send for an `integer` field.

use serde::Deserialize;
use serde::de::{Deserializer, Error};

/// An unsigned whole number that fits `T`.
pub fn unsigned<'de, D: Deserializer<'de>, T: TryFrom<u64>>(deserializer: D) -> Result<T, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    let whole = number
        .as_u64()
        .or_else(|| number.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19).map(|f| f as u64));
    let whole =
        whole.ok_or_else(|| D::Error::custom(format!("expected a whole number of at least 0, got {number}")))?;
    T::try_from(whole).map_err(|_| D::Error::custom(format!("{number} is too large")))
}

/// The same, or nothing.
pub fn optional_unsigned<'de, D: Deserializer<'de>, T: TryFrom<u64>>(deserializer: D) -> Result<Option<T>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "unsigned")] u64);
    match Option::<Wrapped>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Wrapped(n)) => T::try_from(n).map(Some).map_err(|_| D::Error::custom(format!("{n} is too large"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Sample {
        #[serde(deserialize_with = "unsigned")]
        n: u32,
        #[serde(default, deserialize_with = "optional_unsigned")]
        m: Option<u32>,
    }

    #[test]
    fn whole_floats_are_whole_numbers() {
        let sample: Sample = serde_json::from_str(r#"{"n": 3.0, "m": 4}"#).unwrap();
        assert_eq!((sample.n, sample.m), (3, Some(4)));
        assert!(serde_json::from_str::<Sample>(r#"{"n": 3.5}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"n": -1}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"n": 4294967296}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"n": 1, "m": null}"#).unwrap().m.is_none());
    }
}
