use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use crate::budget;
use crate::context::RenderContext;
use crate::error::{TemplateError, within};
use crate::filters;
use crate::guards;
use crate::limits::{BoundedBuffer, Limits};
use crate::refs::is_template;
use crate::rewrite::{self, Guarded};
use riposte_model::key_segment;

/// How a template string is turned into a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A single `{{ expr }}` keeps its native type; any other template renders to a string.
    Value,
    /// The string is JSON text with templates inside (as users type an object into a form field):
    /// interpolated values are JSON-escaped, then the result is parsed.
    Json,
}

/// A value ready to render: literal parts are kept as they are, template strings are compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum Compiled {
    Literal(serde_json::Value),
    /// Exactly one `{{ expr }}`: renders to the expression's value.
    Native(usize),
    /// Any other template: renders to a string.
    Text(usize),
    /// JSON text with templates inside: renders, then parses.
    Json(usize),
    Object(Vec<(String, Compiled)>),
    Array(Vec<Compiled>),
}

impl Compiled {
    pub fn is_literal(&self) -> bool {
        matches!(self, Compiled::Literal(_))
    }
}

const JSON_ESCAPE_NAME: &str = "json-string";
const NATIVE_VAR: &str = "__value";

/// The compiled templates of one playbook version. Compile once, render many times.
pub struct TemplateSet {
    env: Environment<'static>,
    /// Each template by id.
    templates: Vec<Source>,
    limits: Limits,
}

/// A template as the user wrote it, and as it is compiled when it needed memory checks.
struct Source {
    name: String,
    text: String,
    guarded: Option<Guarded>,
}

impl Source {
    fn error(&self, err: &minijinja::Error) -> TemplateError {
        TemplateError::from_render(err, &self.text, |offset| match &self.guarded {
            Some(guarded) => guarded.original(offset),
            None => offset,
        })
    }
}

impl std::fmt::Debug for TemplateSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateSet").field("templates", &self.templates.len()).finish()
    }
}

impl Default for TemplateSet {
    fn default() -> Self {
        TemplateSet::new(Limits::default())
    }
}

