use std::io;

/// Bounds on one render, so that a runaway template stops with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Instructions one render may execute (minijinja "fuel").
    pub fuel: u64,
    /// Bytes one render may output, and the largest value (a string, a list) it may build.
    pub max_output_bytes: usize,
    /// Memory one render may hold at once: what it allocated and did not free yet.
    pub max_render_bytes: usize,
    /// Bytes one render's operators and filters may build in all: a bound on the time it spends
    /// copying, as `ns.s = ns.s ~ x` in a loop copies the whole string each time.
    pub max_built_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 1_000_000,
            max_output_bytes: 4 * 1024 * 1024,
            max_render_bytes: 64 * 1024 * 1024,
            max_built_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// A buffer that refuses to grow past a limit.
pub(crate) struct BoundedBuffer {
    pub(crate) bytes: Vec<u8>,
    pub(crate) limit: usize,
    pub(crate) overflowed: bool,
}

impl BoundedBuffer {
    pub(crate) fn new(limit: usize) -> Self {
        BoundedBuffer { bytes: Vec::new(), limit, overflowed: false }
    }
}

impl io::Write for BoundedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > self.limit {
            self.overflowed = true;
            return Err(io::Error::other("template output too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
