//! Logs as modules send them: lines of `<date>: <level>: <message>` in an action's final
//! `PATCH`, and entries `POST`ed to the logs URL.

use riposte_model::{LogEntry, LogLevel};
use serde_json::Value;

const LEVELS: [&str; 6] = ["debug", "info", "warning", "error", "critical", "fatal"];

/// Parses the `logs` string of a final `PATCH`. A line without `: <level>: ` continues the
/// message before it (a Python traceback spans lines).
pub(crate) fn parse_lines(text: &str) -> Vec<LogEntry> {
    let mut entries: Vec<LogEntry> = Vec::new();
    for line in text.lines() {
        match split_line(line) {
            Some(entry) => entries.push(entry),
            None => match entries.last_mut() {
                Some(last) => {
                    last.message.push('\n');
                    last.message.push_str(line);
                }
                None if line.trim().is_empty() => {}
                None => entries.push(LogEntry { date: String::new(), level: LogLevel::Info, message: line.into() }),
            },
        }
    }
    entries
}

fn split_line(line: &str) -> Option<LogEntry> {
    LEVELS.iter().find_map(|level| {
        let marker = format!(": {level}: ");
        let at = line.find(&marker)?;
        Some(LogEntry {
            date: line[..at].to_string(),
            level: LogLevel::from_name(level)?,
            message: line[at + marker.len()..].to_string(),
        })
    })
}

/// An entry `POST`ed to the logs URL; an unknown level counts as `info`.
pub(crate) fn from_posted(entry: &Value) -> LogEntry {
    let text = |key: &str| entry.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    LogEntry {
        date: text("date"),
        level: LogLevel::from_name(&text("level")).unwrap_or(LogLevel::Info),
        message: text("message"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_give_entries_and_tracebacks_stay_with_their_message() {
        let text = "2024-05-01 12:00:00.123456: info: fetching\n\
                    2024-05-01 12:00:01.000000: error: An unexpected error occurred: Traceback\n  File \"x.py\"\n";
        let entries = parse_lines(text);
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].date.as_str(), entries[0].level), ("2024-05-01 12:00:00.123456", LogLevel::Info));
        assert_eq!(entries[1].level, LogLevel::Error);
        assert_eq!(entries[1].message, "An unexpected error occurred: Traceback\n  File \"x.py\"");
    }
}
