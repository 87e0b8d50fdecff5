//! The layer table of ARCHITECTURE.md, checked: every `crate::` path outside test code is an
//! edge from the module it is written in to the module it names, and each edge must be one the
//! table allows. A rule that is only written down drifts; this one fails the build.

use std::collections::BTreeSet;
use std::path::Path;

/// Cross-cutting modules every layer may use: settings, errors, interface text and logging.
const CROSS_CUTTING: [&str; 4] = ["config", "error", "i18n", "telemetry"];

/// What each module may import besides itself and the cross-cutting ones (ARCHITECTURE.md).
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("db", &["domain"]),
    ("email", &["db", "domain"]),
    ("oidc", &["domain"]),
    ("actions", &["db", "domain", "email"]),
    ("views", &["domain"]),
    (
        "web",
        &["actions", "db", "domain", "email", "oidc", "views"],
    ),
    (
        "startup",
        &["actions", "db", "domain", "email", "oidc", "web"],
    ),
    ("cli", &["actions", "db", "domain", "email", "startup"]),
    // the cross-cutting modules themselves stay low: they may read the domain's types and
    // the database's error kinds, never a layer above
    ("config", &["db", "domain"]),
    ("error", &["db", "domain"]),
    ("i18n", &["domain"]),
    ("telemetry", &[]),
];

/// The module a source file belongs to: its first directory under `src/` (or its stem), with
/// `web/views/` counted apart from `web/`.
fn module_of(relative: &Path) -> String {
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [web, views, _, ..] if web == "web" && views == "views" => "views".into(),
        [first, ..] => first.trim_end_matches(".rs").to_owned(),
        [] => String::new(),
    }
}

/// The text of a file without its test module (`#[cfg(test)]` followed by `mod`).
fn without_tests(text: &str) -> &str {
    let mut at = 0;
    while let Some(i) = text[at..].find("#[cfg(test)]") {
        let start = at + i;
        let rest = text[start + "#[cfg(test)]".len()..].trim_start();
        let rest = if rest.starts_with("#[path") {
            rest.split_once('\n').map_or("", |(_, r)| r).trim_start()
        } else {
            rest
        };
        if rest.starts_with("mod ") {
            return &text[..start];
        }
        at = start + 1;
    }
    text
}

/// Every module named by a `crate::` path in `text` (`crate::web::views` as `views`).
fn named(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if word == "web" && rest["web".len()..].starts_with("::views") {
            out.insert("views".to_owned());
        } else if !word.is_empty() {
            out.insert(word);
        }
    }
    out
}

/// Every Rust file under `src/` with its text (for the tests that read the code itself).
pub(crate) fn rust_sources() -> Vec<(std::path::PathBuf, String)> {
    let mut files = Vec::new();
    walk(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        &mut files,
    );
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            (p, text)
        })
        .collect()
}

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn every_import_is_an_edge_the_layer_table_allows() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    assert!(files.len() > 50, "the walk found the sources");
    let mut wrong = Vec::new();
    for path in files {
        let relative = path.strip_prefix(&src).expect("under src");
        let name = relative.to_string_lossy();
        if name.ends_with("_tests.rs") || name == "lib.rs" || name == "main.rs" {
            continue; // test code, and the crate's roots
        }
        let from = module_of(relative);
        let text = std::fs::read_to_string(&path).expect("source");
        let allowed = ALLOWED
            .iter()
            .find(|(m, _)| *m == from)
            .map(|(_, to)| *to)
            .unwrap_or_else(|| panic!("{name}: module {from} is not in the layer table"));
        for to in named(without_tests(&text)) {
            if to != from
                && !CROSS_CUTTING.contains(&to.as_str())
                && !allowed.contains(&to.as_str())
            {
                wrong.push(format!("{name}: {from} → {to}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports the layer table does not allow:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_what_it_should() {
    assert_eq!(module_of(Path::new("web/views/staff.rs")), "views");
    assert_eq!(module_of(Path::new("web/staff.rs")), "web");
    assert_eq!(module_of(Path::new("config.rs")), "config");
    let text = "use crate::db::x;\nfn f() { crate::web::views::a(); }\n#[cfg(test)]\nmod tests { use crate::cli; }";
    assert_eq!(
        named(without_tests(text)),
        ["db", "views"].into_iter().map(String::from).collect()
    );
}
