//! Jinja templates with the semantics of Sekoia playbooks.
//!
//! - `node.<id>`, `node['<id>']` and `node[<id>]` reach the output of node `<id>`;
//!   `store.<key>` reads the run store.
//! - A value that is exactly one `{{ expr }}` keeps the native type of `expr`; any other string
//!   renders to a string; other JSON values are rendered leaf by leaf.
//! - A template string that must yield JSON (an argument whose schema wants an object or an
//!   array) is rendered with JSON-escaped interpolation, then parsed.
//! - Sekoia's filters (`timestamp_to_iso8601`, `iso8601_to_timestamp`, `time_with_delta`,
//!   `jsonpath`, `regex_match`, `fromjson`) are available beside Jinja's usual ones.
//! - Templates are compiled once into a [`TemplateSet`] and rendered many times; every render is
//!   bounded in work (fuel), in output size and in memory: the operators that build strings and
//!   lists and every loop are checked (`rewrite.rs`, `budget.rs`).

mod budget;
mod compile;
mod context;
mod error;
mod filters;
mod guards;
mod json_view;
mod limits;
mod literal;
mod refs;
mod rewrite;

pub use budget::CountingAllocator;
pub use compile::{Compiled, Mode, TemplateSet};
pub use context::{NodeOutputs, RenderContext};
pub use error::TemplateError;
pub use json_view::json_value;
pub use limits::Limits;
pub use literal::literal_eval;
pub use minijinja::Value;
pub use refs::{is_template, node_references};

/// The tests count allocations as the `riposte` binary does, so that the memory budget is tested.
#[cfg(test)]
#[global_allocator]
static ALLOCATOR: CountingAllocator<std::alloc::System> = CountingAllocator(std::alloc::System);

/// Converts JSON (or anything serialisable) into a template value.
pub fn to_value<T: serde::Serialize>(value: T) -> Value {
    Value::from(minijinja::value::Serde(value))
}
