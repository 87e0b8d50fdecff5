//! Email addresses as kam360 accepts them: trimmed, lowercased, one `@`, no spaces or control
//! characters, a dotted domain.

/// A validated, normalised email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses and normalises (lowercase) an address.
    pub fn parse(s: &str) -> Option<EmailAddress> {
        let s = s.trim();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return None;
        }
        let (local, domain) = s.split_once('@')?;
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || s.contains(['<', '>', ',', ';', '"', '(', ')', '[', ']', '\\'])
        {
            return None;
        }
        let labels_ok = domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
        labels_ok.then(|| EmailAddress(s.to_lowercase()))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The mailbox the address delivers to: without a `+tag` in its local part
    /// (`kam+x@t.cn` is `kam@t.cn`'s), so that one person cannot pass for two.
    pub fn mailbox(&self) -> String {
        match self.0.split_once('@') {
            Some((local, domain)) => {
                let base = local.split_once('+').map_or(local, |(base, _)| base);
                format!("{base}@{domain}")
            }
            None => self.0.clone(),
        }
    }

    /// Whether `other` (any spelling) delivers to the same mailbox.
    pub fn same_mailbox(&self, other: &str) -> bool {
        EmailAddress::parse(other).is_some_and(|o| o.mailbox() == self.mailbox())
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses_are_normalised() {
        assert_eq!(
            EmailAddress::parse(" Li.Wei@Example.CN ").map(|e| e.0),
            Some("li.wei@example.cn".into())
        );
        assert!(EmailAddress::parse("a+b@sub.example.com").is_some());
    }

    #[test]
    fn a_plus_tag_names_the_same_mailbox() {
        let a = EmailAddress::parse("Kam+Customer@T.cn").expect("address");
        assert_eq!(a.mailbox(), "kam@t.cn");
        assert!(a.same_mailbox("kam@t.cn") && a.same_mailbox("KAM+other@t.cn"));
        assert!(!a.same_mailbox("kam2@t.cn") && !a.same_mailbox("kam@t.com"));
    }

    #[test]
    fn bad_addresses_are_refused() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a b@c.com",
            "a@@b.com",
            "a@b..com",
            "a@.b.com",
            "a@b.com\r\nBcc: x@y.z",
            "<a@b.com>",
            "a@b_c.com",
        ] {
            assert!(EmailAddress::parse(bad).is_none(), "{bad:?} accepted");
        }
    }
}