impl TemplateSet {
    pub fn new(limits: Limits) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_fuel(Some(limits.fuel));
        env.set_debug(false);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".json") { AutoEscape::Custom(JSON_ESCAPE_NAME.into()) } else { AutoEscape::None }
        });
        env.set_formatter(format_value);
        filters::register(&mut env);
        guards::register(&mut env, limits.max_output_bytes);
        budget::register(&mut env);
        TemplateSet { env, templates: Vec::new(), limits }
    }

    /// Compiles every template string inside `value`.
    pub fn compile(&mut self, value: &serde_json::Value, mode: Mode) -> Result<Compiled, TemplateError> {
        let compiled = match value {
            serde_json::Value::String(text) if is_template(text) => match single_expression(text) {
                Some(expr) => Compiled::Native(self.add(format!("{{% set {NATIVE_VAR} = ({expr}) %}}"), false)?),
                None if mode == Mode::Json => Compiled::Json(self.add(text.clone(), true)?),
                None => Compiled::Text(self.add(text.clone(), false)?),
            },
            serde_json::Value::Object(map) => {
                let fields = map
                    .iter()
                    .map(|(k, v)| {
                        Ok((k.clone(), self.compile(v, Mode::Value).map_err(|e| within(e, &key_segment(k)))?))
                    })
                    .collect::<Result<Vec<_>, TemplateError>>()?;
                if fields.iter().all(|(_, c)| c.is_literal()) {
                    Compiled::Literal(value.clone())
                } else {
                    Compiled::Object(fields)
                }
            }
            serde_json::Value::Array(items) => {
                let items = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.compile(v, Mode::Value).map_err(|e| within(e, &format!("[{i}]"))))
                    .collect::<Result<Vec<_>, _>>()?;
                if items.iter().all(Compiled::is_literal) {
                    Compiled::Literal(value.clone())
                } else {
                    Compiled::Array(items)
                }
            }
            other => Compiled::Literal(other.clone()),
        };
        Ok(compiled)
    }

    /// Compiles `text` as text, even when it is a single expression: rendering it prints the
    /// expression, which fails on an undefined value where a native render gives null.
    pub fn compile_text(&mut self, text: &str) -> Result<Compiled, TemplateError> {
        Ok(Compiled::Text(self.add(text.to_string(), false)?))
    }

    /// Whether a render may take long (up to its fuel and memory bounds): some template loops or
    /// builds values with operators. Others take time in proportion to their length.
    pub fn may_take_long(&self) -> bool {
        self.templates.iter().any(|t| t.guarded.is_some())
    }

    /// Renders a compiled value in `ctx`.
    pub fn render(&self, compiled: &Compiled, ctx: &RenderContext) -> Result<serde_json::Value, TemplateError> {
        let root = ctx.to_value();
        self.render_with(compiled, &root)
    }

    fn render_with(&self, compiled: &Compiled, root: &Value) -> Result<serde_json::Value, TemplateError> {
        Ok(match compiled {
            Compiled::Literal(value) => value.clone(),
            Compiled::Native(id) => self.render_native(*id, root)?,
            Compiled::Text(id) => serde_json::Value::String(self.render_text(*id, root)?),
            Compiled::Json(id) => {
                let text = self.render_text(*id, root)?;
                serde_json::from_str(&text)
                    .map_err(|e| TemplateError::InvalidJson { message: e.to_string(), rendered: text })?
            }
            Compiled::Object(fields) => serde_json::Value::Object(
                fields
                    .iter()
                    .map(|(k, c)| Ok((k.clone(), self.render_with(c, root)?)))
                    .collect::<Result<_, TemplateError>>()?,
            ),
            Compiled::Array(items) => serde_json::Value::Array(
                items.iter().map(|c| self.render_with(c, root)).collect::<Result<_, TemplateError>>()?,
            ),
        })
    }

    fn add(&mut self, text: String, json: bool) -> Result<usize, TemplateError> {
        let id = self.templates.len();
        let name = if json { format!("{id}.json") } else { id.to_string() };
        if let Some(at) = text.find(rewrite::RESERVED) {
            let line = text[..at].matches('\n').count() + 1;
            let message = format!("names starting with `{}` are reserved", rewrite::RESERVED);
            return Err(TemplateError::Syntax { at: String::new(), line, message });
        }
        // Only the checked source is compiled: minijinja folds constant operations when it
        // compiles, and `'x' * 100000000` as written would be built then. A source that does not
        // parse is compiled as written, for its error to quote what the user wrote.
        let guarded = rewrite::guarded(&text);
        let source = guarded.as_ref().map_or(&text, |g| &g.source);
        self.env.add_template_owned(name.clone(), source.clone()).map_err(|e| TemplateError::from_syntax(&e))?;
        self.templates.push(Source { name, text, guarded });
        Ok(id)
    }

    fn template(&self, id: usize) -> minijinja::Template<'_, '_> {
        self.env.get_template(&self.templates[id].name).expect("compiled templates are never removed")
    }

    /// The error a render ended with: the memory budget's first, when it stopped the render.
    fn failure(&self, id: usize, scope: &budget::Scope, err: Option<&minijinja::Error>) -> Option<TemplateError> {
        if let Some(reason) = scope.stopped() {
            return Some(TemplateError::Limit(reason));
        }
        err.map(|err| self.templates[id].error(err))
    }

    fn render_text(&self, id: usize, root: &Value) -> Result<String, TemplateError> {
        let mut buffer = BoundedBuffer::new(self.limits.max_output_bytes);
        let scope = budget::begin(self.limits);
        let result = self.template(id).render_captured_to(root, &mut buffer);
        if buffer.overflowed {
            return Err(TemplateError::Limit(format!("its output exceeded {} bytes", self.limits.max_output_bytes)));
        }
        if let Some(failure) = self.failure(id, &scope, result.as_ref().err()) {
            return Err(failure);
        }
        drop(result);
        String::from_utf8(buffer.bytes).map_err(|e| TemplateError::Render { message: e.to_string() })
    }

    fn render_native(&self, id: usize, root: &Value) -> Result<serde_json::Value, TemplateError> {
        let scope = budget::begin(self.limits);
        let result = self.template(id).render_captured(root);
        if let Some(failure) = self.failure(id, &scope, result.as_ref().err()) {
            return Err(failure);
        }
        let captured = result.expect("failures are returned above");
        let value = captured.state().lookup(NATIVE_VAR).unwrap_or_default();
        let too_large = || TemplateError::Limit(format!("its value exceeded {} bytes", self.limits.max_output_bytes));
        if guards::size(&value, self.limits.max_output_bytes) > self.limits.max_output_bytes {
            return Err(too_large());
        }
        let json = serde_json::to_value(&value).map_err(|e| TemplateError::Render { message: e.to_string() })?;
        if json.to_string().len() > self.limits.max_output_bytes {
            return Err(too_large());
        }
        Ok(json)
    }
}

/// The expression of a template that is exactly one `{{ expr }}` (surrounding blanks allowed).
fn single_expression(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    let nested = ["{{", "}}", "{%", "%}", "{#"].iter().any(|t| inner.contains(t));
    (!nested && !inner.trim().is_empty()).then_some(inner.trim())
}

/// In JSON mode, values are written so that the text stays valid JSON: strings are escaped as
/// the inside of a JSON string literal (the template supplies the quotes), anything else is
/// written as JSON. Elsewhere, minijinja's usual formatting applies.
fn format_value(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    budget::check("writing a value")?;
    if !matches!(state.auto_escape(), AutoEscape::Custom(name) if name == JSON_ESCAPE_NAME) {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = match value.as_str() {
        Some(s) => {
            let quoted = serde_json::to_string(s).expect("strings serialise");
            quoted[1..quoted.len() - 1].to_string()
        }
        None if value.is_undefined() || value.is_none() => "null".to_string(),
        None => serde_json::to_string(value)
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::BadSerialization, e.to_string()))?,
    };
    out.write_str(&text).map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed"))
}

#[cfg(test)]
#[path = "compile_tests.rs"]
mod tests;
