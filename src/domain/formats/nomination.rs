//! Nominations import (SPEC §10): a UTF-8 CSV, one row per (KAM, rater) nomination, checked
//! row by row. The whole file is refused if any row is bad, and every bad row is named as
//! `line N: reason` (the header is line 1).

use std::collections::HashMap;

use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::security::email_address::EmailAddress;

/// The columns of the file, in order.
pub const COLUMNS: [&str; 9] = [
    "subject_email",
    "subject_name",
    "supervisor_email",
    "supervisor_name",
    "rater_email",
    "rater_name",
    "relationship",
    "locale",
    "organization",
];

/// A small file an admin can start from: one KAM with a row for each relationship (the
/// self-assessment and the supervisor's own rating are rows too). It passes [`parse`].
pub const SAMPLE: &str = "\
subject_email,subject_name,supervisor_email,supervisor_name,rater_email,rater_name,relationship,locale,organization
wang.fang@example.com,王芳,zhang.wei@example.com,张伟,wang.fang@example.com,王芳,self,zh,
wang.fang@example.com,王芳,zhang.wei@example.com,张伟,zhang.wei@example.com,张伟,supervisor,zh,
wang.fang@example.com,王芳,zhang.wei@example.com,张伟,li.na@client.example,Li Na,customer,en,Client Co.
wang.fang@example.com,王芳,zhang.wei@example.com,张伟,chen.jie@example.com,陈杰,peer,zh,Finance
wang.fang@example.com,王芳,zhang.wei@example.com,张伟,zhao.lei@example.com,赵磊,team,zh,Key Accounts
";

/// Rows a file may hold.
pub const MAX_ROWS: usize = 10_000;
const MAX_NAME: usize = 200;

/// A person named in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub email: EmailAddress,
    pub name: String,
}

/// One valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nomination {
    pub line: u64,
    pub subject: Person,
    pub supervisor: Person,
    pub rater: Person,
    pub relationship: Relationship,
    pub locale: Locale,
    pub organization: String,
}

/// A bad row (or a bad file, on line 1 or the line where it breaks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub line: u64,
    pub reason: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // the reason may quote the file: nothing in it may drive the terminal or forge a line
        write!(
            f,
            "line {}: {}",
            self.line,
            crate::domain::security::text::printable(&self.reason)
        )
    }
}

fn error(line: u64, reason: impl Into<String>) -> ImportError {
    ImportError {
        line,
        reason: reason.into(),
    }
}

/// Line numbers (1-based) from byte offsets, counting `\n` whatever the line endings
/// (`\r\n` as Excel writes them, or `\n`). Offsets come in increasing order, so each byte is
/// counted once.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Lines {
            bytes,
            at: 0,
            line: 1,
        }
    }

    /// The line of the record that the reader says starts at `offset`.
    fn of(&mut self, offset: u64) -> u64 {
        let mut end = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        // with \r\n endings the reader ends a record at \r, so the next one "starts" at \n
        while self
            .bytes
            .get(end)
            .is_some_and(|b| *b == b'\n' || *b == b'\r')
        {
            end += 1;
        }
        if end < self.at {
            self.at = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.at..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        self.at = end;
        self.line
    }
}

/// Parses the whole file. `Err` holds every problem found, in line order.
pub fn parse(bytes: &[u8]) -> Result<Vec<Nomination>, Vec<ImportError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        return Err(vec![error(
            line,
            "the file is not valid UTF-8 (save it as UTF-8 and import again)",
        )]);
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(vec![error(
            1,
            "the file is empty: a header row is required",
        )]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(vec![error(1, format!("unreadable header: {e}"))]),
        None => {
            return Err(vec![error(
                1,
                "the file is empty: a header row is required",
            )])
        }
    };
    let header: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if header != COLUMNS {
        return Err(vec![header_error(&header)]);
    }
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut count = 0usize;
    let mut lines = Lines::new(bytes);
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.of(p.byte()));
                errors.push(error(line, format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.of(p.byte()));
        if record.iter().all(|f| f.trim().is_empty()) {
            continue; // blank line
        }
        count += 1;
        if count > MAX_ROWS {
            return Err(vec![error(
                line,
                format!("the file has more than {MAX_ROWS} rows; split it into smaller files"),
            )]);
        }
        match row(line, &record) {
            Ok(n) => rows.push(n),
            Err(reason) => errors.push(error(line, reason)),
        }
    }
    errors.extend(cross_row_errors(&rows));
    if rows.is_empty() && errors.is_empty() {
        errors.push(error(1, "the file has a header but no nominations"));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

fn header_error(header: &[String]) -> ImportError {
    if let Some(missing) = COLUMNS.iter().find(|c| !header.iter().any(|h| h == *c)) {
        return error(
            1,
            format!(
                "missing column '{missing}' (expected: {})",
                COLUMNS.join(", ")
            ),
        );
    }
    if let Some(extra) = header.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return error(
            1,
            format!(
                "unknown column '{extra}' (expected: {})",
                COLUMNS.join(", ")
            ),
        );
    }
    error(
        1,
        format!(
            "columns out of order or repeated (expected: {})",
            COLUMNS.join(", ")
        ),
    )
}

