//! The memory budget of one render.
//!
//! Two measures, both checked before a large value is built (by the operators the source rewrite
//! wraps, the bounded filters, each emitted value and each step of a loop):
//!
//! - what the render holds: the bytes allocated and not freed by the rendering thread since the
//!   render began, counted by [`CountingAllocator`] when the program installs it as its global
//!   allocator (the `riposte` binary does; without it only the other bounds apply);
//! - what it builds: the bytes every operator's result takes, added up, which bounds the time a
//!   render spends copying (`ns.s = ns.s ~ x` copies the whole string each time).
//!
//! A render runs on one thread from start to end without yielding, so a thread-local count is
//! the render's own.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::{Cell, RefCell};
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, ValueKind};
use minijinja::{Error, ErrorKind, Value};

use crate::guards::size;
use crate::limits::Limits;

thread_local! {
    /// Bytes allocated minus bytes freed by this thread, since it started.
    static ALLOCATED: Cell<isize> = const { Cell::new(0) };
    /// The largest size a block grew to in place of a smaller one (a text or a list that grows
    /// by doubling), since the thread's render began.
    static GROWN: Cell<usize> = const { Cell::new(0) };
    static RENDER: RefCell<Option<Render>> = const { RefCell::new(None) };
}

/// A global allocator that counts, per thread, what is allocated through it in blocks of
/// [`COUNTED_BYTES`] or more; renders read the count to know what they hold. Nothing is shared,
/// and the small allocations that make most of a server's traffic are not even counted: the
/// memory a render could run away with is in large blocks (strings and lists that grow), and
/// what many small values hold is bounded by the value limit and the loop checks.
pub struct CountingAllocator<A>(pub A);

/// The smallest allocation counted.
pub const COUNTED_BYTES: usize = 1024;

#[inline]
fn count(size: usize, sign: isize) {
    if size >= COUNTED_BYTES {
        // `try_with`: the count is plain data, but a thread being torn down may still allocate.
        let _ = ALLOCATED.try_with(|c| c.set(c.get().wrapping_add(sign * size as isize)));
    }
}

// SAFETY: every call is forwarded unchanged to the inner allocator; only a counter is updated.
#[allow(unsafe_code)]
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAllocator<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees are passed on.
        let ptr = unsafe { self.0.alloc(layout) };
        if !ptr.is_null() {
            count(layout.size(), 1);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees are passed on.
        let ptr = unsafe { self.0.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(layout.size(), 1);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's guarantees are passed on.
        unsafe { self.0.dealloc(ptr, layout) };
        count(layout.size(), -1);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's guarantees are passed on.
        let new = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(layout.size(), -1);
            count(new_size, 1);
            if new_size > layout.size() && new_size >= COUNTED_BYTES {
                let _ = GROWN.try_with(|g| g.set(g.get().max(new_size)));
            }
        }
        new
    }
}

pub(crate) fn allocated() -> isize {
    ALLOCATED.try_with(Cell::get).unwrap_or(0)
}

fn grown() -> usize {
    GROWN.try_with(Cell::get).unwrap_or(0)
}

struct Render {
    limits: Limits,
    /// The thread's count when the render began.
    start: isize,
    /// Bytes the operators built so far.
    built: usize,
    /// Left operands set aside until their right operand is known.
    operands: Vec<Value>,
    /// Why a loop was stopped early, to fail the render with once it ends.
    stopped: Option<String>,
}

impl Render {
    fn held(&self) -> usize {
        usize::try_from(allocated().wrapping_sub(self.start)).unwrap_or(0)
    }

    /// Why the render must not go round a loop again, if it must not: it holds too much, or a
    /// text or list grew past twice what a value may take. Such a block only grows by doubling
    /// (the text a loop writes into `{% set %}` or the output), and it would double again before
    /// the next check: it is stopped while what it holds is small.
    fn loop_refusal(&self) -> Option<String> {
        let grown = grown();
        let most = self.limits.max_output_bytes.saturating_mul(2);
        if grown > most {
            return Some(format!(
                "a text or list grew to {}, past twice the {} a value may take",
                bytes(grown),
                bytes(self.limits.max_output_bytes)
            ));
        }
        self.refusal(0)
    }

    /// Why `adding` more bytes would be too much, if it would.
    fn refusal(&self, adding: usize) -> Option<String> {
        let held = self.held();
        (held.saturating_add(adding) > self.limits.max_render_bytes).then(|| {
            format!(
                "it would hold more than {} of memory ({} held, {} more asked)",
                bytes(self.limits.max_render_bytes),
                bytes(held),
                bytes(adding)
            )
        })
    }
}

/// The render in progress on this thread, ended (and its memory forgotten) when dropped.
pub(crate) struct Scope {
    previous: Option<Render>,
}

/// Starts counting a render on this thread.
pub(crate) fn begin(limits: Limits) -> Scope {
    let render = Render { limits, start: allocated(), built: 0, operands: Vec::new(), stopped: None };
    let _ = GROWN.try_with(|g| g.set(0));
    Scope { previous: RENDER.with(|r| r.replace(Some(render))) }
}

impl Scope {
    /// Why a loop of the render was stopped, if one was.
    pub(crate) fn stopped(&self) -> Option<String> {
        RENDER.with(|r| r.borrow().as_ref().and_then(|r| r.stopped.clone()))
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        RENDER.with(|r| *r.borrow_mut() = previous);
    }
}

fn with_render<T>(f: impl FnOnce(&mut Render) -> T) -> Option<T> {
    RENDER.with(|r| r.borrow_mut().as_mut().map(f))
}

