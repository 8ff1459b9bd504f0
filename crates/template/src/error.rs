use thiserror::Error;

/// What went wrong with a template, with the line and the expression at fault where known.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum TemplateError {
    /// `at` is the JSON path of the faulty string inside the compiled value (empty for the value
    /// itself), e.g. `.headers.Authorization`.
    #[error("template syntax error at line {line}: {message}")]
    Syntax { at: String, line: usize, message: String },
    #[error("{message}")]
    Render { message: String },
    #[error("the rendered text is not valid JSON ({message}); rendered text: {rendered}")]
    InvalidJson { message: String, rendered: String },
    #[error("template stopped: {0}")]
    Limit(String),
}

impl TemplateError {
    /// Turns a minijinja error into ours, quoting the part of `source` it points at; `original`
    /// maps the error's offsets (in the source as compiled) to offsets in `source`.
    pub(crate) fn from_render(
        err: &minijinja::Error,
        source: &str,
        original: impl Fn(usize) -> usize,
    ) -> TemplateError {
        use minijinja::ErrorKind;
        if err.kind() == ErrorKind::OutOfFuel {
            return TemplateError::Limit("it did too much work (a loop too long?)".into());
        }
        let line = err.line().unwrap_or(1);
        let at = err
            .range()
            .and_then(|r| enclosing_expression(source, original(r.start)..original(r.end)))
            .map(|s| format!(" in `{s}`"))
            .unwrap_or_default();
        let message = match err.kind() {
            ErrorKind::UndefinedError => {
                format!("undefined value{at} at line {line}: no such node output, key or variable")
            }
            _ => {
                let detail = err.detail().map(str::to_string).unwrap_or_else(|| err.kind().to_string());
                format!("{detail}{at} at line {line}")
            }
        };
        TemplateError::Render { message }
    }

    pub(crate) fn from_syntax(err: &minijinja::Error) -> TemplateError {
        TemplateError::Syntax {
            at: String::new(),
            line: err.line().unwrap_or(1),
            message: err.detail().map(str::to_string).unwrap_or_else(|| err.kind().to_string()),
        }
    }
}

/// The whole `{{ ... }}` or `{% ... %}` tag around `range`, so that an error about
/// `['rule']['nmae']` quotes `node.1['rule']['nmae']`.
fn enclosing_expression(source: &str, range: std::ops::Range<usize>) -> Option<&str> {
    let before = source.get(..range.start)?;
    let start = before.rfind("{{").into_iter().chain(before.rfind("{%")).max()? + 2;
    let after = source.get(range.end..)?;
    let end = range.end + after.find("}}").into_iter().chain(after.find("%}")).min()?;
    let tag = source.get(start..end)?.trim_matches(|c: char| c == '-' || c.is_whitespace());
    // Single expressions are compiled as `{% set __value = (expr) %}`.
    Some(tag.strip_prefix("set __value = (").and_then(|t| t.strip_suffix(')')).unwrap_or(tag))
}

/// Prefixes the location of a syntax error with the key or index it was found under.
pub(crate) fn within(err: TemplateError, segment: &str) -> TemplateError {
    match err {
        TemplateError::Syntax { at, line, message } => {
            TemplateError::Syntax { at: format!("{segment}{at}"), line, message }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::enclosing_expression;

    #[test]
    fn quotes_the_whole_tag() {
        let source = "id={{ node.1['rule']['nmae'] }}!";
        let start = source.find("['rule']").unwrap();
        assert_eq!(enclosing_expression(source, start..start + 16), Some("node.1['rule']['nmae']"));
        let native = "{% set __value = (node.9.x) %}";
        assert_eq!(enclosing_expression(native, 18..24), Some("node.9.x"));
    }
}