fn row(line: u64, record: &csv::StringRecord) -> Result<Nomination, String> {
    if record.len() != COLUMNS.len() {
        let which = if record.len() < COLUMNS.len() {
            "missing column"
        } else {
            "extra column"
        };
        return Err(format!(
            "{which}: expected {} fields, found {}",
            COLUMNS.len(),
            record.len()
        ));
    }
    let field = |i: usize| record.get(i).unwrap_or("").trim();
    for (i, name) in COLUMNS.iter().enumerate() {
        let optional = *name == "organization";
        if field(i).is_empty() && !optional {
            return Err(format!("{name} is empty"));
        }
    }
    let email = |i: usize| {
        EmailAddress::parse(field(i)).ok_or_else(|| {
            format!(
                "{} is not a valid email address: '{}'",
                COLUMNS[i],
                field(i)
            )
        })
    };
    let name = |i: usize| -> Result<String, String> {
        let v = field(i);
        if v.chars().any(crate::domain::security::text::is_unsafe) {
            return Err(format!(
                "{} contains a line break, a control character or a text-direction control",
                COLUMNS[i]
            ));
        }
        if v.chars().count() > MAX_NAME {
            return Err(format!(
                "{} is longer than {MAX_NAME} characters",
                COLUMNS[i]
            ));
        }
        Ok(v.to_owned())
    };
    let subject = Person {
        email: email(0)?,
        name: name(1)?,
    };
    let supervisor = Person {
        email: email(2)?,
        name: name(3)?,
    };
    let rater = Person {
        email: email(4)?,
        name: name(5)?,
    };
    let relationship = Relationship::parse(&field(6).to_ascii_lowercase()).ok_or_else(|| {
        format!(
            "unknown relationship '{}' (expected customer, peer, team, self or supervisor)",
            field(6)
        )
    })?;
    let locale = Locale::parse(&field(7).to_ascii_lowercase())
        .ok_or_else(|| format!("unknown locale '{}' (expected zh or en)", field(7)))?;
    let organization = name(8)?;
    if subject.email == supervisor.email {
        return Err("a KAM cannot be their own supervisor".into());
    }
    match relationship {
        Relationship::SelfReview if rater.email != subject.email => {
            return Err(format!(
                "a self row must have the KAM as rater ({} is not {})",
                rater.email, subject.email
            ))
        }
        Relationship::Supervisor if rater.email != supervisor.email => {
            return Err(format!(
                "a supervisor row must have the KAM's supervisor as rater ({} is not {})",
                rater.email, supervisor.email
            ))
        }
        Relationship::Customer | Relationship::Peer | Relationship::Team => {
            if rater.email == subject.email {
                return Err("the KAM cannot rate themselves except in a self row".into());
            }
            if rater.email == supervisor.email {
                return Err(
                    "the KAM's supervisor rates in a supervisor row, not as customer, peer or team"
                        .into(),
                );
            }
            if organization.is_empty() {
                return Err(
                    "organization is empty (the customer's company or the colleague's department)"
                        .into(),
                );
            }
        }
        _ => {}
    }
    Ok(Nomination {
        line,
        subject,
        supervisor,
        rater,
        relationship,
        locale,
        organization,
    })
}