/// Checks that `what` may build a value of `value_bytes` bytes, `allocating` of them now.
pub(crate) fn charge(what: &str, value_bytes: usize, allocating: usize) -> Result<(), Error> {
    refuse_if(|render| {
        let limit = render.limits.max_output_bytes;
        if value_bytes > limit {
            return Some(format!(
                "`{what}` would build a value of {}, more than the {} a value may take",
                bytes(value_bytes),
                bytes(limit)
            ));
        }
        render.built = render.built.saturating_add(allocating);
        if render.built > render.limits.max_built_bytes {
            return Some(format!(
                "`{what}`: the template built more than {} in all",
                bytes(render.limits.max_built_bytes)
            ));
        }
        render.refusal(allocating).map(|message| format!("`{what}`: {message}"))
    })
}

/// Checks what the render holds now, `what` being where it is checked.
pub(crate) fn check(what: &str) -> Result<(), Error> {
    refuse_if(|render| render.refusal(0).map(|message| format!("{what}: {message}")))
}

/// Fails with what `reason` finds wrong, if anything, and keeps it as the render's failure: the
/// error minijinja reports may be wrapped in another (a macro's, a filter's).
fn refuse_if(reason: impl FnOnce(&mut Render) -> Option<String>) -> Result<(), Error> {
    let refusal = with_render(|render| {
        let message = reason(render)?;
        render.stopped.get_or_insert_with(|| message.clone());
        Some(message)
    });
    match refusal.flatten() {
        Some(message) => Err(Error::new(ErrorKind::InvalidOperation, message)),
        None => Ok(()),
    }
}

/// True while the render may go on; false once it holds too much, noting why.
fn may_go_on() -> bool {
    with_render(|render| match render.loop_refusal() {
        Some(message) => {
            render.stopped.get_or_insert(format!("a loop stopped: {message}"));
            false
        }
        None => true,
    })
    .unwrap_or(true)
}

fn bytes(n: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if n >= MIB { format!("{:.1} MiB", n as f64 / MIB as f64) } else { format!("{n} bytes") }
}

/// What a sequence's items count for when only their number is known: a `Value`.
const ITEM_BYTES: usize = std::mem::size_of::<Value>();

/// Bytes of `value` written as text, as `~` writes it (counted up to just past `limit`).
fn text_bytes(value: &Value, limit: usize) -> usize {
    match value.as_str() {
        Some(text) => text.len(),
        None if value.is_undefined() || value.is_none() => 4,
        None => size(value, limit),
    }
}

fn is_sequence(value: &Value) -> bool {
    matches!(value.kind(), ValueKind::Seq | ValueKind::Iterable)
}

/// The functions the rewritten source calls.
pub(crate) fn register(env: &mut minijinja::Environment<'static>) {
    use crate::rewrite::{ADD, CONCAT, EACH, LEFT, MUL};
    env.add_function(LEFT, |left: Value| {
        with_render(|render| render.operands.push(left.clone()));
        left
    });
    env.add_function(CONCAT, |right: Value| -> Result<Value, Error> {
        let left = take_left();
        let limit = limit();
        let total = text_bytes(&left, limit).saturating_add(text_bytes(&right, limit));
        charge("~", total, total)?;
        Ok(right)
    });
    env.add_function(ADD, |right: Value| -> Result<Value, Error> {
        let left = take_left();
        if let (Some(a), Some(b)) = (left.as_str(), right.as_str()) {
            let total = a.len().saturating_add(b.len());
            charge("+", total, total)?;
        } else if is_sequence(&left) && is_sequence(&right) {
            // Joined lazily: nothing is copied now, but the result's length is what later
            // iterations and filters will walk.
            let items = left.len().unwrap_or(0).saturating_add(right.len().unwrap_or(0));
            charge("+", items.saturating_mul(ITEM_BYTES), 0)?;
        }
        Ok(right)
    });
    env.add_function(MUL, |right: Value| -> Result<Value, Error> {
        let left = take_left();
        let repeated = |unit: usize, times: &Value| unit.saturating_mul(times.as_usize().unwrap_or(0));
        let total = match (left.as_str(), right.as_str()) {
            (Some(text), None) => repeated(text.len(), &right),
            (None, Some(text)) => repeated(text.len(), &left),
            _ if is_sequence(&left) => repeated(left.len().unwrap_or(0).saturating_mul(ITEM_BYTES), &right),
            _ if is_sequence(&right) => repeated(right.len().unwrap_or(0).saturating_mul(ITEM_BYTES), &left),
            _ => 0,
        };
        charge("*", total, total)?;
        Ok(right)
    });
    env.add_function(EACH, |iterable: Value| match iterable.kind() {
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => Value::from_object(Checked(iterable)),
        _ => iterable,
    });
}

fn take_left() -> Value {
    with_render(|render| render.operands.pop()).flatten().unwrap_or(Value::UNDEFINED)
}

fn limit() -> usize {
    with_render(|render| render.limits.max_output_bytes).unwrap_or(usize::MAX)
}

/// A loop's iterable, which ends the loop when the render holds too much.
#[derive(Debug)]
struct Checked(Value);

impl Object for Checked {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Iterable
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.0.try_iter() {
            Ok(items) => Enumerator::Iter(Box::new(Steps { items, len: self.0.len() })),
            Err(_) => Enumerator::NonEnumerable,
        }
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        self.0.len()
    }
}

struct Steps {
    items: minijinja::value::ValueIter,
    len: Option<usize>,
}

impl Iterator for Steps {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        if !may_go_on() {
            return None;
        }
        self.len = self.len.map(|n| n.saturating_sub(1));
        self.items.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.len {
            Some(n) => (n, Some(n)),
            None => self.items.size_hint(),
        }
    }
}
