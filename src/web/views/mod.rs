//! Pure functions from data to HTML (maud escapes every interpolation).

pub mod admin;
pub mod assets;
pub mod audit;
pub mod charts;
pub mod email_request;
pub mod fragments;
pub mod layout;
pub mod link_request;
pub mod password_reset;
pub mod proposal;
pub mod rater;
pub mod reconcile;
pub mod release;
pub mod review_model;
pub mod review_report;
pub mod setup;
pub mod staff;
pub mod supervisor;
pub mod team;

#[cfg(test)]
mod tests {
    /// XSS-2: nothing bypasses maud's escaping except `fragments::Escaped`, which only holds
    /// what maud rendered (escaped text, or rendered markup cut in two). The guard checks the
    /// property, not a word: no pre-escaped maud markup anywhere, no `impl Render` (a type that writes its
    /// own bytes) outside `fragments.rs`, and `Escaped` cannot be built outside that file.
    #[test]
    fn only_fragments_write_markup_maud_did_not_escape() {
        let fragments = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web/views/fragments.rs");
        let pre_escaped = ["Pre", "Escaped"].concat();
        let renders = [
            ["impl ", "Render for"].concat(),
            ["impl maud::", "Render for"].concat(),
        ];
        let mut seen_render = 0;
        for (path, text) in crate::architecture_tests::rust_sources() {
            let shown = path.display();
            assert!(
                !text.contains(&pre_escaped),
                "{shown} uses unescaped markup"
            );
            let impls = renders
                .iter()
                .map(|r| text.matches(r.as_str()).count())
                .sum::<usize>();
            if path == std::path::Path::new(fragments) {
                seen_render += impls;
                let public = ["pub struct Escaped(", "pub "].concat();
                assert!(
                    !text.contains(&public),
                    "Escaped's contents must stay private"
                );
            } else {
                assert_eq!(
                    impls, 0,
                    "{shown} implements Render: write markup with html!"
                );
            }
        }

        assert!(
            seen_render > 0,
            "the scan found fragments.rs's own Render impl"
        );
    }
}