/// Duplicates and conflicting supervisors across rows.
fn cross_row_errors(rows: &[Nomination]) -> Vec<ImportError> {
    let mut errors = Vec::new();
    let mut pairs: HashMap<(&EmailAddress, &EmailAddress), u64> = HashMap::new();
    let mut supervisors: HashMap<&EmailAddress, (&EmailAddress, u64)> = HashMap::new();
    for n in rows {
        if let Some(first) = pairs.insert((&n.subject.email, &n.rater.email), n.line) {
            pairs.insert((&n.subject.email, &n.rater.email), first);
            errors.push(error(
                n.line,
                format!(
                    "duplicate nomination: {} already rates {} on line {first}",
                    n.rater.email, n.subject.email
                ),
            ));
        }
        match supervisors.get(&n.subject.email) {
            Some((sup, first)) if *sup != &n.supervisor.email => errors.push(error(
                n.line,
                format!(
                    "{} has two different supervisors: {} (line {first}) and {}",
                    n.subject.email, sup, n.supervisor.email
                ),
            )),
            Some(_) => {}
            None => {
                supervisors.insert(&n.subject.email, (&n.supervisor.email, n.line));
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "subject_email,subject_name,supervisor_email,supervisor_name,rater_email,rater_name,relationship,locale,organization\n";

    fn file(rows: &[&str]) -> Vec<u8> {
        let mut s = HEADER.to_owned();
        for r in rows {
            s.push_str(r);
            s.push('\n');
        }
        s.into_bytes()
    }

    fn reasons(rows: &[&str]) -> Vec<String> {
        parse(&file(rows))
            .expect_err("should fail")
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    const OK: &str =
        "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,c1@client.cn,Zhao Lei,customer,zh,Client Co";

    #[test]
    fn the_sample_parses_with_every_relationship() {
        assert!(SAMPLE.starts_with(&COLUMNS.join(",")));
        let rows = parse(SAMPLE.as_bytes()).expect("the sample is a good file");
        let mut seen: Vec<Relationship> = rows.iter().map(|n| n.relationship).collect();
        seen.sort_by_key(|r| r.as_str());
        seen.dedup();
        assert_eq!(seen.len(), Relationship::ALL.len(), "{seen:?}");
    }

    #[test]
    fn crlf_files_name_the_right_lines() {
        // Excel writes \r\n: the header is line 1 whatever the line endings
        let text = format!(
            "{}\r\n{OK}\r\nkam@t.cn,Wang Fang,boss@t.cn,Li Ming,nope,X,customer,zh,Co\r\n{OK}\r\n",
            HEADER.trim_end()
        );
        let errors = parse(text.as_bytes()).expect_err("bad row");
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4], "{errors:?}");
        assert!(errors[1].reason.contains("on line 2"), "{errors:?}");
    }

    #[test]
    fn control_and_direction_characters_never_reach_a_terminal() {
        let evil = "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,c2@client.cn,Zhao\u{1b}[2J\u{7}Lei,customer,zh,Co";
        let got = reasons(&[evil]).join("\n");
        assert!(!got.contains('\u{1b}') && !got.contains('\u{7}'), "{got:?}");
        let bidi =
            "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,c2@client.cn,Zhao\u{202E}ieL,customer,zh,Co";
        let got = reasons(&[bidi]);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains("text-direction control"), "{got:?}");
        // a bad address is quoted in the message, escaped
        let quoted = "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,x\u{1b}]0;pwned\u{7}@@,Z,customer,zh,Co";
        let got = reasons(&[quoted]).join("\n");
        assert!(
            got.contains("\\u{1b}") && !got.contains('\u{1b}'),
            "{got:?}"
        );
        assert_eq!(got.lines().count(), 1, "no forged line: {got:?}");
    }

    #[test]
    fn a_good_file_parses_with_a_bom() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(file(&[
            OK,
            "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,kam@t.cn,Wang Fang,self,en,",
            "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,boss@t.cn,Li Ming,supervisor,zh,",
        ]));
        let rows = parse(&bytes).expect("valid");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].relationship, Relationship::Customer);
        assert_eq!(rows[1].locale, Locale::En);
    }

    #[test]
    fn missing_and_extra_columns_are_named() {
        let r = reasons(&[
            "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,c1@client.cn,Zhao Lei,customer,zh",
            &format!("{OK},x"),
        ]);
        assert_eq!(
            r,
            vec![
                "line 2: missing column: expected 9 fields, found 8",
                "line 3: extra column: expected 9 fields, found 10"
            ]
        );
    }

    #[test]
    fn bad_header_is_line_1() {
        let e = parse(b"subject_email,name\n").expect_err("bad");
        assert!(
            e[0].to_string()
                .starts_with("line 1: missing column 'subject_name'"),
            "{:?}",
            e
        );
        let e = parse(format!("{},notes\n", HEADER.trim_end()).as_bytes()).expect_err("bad");
        assert!(
            e[0].to_string()
                .starts_with("line 1: unknown column 'notes'"),
            "{:?}",
            e
        );
    }

    #[test]
    fn malformed_email_unknown_relationship_and_locale() {
        let r = reasons(&[
            "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,not-an-email,Zhao Lei,customer,zh,Client",
            "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,c2@client.cn,Zhao Lei,friend,zh,Client",
            "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,c3@client.cn,Zhao Lei,customer,fr,Client",
        ]);
        assert!(
            r[0].starts_with("line 2: rater_email is not a valid email address"),
            "{r:?}"
        );
        assert!(
            r[1].starts_with("line 3: unknown relationship 'friend'"),
            "{r:?}"
        );
        assert!(r[2].starts_with("line 4: unknown locale 'fr'"), "{r:?}");
    }

    #[test]
    fn duplicates_are_named_with_the_first_line() {
        let r = reasons(&[OK, OK]);
        assert_eq!(
            r,
            vec!["line 3: duplicate nomination: c1@client.cn already rates kam@t.cn on line 2"]
        );
    }

    #[test]
    fn self_and_supervisor_rows_must_name_the_right_rater() {
        let r = reasons(&[
            "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,other@t.cn,Other,self,zh,",
            "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,other2@t.cn,Other,supervisor,zh,",
        ]);
        assert!(
            r[0].starts_with("line 2: a self row must have the KAM as rater"),
            "{r:?}"
        );
        assert!(
            r[1].starts_with("line 3: a supervisor row must have the KAM's supervisor as rater"),
            "{r:?}"
        );
    }

    #[test]
    fn two_supervisors_for_one_kam_are_refused() {
        let r = reasons(&[
            OK,
            "kam@t.cn,Wang Fang,boss2@t.cn,Chen,c2@client.cn,Zhao,customer,zh,Client",
        ]);
        assert_eq!(
            r,
            vec![
                "line 3: kam@t.cn has two different supervisors: boss@t.cn (line 2) and boss2@t.cn"
            ]
        );
    }

    #[test]
    fn empty_required_fields_are_named() {
        let r = reasons(&[
            "kam@t.cn,,boss@t.cn,Li Ming,c1@client.cn,Zhao Lei,customer,zh,Client",
            "kam@t.cn,Wang Fang,boss@t.cn,Li Ming,c2@client.cn,Zhao Lei,customer,zh,",
        ]);
        assert_eq!(r[0], "line 2: subject_name is empty");
        assert!(r[1].starts_with("line 3: organization is empty"), "{r:?}");
    }

    #[test]
    fn non_utf8_is_refused_with_its_line() {
        let mut bytes = file(&[OK]);
        bytes.extend(b"kam@t.cn,Wang \xff\xfe,boss@t.cn,Li,c9@client.cn,Z,customer,zh,C\n");
        let e = parse(&bytes).expect_err("bad");
        assert_eq!(
            e[0].to_string(),
            "line 3: the file is not valid UTF-8 (save it as UTF-8 and import again)"
        );
    }

    #[test]
    fn more_than_10000_rows_are_refused() {
        let rows: Vec<String> = (0..=MAX_ROWS)
            .map(|i| format!("kam@t.cn,K,boss@t.cn,B,r{i}@c.cn,R,customer,zh,C"))
            .collect();
        let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
        let r = reasons(&refs);
        assert_eq!(
            r,
            vec!["line 10002: the file has more than 10000 rows; split it into smaller files"]
        );
    }

    #[test]
    fn empty_file_and_header_only_are_refused() {
        assert_eq!(parse(b"").expect_err("empty")[0].line, 1);
        assert!(parse(HEADER.as_bytes()).expect_err("no rows")[0]
            .reason
            .contains("no nominations"));
    }

    #[test]
    fn names_with_line_breaks_are_refused() {
        let r = reasons(&["kam@t.cn,\"Wang\r\nBcc: x@y.z\",boss@t.cn,Li Ming,c1@client.cn,Zhao Lei,customer,zh,Client"]);
        assert_eq!(
            r,
            vec!["line 2: subject_name contains a line break, a control character or a text-direction control"]
        );
    }
}
