//! Requests refused for their address, in the error envelope like every other failure: a URI
//! too long to be a sane request, a path that is not UTF-8 once percent-decoded.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use crate::error::ApiError;

/// Longest URI taken, path and query together.
pub const MAX_URI_BYTES: usize = 8 * 1024;

pub async fn check(request: Request, next: Next) -> Result<Response, ApiError> {
    let uri = request.uri();
    let length = uri.path_and_query().map_or(0, |p| p.as_str().len());
    if length > MAX_URI_BYTES {
        return Err(ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!("the URI is {length} bytes long; at most {MAX_URI_BYTES} are taken"),
        ));
    }
    if std::str::from_utf8(&percent_decoded(uri.path().as_bytes())).is_err() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "the path is not UTF-8 once percent-decoded"));
    }
    Ok(next.run(request).await)
}

fn percent_decoded(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_finds_what_is_not_utf8() {
        assert_eq!(percent_decoded(b"/a%20b%"), b"/a b%");
        assert!(std::str::from_utf8(&percent_decoded(b"/alerts/%C3%A9")).is_ok());
        assert!(std::str::from_utf8(&percent_decoded(b"/alerts/%FF")).is_err());
    }
}
