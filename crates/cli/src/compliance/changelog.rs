//! `CHANGELOG.md` in Keep-a-Changelog form, as Sekoia's compliance check reads it.

use std::sync::LazyLock;

use regex::Regex;

const DEFAULT_SENTENCES: [&str; 2] = [
    "All notable changes to this project will be documented in this file.",
    "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.0.0/), and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).",
];
const SECTIONS: [&str; 6] = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"];

static SEMVER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?").expect("regex")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d{4}-\d{2}-\d{2}").expect("regex"));
static GOOD_DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{4}-[0-1]\d-[0-3]\d$").expect("regex"));

/// A heading with the lines under it, up to the next heading of the same level or higher.
struct Section<'a> {
    line: usize,
    title: &'a str,
    body: Vec<&'a str>,
}

/// Headings of exactly `level` (`#`, `##`, ...) and what follows each.
fn sections<'a>(lines: &[&'a str], level: usize) -> Vec<Section<'a>> {
    let mut found: Vec<Section<'a>> = Vec::new();
    let mut open = false;
    for (index, line) in lines.iter().enumerate() {
        let depth = line.chars().take_while(|c| *c == '#').count();
        if depth == level && line[level..].starts_with(char::is_whitespace) {
            found.push(Section { line: index + 1, title: line[level..].trim(), body: Vec::new() });
            open = true;
        } else if depth > 0 && depth < level {
            // A higher heading closes the current section.
            open = false;
        } else if open && let Some(current) = found.last_mut() {
            current.body.push(line);
        }
    }
    found
}

/// Problems of a changelog's text, each with the line it is on when there is one.
pub fn check(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut problems = Vec::new();
    let headers = sections(&lines, 1);
    let Some(header) = headers.first() else {
        return vec!["no `# Changelog` header".into()];
    };
    for extra in &headers[1..] {
        problems.push(format!("line {}: a second top-level heading", extra.line));
    }
    if !matches!(header.title, "Changelog" | "Change log") {
        problems
            .push(format!("line {}: the header is `{}`; use `Changelog` or `Change log`", header.line, header.title));
    }
    let intro: String = header.body.iter().take_while(|l| !l.starts_with("## ")).copied().collect::<Vec<_>>().join(" ");
    for sentence in DEFAULT_SENTENCES {
        if !intro.contains(sentence) {
            problems.push(format!("the header misses the sentence \"{sentence}\""));
        }
    }
    let versions = sections(&lines, 2);
    if versions.is_empty() {
        problems.push("no version entries (`## [x.y.z] - YYYY-MM-DD`)".into());
    }
    let mut previous: Option<(usize, Vec<u64>)> = None;
    for version in &versions {
        problems.extend(check_version(version));
        if let Some(number) = SEMVER.find(version.title).map(|m| numbers(m.as_str())) {
            if let Some((line, before)) = &previous
                && *before <= number
            {
                problems
                    .push(format!("line {}: versions are not in descending order (after line {line})", version.line));
            }
            previous = Some((version.line, number));
        }
    }
    problems
}

fn check_version(version: &Section) -> Vec<String> {
    let mut problems = Vec::new();
    let at = version.line;
    let unreleased = version.title.to_lowercase().contains("unreleased");
    if SEMVER.find(version.title).is_none() && !unreleased {
        problems.push(format!("line {at}: `{}` has no valid semantic version", version.title));
    }
    if SEMVER.is_match(version.title) {
        match DATE.find(version.title) {
            None => problems.push(format!("line {at}: a released version needs its date, as `YYYY-MM-DD`")),
            Some(date) if !GOOD_DATE.is_match(date.as_str()) => {
                problems.push(format!("line {at}: `{}` is not a `YYYY-MM-DD` date", date.as_str()))
            }
            Some(_) => {}
        }
    }
    let first_text = version.body.iter().map(|l| l.trim()).find(|l| !l.is_empty());
    if first_text.is_some_and(|l| !l.starts_with("###")) {
        problems.push(format!("line {at}: text outside of a `###` section"));
    }
    for line in version.body.iter().filter_map(|l| l.strip_prefix("### ")) {
        if !SECTIONS.contains(&line.trim()) {
            problems.push(format!(
                "line {at}: `{}` is not a section name; use one of {}",
                line.trim(),
                SECTIONS.join(", ")
            ));
        }
    }
    problems
}

fn numbers(version: &str) -> Vec<u64> {
    version.split(['-', '+']).next().unwrap_or_default().split('.').filter_map(|n| n.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "# Changelog\n\nAll notable changes to this project will be documented in this file.\n\nThe format is based on [Keep a Changelog](https://keepachangelog.com/en/1.0.0/),\nand this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n## Unreleased\n\n## [1.1.0] - 2026-11-02\n\n### Added\n\n- Things\n\n## [1.0.0] - 2026-10-01\n\n### Fixed\n\n- Bugs\n";

    #[test]
    fn a_keep_a_changelog_file_passes() {
        assert_eq!(check(GOOD), Vec::<String>::new());
    }

    #[test]
    fn each_rule_names_its_problem() {
        assert_eq!(check("nothing"), vec!["no `# Changelog` header"]);
        let bad = GOOD.replace("## [1.0.0] - 2026-10-01", "## [1.2.0] - 2026-13-41").replace("### Fixed", "### Misc");
        let problems = check(&bad);
        assert!(problems.iter().any(|p| p.contains("not a `YYYY-MM-DD` date")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("`Misc` is not a section name")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("not in descending order")), "{problems:?}");
        let undated = GOOD.replace("## [1.1.0] - 2026-11-02", "## [1.1.0]\n\nLoose text");
        let problems = check(&undated);
        assert!(problems.iter().any(|p| p.contains("needs its date")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("text outside")), "{problems:?}");
        let headerless = GOOD.replace("All notable changes", "Some changes");
        assert!(check(&headerless)[0].starts_with("the header misses the sentence \"All notable"));
    }
}
